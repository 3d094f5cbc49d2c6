// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bioref model} on the runner's tiny test specs (Counter.tla). */
class ModelCommandTest {

    private static String specs() throws Exception {
        return Path.of(ModelCommandTest.class.getResource("/dev/bioref/model/tla/Counter.tla").toURI())
                .getParent().toString();
    }

    private record Run(int exit, String out, String err) { }

    private static Run run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            int exit = cl.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void listShowsTheDefaultRowsOrTheThoroughOnesToo() throws Exception {
        Run r = run("model", "--specs-dir", specs(), "--list");
        assertEquals(0, r.exit(), r.err());
        assertEquals(2, r.out().lines().count(), r.out());
        Run t = run("model", "--specs-dir", specs(), "--list", "--thorough");
        assertEquals(3, t.out().lines().count(), t.out());
    }

    @Test
    void aMutantThatPassesFailsTheRunWithExitStatusOne() throws Exception {
        // Counter.cfg names two rows: the default pass row and a thorough row claiming a violation
        Run r = run("model", "--specs-dir", specs(), "--workers", "1", "Counter.cfg");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("FAIL Counter.cfg: mutant passed"), r.out());
        assertTrue(r.out().contains("2 models, 1 as expected, 1 failed"), r.out());
    }

    @Test
    void anExpectedViolationPassesTheRun() throws Exception {
        Run r = run("model", "--specs-dir", specs(), "--workers", "1", "Counter_SkipGuard");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("OK   Counter_SkipGuard.cfg: violated BoundInv"), r.out());
        assertTrue(r.out().contains("  3  IncX"), r.out());
    }

    @Test
    void aMissingSpecsDirectoryIsAUsageErrorNamingIt() {
        Run r = run("model", "--specs-dir", "/no/such/dir", "--list");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("specs directory does not exist: /no/such/dir"), r.err());
    }

    @Test
    void anUnknownSpecIsAUsageError() throws Exception {
        Run r = run("model", "--specs-dir", specs(), "NoSuchSpec");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no model named 'NoSuchSpec'"), r.err());
    }

    @Test
    void simulateReportsRatesAndFindsTheMutantWithAReplayLine() throws Exception {
        // "Counter" names Counter.cfg, so it selects its two rows (default pass, thorough mutant) and Counter_SkipGuard.cfg
        Run r = run("model", "--specs-dir", specs(), "--simulate", "--depth", "10", "--traces", "20", "--seed", "3", "Counter");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("OK   Counter.cfg: no violation in 20 behaviours; 20 behaviours, 81 states checked,"
                + " 81 invariant checks (1 invariants) in "), r.out());
        assertTrue(r.out().contains(" behaviours/s, "), r.out());
        assertTrue(r.out().contains("OK   Counter_SkipGuard.cfg: violated BoundInv as the manifest expects"), r.out());
        assertTrue(r.out().contains("Replay: ./bioref model --simulate --depth 10 --traces 20 --seed 3 Counter_SkipGuard.cfg"), r.out());
        assertTrue(r.out().contains("OK   Counter.cfg: the expected violation of BoundInv was not drawn in 20 behaviours"), r.out());
        assertTrue(r.out().contains("3 models simulated, 3 as the manifest allows, 0 failed"), r.out());
    }

    @Test
    void simulationOptionsWithoutSimulateOrOutOfRangeAreUsageErrors() throws Exception {
        Run r = run("model", "--specs-dir", specs(), "--depth", "10", "Counter.cfg");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--depth, --traces and --seed need --simulate"), r.err());
        Run t = run("model", "--specs-dir", specs(), "--simulate", "--traces", "0", "Counter.cfg");
        assertEquals(2, t.exit());
        assertTrue(t.err().contains("--traces must be at least 1, was 0"), t.err());
    }
}
