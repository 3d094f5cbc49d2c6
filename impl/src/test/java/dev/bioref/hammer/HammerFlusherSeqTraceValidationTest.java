// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.sim.SimOptions;
import dev.bioref.sim.Simulation;
import dev.bioref.trace.LoopbackTraceValidationTestAccess;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceHammerFlusherSeqBinding;
import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace validation of the flusher's sequencing (HammerFlusher, HammerFrontend.flushInode) against
 * HammerFlusherSeq.tla (issue 15; proofs-notes/traces.md, "HammerFlusherSeq"). Two kinds of run
 * log their steps (HammerFlusherTrace) and TLC checks them with TraceHammerFlusherSeq.tla:
 * a seeded simulate run (thread-less flusher: async runs the master's loop on the caller; crashes
 * and remounts) and directed runs of a threaded flusher (a master and one or two slaves,
 * EWOULDBLOCK re-runs, fsync, sync, async_one + wait). The action coverage is printed and every
 * action must be matched. Must-fail: {@code flusherWaitSkipsWait} (the one HammerMutations switch
 * that changes a step of this spec) makes a trace TLC rejects at its Wait. A hand-edited trace
 * rejected at its bad event: specs/trace/examples/hammer-flusher-fail.ndjson (HammerTraceExamplesTest).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HammerFlusherSeqTraceValidationTest {
    static final Path ROOT = LoopbackTraceValidationTestAccess.root();
    static final Path SPECS = ROOT.resolve("specs/src/main/tla");
    static final Path WORK = ROOT.resolve("impl/target/trace-check");
    static final TraceSpec SPEC = TraceHammerFlusherSeqBinding.SPEC;
    static final int OPS = Integer.getInteger("bioref.trace.flusherOps", 60);

    static TraceCheck.Result check(List<String> lines) {
        return new TraceCheck(SPECS, WORK).check(SPEC, lines);
    }

    /** A seeded simulate run with the flusher trace on; returns the trace. */
    static List<String> simulate(long seed, int ops) {
        SimOptions o = new SimOptions();
        o.seed = seed;
        o.ops = ops;
        o.crashEvery = ops / 2;
        o.crashStates = 2;
        o.finalizeCheckEvery = 0;
        o.flusherTrace = TraceLog.inMemory("HammerFlusherSeq");
        Simulation.Result r = Simulation.run(o, null);
        assertTrue(r.ok(), () -> "the simulate run failed: " + r.failures() + "\nreplay: " + o.replayCommand());
        return o.flusherTrace.lines();
    }

    /**
     * A threaded flusher (a master and {@code slaves} slaves) with a one-record sync budget, so that
     * inodes with two records return EWOULDBLOCK and their group re-runs (with two slaves, the other
     * slave may re-sync such an inode in the same pass, fl:L540-542); puts on several inodes, fsync,
     * sync, and async_one + wait (hammer_flusher_wait_next).
     */
    static List<String> directed(HammerMutations m, int slaves) {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerOptions o = HammerTestSupport.options();
        o.flusherThreads = slaves;
        o.wouldblockBudget = 1;
        o.autoflushRecords = 3;
        o.flusherTrace = new HammerFlusherTrace(log);
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, m, HammerHooks.NONE);
        try {
            for (int round = 0; round < 2; round++) {
                for (int k = 0; k < 4; k++) {
                    hmp.put(k, new byte[] {(byte) (round + 1), (byte) k});
                    hmp.put(k + 4, new byte[] {(byte) k});
                }
                hmp.fsync(1);
                hmp.put(2, new byte[] {9});
                hmp.fsToken.gettoken();
                try {
                    hmp.frontend.queueDirtyInodes();
                    hmp.flusher.waitNext();      // async_one + wait
                } finally {
                    hmp.fsToken.reltoken();
                }
                hmp.sync();
            }
        } finally {
            hmp.close();
        }
        return log.lines();
    }

    /** The traces one after the other, renumbered: each starts with its Mount, which starts the spec from Init. */
    static List<String> concat(List<List<String>> traces) {
        List<String> out = new ArrayList<>();
        for (List<String> t : traces) {
            for (String l : t) out.add(l.replaceFirst("\"seq\":\\d+", "\"seq\":" + (out.size() + 1)));
        }
        return out;
    }

    /**
     * The simulate run (seed 7: crashes and remounts, the thread-less flusher) and the directed
     * threaded runs with one and two slaves, checked in one TLC run (their Mount events separate them).
     */
    @Test
    void portTracesAreBehavioursOfTheSpecAndCoverEveryAction() {
        List<String> sim = simulate(7, OPS);
        List<String> one = directed(new HammerMutations(), 1);
        List<String> two = directed(new HammerMutations(), 2);
        List<String> all = concat(List.of(sim, one, two));
        TraceCheck.Result r = check(all);
        assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> r.render("HammerFlusherSeq")
                + "\nreplay of the simulate part (events 1.." + sim.size() + "): ./bioref simulate --seed 7 --ops " + OPS
                + " --crash-every " + OPS / 2 + " --crash-states 2 --finalize-check-every 0 --trace t.ndjson --trace-spec HammerFlusherSeq"
                + " && ./bioref check-trace t.ndjson --spec HammerFlusherSeq\ntrace:\n" + String.join("\n", all));
        System.out.println("trace validation HammerFlusherSeq: 3 traces (simulate seed 7 " + OPS + " ops: " + sim.size()
                + " events; directed threaded runs, 1 slave: " + one.size() + ", 2 slaves: " + two.size() + "), "
                + r.events() + " events, " + r.validated() + " validated, accepted, " + r.tlcMillis()
                + " ms of TLC; action coverage " + r.coverage());
        r.coverage().forEach((a, n) -> assertTrue(n > 0, "no validated trace step matched action " + a + ": " + r.coverage()));
        assertTrue(one.stream().anyMatch(l -> l.contains("\"wouldblock\":true")), "the directed run had no EWOULDBLOCK");
        assertTrue(one.stream().anyMatch(l -> l.contains("\"action\":\"Finalize\"") && l.contains("\"mpc\":\"Slaves\"")),
                "the directed run had no re-run of a group");
        assertTrue(r.validated() == r.events(), () -> "events left unvalidated: " + r.render("HammerFlusherSeq"));
    }

    /**
     * flusherWaitSkipsWait: hammer_flusher_wait returns before its seq is done; the spec's Wait needs
     * done >= seq. A threaded mount, one put, then async + wait under fs_token (the master cannot run
     * before the wait: it needs the token), as hammer_flusher_sync does.
     */
    @Test
    void flusherWaitSkipsWaitMakesATraceTlcRejectsAtItsWait() {
        HammerMutations m = new HammerMutations();
        m.flusherWaitSkipsWait = true;
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerOptions o = HammerTestSupport.options();
        o.flusherThreads = 2;
        o.flusherTrace = new HammerFlusherTrace(log);
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, m, HammerHooks.NONE);
        try {
            hmp.put(1, new byte[] {1});
            hmp.fsToken.gettoken();
            try {
                hmp.frontend.queueDirtyInodes();
                hmp.flusher.sync();
            } finally {
                hmp.fsToken.reltoken();
            }
        } finally {
            m.flusherWaitSkipsWait = false;
            hmp.close();
        }
        List<String> lines = log.lines();
        TraceCheck.Result r = check(lines);
        assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> "flusherWaitSkipsWait was not caught:\n" + r.render("HammerFlusherSeq"));
        assertTrue(r.unmatchedLine().contains("\"action\":\"Wait\""), () -> "first unmatched event should be a Wait: " + r.unmatchedLine());
        System.out.println("trace validation must-fail flusherWaitSkipsWait: rejected at event " + r.firstUnmatched()
                + " of " + r.events() + ": " + r.unmatchedLine());
    }
}
