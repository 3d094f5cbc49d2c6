// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.stress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EveryTestRan} on a saved JCStress 0.16 result blob, made on this project's 2-CPU
 * machine by
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false \
 *     -t 'dev.bioref.hammer.WaitVsComplete$|dev.bioref.buf.BdwriteVsCheckwrite$|SkippedThreeActors'</pre>
 * JCStress exited 0 and printed [OK] for two tests: BdwriteVsCheckwrite ran (32 samples),
 * WaitVsComplete (Mode.Termination) ran without a sample, SkippedThreeActors (3 actors) was
 * left out after the banner's "No scheduling is possible". If a JCStress upgrade changes the
 * blob's format or these behaviours, this test fails and the checker's reading must be redone.
 */
class EveryTestRanTest {
    static final String SAMPLE = "jcstress-0.16-sanity-sample.fixture.gz";
    static final String RAN = "dev.bioref.buf.BdwriteVsCheckwrite";
    static final String TERMINATION = "dev.bioref.hammer.WaitVsComplete";
    static final String SKIPPED = "dev.bioref.stress.broken.SkippedThreeActors";

    @TempDir Path dir;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private Path sample(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = EveryTestRanTest.class.getResourceAsStream(SAMPLE)) {
            if (in == null) throw new IOException("test resource " + SAMPLE + " missing");
            Files.copy(in, p);
        }
        return p;
    }

    private String printed() { return bytes.toString(StandardCharsets.UTF_8); }

    @Test
    void theSampleIsWhatJcstressWrote() throws IOException {
        Map<String, JcstressRun.Tally> r = JcstressRun.read(sample("b.bin.gz"));
        assertEquals(List.of(RAN, TERMINATION), List.copyOf(r.keySet()), "tests with results in the sample");
        assertTrue(r.get(RAN).samples() > 0, "BdwriteVsCheckwrite has samples");
        assertEquals(0, r.get(TERMINATION).samples(), "sanity mode runs no sample of a Termination test");
        assertTrue(JcstressRun.termination(TERMINATION));
        assertFalse(JcstressRun.termination(RAN));
        assertEquals(3, JcstressRun.threads(SKIPPED));
    }

    @Test
    void aSkippedTestFailsTheCheckNamingItAndWhy() throws IOException {
        Map<String, JcstressRun.Tally> r = JcstressRun.read(sample("b.bin.gz"));
        int status = EveryTestRan.check(List.of(RAN, SKIPPED, TERMINATION), "t", r, "sanity", 2, dir, out);
        assertEquals(1, status, printed());
        assertTrue(printed().contains("NOT RUN    " + SKIPPED + ": skipped by JCStress: 3 actors"), printed());
        assertTrue(printed().contains("need 3 CPUs, JCStress had 2"), printed());
        assertTrue(printed().contains("ran        " + RAN), printed());
        assertTrue(printed().contains("1 ran, 1 not run in this mode, 1 UNCHECKED, of 3 selected"), printed());
    }

    @Test
    void aTerminationTestInSanityModeIsListedNotFailed() throws IOException {
        Map<String, JcstressRun.Tally> r = JcstressRun.read(sample("b.bin.gz"));
        int status = EveryTestRan.check(List.of(RAN, TERMINATION), "t", r, "sanity", 2, dir, out);
        assertEquals(0, status, printed());
        assertTrue(printed().contains("not run in this mode (Mode.Termination, no samples in sanity;"
                + " their ordinary-mode twins check them): " + TERMINATION), printed());
    }

    @Test
    void aTestWithoutSamplesOutsideSanityFails() throws IOException {
        Map<String, JcstressRun.Tally> r = JcstressRun.read(sample("b.bin.gz"));
        int status = EveryTestRan.check(List.of(RAN, TERMINATION), "t", r, "quick", 2, dir, out);
        assertEquals(1, status, printed());
        assertTrue(printed().contains("NO SAMPLES " + TERMINATION + ": ran in "), printed());
    }

    @Test
    void aSkipOnAMachineWithEnoughCpusIsStillNamed() throws IOException {
        Map<String, JcstressRun.Tally> r = JcstressRun.read(sample("b.bin.gz"));
        int status = EveryTestRan.check(List.of(RAN, SKIPPED, TERMINATION), "t", r, "sanity", 8, dir, out);
        assertEquals(1, status, printed());
        assertTrue(printed().contains("NOT RUN    " + SKIPPED + ": absent from the results although it needs only 3 of 8 CPUs"),
                printed());
    }

    @Test
    void aBlobOfAnotherSelectionIsRefused() throws IOException {
        Map<String, JcstressRun.Tally> r = JcstressRun.read(sample("b.bin.gz"));
        assertEquals(1, EveryTestRan.check(List.of(TERMINATION), "t", r, "sanity", 2, dir, out), printed());
        assertTrue(printed().contains("not this run's: [" + RAN + "]"), printed());
        assertEquals(1, EveryTestRan.check(List.of(), "nothing", r, "sanity", 2, dir, out), printed());
        assertTrue(printed().contains("no test matches the selection"), printed());
    }

    @Test
    void theRunnerSelectsLikeJcstressAndConsumesTheBlob() throws IOException {
        Path blob = sample("jcstress-results-2026-12-04-14-49-11.bin.gz");
        String regex = "dev.bioref.hammer.WaitVsComplete$|dev.bioref.buf.BdwriteVsCheckwrite$|SkippedThreeActors";
        assertEquals(1, EveryTestRan.run(dir, regex, "sanity", 2, out), printed());
        assertTrue(printed().contains("NOT RUN    " + SKIPPED), printed());
        assertFalse(Files.exists(blob), "the blob is marked checked");
        assertTrue(Files.exists(dir.resolve(blob.getFileName() + ".checked")));
        // no new blob: the next check must not pass on the old one
        assertEquals(1, EveryTestRan.run(dir, "dev.bioref.buf.BdwriteVsCheckwrite$", "sanity", 2, out), printed());
        assertTrue(printed().contains("no jcstress-results-*.bin.gz in"), printed());
    }

    @Test
    void theRunnerPassesWhenEverySelectedTestRan() throws IOException {
        sample("jcstress-results-2026-12-04-14-49-11.bin.gz");
        sample("jcstress-results-2026-01-01-00-00-00.bin.gz");   // an older, unchecked one is ignored
        assertEquals(0, EveryTestRan.run(dir, "dev.bioref.hammer.WaitVsComplete$|dev.bioref.buf.BdwriteVsCheckwrite$",
                "sanity", 2, out), printed());
        assertTrue(Files.exists(dir.resolve("jcstress-results-2026-12-04-14-49-11.bin.gz.checked")));
    }
}
