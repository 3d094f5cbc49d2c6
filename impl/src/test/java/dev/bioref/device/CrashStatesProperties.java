// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.device.CrashStates.Bounds;
import dev.bioref.device.CrashStates.CrashState;
import dev.bioref.device.CrashStates.Tear;
import dev.bioref.kern.ManualClock;
import dev.bioref.trace.JqwikTraces;
import dev.bioref.trace.TraceCheck;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.bioref.device.DeviceTesting.S;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash-state enumerator against a model of power loss computed here, independently, from
 * the log entries alone: at log position p, a WRITE is durable iff it is FUA or some FLUSH
 * before p has a barrier at least its completion number; the image is the start image with,
 * in completion order, the durable writes and the landed sectors of the chosen pending writes.
 * Workloads run on a seeded completer, so FLUSHes race with writes (barriers matter).
 */
class CrashStatesProperties {
    static final int SECTORS = 6;

    /** A random asynchronous workload on a seeded completer, logged from the start. */
    record Workload(WriteLog log, String trace, LoopbackDevice device) { }

    static Workload workload(long seed, int maxWrites, int maxSectorsPerWrite) {
        return workload(seed, maxWrites, maxSectorsPerWrite, null);
    }

    /**
     * {@link #workload(long, int, int)}, with the device's LoopbackDevice trace to {@code specTrace} if not
     * null; then only what LoopbackDevice.tla models is run (no pre-history: its six-sector WRITE is
     * Unmodelled, and no DISCARD), from the same random choices. Pass maxSectorsPerWrite 1 with a trace.
     */
    static Workload workload(long seed, int maxWrites, int maxSectorsPerWrite, dev.bioref.trace.TraceLog specTrace) {
        SplittableRandom r = new SplittableRandom(seed);
        SeededCompleter sc = new SeededCompleter(seed);
        LoopbackDevice d = new LoopbackDevice(new MemoryBackend(SECTORS * S), sc, new ManualClock());
        if (specTrace != null) d.traceTo(specTrace);
        StringBuilder trace = new StringBuilder("seed=" + seed + ":");
        if (r.nextBoolean() && specTrace == null) {       // some history before the log: durable data and a cached write
            d.execute(Request.write(0, DeviceTesting.fill(SECTORS, 0x40)));
            d.execute(Request.flush());
            d.execute(Request.write(S, DeviceTesting.fill(1, 0x41)));
            trace.append(" (pre-history)");
        }
        WriteLog log = d.startLog();
        int writes = 0, steps = 4 + r.nextInt(14);
        for (int i = 0; i < steps; i++) {
            int a = r.nextInt(8);
            if (a <= 2 && writes < maxWrites) {
                int sector = r.nextInt(SECTORS);
                int len = (1 + r.nextInt(Math.min(maxSectorsPerWrite, SECTORS - sector))) * S;
                byte[] data = new byte[len];
                for (int k = 0; k < len / S; k++) Arrays.fill(data, k * S, (k + 1) * S, (byte) (writes * 16 + k + 1));
                boolean fua = r.nextInt(5) == 0;
                d.submit(fua ? Request.writeFua(sector * S, data) : Request.write(sector * S, data), Callback.IGNORE);
                trace.append(fua ? " FUA" : " W").append(sector).append('+').append(len / S);
                writes++;
            } else if (a == 3) {
                d.submit(Request.flush(), Callback.IGNORE);
                trace.append(" FLUSH");
            } else if (a == 4 && writes < maxWrites && specTrace == null) {
                int sector = r.nextInt(SECTORS);
                d.submit(Request.discard(sector * S, S), Callback.IGNORE);
                trace.append(" DISCARD").append(sector);
                writes++;
            } else if (a == 5) {
                d.mark("m" + i);
                trace.append(" MARK");
            } else {
                sc.completeOne();
                trace.append(" c");
            }
        }
        if (r.nextBoolean()) sc.completeAll();
        return new Workload(log, trace.toString(), d);
    }

