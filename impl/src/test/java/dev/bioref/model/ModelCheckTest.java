// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner end to end on a tiny spec (Counter.tla, in the test resources): TLC forked for
 * real, outcomes classified, a mutant that passes fails the run, a changed count warns.
 */
class ModelCheckTest {

    static Path tinySpecs() throws URISyntaxException {
        return Path.of(ModelCheckTest.class.getResource("tla/Counter.tla").toURI()).getParent();
    }

    private static ModelCheck check(Path specs, Path out, ByteArrayOutputStream log) {
        return new ModelCheck(new TlcRunner(specs, out, "1", "256m", 120), out,
                new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Test
    void manifestRowsAreRunAndJudged(@TempDir Path out) throws Exception {
        Path specs = tinySpecs();
        Manifest m = Manifest.read(specs.resolve("expected-results.tsv"));
        assertEquals(2, m.active(false).size());
        assertEquals(3, m.active(true).size());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ModelCheck mc = check(specs, out, log);

        ModelCheck.Checked pass = mc.check(m.rows().get(0));
        assertTrue(pass.ok(), pass.reason() + "\n" + log);
        assertEquals(TlcResult.Outcome.PASS, pass.result().outcome());
        assertEquals(OptionalLong.of(9), pass.result().distinct());
        assertTrue(pass.warnings().isEmpty(), pass.warnings().toString());

        ModelCheck.Checked mutant = mc.check(m.rows().get(1));
        assertTrue(mutant.ok(), mutant.reason() + "\n" + log);
        assertEquals(TlcResult.Outcome.INVARIANT_VIOLATED, mutant.result().outcome());
        assertEquals("BoundInv", mutant.result().property());
        assertEquals("IncX", mutant.result().trace().steps().get(mutant.result().trace().steps().size() - 1).action());
        assertTrue(Files.readString(out.resolve("traces/Counter_SkipGuard.txt")).contains("IncX"));

        // the thorough row claims the correct model is broken: it passes, so the run must fail
        ModelCheck.Checked unexpectedPass = mc.check(m.rows().get(2));
        assertFalse(unexpectedPass.ok());
        assertTrue(unexpectedPass.reason().startsWith("mutant passed"), unexpectedPass.reason());
        assertFalse(ModelCheck.allOk(List.of(pass, mutant, unexpectedPass)));

        String md = mc.writeSummary(List.of(pass, mutant, unexpectedPass));
        assertTrue(md.contains("| Counter_SkipGuard.cfg | violation of BoundInv | violated BoundInv |"), md);
        assertTrue(md.contains("3 models, 2 as expected, 1 failed"), md);
        assertTrue(Files.readString(out.resolve("tlc-summary.tsv")).lines().count() == 4);
    }

    @Test
    void changedCountWarnsButDoesNotFail(@TempDir Path out) throws Exception {
        Path specs = tinySpecs();
        Manifest m = Manifest.parse(Path.of("test.tsv"), List.of(String.join("\t", Manifest.COLUMNS),
                "Counter.cfg\tCounter\tdefault\tpass\t-\t10\t13\t5"));
        ModelCheck.Checked c = check(specs, out, new ByteArrayOutputStream()).check(m.rows().get(0));
        assertTrue(c.ok(), c.reason());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).startsWith("distinct states changed: recorded 10, now 9"), c.warnings().get(0));
    }

