// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing and judging of TLC's simulation mode, on transcripts of real TLC 2.18 runs. */
class SimulationTest {

    /** {@code tlc2.TLC -simulate num=200 -depth 50 -seed 7 -workers 1 -config MCHammerIoProtocol_DATA.cfg MCHammerIoProtocol}. */
    static final String PASS_RUN = """
            TLC2 Version 2.18 of 20 March 2023
            Running Random Simulation with seed 7 with 1 worker on 2 cores with 5358MB heap and 64MB offheap memory [pid: 7532] (Linux 6.18.44-fc-v1272 amd64, Debian 17.0.15 x86_64).
            Parsing file /work/wt/scale/specs/src/main/tla/MCHammerIoProtocol.tla
            Semantic processing of module MCHammerIoProtocol
            Starting... (2026-12-06 22:49:50)
            Computed 1 initial states...
            Progress: 10001 states checked.
            Finished in 17s at (2026-12-06 22:50:04)
            """;

    /** {@code -simulate num=200 -depth 30 -seed 7 -workers 1 -config MCBufCache_BpdoneNoRedirty.cfg MCBufCache}, trace shortened. */
    static final String VIOLATION_RUN = """
            TLC2 Version 2.18 of 20 March 2023
            Running Random Simulation with seed 7 with 1 worker on 2 cores with 5358MB heap and 64MB offheap memory [pid: 8807] (Linux 6.18.44-fc-v1272 amd64, Debian 17.0.15 x86_64).
            Starting... (2026-12-06 22:50:38)
            Computed 1 initial states...
            Error: Invariant NoSilentLossInv is violated.
            Error: The behavior up to this point is:
            State 1: <Initial predicate>
            /\\ nextVal = 1
            /\\ errors = 0

            State 2: <getblk_new line 188, col 5 to line 206, col 44 of module BufCache>
            /\\ nextVal = 1
            /\\ errors = 1

            The number of states generated: 69
            Simulation using seed 7 and aril 0
            Progress: 70 states checked.
            Finished in 05s at (2026-12-06 22:50:39)
            """;

    private static Manifest.Row row(Manifest.Expect expect, String property) {
        return new Manifest.Row("MCX.cfg", "MCX", "default", expect, property,
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), 2);
    }

    @Test
    void aPassingSimulationCountsBehavioursStatesAndInvariantChecks() {
        SimulationResult r = TlcOutput.parseSimulation(PASS_RUN, 0, List.of(), 3, 200, 50, 7, 2000);
        assertEquals(TlcResult.Outcome.PASS, r.outcome());
        assertEquals(OptionalLong.of(200), r.behaviours());
        assertEquals(OptionalLong.of(10001), r.statesChecked());
        assertEquals(OptionalLong.of(30003), r.invariantChecks());
        assertEquals(OptionalLong.of(100), SimulationResult.perSecond(r.behaviours(), r.wallMillis()));
        Simulation.Checked c = Simulation.judge(row(Manifest.Expect.PASS, "-"), r);
        assertTrue(c.ok(), c.reason());
        assertEquals("OK   MCX.cfg: no violation in 200 behaviours; 200 behaviours, 10001 states checked, 30003 invariant checks"
                + " (3 invariants) in 2.0 s: 100 behaviours/s, 5001 states/s, 15002 invariant checks/s", Simulation.line(c));
    }

    @Test
    void aViolationFailsAPassRowAndSatisfiesTheMutantRowThatNamesIt() {
        SimulationResult r = TlcOutput.parseSimulation(VIOLATION_RUN, 12, List.of(), 1, 200, 30, 7, 1000);
        assertEquals(TlcResult.Outcome.INVARIANT_VIOLATED, r.outcome());
        assertEquals("NoSilentLossInv", r.property());
        assertEquals(OptionalLong.of(70), r.statesChecked());
        assertEquals(OptionalLong.empty(), r.behaviours());
        assertEquals(2, r.trace().steps().size());
        assertFalse(Simulation.judge(row(Manifest.Expect.PASS, "-"), r).ok());
        assertTrue(Simulation.judge(row(Manifest.Expect.VIOLATION, "NoSilentLossInv"), r).ok());
        Simulation.Checked other = Simulation.judge(row(Manifest.Expect.VIOLATION, "OtherInv"), r);
        assertFalse(other.ok());
        assertTrue(other.reason().contains("expected OtherInv to be violated, the simulation found violated NoSilentLossInv"), other.reason());
    }

    @Test
    void aMutantNotDrawnIsReportedNotFailedAndAnErrorFails() {
        SimulationResult pass = TlcOutput.parseSimulation(PASS_RUN, 0, List.of(), 1, 200, 50, 7, 1000);
        Simulation.Checked c = Simulation.judge(row(Manifest.Expect.VIOLATION, "SafeInv"), pass);
        assertTrue(c.ok());
        assertTrue(c.reason().contains("was not drawn in 200 behaviours"), c.reason());
        SimulationResult killed = TlcOutput.parseSimulation(PASS_RUN.replace("Finished in 17s", ""), 0, List.of(), 1, 200, 50, 7, 1000);
        assertEquals(TlcResult.Outcome.ERROR, killed.outcome());
        assertFalse(Simulation.judge(row(Manifest.Expect.PASS, "-"), killed).ok());
        SimulationResult nonZero = TlcOutput.parseSimulation(PASS_RUN, 150, List.of(), 1, 200, 50, 7, 1000);
        assertEquals(TlcResult.Outcome.ERROR, nonZero.outcome());
    }

    @Test
    void cfgInvariantsStopAtTheNextKeyword() {
        assertEquals(List.of("AInv", "BInv"), TlcOutput.cfgInvariants("INVARIANTS AInv \\* c\n BInv\nPROPERTY LiveProp\n"));
        assertEquals(List.of("LiveProp"), TlcOutput.cfgProperties("INVARIANTS AInv\nPROPERTY LiveProp\nCHECK_DEADLOCK FALSE"));
    }

    @Test
    void badDepthOrTracesAreRejectedNamingTheValue() throws Exception {
        TlcRunner runner = new TlcRunner(ModelCheckTest.tinySpecs(), ModelCheckTest.tinySpecs(), "1", "256m", 60);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Simulation(runner, System.out, 0, 10, 1));
        assertTrue(e.getMessage().contains("depth must be at least 1, was 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Simulation(runner, System.out, 5, 0, 1));
        assertEquals(List.of("-simulate", "num=20", "-depth", "10", "-seed", "3"),
                runner.simulateCommand("Counter.cfg", "Counter", 10, 20, 3).subList(9, 15));
    }
}
