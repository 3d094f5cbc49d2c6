// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoverageTest {
    /** Two coverage reports as TLC 2.18 prints them (the periodic one first, then the final one). */
    private static final String OUTPUT = """
            The coverage statistics at 2026-12-07 04:19:00
            <Init line 119, col 1 to line 119, col 4 of module Hio>: 1:1
            <Ref line 175, col 1 to line 175, col 6 of module Hio>: 0:0
            End of statistics.
            Progress(40) at 2026-12-07 04:19:30: 1,000 states generated
            The coverage statistics at 2026-12-07 04:19:38
            <Init line 119, col 1 to line 119, col 4 of module Hio>: 1:1
            <Ref line 175, col 1 to line 175, col 6 of module Hio>: 265:1488
              |line 176, col 5 to line 176, col 18 of module Hio: 1488
            <RefWait line 190, col 1 to line 190, col 10 of module Hio>: 0:783
            <RelReget line 432, col 1 to line 432, col 11 of module Hio>: 0:0
            <TypeOK line 103, col 1 to line 103, col 6 of module Hio>
            End of statistics.
            """;

    private static Coverage.Action a(String name, int line) { return new Coverage.Action("Hio", name, line); }

    @Test
    void readsTheLastReportAndOnlyActions() {
        Map<Coverage.Action, Long> c = Coverage.parse(OUTPUT);
        assertEquals(Map.of(a("Ref", 175), 1488L, a("RefWait", 190), 783L, a("RelReget", 432), 0L), c);
        assertTrue(Coverage.parse("Model checking completed. No error has been found.\n").isEmpty());
    }

    @Test
    void anActionIsDeadOnlyIfNoRunFiredIt() {
        Map<Coverage.Action, Long> other = Map.of(a("RelReget", 432), 0L, a("Ref", 175), 0L);
        Map<Coverage.Action, Long> merged = Coverage.merge(List.of(Coverage.parse(OUTPUT), other));
        assertEquals(List.of(a("RelReget", 432)), Coverage.dead(merged));
        // RefWait generated 783 states but found no new one (distinct 0): it fired, it is not dead
        assertEquals(783L, merged.get(a("RefWait", 190)));
    }

    @Test
    void aDeadActionFailsUnlessAllowListedAndAStaleExceptionFails(@TempDir Path dir) throws Exception {
        Map<Coverage.Action, Long> merged = Coverage.parse(OUTPUT);
        List<String> none = Coverage.check("Hio", merged, List.of(), false);
        assertEquals(1, none.size(), none.toString());
        assertTrue(none.get(0).contains("Hio!RelReget (line 432) never fired"), none.get(0));

        Path file = dir.resolve("coverage-exceptions.tsv");
        Files.writeString(file, "# spec\taction\tscope\treason\nHio\tRelReget\tall\tunreachable: see the note\n", StandardCharsets.UTF_8);
        assertEquals(List.of(), Coverage.check("Hio", merged, Coverage.readExceptions(file), false));
        assertEquals(List.of(), Coverage.check("Hio", merged, Coverage.readExceptions(file), true));
        // an exception for another spec does not excuse this one
        assertEquals(1, Coverage.check("Other", Map.of(new Coverage.Action("Other", "RelReget", 3), 0L),
                Coverage.readExceptions(file), false).size());

        // a default-scope row excuses the default build only; with the thorough models it must fire
        Files.writeString(file, "Hio\tRelReget\tdefault\tcovered by a thorough model\n", StandardCharsets.UTF_8);
        assertEquals(List.of(), Coverage.check("Hio", merged, Coverage.readExceptions(file), false));
        assertEquals(1, Coverage.check("Hio", merged, Coverage.readExceptions(file), true).size());

        Files.writeString(file, "Hio\tRef\tall\twrongly listed\nHio\tNoSuch\tall\tmisspelt\nHio\tRelReget\tall\tok\n", StandardCharsets.UTF_8);
        List<String> stale = Coverage.check("Hio", merged, Coverage.readExceptions(file), false);
        assertEquals(2, stale.size(), stale.toString());
        assertTrue(stale.get(0).contains("line 1") && stale.get(0).contains("fired (1488"), stale.get(0));
        assertTrue(stale.get(1).contains("line 2") && stale.get(1).contains("no action NoSuch"), stale.get(1));
    }

    @Test
    void aMalformedExceptionLineIsRefusedWithItsLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("coverage-exceptions.tsv");
        Files.writeString(file, "# ok\nHio\tRelReget\tall\n", StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Coverage.readExceptions(file));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("Hio\tRelReget"), e.getMessage());
        Files.writeString(file, "Hio\tRelReget\tsometimes\twhy\n", StandardCharsets.UTF_8);
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> Coverage.readExceptions(file));
        assertTrue(s.getMessage().contains("'sometimes'") && s.getMessage().contains("line 1"), s.getMessage());
        assertEquals(List.of(), Coverage.readExceptions(dir.resolve("absent.tsv")));
    }

    private static Manifest.Row row(String cfg, Manifest.Expect expect, String property) {
        return new Manifest.Row(cfg, "MCX", "default", expect, property, OptionalLong.of(1000), OptionalLong.empty(),
                OptionalLong.empty(), 1);
    }

    @Test
    void onlyPassRowsThatAreNotLivenessModelsRunWithCoverage(@TempDir Path dir) {
        TlcRunner runner = new TlcRunner(dir, dir, "1", "256m", 10);
        ModelCheck on = new ModelCheck(runner, dir, System.out, true);
        assertTrue(on.coverage(row("MCX.cfg", Manifest.Expect.PASS, "-")));
        assertFalse(on.coverage(row("MCX_Liveness.cfg", Manifest.Expect.PASS, "-")));
        assertFalse(on.coverage(row("MCX_Mut.cfg", Manifest.Expect.VIOLATION, "XInv")));
        assertFalse(new ModelCheck(runner, dir, System.out).coverage(row("MCX.cfg", Manifest.Expect.PASS, "-")));
        // a big model (or one without a recorded count) only when the limit is off (0, the thorough profile)
        Manifest.Row big = new Manifest.Row("MCX_Big.cfg", "MCX", "default", Manifest.Expect.PASS, "-",
                OptionalLong.of(ModelCheck.COVERAGE_MAX_DISTINCT), OptionalLong.empty(), OptionalLong.empty(), 2);
        assertEquals(ModelCheck.COVERAGE_MAX_DISTINCT <= 0, on.coverage(big));
        List<String> with = runner.command("MCX.cfg", "MCX", true, true);
        assertEquals("60", with.get(with.indexOf("-coverage") + 1), with.toString());
        assertFalse(runner.command("MCX.cfg", "MCX", true, false).contains("-coverage"));
        assertEquals(runner.command("MCX.cfg", "MCX", true, false), runner.command("MCX.cfg", "MCX", true));
    }
}
