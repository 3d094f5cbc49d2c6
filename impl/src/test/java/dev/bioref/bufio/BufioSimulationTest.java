// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.cli.CliRun;
import dev.bioref.sim.BufioSimulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./bioref simulate --stack bufio}: passes at seed 7, is deterministic, and fails with the replay line when a guard is off. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BufioSimulationTest {

    static BufioSimulation.Options small(long seed) {
        BufioSimulation.Options o = new BufioSimulation.Options();
        o.seed = seed;
        o.ops = 1200;
        o.blocks = 64;
        o.crashEvery = 400;
        o.writeFaultRate = 0.01;
        return o;
    }

    @Test void seedSevenPassesWithCrashesFaultsAndPressure() {
        BufioSimulation.Result r = BufioSimulation.run(small(7));
        assertTrue(r.ok(), String.valueOf(r.failures()));
        assertTrue(r.crashes() >= 3 && r.crashStates() >= r.crashes(), r.toString());
        assertTrue(r.commits() > 10 && r.evictions() > 0 && r.moves() > 0 && r.invariantChecks() == 1200, r.toString());
        assertTrue(r.faults() > 0 && r.commitErrors() > 0, "write faults were injected and reported: " + r);
    }

    @Test void sameSeedSameRun() {
        BufioSimulation.Options o = small(3);
        o.ops = 300;
        BufioSimulation.Result a = BufioSimulation.run(o), b = BufioSimulation.run(o);
        assertEquals(a.toString().replaceAll("millis=\\d+", ""), b.toString().replaceAll("millis=\\d+", ""));
    }

    @Test void theCommandPassesAtSeedSevenAndAMutantFailsWithItsReplayLine() {
        CliRun ok = CliRun.of("simulate", "--stack", "bufio", "--seed", "7", "--ops", "500", "--keys", "64");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("result            OK"), ok.out());
        CliRun bad = CliRun.of("simulate", "--stack", "bufio", "--seed", "7", "--ops", "1200", "--keys", "64",
                "--mutation", "writeNoWaitWriting");
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.out().contains("result            FAILED"), bad.out());
        assertTrue(bad.out().contains("replay: ./bioref simulate --stack bufio --seed 7 --ops 1200 --keys 64 --mutation writeNoWaitWriting"), bad.out());
    }

    @Test void badOptionsAreUsageErrors() {
        CliRun r = CliRun.of("simulate", "--stack", "bufio", "--mutation", "noSuchGuard");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("noSuchGuard"), r.err());
        assertEquals(2, CliRun.of("simulate", "--stack", "zfs").code());
        assertEquals(2, CliRun.of("simulate", "--stack", "bufio", "--keys", "3").code());
    }
}
