// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import dev.bioref.kern.KernMutations;
import dev.bioref.sim.SimOptions;
import dev.bioref.sim.Simulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threaded HAMMER io traces (issue 15, proofs-notes/traces.md "Threaded traces (session 7)"): a
 * simulate run with two frontends under the seeded scheduler (kern.Scheduler, so the run and its
 * trace replay from the seed and the schedule) logs a ref that waits for another thread's
 * interlock (RefWait), which no single-threaded run takes; TLC accepts it. A wait-skipping switch
 * that only two threads can show (KernMutations.refInterlockSkipsWait) makes a trace TLC rejects
 * at that RefWait. And the clearAfterWrite port follows the spec's own ClearAfterWrite mutant,
 * which covers FlushClear.
 *
 * <p>Replay of the threaded run: {@code ./bioref simulate --threads 2 --seed 8 --ops 20 --keys 8
 * --crash-every 10 --crash-states 2 --finalize-check-every 0 --trace t.ndjson && ./bioref
 * check-trace t.ndjson --spec HammerIoProtocol}.
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS)
class HammerIoThreadedTraceValidationTest {
    static final String REPLAY = "./bioref simulate --threads 2 --seed 8 --ops 20 --keys 8 --crash-every 10 --crash-states 2"
            + " --finalize-check-every 0 --trace t.ndjson && ./bioref check-trace t.ndjson --spec HammerIoProtocol";

    /** The threaded run of {@link #REPLAY}: seed 8 and schedule 1 give a RefWait early (its DATA ios). */
    static List<String> threaded(boolean mustPass) { return threaded(8, 2, 20, 8, mustPass); }

    static List<String> threaded(long seed, int threads, int ops, int keys, boolean mustPass) {
        SimOptions o = new SimOptions();
        o.seed = seed;
        o.threads = threads;
        o.ops = ops;
        o.keys = keys;
        o.crashEvery = ops / 2;
        o.crashStates = 2;
        o.finalizeCheckEvery = 0;
        o.ioTrace = TraceLog.inMemory("HammerIoProtocol");
        Simulation.Result r = Simulation.run(o, null);
        if (mustPass) assertTrue(r.ok(), () -> "the threaded simulate run failed: " + r.failures() + "\nreplay: " + o.replayCommand());
        return o.ioTrace.lines();
    }

    @Test
    void aThreadedRunWithARefThatWaitsIsABehaviourOfTheSpec() {
        List<String> lines = HammerIoTraceValidationTest.only(threaded(true), "DATA");
        TraceCheck.Result r = HammerIoTraceValidationTest.check(lines);
        assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> r.render("HammerIoProtocol") + "\nreplay: " + REPLAY);
        assertTrue(r.coverage().getOrDefault("RefWait", 0) > 0, () -> "the threaded run took no RefWait: " + r.coverage() + "\nreplay: " + REPLAY);
        System.out.println("trace validation HammerIoProtocol threaded: 1 trace (simulate --threads 2 seed 8 schedule 1, DATA ios), "
                + r.events() + " events, " + r.validated() + " validated, accepted, " + r.tlcMillis() + " ms of TLC; action coverage " + r.coverage());
    }

    /**
     * A threaded trace replays: the run of {@link #REPLAY} writes the same events every time (the
     * seeded scheduler). With -Dbioref.thorough=true also two 1,000-operation threaded runs, whole
     * traces (every io type), are validated: seed 1 with 2 threads (its trace was rejected before
     * flush's wait for an undecided kernel holder was logged in the spec's order; 2 RefWaits) and
     * seed 6 with 4 threads. Not in the default build: about 100 s of TLC each.
     */
    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void aThreadedTraceReplaysAndLongerRunsAreAcceptedWhenThorough() {
        assertEquals(threaded(true), threaded(true), "two runs of the same seed and schedule wrote different traces; replay: " + REPLAY);
        if (!Boolean.getBoolean("bioref.thorough")) return;
        for (long[] run : new long[][] {{1, 2}, {6, 4}}) {
            int ops = 1000;
            int keys = 20;
            List<String> lines = threaded(run[0], (int) run[1], ops, keys, true);
            TraceCheck.Result r = HammerIoTraceValidationTest.check(lines);
            String replay = "./bioref simulate --threads " + run[1] + " --seed " + run[0] + " --ops " + ops + " --keys " + keys
                    + " --crash-every " + ops / 2 + " --crash-states 2 --finalize-check-every 0 --trace t.ndjson"
                    + " && ./bioref check-trace t.ndjson --spec HammerIoProtocol";
            assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> r.render("HammerIoProtocol") + "\nreplay: " + replay);
            System.out.println("trace validation HammerIoProtocol threaded (thorough): " + replay + ": " + r.events() + " events, "
                    + r.validated() + " validated, accepted, " + r.tlcMillis() + " ms of TLC; action coverage " + r.coverage());
        }
    }

    /**
     * Must-fail, two threads only: with refInterlockSkipsWait a ref that finds the interlock busy
     * (another thread loading or releasing the io) returns without waiting for it, so its RefWait
     * is logged while the spec's interlock is still held: rejected there.
     */
    @Test
    void refInterlockSkipsWaitMakesAThreadedTraceTlcRejectsAtRefWait() {
        List<String> lines;
        KernMutations.refInterlockSkipsWait = true;
        try {
            lines = HammerIoTraceValidationTest.only(threaded(false), "DATA");
        } finally {
            KernMutations.refInterlockSkipsWait = false;
        }
        TraceCheck.Result r = HammerIoTraceValidationTest.check(lines);
        assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> "refInterlockSkipsWait was not caught:\n" + r.render("HammerIoProtocol"));
        assertTrue(r.unmatchedLine().contains("\"action\":\"RefWait\""),
                () -> "refInterlockSkipsWait: first unmatched event should be a RefWait, was " + r.unmatchedLine());
        System.out.println("trace validation must-fail refInterlockSkipsWait (threaded): rejected at event " + r.firstUnmatched()
                + " of " + r.events() + " (DATA ios): " + r.unmatchedLine());
    }

    /** The clearAfterWrite port against the spec's ClearAfterWrite mutant: accepted, FlushClear covered. */
    @Test
    void theClearAfterWritePortFollowsTheMutantSpecAndCoversFlushClear() {
        List<String> lines = HammerIoTraceValidationTest.only(HammerIoTraceValidationTest.simulate(7, HammerIoTraceValidationTest.OPS, "clearAfterWrite"), "DATA");
        TraceCheck.Result r = new TraceCheck(HammerIoTraceValidationTest.SPECS, HammerIoTraceValidationTest.WORK)
                .check(TraceHammerIoProtocolBinding.withMutant("ClearAfterWrite"), lines);
        assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> r.render("HammerIoProtocol (ClearAfterWrite = TRUE)"));
        assertTrue(r.coverage().getOrDefault("FlushClear", 0) > 0, () -> "no FlushClear matched: " + r.coverage());
        System.out.println("trace validation HammerIoProtocol (ClearAfterWrite = TRUE, port --mutation clearAfterWrite, seed 7, DATA ios): "
                + r.events() + " events, accepted, " + r.tlcMillis() + " ms of TLC; FlushClear " + r.coverage().get("FlushClear"));
    }
}