    @Test
    void tlcErrorFailsLoudlyWithTlcsOutput(@TempDir Path out) throws Exception {
        Path specs = tinySpecs();
        Manifest m = Manifest.parse(Path.of("test.tsv"), List.of(String.join("\t", Manifest.COLUMNS),
                "Counter_Broken.cfg\tCounter\tdefault\tpass\t-\t-\t-\t-"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ModelCheck.Checked c = check(specs, out, log).check(m.rows().get(0));
        assertFalse(c.ok());
        assertEquals(TlcResult.Outcome.ERROR, c.result().outcome());
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("---- TLC output") && printed.contains("NoSuchInv"), printed);
    }

    @Test
    void aTlcRunPastItsTimeoutIsKilledAndIsAnError(@TempDir Path out) throws Exception {
        TlcResult r = new TlcRunner(tinySpecs(), out, "1", "256m", 0).run("Counter.cfg", "Counter");
        assertEquals(TlcResult.Outcome.ERROR, r.outcome());
        assertTrue(r.output().contains("TLC killed after 0 s"), r.output());
    }

    @Test
    void badArgumentsNameTheBadValue(@TempDir Path out) throws Exception {
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> new TlcRunner(tinySpecs(), out, "two", "256m", 10));
        assertTrue(w.getMessage().contains("'two'"), w.getMessage());
        TlcRunner runner = new TlcRunner(tinySpecs(), out, "1", "256m", 10);
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> runner.run("Nope.cfg", "Counter"));
        assertTrue(c.getMessage().contains("Nope.cfg"), c.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> runner.run("Counter.cfg", "MCNope"));
        assertTrue(m.getMessage().contains("MCNope.tla"), m.getMessage());
    }

    @Test
    void wrongViolatedPropertyFails() {
        Manifest m = Manifest.parse(Path.of("t.tsv"), List.of(String.join("\t", Manifest.COLUMNS),
                "X.cfg\tMCX\tdefault\tviolation\tAInv\t-\t-\t-"));
        TlcResult r = TlcOutput.parse("Error: Invariant BInv is violated.\n", 12, List.of());
        ModelCheck.Checked c = ModelCheck.judge(m.rows().get(0), r);
        assertFalse(c.ok());
        assertTrue(c.reason().contains("expected AInv to be violated, TLC reported violated BInv"), c.reason());
    }

    @Test
    void malformedManifestNamesTheLineAndValue() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Manifest.parse(Path.of("m.tsv"),
                List.of(String.join("\t", Manifest.COLUMNS), "# c", "X.cfg\tMCX\tnightly\tpass\t-\t-\t-\t-")));
        assertTrue(e.getMessage().contains("m.tsv:3") && e.getMessage().contains("nightly"), e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> Manifest.parse(Path.of("m.tsv"),
                List.of(String.join("\t", Manifest.COLUMNS), "X.cfg\tMCX\tdefault\tviolation\t-\t-\t-\t-")));
        assertTrue(v.getMessage().contains("must name the property"), v.getMessage());
    }

    @Test
    void aChangedDepthIsReportedOnlyWhenTheDepthIsExact() {
        Manifest m = Manifest.parse(Path.of("t.tsv"), List.of(String.join("\t", Manifest.COLUMNS),
                "X.cfg\tMCX\tdefault\tpass\t-\t10\t20\t4"));
        TlcResult r = TlcOutput.parse("""
                Model checking completed. No error has been found.
                20 states generated, 10 distinct states found, 0 states left on queue.
                The depth of the complete state graph search is 5.
                """, 0, List.of());
        ModelCheck.Checked one = ModelCheck.judge(m.rows().get(0), r, true);
        assertTrue(one.ok(), one.reason());
        assertEquals(List.of("depth changed: recorded 4, now 5 (update specs/expected-results.tsv if intended)"), one.warnings());
        ModelCheck.Checked several = ModelCheck.judge(m.rows().get(0), r, false);
        assertTrue(several.ok(), several.reason());
        assertEquals(List.of(), several.warnings(), "several workers: TLC's depth is not exact");
    }

    /** Which rows run TLC with C1 only: small recorded pass rows and default violation rows, never a big one. */
    @Test
    void onlySmallModelsRunWithC1Only() {
        Manifest.Row small = new Manifest.Row("A.cfg", "MCA", "default", Manifest.Expect.PASS, "-",
                OptionalLong.of(49_999), OptionalLong.empty(), OptionalLong.empty(), 1);
        Manifest.Row big = new Manifest.Row("B.cfg", "MCA", "default", Manifest.Expect.PASS, "-",
                OptionalLong.of(50_000), OptionalLong.empty(), OptionalLong.empty(), 2);
        Manifest.Row mutant = new Manifest.Row("C.cfg", "MCA", "default", Manifest.Expect.VIOLATION, "AInv",
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), 3);
        Manifest.Row unrecorded = new Manifest.Row("D.cfg", "MCA", "thorough", Manifest.Expect.PASS, "-",
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), 4);
        assertTrue(ModelCheck.small(small));
        assertFalse(ModelCheck.small(big));
        assertTrue(ModelCheck.small(mutant));
        assertFalse(ModelCheck.small(unrecorded));
        Path specs = Path.of("specs");
        TlcRunner runner = new TlcRunner(specs, specs, "1", "256m", 10);
        assertTrue(runner.command("A.cfg", "MCA", true).contains("-XX:TieredStopAtLevel=1"));
        assertFalse(runner.command("A.cfg", "MCA", false).contains("-XX:TieredStopAtLevel=1"));
        assertEquals(runner.command("A.cfg", "MCA", false), runner.command("A.cfg", "MCA"));
    }
}
