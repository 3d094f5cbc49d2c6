// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.cli.CliRun;
import dev.bioref.sim.UvmSimulation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./bioref simulate --stack uvm} in both modes: fixed passes; faithful fails with a named
 * rough edge, and its replay line reproduces the same failure at the same operation.
 */
@org.junit.jupiter.api.Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)   // a hang is a failure
class UvmSimulationTest {
    static UvmSimulation.Options opts(UvmMode mode, long seed, int ops) {
        UvmSimulation.Options o = new UvmSimulation.Options();
        o.mode = mode;
        o.seed = seed;
        o.ops = ops;
        o.crashEvery = 500;
        o.writeFaultRate = 0.01;
        return o;
    }

    @Test
    void fixedModePasses() {
        for (long seed : new long[] {7}) {
            UvmSimulation.Result r = UvmSimulation.run(opts(UvmMode.FIXED, seed, 1200));
            assertTrue(r.ok(), "seed " + seed + ": " + r.failure());
            assertEquals(1200, r.ops());
            assertTrue(r.faultsInjected() > 0 && r.crashPoints() > 0 && r.recycles() > 0 && r.truncates() > 0, r.toString());
        }
    }

    @Test
    void faithfulModeFailsWithANamedRoughEdgeAndReplays() {
        UvmSimulation.Options o = opts(UvmMode.FAITHFUL, 7, 2500);
        UvmSimulation.Result r = UvmSimulation.run(o);
        assertFalse(r.ok());
        assertNotNull(UvmSimulation.roughEdgeOf(r.failure()), r.failure());
        UvmSimulation.Result again = UvmSimulation.run(o);
        assertEquals(r.failure(), again.failure());
        assertEquals(r.failedAtOp(), again.failedAtOp());
        // with the first flaw fixed, the run goes on to the next one
        o.fix.add("re12SyncVrefsFreeVnode");
        UvmSimulation.Result next = UvmSimulation.run(o);
        assertFalse(next.ok());
        assertTrue(next.failedAtOp() > r.failedAtOp(), next.failure());
    }

    @Test
    void cli() {
        CliRun ok = CliRun.of("simulate", "--stack", "uvm", "--mode", "fixed", "--seed", "7", "--ops", "300");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("result            OK"), ok.out());
        CliRun bad = CliRun.of("simulate", "--stack", "uvm", "--mode", "faithful", "--seed", "7", "--ops", "300");
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.out().contains("replay: ./bioref simulate --stack uvm --mode faithful --seed 7 --ops 300"), bad.out());
        assertTrue(bad.out().contains("rough edge: RE-12"), bad.out());
        assertEquals(2, CliRun.of("simulate", "--stack", "uvm", "--mode", "sloppy").code());
        assertEquals(2, CliRun.of("simulate", "--stack", "zfs").code());
        assertEquals(2, CliRun.of("simulate", "--stack", "uvm", "--fix", "re99Nothing").code());
    }
}
