// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.Completer;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Factories for caches and devices in tests; caches made here are validated by {@link CheckInvariantsExtension}. */
final class BufTestSupport {
    private BufTestSupport() { }

    static final List<BufCache> CREATED = Collections.synchronizedList(new ArrayList<>());

    static final int BLK = 1024;

    static BufCache cache(int nbuf) { return cache(Params.forTest(nbuf, BLK)); }

    static BufCache cache(Params p) { return cache(p, BufMutations.none(), BufQuirks.none()); }

    static BufCache cache(Params p, BufMutations m, BufQuirks q) {
        BufCache c = new BufCache(p, m, q);
        CREATED.add(c);
        BufQuiescence.CHECKED.add(c);
        return c;
    }

    /** A cache the extension will not validate (for tests that break it on purpose). */
    static BufCache unchecked(Params p, BufMutations m, BufQuirks q) {
        BufCache c = new BufCache(p, m, q);
        BufQuiescence.BROKEN.add(c);
        return c;
    }

    static LoopbackDevice device(int blocks) { return device(blocks, new InlineCompleter()); }

    static LoopbackDevice device(int blocks, Completer completer) {
        return new LoopbackDevice(new MemoryBackend((long) blocks * BLK), completer, Clock.SYSTEM);
    }

    /** Waits until no I/O of the cache's vnodes is in flight. */
    static void drain(BufCache c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Vnode vp : c.view().vnodes()) {
            while (vp.v_track_read.active() + vp.v_track_write.active() != 0 || c.view().runningbufcount() != 0) {
                if (System.nanoTime() > deadline) throw new AssertionError("I/O did not drain: " + vp);
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        // completions release the buffer after the track: wait for KERNPROC owners to go away
        for (int i = 0; i < c.view().nbuf(); i++) {
            Buf bp = c.view().header(i);
            while (bp.b_lock().ownedByKernel() && bp.dep_isEmpty()) {
                if (System.nanoTime() > deadline) throw new AssertionError("I/O did not finish: " + bp);
                Thread.yield();
            }
        }
    }

    static byte[] pattern(int seed, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (seed * 31 + i * 7 + 1);
        return b;
    }

    /** getblk + fill the whole buffer with {@code data}. */
    static Buf fill(BufCache c, Vnode vp, long off, byte[] data) {
        Buf bp = c.getblk(vp, off, data.length, 0, 0);
        System.arraycopy(data, 0, bp.b_data(), 0, data.length);
        return bp;
    }

    // ---- bounded waits on another thread (session 9: one copy for BufReclaimAndReleaseTest and
    // BufThrottleAndDaemonTest; fully qualified names so that the imports above stay as they are)

    /** How long a test waits for a thread to sleep or to end: only a hang reaches it. */
    static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Waits until {@code t} sleeps with one of {@code wmesgs} (polled on {@code Sleepq.sleepingOn});
     * fails if {@code t} ends or the bound passes first, naming what it was doing and every
     * sleeper. Returns the wmesg it was seen asleep with.
     */
    static String awaitSleeping(Thread t, String... wmesgs) throws InterruptedException {
        java.util.List<String> want = java.util.Arrays.asList(wmesgs);   // contains(null) is false (List.of throws)
        String in = String.join(" or ", want);
        long deadline = System.nanoTime() + BOUND_NANOS;
        String on;
        while (!want.contains(on = dev.bioref.kern.Sleepq.sleepingOn(t))) {
            org.junit.jupiter.api.Assertions.assertTrue(t.isAlive(), t.getName() + " ended without sleeping in " + in);
            String seen = on;
            org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() < deadline, () -> t.getName() + " never slept in "
                    + in + ": " + t.getState() + ", sleeping on " + seen + "; " + dev.bioref.kern.Sleepq.describeSleepers());
            Thread.sleep(1);
        }
        return on;
    }

    /** Joins {@code t} within the bound; fails naming its state and wait if it is still running. */
    static void joinBounded(Thread t) throws InterruptedException {
        t.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
        org.junit.jupiter.api.Assertions.assertFalse(t.isAlive(), () -> t.getName() + " still running: " + t.getState()
                + ", sleeping on " + dev.bioref.kern.Sleepq.sleepingOn(t) + "; " + dev.bioref.kern.Sleepq.describeSleepers());
    }

    /**
     * The BufCache trace events of {@code log} from line {@code from} on, without the "v", "spec"
     * and "seq" fields and with ' for ", e.g. {'action':'bqdrop','h':0} (added by brest, pit.md §9.4).
     */
    static List<String> traceEventsFrom(dev.bioref.trace.TraceLog log, int from) {
        List<String> all = log.lines();
        List<String> got = new ArrayList<>();
        for (String l : all.subList(from, all.size())) {
            got.add(l.replaceFirst("^\\{\"v\":1,\"spec\":\"BufCache\",\"seq\":\\d+,", "{").replace('"', '\''));
        }
        return got;
    }
}
