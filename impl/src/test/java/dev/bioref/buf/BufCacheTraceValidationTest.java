// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.InlineCompleter;
import dev.bioref.kern.Errno;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace validation of the BufCache port against BufCache.tla (issue 15; proofs-notes/traces.md
 * "BufCache events"): seeded single-thread workloads through the public API (getblk, bread,
 * bdwrite, bawrite, bwrite, brelse, bqrelse, B_INVAL brelse, findblk(FINDBLK_REF), bqdrop,
 * regetblk, the daemon's flushbufqueues visit, a filesystem whose dependencies accept or veto,
 * injected device errors) log their steps, TLC checks each trace with TraceBufCache.tla, and the
 * action coverage is printed. Must-fail: each BufMutations switch that changes a modelled step
 * makes a trace TLC rejects, at the step it changes.
 *
 * <p>Replay: {@code mvn -B -pl impl -am test -Dtest=BufCacheTraceValidationTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BufCacheTraceValidationTest {
    static final Path ROOT = root();
    static final Path SPECS = ROOT.resolve("specs/src/main/tla");
    static final Path WORK = ROOT.resolve("impl/target/trace-check");
    static final TraceSpec SPEC = TraceSpec.named("BufCache");
    static final int BS = 1024;   // block size; MAXBSIZE is 2 KiB, so every header can be sized below hibufspace
    static final String REPLAY = "replay: mvn -B -pl impl -am test -Dtest=BufCacheTraceValidationTest -Dsurefire.failIfNoSpecifiedTests=false";

    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("specs").resolve("expected-results.tsv"))) return d;
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    /**
     * A filesystem above the cache (HAMMER-like): per buffer, its dependencies either accept
     * (io_checkwrite 0, io_deallocate drops them) or veto (both refuse and pin the buffer with
     * B_LOCKED). regetblk lifts a veto. BufCache.tla's b_dep kinds.
     */
    static final class Fs implements BioOps {
        final BufCache c;
        final Map<Buf, String> kind = new ConcurrentHashMap<>();

        Fs(BufCache c) { this.c = c; }

        void attach(Buf bp, String k) {
            bp.set_b_ops(this);
            bp.dep_add("dep@" + bp.b_loffset());
            kind.put(bp, k);
            c.traceDepAttach(bp, k);
        }

        void regetblk(Buf bp) {
            c.regetblk(bp);
            bp.clearFlags(Buf.B_LOCKED);   // the UNDO is durable: the veto is lifted
            kind.put(bp, "accept");
        }

        boolean veto(Buf bp) { return "veto".equals(kind.get(bp)); }

        @Override public void io_complete(Buf bp) { }

        @Override public void io_deallocate(Buf bp) {
            if (veto(bp)) {
                bp.setFlags(Buf.B_LOCKED);
            } else {
                for (Object d : List.copyOf(bp.b_dep())) bp.dep_remove(d);
                kind.remove(bp);
            }
        }

        @Override public int io_countdeps(Buf bp, int n) { return 0; }

        @Override public int io_checkwrite(Buf bp) {
            if (!veto(bp)) return 0;
            bp.setFlags(Buf.B_LOCKED);
            return 1;
        }
    }

    /** One traced cache on one vnode, an inline device, fault injection by block. */
    static final class World {
        final BufCache c;
        final Vnode vp;
        final Fs fs;
        final TraceLog log = TraceLog.inMemory("BufCache");
        final Set<Long> failNextWrite = ConcurrentHashMap.newKeySet();
        final Set<Long> failNextRead = ConcurrentHashMap.newKeySet();
        final Map<Integer, Buf> held = new HashMap<>();
        final List<Buf> holds = new ArrayList<>();
        final int blocks;

        World(int nbuf, int blocks, BufMutations m) {
            this.blocks = blocks;
            c = BufTestSupport.unchecked(Params.forTest(nbuf, 2 * BS), m, BufQuirks.none());
            vp = c.vnode("dev0", BufTestSupport.device(blocks, new InlineCompleter()), BS);
            vp.setStrategyFilter((cmd, off, len) -> (cmd == BufCmd.WRITE && failNextWrite.remove(off))
                    || (cmd == BufCmd.READ && failNextRead.remove(off)) ? Errno.EIO : 0);
            fs = new Fs(c);
            c.traceTo(log, vp);
        }

        long off(int b) { return (long) b * BS; }

        Buf getblk(int b) { return c.getblk(vp, off(b), BS, 0, TimeUnit.MILLISECONDS.toNanos(5)); }

        Buf bread(int b) {
            Buf[] bpp = new Buf[1];
            c.bread(vp, off(b), BS, bpp);
            return bpp[0];
        }

        void flush(Buf bp) { c.flushbufqueuesVisit(bp, false); }

        List<Buf> onQueue(int q) {
            List<Buf> r = new ArrayList<>();
            for (int i = 0; i < c.view().nbuf(); i++) {
                Buf bp = c.view().header(i);
                if (bp.b_qindex == q && !bp.b_lock().isLocked()) r.add(bp);
            }
            return r;
        }
    }

    /**
     * The seeded workload: {@code steps} client, daemon and filesystem steps on {@code blocks}
     * blocks over {@code nbuf} headers, the client holding at most two buffers and a few holds.
     */
    static World workload(long seed, int steps) {
        World w = new World(4, 7, BufMutations.none());
        Random rnd = new Random(seed);
        for (int i = 0; i < steps; i++) {
            int k = rnd.nextInt(100);
            if (k < 30 && w.held.size() < 2) {
                int b = rnd.nextInt(w.blocks);
                if (w.held.containsKey(b)) continue;
                if (rnd.nextBoolean()) {
                    if (rnd.nextInt(8) == 0) w.failNextRead.add(w.off(b));
                    Buf bp = w.bread(b);
                    if (bp.hasFlags(Buf.B_ERROR)) w.c.brelse(bp);   // a failed read: the contents are garbage
                    else w.held.put(b, bp);
                } else {
                    Buf bp = w.getblk(b);
                    if (bp == null) {   // no free header: let the daemon write the dirty ones
                        for (Buf d : w.onQueue(Buf.BQUEUE_DIRTY)) w.flush(d);
                    } else {
                        w.held.put(b, bp);
                    }
                }
            } else if (k < 60 && !w.held.isEmpty()) {
                List<Integer> hb = new ArrayList<>(w.held.keySet());
                int b = hb.get(rnd.nextInt(hb.size()));
                Buf bp = w.held.remove(b);
                boolean veto = w.fs.veto(bp);
                int how = rnd.nextInt(6);
                if (!bp.hasFlags(Buf.B_CACHE) && how < 2) how = 5;     // never filled: the contract is B_INVAL brelse
                if (how < 4 && rnd.nextInt(10) == 0) w.failNextWrite.add(w.off(b));
                switch (how) {
                    case 0 -> w.c.bdwrite(bp);
                    case 1 -> w.c.bawrite(bp);
                    case 2 -> w.c.bwrite(bp);
                    case 3 -> { if (bp.hasFlags(Buf.B_CACHE)) w.c.bqrelse(bp); else w.c.bdwrite(bp); }
                    case 4 -> { if (bp.hasFlags(Buf.B_CACHE)) w.c.brelse(bp); else w.c.bawrite(bp); }
                    default -> {
                        if (veto) w.c.bqrelse(bp);   // the owner never destroys a pinned buffer (L1864)
                        else {
                            bp.setFlags(Buf.B_INVAL);
                            w.c.brelse(bp);
                        }
                    }
                }
            } else if (k < 66 && !w.held.isEmpty()) {
                Buf bp = w.held.values().iterator().next();
                if (bp.hasFlags(Buf.B_CACHE) && bp.dep_isEmpty()) w.fs.attach(bp, rnd.nextInt(3) == 0 ? "veto" : "accept");
            } else if (k < 74) {
                List<Buf> dirty = w.onQueue(Buf.BQUEUE_DIRTY);
                if (!dirty.isEmpty()) w.flush(dirty.get(rnd.nextInt(dirty.size())));
            } else if (k < 80 && w.held.size() < 2) {
                List<Buf> locked = w.onQueue(Buf.BQUEUE_LOCKED);
                if (!locked.isEmpty()) {
                    Buf bp = locked.get(rnd.nextInt(locked.size()));
                    w.fs.regetblk(bp);
                    w.held.put((int) (bp.b_loffset() / BS), bp);
                }
            } else if (k < 90 && w.holds.size() < 2) {
                Buf bp = w.c.findblk(w.vp, w.off(rnd.nextInt(w.blocks)), BufCache.FINDBLK_REF | BufCache.FINDBLK_TEST);
                if (bp != null) w.holds.add(bp);
            } else if (!w.holds.isEmpty()) {
                w.c.bqdrop(w.holds.remove(rnd.nextInt(w.holds.size())));
            }
            w.c.checkInvariants();
        }
        for (Buf bp : new ArrayList<>(w.held.values())) {
            if (bp.hasFlags(Buf.B_CACHE) || w.fs.veto(bp)) w.c.bqrelse(bp);
            else { bp.setFlags(Buf.B_INVAL); w.c.brelse(bp); }
        }
        w.held.clear();
        for (Buf bp : w.holds) w.c.bqdrop(bp);
        w.holds.clear();
        for (Buf d : w.onQueue(Buf.BQUEUE_DIRTY)) w.flush(d);
        w.c.checkInvariants();
        return w;
    }

    /**
     * Directed steps where each BufMutations switch that changes a modelled step acts, on two
     * headers: (1) getnewbuf must skip a CLEAN buffer under a hold; (2) the daemon asks
     * io_checkwrite of a vetoing buffer, which brelse parks on LOCKED; (3) a failed async write
     * is re-dirtied. {@code before} runs before each part with its name (to turn a switch on).
     */
    static World directed(BufMutations m, Consumer<String> before) {
        World w = new World(2, 4, m);
        // (1) hold on CLEAN block 0; block 1 held; a new block needs a header
        before.accept("holds");
        Buf b0 = w.getblk(0);
        w.c.bdwrite(b0);
        w.flush(b0);                                   // written: block 0 CLEAN
        Buf ref = w.c.findblk(w.vp, w.off(0), BufCache.FINDBLK_REF | BufCache.FINDBLK_TEST);
        Buf b1 = w.getblk(1);
        Buf b2 = w.getblk(2);                          // the only CLEAN header is under a hold: none
        if (b2 != null) w.c.bqrelse(b2);
        w.c.bqdrop(ref);
        w.c.bqrelse(b1);
        // (2) a vetoing dirty buffer met by the daemon
        before.accept("veto");
        Buf b3 = w.bread(3);
        w.fs.attach(b3, "veto");
        w.c.bdwrite(b3);
        w.flush(b3);                                   // io_checkwrite refuses: parked on LOCKED
        w.fs.regetblk(b3);
        w.c.bawrite(b3);                               // the veto is lifted: written
        // (3) a failed write keeps its data dirty
        before.accept("error");
        Buf b4 = w.bread(1);
        w.failNextWrite.add(w.off(1));
        w.c.bawrite(b4);                               // fails: re-dirtied, on DIRTY
        Buf again = w.c.findblk(w.vp, w.off(1), BufCache.FINDBLK_TEST);
        if (again != null) w.flush(again);             // retried: written
        return w;
    }

    static TraceCheck.Result check(List<String> lines) {
        return new TraceCheck(SPECS, WORK).check(SPEC, lines);
    }

    /** Checks the traces two at a time (one TLC worker each: the two cores of the build machine). */
    static List<TraceCheck.Result> checkAll(List<List<String>> traces) {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<TraceCheck.Result>> fs = new ArrayList<>();
            for (List<String> t : traces) fs.add(pool.submit(() -> check(t)));
            List<TraceCheck.Result> rs = new ArrayList<>();
            for (java.util.concurrent.Future<TraceCheck.Result> f : fs) rs.add(f.get());
            return rs;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("trace check failed to run: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void seededPortTracesAreBehavioursOfTheSpec() {
        Map<String, Integer> coverage = new LinkedHashMap<>();
        for (String a : SPEC.specActions()) coverage.put(a, 0);
        int events = 0, traces = 0;
        long tlcMillis = 0;
        List<List<String>> runs = new ArrayList<>();
        runs.add(workload(7, 400).log.lines());
        runs.add(directed(BufMutations.none(), part -> { }).log.lines());
        List<String> files = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {   // kept for replay with ./bioref check-trace
            Path f = WORK.resolve("bufcache-" + (i == 0 ? "seed7" : "directed") + ".ndjson");
            try {
                Files.createDirectories(WORK);
                Files.write(f, runs.get(i));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot keep the trace in " + f, e);
            }
            files.add(ROOT.relativize(f).toString());
        }
        for (TraceCheck.Result r : checkAll(runs)) {
            int n = traces;
            assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> "trace " + n + ":\n" + r.render("BufCache")
                    + "\n" + REPLAY + "\nor: ./bioref check-trace " + files.get(n) + " --spec BufCache\n" + (r.verdict() == TraceCheck.Verdict.ERROR ? r.tlcOutput() : ""));
            traces++;
            System.out.println("trace validation BufCache trace " + n + ": " + r.events() + " events, " + r.tlcMillis() + " ms of TLC");
            events += r.events();
            tlcMillis += r.tlcMillis();
            r.coverage().forEach((a, x) -> coverage.merge(a, x, Integer::sum));
        }
        System.out.println("trace validation BufCache: " + traces + " traces, " + events + " events, accepted, "
                + tlcMillis + " ms of TLC; action coverage " + coverage);
        coverage.forEach((a, x) -> assertTrue(x > 0, "no validated BufCache trace step matched action " + a + ": " + coverage));
    }

    /** A must-fail check: the switch, the directed part it is turned on before, the action it must be rejected at. */
    record MustFail(String name, String part, Consumer<BufMutations> on, String action) { }

    /**
     * Each BufMutations switch that changes a step BufCache.tla models, turned on just before the
     * directed part where it acts: TLC rejects the trace at the step the switch changes. The
     * other switches (bdSignalSkipsWakeup, daemonSkipsWait, bdSpeedupSkipsWakeup,
     * biowaitSkipsWait, biodoneSkipsWakeup) drop a wakeup or a sleep, which the spec does not
     * model (proofs-notes/traces.md).
     */
    @Test
    void eachModelledBufMutationMakesATraceTlcRejects() {
        List<MustFail> checks = List.of(
                new MustFail("getnewbufIgnoresRefs", "holds", m -> m.getnewbufIgnoresRefs = true, "getblk_new"),
                new MustFail("brelseLockedToClean", "veto", m -> m.brelseLockedToClean = true, "flushbufqueues"),
                new MustFail("daemonSkipsCheckwrite", "veto", m -> m.daemonSkipsCheckwrite = true, "flushbufqueues"),
                new MustFail("bpdoneNoRedirtyOnError", "error", m -> m.bpdoneNoRedirtyOnError = true, "biodone_write"));
        List<List<String>> traces = new ArrayList<>();
        for (MustFail c : checks) {
            BufMutations m = BufMutations.none();
            traces.add(directed(m, p -> { if (p.equals(c.part())) c.on().accept(m); }).log.lines());
        }
        List<TraceCheck.Result> rs = checkAll(traces);
        for (int i = 0; i < checks.size(); i++) {
            MustFail c = checks.get(i);
            TraceCheck.Result r = rs.get(i);
            assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> c.name() + " was not caught:\n" + r.render("BufCache") + "\n" + REPLAY);
            assertTrue(r.unmatchedLine().contains("\"action\":\"" + c.action() + "\""),
                    () -> c.name() + ": first unmatched event should be a " + c.action() + ", was " + r.unmatchedLine() + "\n" + REPLAY);
            System.out.println("trace validation must-fail BufCache " + c.name() + ": rejected at event " + r.firstUnmatched()
                    + " of " + r.events() + ": " + r.unmatchedLine());
        }
    }

    @Test
    void tracingOffLogsNothingAndUnmodelledStepsAreNamed() {
        World w = new World(2, 4, BufMutations.none());
        w.c.traceTo(null, null);
        w.c.bqrelse(w.getblk(0));
        assertEquals(List.of(), w.log.lines());
        w.c.traceTo(w.log, w.vp);
        Buf bp = w.c.findblk(w.vp, w.off(0), 0);   // a findblk that locks: not a step of the spec
        w.c.bremfree(bp);
        w.c.bqrelse(bp);
        assertTrue(w.log.lines().get(0).contains("\"action\":\"Unmodelled\""), w.log.lines().toString());
    }
}
