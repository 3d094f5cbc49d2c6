// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.BufioQuirks;
import dev.bioref.bufio.DmBufio;
import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.SeededCompleter;
import dev.bioref.kern.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace validation of the dm-bufio port against DmBufio.tla (proofs-notes/traces.md, "DmBufio"):
 * a seeded single-thread workload's trace is accepted with its action coverage printed, and for
 * each mutation switch that changes a step DmBufio models, a directed run's trace is REJECTED.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BufioTraceValidationTest {
    static final int BS = 4096;

    /** A client of 6 buffers (1 reserved) on an 8-block device whose I/O a seeded completer holds. */
    record Rig(DmBufio m, Client c, SeededCompleter comp, TraceLog log) { }

    static Rig rig(BufioMutations mut, long seed) {
        DmBufio.Params p = new DmBufio.Params();
        p.waitTimeoutNanos = TimeUnit.SECONDS.toNanos(20);
        p.retainBytes = 0;                   // the shrinker may take every idle buffer
        DmBufio m = new DmBufio(p, mut, BufioQuirks.none());
        SeededCompleter comp = new SeededCompleter(seed);
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(8L * BS), comp, Clock.SYSTEM);
        Client c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(6).reserved(1));
        TraceLog log = TraceLog.inMemory("DmBufio");
        c.traceTo(log);
        return new Rig(m, c, comp, log);
    }

    /** The must-fail scenarios without their switches, then the seeded workload: read (up to 3 held), modify + mark dirty, release, write-back, forget, shrink, completions. */
    static List<String> workload(long seed, int steps) {
        Rig r = rig(BufioMutations.none(), seed);
        // first the must-fail scenarios, without their switches: accepted with the rest
        FORGET_DIRTY.accept(r);
        SHRINK_DIRTY_NO_IO.accept(r);
        REDIRTY_WHILE_WRITING.accept(r);
        Random rnd = new Random(seed);
        List<Buffer> held = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            int k = rnd.nextInt(100);
            if (k < 30) {
                held.add(r.c().read(rnd.nextInt(8)));
                if (held.size() > 3) r.c().release(held.remove(0));
            } else if (k < 50) {
                if (held.isEmpty()) continue;
                Buffer b = held.get(rnd.nextInt(held.size()));
                b.data()[0]++;
                r.c().markBufferDirty(b);
            } else if (k < 62) {
                if (!held.isEmpty()) r.c().release(held.remove(rnd.nextInt(held.size())));
            } else if (k < 67) {
                r.c().writeDirtyBuffersAsync();
            } else if (k < 72) {
                r.c().writeDirtyBuffers();
            } else if (k < 78) {
                r.c().forget(rnd.nextInt(8));
            } else if (k < 84) {
                r.c().shrinkScan(1 + rnd.nextInt(2), rnd.nextBoolean());
            } else {
                for (int n = rnd.nextInt(3); n > 0; n--) r.comp().completeOne();
            }
        }
        for (Buffer b : held) r.c().release(b);
        r.c().writeDirtyBuffers();
        r.comp().completeAll();
        r.m().checkInvariants();
        return r.log().lines();
    }

    static TraceCheck.Result check(List<String> lines) {
        return new TraceCheck(LoopbackTraceValidationTest.SPECS, LoopbackTraceValidationTest.WORK)
                .check(TraceSpec.named("DmBufio"), lines);
    }

    @Test
    void seededWorkloadIsABehaviourOfDmBufio() throws java.io.IOException {
        // default build: one short run; -Dbioref.thorough=true: more seeds, longer runs
        boolean thorough = Boolean.getBoolean("bioref.thorough");
        for (long seed : thorough ? new long[] {7, 11, 13, 17} : new long[] {7}) {
            List<String> lines = workload(seed, thorough ? 200 : 60);
            java.nio.file.Files.createDirectories(LoopbackTraceValidationTest.WORK);
            java.nio.file.Files.write(LoopbackTraceValidationTest.WORK.resolve("bufio-seed" + seed + ".ndjson"), lines);
            TraceCheck.Result res = check(lines);
            System.out.println("DmBufio trace, seed " + seed + ": " + lines.size() + " events, " + res.validated()
                    + " validated, TLC " + res.tlcMillis() + " ms\n" + res.render("DmBufio"));
            assertEquals(TraceCheck.Verdict.ACCEPTED, res.verdict(), res.render("DmBufio"));
            assertEquals(lines.size(), res.validated(), "every event is validated (no Unmodelled call in this workload)");
        }
    }

    /**
     * A `simulate --stack bufio` run (crashes and reopens: one part per client) is a behaviour of
     * DmBufio. Several TLC runs (one per client), so only with -Dbioref.thorough=true; the default
     * build validates such traces through the seeded workload above (same log points).
     */
    @Test
    void simulateRunIsABehaviourOfDmBufio() {
        boolean thorough = Boolean.getBoolean("bioref.thorough");
        dev.bioref.sim.BufioSimulation.Options o = new dev.bioref.sim.BufioSimulation.Options();
        o.seed = 7;
        o.ops = thorough ? 300 : 20;
        o.crashEvery = thorough ? 150 : 0;
        o.crashStates = 1;
        o.blocks = 40;
        o.trace = TraceLog.inMemory("DmBufio");
        dev.bioref.sim.BufioSimulation.Result r = dev.bioref.sim.BufioSimulation.run(o);
        assertTrue(r.ok(), r.failures().toString());
        List<String> lines = o.trace.lines();
        if (!thorough) {
            // default build: the trace is well-formed and split into one part per client (no TLC run)
            List<java.util.Map<String, Object>> events = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) events.add(TraceCheck.parseEvent(TraceSpec.named("DmBufio"), lines.get(i), i + 1, i + 1));
            assertEquals(2, TraceDmBufioBinding.split(events).size(), "the run's client and the one its final crash point re-creates");
            return;
        }
        TraceCheck.Result res = check(lines);
        System.out.println("simulate --stack bufio trace: " + res.render("DmBufio"));
        assertEquals(TraceCheck.Verdict.ACCEPTED, res.verdict(), res.render("DmBufio"));
        assertEquals(lines.size(), res.validated());
    }

    /** A directed run with one switch on; its trace must be rejected at {@code action}. */
    static void mustFail(String mutation, Consumer<Rig> run, String action) {
        BufioMutations m = BufioMutations.of(List.of(mutation));
        Rig r = rig(m, 1);
        run.accept(r);
        List<String> lines = r.log().lines();
        TraceCheck.Result res = check(lines);
        System.out.println("must-fail " + mutation + ": " + res.render("DmBufio"));
        assertEquals(TraceCheck.Verdict.REJECTED, res.verdict(), mutation + ": " + res.render("DmBufio"));
        assertTrue(res.unmatchedLine().contains("\"action\":\"" + action + "\""),
                mutation + " must be rejected at " + action + ", was " + res.unmatchedLine());
    }

    static final Consumer<Rig> FORGET_DIRTY = r -> {
        Buffer b = r.c().read(0);
        b.data()[0] = 1;
        r.c().markBufferDirty(b);
        r.c().release(b);
        r.c().forget(0);
        r.comp().completeAll();
    };
    static final Consumer<Rig> SHRINK_DIRTY_NO_IO = r -> {
        Buffer b = r.c().read(1);
        b.data()[0] = 1;
        r.c().markBufferDirty(b);
        r.c().release(b);
        r.c().shrinkScan(1, false);
        r.comp().completeAll();
    };
    static final Consumer<Rig> REDIRTY_WHILE_WRITING = r -> {
        Buffer b = r.c().read(2);
        b.data()[0] = 1;
        r.c().markBufferDirty(b);
        r.c().writeDirtyBuffersAsync();
        b.data()[0] = 2;
        r.c().markBufferDirty(b);       // re-dirtied while WRITING
        r.comp().completeAll();
        r.c().release(b);
    };

    @Test
    void forgetDropsDirtyIsRejected() { mustFail("forgetDropsDirty", FORGET_DIRTY, "forget"); }

    @Test
    void shrinkIgnoresNoIoIsRejected() { mustFail("shrinkIgnoresNoIo", SHRINK_DIRTY_NO_IO, "CompleteWrite"); }

    @Test
    void completionClearsDirtyIsRejected() { mustFail("completionClearsDirty", REDIRTY_WHILE_WRITING, "CompleteWrite"); }

    /**
     * The run behind specs/trace/examples/dmbufio-pass.ndjson: a 2-buffer client (no reserve)
     * whose calls take every logged action: a steal, a watermark-free read, a re-dirty while
     * writing, write_dirty_buffers (async and not), a refused and a done forget, both evictions.
     */
    static List<String> exampleRun() {
        DmBufio.Params p = new DmBufio.Params();
        p.waitTimeoutNanos = TimeUnit.SECONDS.toNanos(20);
        p.retainBytes = 0;
        DmBufio m = new DmBufio(p, BufioMutations.none(), BufioQuirks.none());
        SeededCompleter comp = new SeededCompleter(1);
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(8L * BS), comp, Clock.SYSTEM);
        Client c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(2).reserved(0));
        TraceLog log = TraceLog.inMemory("DmBufio");
        c.traceTo(log);
        Buffer a = c.read(0);
        a.data()[0] = 1;
        c.markBufferDirty(a);
        c.writeDirtyBuffersAsync();
        a.data()[0] = 2;
        c.markBufferDirty(a);            // DIRTY again while WRITING
        c.release(a);
        c.forget(0);                     // refused: dirty
        Buffer b = c.read(1);
        c.release(b);
        Buffer d = c.read(2);            // no free memory: steals block 1's buffer
        c.release(d);
        c.writeDirtyBuffers();
        c.shrinkScan(1, false);          // evicts an idle clean buffer
        Buffer e = c.read(3);
        e.data()[0] = 3;
        c.markBufferDirty(e);
        c.release(e);
        c.shrinkScan(2, true);           // writes block 3 back, then evicts
        Buffer f = c.read(4);
        c.release(f);
        c.forget(4);
        comp.completeAll();
        m.checkInvariants();
        return log.lines();
    }

    @Test
    void passingExampleIsThisPortsTrace() throws java.io.IOException {
        java.nio.file.Path ex = LoopbackTraceValidationTest.ROOT.resolve("specs/trace/examples/dmbufio-pass.ndjson");
        List<String> lines = exampleRun();
        if (Boolean.getBoolean("bioref.writeExamples")) java.nio.file.Files.write(ex, lines);
        assertEquals(lines, java.nio.file.Files.readAllLines(ex), "the example is the port's current trace of exampleRun()"
                + " (regenerate: -Dbioref.writeExamples=true)");
    }
}
