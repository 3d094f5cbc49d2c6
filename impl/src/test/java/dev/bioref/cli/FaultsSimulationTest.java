// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import dev.bioref.device.FaultPlan.Kind;
import dev.bioref.sim.SimOptions;
import dev.bioref.sim.Simulation;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code simulate --faults}: all five device fault kinds under the buffer cache and HAMMER
 * (issue #10 item 4; the promises checked are proofs-notes/faults.md's table).
 */
class FaultsSimulationTest {
    static final String ALL = "eio=0.02,latent=0.02,torn=0.02,lost=0.02,misdirected=0.02";
    /** Cheaper crash checks than the default run (budget: the build's default verify). */
    static final String[] CHEAP = {"--crash-states", "16", "--finalize-check-every", "0", "--no-progress"};

    static CliRun simulate(String... args) {
        String[] all = java.util.Arrays.copyOf(new String[] {"simulate"}, 1 + args.length + CHEAP.length);
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(CHEAP, 0, all, 1 + args.length, CHEAP.length);
        return CliRun.of(all);
    }

    /** Every kind is injected and counted in the summary of a CLI run. */
    @Test
    void allFiveKindsAreCountedInTheSummary() {
        CliRun r = simulate("--faults", ALL, "--ops", "800");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String kind : SimOptions.FAULT_NAMES) {
            Matcher m = Pattern.compile("fault " + kind + "\\s+(\\d+) (injected|sectors went bad)").matcher(r.out());
            assertTrue(m.find(), "no summary line for " + kind + ":\n" + r.out());
            assertTrue(Long.parseLong(m.group(1)) > 0, kind + " was never injected:\n" + r.out());
        }
        assertTrue(r.out().contains("after lost/misdirected writes (checks relaxed from op"), r.out());
        assertTrue(r.out().contains("faults=eio=0.02,latent=0.02"), r.out());
    }

    /**
     * The faults HAMMER promises to notice (EIO, torn write, a read of a latent sector) each made
     * the mount read-only; nothing is relaxed; every crash state (torn ones included) recovered.
     */
    @Test
    void noticedFaultsEachMakeTheMountReadOnlyAndNothingIsRelaxed() {
        SimOptions o = new SimOptions();
        o.ops = 800;
        o.crashStates = 16;
        o.finalizeCheckEvery = 0;
        o.writeFaultRate = 0;
        o.faults.putAll(SimOptions.parseFaults("eio=0.02,latent=0.04,torn=0.02"));
        Simulation.Result r = Simulation.run(o, null);
        assertEquals(List.of(), r.failures(), o.replayCommand());
        Simulation.FaultTally t = r.faultTally();
        for (Kind k : List.of(Kind.EIO, Kind.TORN_WRITE, Kind.LATENT_SECTOR_ERROR)) {
            assertTrue(t.injected(k) > 0, k + " never injected: " + o.replayCommand());
            assertEquals(t.injected(k), t.wentReadOnly(k), k + ": every one must make the mount read-only");
        }
        assertNull(t.relaxedFrom);
        assertEquals(0, t.relaxedCrashPoints + t.staleReads + t.crcErrorsOnRead + t.corruptMediaErrors + t.mountsRefused);
        assertTrue(t.tornCrashStates > 0, "no torn crash state was checked");
    }

    /**
     * With hammer_io_complete ignoring write errors (mutation completeIgnoresError), the EIO the
     * device injects is caught: by NoLostModificationInv or the fault tally's "absorbed silently".
     */
    @Test
    void aWriteErrorHammerIgnoresIsCaught() {
        CliRun r = simulate("--faults", "eio=0.02", "--ops", "600", "--mutation", "completeIgnoresError");
        assertEquals(1, r.code(), r.out() + r.err());
        // caught either by the fault tally or, first, by NoLostModificationInv (the clean buffer differs from the media)
        assertTrue(r.out().contains("was absorbed silently: the mount is not read-only")
                || r.out().contains("NoLostModificationInv: clean io whose contents differ from the media"), r.out());
        assertTrue(Pattern.compile("fault eio\\s+[1-9]\\d* injected: 0 surfaced").matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("replay: ./bioref simulate --seed 1 --ops 600 --write-fault-rate 0.0 --crash-states 16 --finalize-check-every 0 --mutation completeIgnoresError --faults eio=0.02"), r.out());
    }

    /** Threads and faults together: the run passes and counts (checks strict: no lost or misdirected writes). */
    @Test
    void threadedRunWithFaultsPasses() {
        CliRun r = simulate("--threads", "2", "--faults", "eio=0.02,latent=0.02,torn=0.02", "--ops", "600");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("fault eio"), r.out());
    }

    /** Bad --faults input: one line, exit 2, the bad item named. */
    @Test
    void badFaultsAreUsageErrors() {
        for (String[] c : List.of(new String[] {"nope", "'nope'"}, new String[] {"eio=2", "was 2"}, new String[] {"eio=x", "'x'"},
                new String[] {"eio,eio", "given twice"}, new String[] {"", "empty"})) {
            CliRun r = CliRun.of("simulate", "--faults", c[0]);
            assertEquals(Main.USAGE, r.code(), c[0] + ": " + r.out() + r.err());
            assertTrue(r.err().contains(c[1]), c[0] + ": " + r.err());
            assertEquals("", r.out(), "a refused run must not start");
        }
        CliRun r = CliRun.of("simulate", "--stack", "bufio", "--faults", "eio");
        assertEquals(Main.USAGE, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--stack hammer only"), r.err());
    }
}
