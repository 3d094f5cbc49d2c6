// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.cli.CliRun;
import dev.bioref.sim.SimOptions;
import dev.bioref.sim.Simulation;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.*;

/** The simulation engine and the {@code ./bioref simulate} command: pass, fail with a replay line, usage errors. */
class SimulationTest {

    static SimOptions small(long seed) {
        SimOptions o = new SimOptions();
        o.seed = seed;
        o.ops = 1500;
        o.keys = 60;
        o.crashEvery = 400;
        o.writeFaultRate = 0.004;
        return o;
    }

    @Test void seededRunsPassAndCrashAndInjectFaults() {
        long crashes = 0, faults = 0, states = 0;
        for (long seed = 1; seed <= 3; seed++) {
            Simulation.Result r = Simulation.run(small(seed), null);
            assertTrue(r.ok(), "seed " + seed + ": " + r.failures());
            crashes += r.crashes();
            faults += r.faults();
            states += r.crashStates();
            assertTrue(r.invariantChecks() > 0 && r.flushCycles() > 0, String.valueOf(r));
        }
        assertTrue(crashes >= 9, "crashes " + crashes);
        assertTrue(faults >= 1, "no write fault was injected");
        assertTrue(states > 100, "crash states " + states);
    }

    @Test void sameSeedSameRun() {
        Simulation.Result a = Simulation.run(small(7), null);
        Simulation.Result b = Simulation.run(small(7), null);
        assertEquals(a.ops(), b.ops());
        assertEquals(a.flushCycles(), b.flushCycles());
        assertEquals(a.crashStates(), b.crashStates());
        assertEquals(a.faults(), b.faults());
    }

    @Test void version3Passes() {
        SimOptions o = small(2);
        o.version = HammerOndisk.VERSION_3;
        Simulation.Result r = Simulation.run(o, null);
        assertTrue(r.ok(), String.valueOf(r.failures()));
    }

    @Test void threadedRunPasses() {
        SimOptions o = small(3);
        o.threads = 3;
        o.writeFaultRate = 0;
        Simulation.Result r = Simulation.run(o, null);
        assertTrue(r.ok(), String.valueOf(r.failures()));
        assertFalse(r.deterministic());
    }

    @Test void commandPrintsASummaryAndExitsZero() {
        CliRun r = CliRun.of("simulate", "--seed", "5", "--ops", "800", "--keys", "40", "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String s : new String[] {"operations", "flush cycles", "crashes", "crash states", "faults injected",
                "invariant checks", "result            OK"}) {
            assertTrue(r.out().contains(s), s + " missing in\n" + r.out());
        }
    }

    @Test void aMutantFailsWithTheReplayCommandAndExitOne() {
        CliRun r = CliRun.of("simulate", "--seed", "1", "--ops", "1200", "--keys", "40", "--no-progress",
                "--finalize-check-every", "1", "--mutation", "firstOffsetNotLagged");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("result            FAILED"), r.out());
        assertTrue(r.out().contains("replay: ./bioref simulate --seed 1 --ops 1200 --keys 40 --finalize-check-every 1 --mutation firstOffsetNotLagged"), r.out());
    }

    @Test void badOptionsAreUsageErrors() {
        assertEquals(2, CliRun.of("simulate", "--threads", "0").code());
        assertEquals(2, CliRun.of("simulate", "--device", "tape").code());
        CliRun r = CliRun.of("simulate", "--mutation", "noSuchGuard");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("noSuchGuard"), r.err());
    }
}