    /** The model: is the WRITE at {@code i} durable at position {@code p}? */
    static boolean durableAt(List<LogEntry> e, int i, int p) {
        LogEntry w = e.get(i);
        if (w.fua()) return true;
        for (int j = 0; j < p; j++) {
            if (e.get(j).kind() == LogEntry.Kind.FLUSH && e.get(j).barrier() >= w.seq()) return true;
        }
        return false;
    }

    static List<Integer> pendingAt(List<LogEntry> e, int p) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < p; i++) if (e.get(i).kind() == LogEntry.Kind.WRITE && !durableAt(e, i, p)) out.add(i);
        return out;
    }

    /** The model's image: durable writes whole, landed[i] sectors of pending write i, in log order. */
    static byte[] modelImage(WriteLog log, int p, java.util.function.IntFunction<int[]> landedSectors) {
        List<LogEntry> e = log.entries();
        byte[] img = log.startImage();
        for (int i = 0; i < p; i++) {
            LogEntry w = e.get(i);
            if (w.kind() != LogEntry.Kind.WRITE) continue;
            int[] sectors;
            if (durableAt(e, i, p)) {
                sectors = new int[w.sectors()];
                for (int s = 0; s < sectors.length; s++) sectors[s] = s;
            } else {
                sectors = landedSectors.apply(i);
            }
            for (int s : sectors) System.arraycopy(w.data(), s * S, img, (int) w.offset() + s * S, S);
        }
        return img;
    }

    static long ways(LogEntry w, Tear t) {
        return switch (t) {
            case NONE -> 1;
            case PREFIX -> w.sectors();
            case ANY -> (1L << w.sectors()) - 1;
        };
    }

    /** The count by brute force over subsets, from the crash points' definition. */
    static BigInteger bruteCount(WriteLog log, Bounds b) {
        List<LogEntry> e = log.entries();
        int n = e.size(), to = Math.min(b.toEntry(), n);
        BigInteger total = BigInteger.ZERO;
        String prev = null;
        for (int p = b.fromEntry(); p <= to; p++) {
            boolean point = p == to || e.get(p).kind() == LogEntry.Kind.FLUSH || (e.get(p).kind() == LogEntry.Kind.WRITE && e.get(p).fua());
            if (!point) continue;
            List<Integer> pending = pendingAt(e, p);
            int writes = 0;
            for (int i = 0; i < p; i++) if (e.get(i).kind() == LogEntry.Kind.WRITE) writes++;
            String sig = writes + "/" + pending;
            if (sig.equals(prev)) continue;
            prev = sig;
            for (int mask = 0; mask < (1 << pending.size()); mask++) {
                if (Integer.bitCount(mask) > b.maxLanded()) continue;
                BigInteger prod = BigInteger.ONE;
                for (int k = 0; k < pending.size(); k++) {
                    if ((mask & (1 << k)) != 0) prod = prod.multiply(BigInteger.valueOf(ways(e.get(pending.get(k)), b.tear())));
                }
                total = total.add(prod);
            }
        }
        return total;
    }

    @Property(tries = 300)
    void everyStateIsAPowerLossImageAndTheCountIsTheCombinatorialOne(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        Tear tear = Tear.values()[r.nextInt(3)];
        Workload w = workload(seed, 7, tear == Tear.ANY ? 2 : 3);
        Bounds b = Bounds.all().withTear(tear);
        if (r.nextInt(3) == 0) b = b.withMaxLanded(r.nextInt(4));
        List<LogEntry> e = w.log().entries();
        if (r.nextInt(4) == 0 && e.size() > 2) {
            int from = r.nextInt(e.size());
            b = b.between(from, from + r.nextInt(e.size() - from + 1));
        }
        String ctx = w.trace() + " bounds=" + b + " log=" + e;
        CrashStates cs = CrashStates.of(w.log(), b);
        Set<String> seen = new HashSet<>();
        long n = 0;
        for (CrashState s : cs) {
            int p = s.point().position();
            int[] landed = s.landedWrites();
            assertTrue(landed.length <= b.maxLanded(), ctx);
            List<Integer> pending = pendingAt(e, p);
            StringBuilder key = new StringBuilder(p + ":");
            for (int i : landed) {
                assertTrue(pending.contains(i), () -> "landed write " + i + " is not pending at " + p + ": " + ctx);
                int[] sec = s.sectorsLanded(i);
                LogEntry lw = e.get(i);
                assertTrue(sec.length >= 1 && sec.length <= lw.sectors(), ctx);
                if (tear == Tear.NONE) assertEquals(lw.sectors(), sec.length, ctx);
                if (tear == Tear.PREFIX) for (int k = 0; k < sec.length; k++) assertEquals(k, sec[k], ctx);
                key.append(i).append(Arrays.toString(sec));
            }
            assertTrue(seen.add(key.toString()), () -> "state enumerated twice: " + s + " " + ctx);
            byte[] expected = modelImage(w.log(), p, i -> s.sectorsLanded(i));
            assertArrayEquals(expected, s.image(), () -> s + " " + ctx);
            assertEquals(n, s.ordinal());
            n++;
        }
        assertEquals(bruteCount(w.log(), b), cs.count(), ctx);
        // the device itself agrees with the log's model: its durable image is the model's with no pending write landed
        byte[] durableNow = modelImage(w.log(), e.size(), i -> new int[0]);
        assertArrayEquals(durableNow, w.device().peekDurable(0, SECTORS * S), ctx);
        w.device().checkInvariants();
        assertEquals(cs.count(), BigInteger.valueOf(n), ctx);
    }

    /**
     * Completeness: a crash at ANY log position with ANY subset of the writes pending there
     * gives an image that the enumerator produced (it enumerates only the positions that
     * matter; this checks that the others add nothing).
     */
    @Property(tries = 300)
    void aCrashAnywhereGivesAnEnumeratedImage(@ForAll long seed) {
        Workload w = workload(seed, 7, 3);
        List<LogEntry> e = w.log().entries();
        Set<String> images = new HashSet<>();
        CrashStates.of(w.log(), Bounds.all()).forEach(s -> images.add(Base64.getEncoder().encodeToString(s.image())));
        for (int p = 0; p <= e.size(); p++) {
            List<Integer> pending = pendingAt(e, p);
            for (int mask = 0; mask < (1 << pending.size()); mask++) {
                final int m = mask;
                final List<Integer> pend = pending;
                byte[] img = modelImage(w.log(), p, i -> {
                    int k = pend.indexOf(i);
                    if ((m & (1 << k)) == 0) return new int[0];
                    int[] all = new int[e.get(i).sectors()];
                    for (int s = 0; s < all.length; s++) all[s] = s;
                    return all;
                });
                final int pos = p;
                assertTrue(images.contains(Base64.getEncoder().encodeToString(img)),
                        () -> "crash at position " + pos + " with pending mask " + m + " gives an image never enumerated: "
                                + w.trace() + " log=" + e);
            }
        }
    }

    /**
     * A crash-state run whose device trace is validated (issue 15 item 3; proofs-notes/traces.md, "Crash runs
     * traced, part 2 (session 7)"): one fixed-seed try of the workload restricted to what LoopbackDevice.tla
     * models (one-sector WRITEs, some FUA, FLUSHes racing with completions, marks), every request completed,
     * then every crash state of the log is checked against the model as above, and the device itself loses
     * power with a seeded policy: its durable image must be one of the states enumerated at the log's end, and
     * the trace (submissions, completions and the Crash with the writes that landed) must be a behaviour of
     * LoopbackDevice.tla (TLC, one run). Replay: {@code mvn -B -o -pl impl test -Dtest='CrashStatesProperties#aTracedCrashStateRunIsABehaviourOfTheSpec'}.
     */
    @Property(tries = 1, seed = "20261207", edgeCases = net.jqwik.api.EdgeCasesMode.NONE,
            shrinking = net.jqwik.api.ShrinkingMode.BOUNDED)
    void aTracedCrashStateRunIsABehaviourOfTheSpec(@ForAll long seed) {
        dev.bioref.trace.TraceLog log = dev.bioref.trace.TraceLog.inMemory("LoopbackDevice");
        Workload w = workload(seed, 7, 1, log);
        SeededCompleter sc = (SeededCompleter) w.device().completer();
        sc.completeAll();
        List<LogEntry> e = w.log().entries();
        String ctx = w.trace() + " log=" + e;
        Set<String> atEnd = new HashSet<>();
        long n = 0;
        for (CrashState s : CrashStates.of(w.log(), Bounds.all())) {
            byte[] expected = modelImage(w.log(), s.point().position(), i -> s.sectorsLanded(i));
            assertArrayEquals(expected, s.image(), () -> s + " " + ctx);
            if (s.point().position() == e.size()) atEnd.add(Base64.getEncoder().encodeToString(s.image()));
            n++;
        }
        assertTrue(n > 0 && !atEnd.isEmpty(), ctx);
        w.device().crash(CrashPolicy.seeded(seed));
        String image = Base64.getEncoder().encodeToString(w.device().peekDurable(0, SECTORS * S));
        assertTrue(atEnd.contains(image), () -> "the device's own crash left an image the enumerator never produced at the log's end: " + ctx);
        w.device().checkInvariants();
        TraceCheck.Result r = JqwikTraces.accept("LoopbackDevice", log.lines(), "CrashStatesProperties.aTracedCrashStateRunIsABehaviourOfTheSpec");
        assertTrue(log.lines().stream().anyMatch(l -> l.contains("\"action\":\"Crash\"")), "the trace has no Crash: " + log.lines());
        assertEquals(r.events(), r.validated(), () -> "events left unvalidated: " + r.render("LoopbackDevice"));
        System.out.println("CrashStatesProperties traced run: " + ctx + ", " + n + " crash states, " + e.size() + " log entries");
    }

    /** The FUA-after-pending case by hand: a pending write must not land over a later FUA. */
    @Test
    void aPendingWriteNeverOverwritesALaterFua() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S);
        WriteLog log = d.startLog();
        d.execute(Request.write(0, DeviceTesting.fill(1, 1)));
        d.execute(Request.writeFua(0, DeviceTesting.fill(1, 2)));
        CrashStates cs = CrashStates.of(log, Bounds.all());
        List<String> firstBytes = new ArrayList<>();
        cs.forEach(s -> firstBytes.add(s.point().position() + ":" + s.image()[0]));
        // before the FUA: W1 pending (lost or landed); after it: W1 pending but the FUA wins
        assertEquals(List.of("1:0", "1:1", "2:2", "2:2"), firstBytes);
        assertEquals(BigInteger.valueOf(4), cs.count());
    }

    /** The scale HAMMER's crash tests need: 2^14 states of a 256 KiB image, streamed. */
    @Test
    void sixteenThousandStatesStreamQuickly() {
        LoopbackDevice d = LoopbackDevice.inMemory(512 * S);
        WriteLog log = d.startLog();
        for (int i = 0; i < 20; i++) {
            d.execute(Request.write((long) i * 8 * S, DeviceTesting.fill(8, i + 1)));
            if (i == 5) d.execute(Request.flush());
        }
        d.mark("tail");
        CrashStates cs = CrashStates.of(log, Bounds.all().between(log.indexAfterMark("tail") - 1, Integer.MAX_VALUE));
        // crash points: before the FLUSH is outside the range; the end: 14 pending writes
        assertEquals(BigInteger.valueOf(1L << 14), cs.count());
        long t0 = System.nanoTime();
        long[] sum = new long[1];
        cs.stream().forEach(s -> sum[0] += s.image()[14 * 8 * S]);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals((1L << 13) * 15, sum[0], "write 14 (value 15) landed in exactly half the states");
        assertTrue(ms < 20_000, "2^14 states took " + ms + " ms");
        System.out.println("CrashStates: 16384 states of a 256 KiB image in " + ms + " ms");
    }
}
