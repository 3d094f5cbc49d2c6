// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.sim.SimOptions;
import dev.bioref.sim.Simulation;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceHammerFinalizeCrashBinding;
import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace validation of finalize (HammerFlusher.finalize) against HammerFinalizeCrash.tla (issue 15;
 * proofs-notes/traces.md, "HammerFinalizeCrash" and "Traces from the crash runs and finalize's
 * values (session 7)"). Seeded simulate runs on a version 4 and a version 3 volume (crashes,
 * remounts) log finalize's steps with the UNDO sequence numbers, header image, snapshot count and
 * durable floor they change, and the frontend's UNDO generation (HammerFinalizeTrace); TLC checks
 * them with TraceHammerFinalizeCrash.tla (one run per version) and every action must be matched.
 * Must-fail: each finalize switch of HammerMutations that changes a logged step or value makes a
 * trace TLC rejects at that step.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HammerFinalizeCrashTraceValidationTest {
    static final TraceSpec SPEC = TraceHammerFinalizeCrashBinding.SPEC;

    static TraceCheck.Result check(List<String> lines) {
        return new TraceCheck(HammerFlusherSeqTraceValidationTest.SPECS, HammerFlusherSeqTraceValidationTest.WORK).check(SPEC, lines);
    }

    /** A seeded simulate run with the finalize trace on; returns the trace. */
    static List<String> simulate(long seed, int ops, int version, String mutation) {
        SimOptions o = new SimOptions();
        o.seed = seed;
        o.ops = ops;
        o.version = version;
        o.crashEvery = ops / 2;
        o.crashStates = 2;
        o.finalizeCheckEvery = 0;
        if (mutation != null) o.mutations.add(mutation);
        o.finalizeTrace = TraceLog.inMemory("HammerFinalizeCrash");
        Simulation.Result r = Simulation.run(o, null);
        if (mutation == null) assertTrue(r.ok(), () -> "the simulate run failed: " + r.failures() + "\nreplay: " + o.replayCommand());
        return o.finalizeTrace.lines();
    }

    @Test
    void simulateTracesAreBehavioursOfTheSpecAndCoverEveryAction() {
        List<String> v4 = simulate(7, 40, HammerOndisk.VERSION_4, null);
        List<String> v3 = simulate(7, 20, HammerOndisk.VERSION_3, null);
        List<String> all = HammerFlusherSeqTraceValidationTest.concat(List.of(v4, v3));
        TraceCheck.Result r = check(all);
        assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> r.render("HammerFinalizeCrash")
                + "\nreplay: ./bioref simulate --seed 7 --ops 40 --crash-every 20 --crash-states 2 --finalize-check-every 0"
                + " --trace t.ndjson --trace-spec HammerFinalizeCrash && ./bioref check-trace t.ndjson --spec HammerFinalizeCrash"
                + " (and --volume-version 3 --ops 20 --crash-every 10)");
        System.out.println("trace validation HammerFinalizeCrash: 2 traces (simulate seed 7, v4 40 ops: " + v4.size()
                + " events, v3 20 ops: " + v3.size() + "), " + r.events() + " events, " + r.validated() + " validated, accepted, "
                + r.tlcMillis() + " ms of TLC (2 runs); action coverage " + r.coverage());
        r.coverage().forEach((a, n) -> assertTrue(n > 0, "no validated trace step matched action " + a + ": " + r.coverage()));
        assertTrue(r.validated() >= r.events() - 10, () -> "too many events left unvalidated: " + r.render("HammerFinalizeCrash"));
    }

    /**
     * Must-fail: the switch, the volume version that shows it, the simulate ops, and the action at which the trace is
     * first rejected. Only the first 120 events are checked (the first two finalizes show it).
     */
    @ParameterizedTest
    @CsvSource({
            "metaBeforeUndoBarrier, 4, 20, FinMeta",   // meta-data issued before the UNDO is issued and durable
            "dataAfterMeta, 4, 20, FinLockEx",       // no data flush before sync_lock_ex (it comes after the meta-data)
            "v3NoHeaderBarrier, 3, 20, FinMeta",     // v3: meta-data issued without the header barrier
            // values (session 7): visible through the logged UNDO sequence numbers and history
            "firstOffsetNotLagged, 4, 20, FinHdr",    // the header's first_offset is this cycle's save, not the in-core first
            "barrierWithoutCacheFlush, 4, 20, Crash"}) // the crash recovers to an older snapshot than the spec's barriers make durable
    void eachFinalizeOrderMutationMakesATraceTlcRejects(String mutation, int version, int ops, String action) {
        List<String> lines = simulate(7, ops, version, mutation);
        List<String> head = lines.subList(0, Math.min(120, lines.size()));
        TraceCheck.Result r = check(head);
        assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> mutation + " was not caught:\n" + r.render("HammerFinalizeCrash"));
        assertTrue(r.unmatchedLine().contains("\"action\":\"" + action + "\""),
                () -> mutation + ": first unmatched event should be a " + action + ", was " + r.unmatchedLine());
        System.out.println("trace validation must-fail " + mutation + ": rejected at event " + r.firstUnmatched()
                + " of " + r.events() + ": " + r.unmatchedLine());
    }
}
