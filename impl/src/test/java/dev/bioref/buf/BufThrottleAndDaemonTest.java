// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.GateCompleter;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.BOUND_NANOS;
import static dev.bioref.buf.BufTestSupport.awaitSleeping;
import static dev.bioref.buf.BufTestSupport.joinBounded;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The writer throttle and the buffer daemons at their boundaries (PIT survivors of
 * proofs-notes/pit.md §6.2, closed in §8.2): which daemon bd_speedup asks at exactly half the
 * buffers dirty and at exactly lodirtybufspace/2; which ticket slot bd_wait sleeps on and which
 * bd_signal wakes it; how far bd_signal advances the ticket index; a daemon pass that waits for
 * writes in flight before flushing more; and an idle daemon that sleeps. Waits are on conditions
 * (a thread seen asleep with its wmesg) with a 10 s bound that only a hang reaches; the sleeps
 * under test get a 60 s timeout, so only the wakeup under test can end them in time.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufThrottleAndDaemonTest {

    /** nbuf 8 (half: 4), lodirtybufspace 8 blocks (half: 4 blocks), hidirty out of reach. */
    private static BufCache eight() {
        BufCache c = BufTestSupport.cache(Params.forTest(8, BLK).withDirtyWatermarks(8L * BLK, 1000L * BLK));
        c.setHz(TimeUnit.SECONDS.toNanos(60));
        return c;
    }

    /** Dirties blocks 0..n-1, the first {@code heavy} of them B_HEAVY; then clears the daemons' requests. */
    private static Vnode dirty(BufCache c, int n, int heavy) {
        Vnode vp = c.vnode("dev0", BufTestSupport.device(32), BLK);
        for (int b = 0; b < n; b++) {
            Buf bp = fill(c, vp, (long) b * BLK, pattern(b, BLK));
            if (b < heavy) c.bheavy(bp);
            c.bdwrite(bp);
        }
        c.bd_request.set(0);                      // what the daemons' bd_sleep does with a request
        c.bd_request_hw.set(0);
        return vp;
    }

    @Test void halfTheBuffersDirtyAsksTheNormalDaemonEvenBelowTheDirtyWatermark() {
        BufCache c = eight();
        Vnode vp = dirty(c, 4, 0);                // 4 of 8 dirty, 4 KiB: at lodirty/2, below lodirty
        c.bd_speedup();
        assertEquals(1, c.view().bd_request(), "nbuf/2 dirty light buffers: the normal daemon is asked");
        assertEquals(0, c.view().bd_request_hw(), "no heavy buffer and dirtykva not above lodirty/2: not the hw daemon");
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    /**
     * bd_heatup: exactly nbuf/2 dirty buffers ask the daemon (through bd_speedup) although the
     * dirty bytes are far below the watermarks' midpoint; nothing to wait for (pit.md §8.2.7's
     * L389, §9.2). One buffer fewer asks nobody.
     */
    @Test void bdHeatupAtExactlyHalfTheBuffersDirtyAsksTheDaemonAndReturnsNothingToWaitFor() {
        BufCache c = eight();
        Vnode vp = dirty(c, 3, 0);                // 3 of 8 dirty, 3 KiB: below nbuf/2 and far below mid1
        assertEquals(0, c.bd_heatup(), "below mid2: nothing to wait for");
        assertEquals(0, c.view().bd_request(), "3 of 8 dirty and dirty bytes below mid1: nobody asked");
        Buf bp = fill(c, vp, 3L * BLK, pattern(3, BLK));
        c.bdwrite(bp);                            // the 4th: exactly nbuf/2
        c.bd_request.set(0);
        assertEquals(0, c.bd_heatup(), "below mid2: nothing to wait for");
        assertEquals(1, c.view().bd_request(), "exactly nbuf/2 dirty: bd_heatup asks the normal daemon");
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void heavyBuffersDoNotCountForTheNormalDaemon() {
        BufCache c = eight();
        Vnode vp = dirty(c, 4, 1);                // 4 dirty, 1 heavy: 3 light < nbuf/2, 1 heavy < nbuf/2
        c.bd_speedup();
        assertEquals(0, c.view().bd_request(), "3 light dirty buffers and dirtykva at lodirty/2: nobody asked");
        assertEquals(0, c.view().bd_request_hw());
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void halfTheBuffersDirtyAndHeavyAsksTheHwDaemonAndWakesIt() throws Exception {
        BufCache c = eight();
        Vnode vp = dirty(c, 4, 4);
        AtomicInteger slept = new AtomicInteger(-1);
        Thread hw = new Thread(() -> slept.set(Sleepq.tsleep(c.bd_request_hw, "hwidle", TimeUnit.SECONDS.toNanos(60))),
                "hw-daemon-stand-in");
        hw.start();
        awaitSleeping(hw, "hwidle");
        c.bd_speedup();
        assertEquals(0, c.view().bd_request(), "no light dirty buffer: the normal daemon is not asked");
        assertEquals(1, c.view().bd_request_hw(), "nbuf/2 heavy dirty buffers: the hw daemon is asked");
        joinBounded(hw);
        assertEquals(0, slept.get(), "the hw daemon's sleep ended by bd_speedup's wakeup, not a timeout");
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void bdSignalAdvancesTheTicketIndexOneSlotPerBlockUpToTheArraySize() {
        BufCache c = eight();
        int slots = c.view().params().bdWakeSize();
        int i0 = c.bd_wake_index.get();
        c.bd_signal(3L * BLK);
        assertEquals(i0 + 3, c.bd_wake_index.get(), "three blocks: three slots");
        c.bd_signal(BLK / 2);
        assertEquals(i0 + 4, c.bd_wake_index.get(), "part of a block: one slot");
        c.bd_signal(0);
        assertEquals(i0 + 4, c.bd_wake_index.get(), "nothing: no slot");
        c.bd_signal(10L * slots * BLK);
        assertEquals(i0 + 4 + slots, c.bd_wake_index.get(), "at most one turn of the array");
    }

    /** Starts a writer in bd_wait(totalspace) and returns it once it sleeps on its ticket. */
    private static Thread waiter(BufCache c, long totalspace) throws InterruptedException {
        Thread t = new Thread(() -> c.bd_wait(totalspace), "bd_wait(" + totalspace + ")");
        t.start();
        awaitSleeping(t, "flstik");
        return t;
    }

    private static int slotOf(BufCache c) {
        int found = -1;
        for (int k = 0; k < c.bd_wake_ary.length(); k++) {
            if (c.bd_wake_ary.get(k) != 0) {
                assertEquals(-1, found, "one waiter, one ticket");
                found = k;
            }
        }
        return found;
    }

    @Test void bdWaitSleepsOnTheSlotOfItsBytesAndOnlyTheSignalReachingItWakesIt() throws Exception {
        BufCache c = eight();
        Vnode vp = dirty(c, 5, 0);                // dirtykva 5 blocks: bd_wait's cap
        int mask = c.view().params().bdWakeSize() - 1;
        int i0 = c.bd_wake_index.get();
        Thread w = waiter(c, 3L * BLK);
        assertEquals((i0 + 3) & mask, slotOf(c), "three blocks ahead of the index");
        c.bd_signal(3L * BLK);                    // slots i0..i0+2
        assertEquals(1, c.bd_wake_ary.get((i0 + 3) & mask), "not reached yet: the ticket is still out");
        assertTrue(w.isAlive());
        c.bd_signal(BLK);                         // slot i0+3
        joinBounded(w);
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void bdWaitForMoreThanIsDirtyWaitsForWhatIsDirty() throws Exception {
        BufCache c = eight();
        Vnode vp = dirty(c, 2, 0);                // cap 2 blocks
        int mask = c.view().params().bdWakeSize() - 1;
        int i0 = c.bd_wake_index.get();
        Thread w = waiter(c, 6L * BLK);
        assertEquals((i0 + 2) & mask, slotOf(c), "clamped to running + dirtykva");
        c.bd_signal(3L * BLK);
        joinBounded(w);
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void bdWaitForLessThanABlockStillWaitsForTheNextSignal() throws Exception {
        BufCache c = eight();
        Vnode vp = dirty(c, 2, 0);
        int mask = c.view().params().bdWakeSize() - 1;
        int i0 = c.bd_wake_index.get();
        Thread w = waiter(c, BLK / 2);
        assertEquals(i0 & mask, slotOf(c), "no whole block: the current slot");
        c.bd_signal(BLK);
        joinBounded(w);
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void bdWaitLooksAtMostHalfTheTicketArrayAhead() throws Exception {
        Params p = Params.forTest(8, BLK).withDirtyWatermarks(8L * BLK, 1000L * BLK);
        p = new Params(p.nbuf(), p.ncpus(), p.maxbsize(), p.maxbufspace(), p.hibufspace(), p.lobufspace(),
                p.hidirtybufspace(), p.lodirtybufspace(), p.hirunningspace(), p.flushperqueue(), 4);
        BufCache c = BufTestSupport.cache(p);
        c.setHz(TimeUnit.SECONDS.toNanos(60));
        Vnode vp = dirty(c, 5, 0);
        int i0 = c.bd_wake_index.get();
        Thread w = waiter(c, 3L * BLK);           // 3 blocks, but 4 slots: 2 ahead at most
        assertEquals((i0 + 2) & 3, slotOf(c));
        c.bd_signal(3L * BLK);
        joinBounded(w);
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void aDaemonPassWithNormalDirtyBuffersUsesTheNormalLimit() {
        BufCache c = eight();
        Vnode vp = dirty(c, 4, 0);                // count 4 = nbuf/2; dirtykva 4 blocks = lodirty/2 (the limit)
        assertEquals(4, c.bufDaemonStep(false), "the normal daemon writes them");
        assertEquals(0, c.view().dirtybufcount());
        assertEquals(0, vp.dirtyCount());
    }

    @Test void aDaemonPassFirstWaitsForTheWritesAlreadyInFlight() throws Exception {
        GateCompleter gate = new GateCompleter();
        // hirunningspace 1 block: waitrunningbufspace waits above 2/3 of a block in flight
        BufCache c = BufTestSupport.cache(Params.forTest(8, BLK).withDirtyWatermarks(8L * BLK, 1000L * BLK)
                .withHirunningspace(BLK));
        c.setHz(TimeUnit.SECONDS.toNanos(60));
        Vnode vp = c.vnode("gated", BufTestSupport.device(32, gate), BLK);
        for (int b = 0; b < 4; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        gate.shut();
        Thread d;
        try {
            c.bawrite(c.getblk(vp, 0, BLK, 0, 0));   // one write in flight, held at the gate
            assertEquals(1, gate.held());
            d = new Thread(() -> c.bufDaemonStep(false), "daemon-pass");
            d.start();
            awaitSleeping(d, "wdrn1");
            assertEquals(1, gate.held(), "the pass waited before starting any write");
        } finally {
            gate.open();
        }
        joinBounded(d);
        BufTestSupport.drain(c);
        assertEquals(0, VfsSubr.vfsync(vp, true));   // the pass stops at the daemon's limit; write the rest
        for (int b = 0; b < 4; b++) assertArrayEquals(pattern(b, BLK), vp.dev.peekVisible((long) b * BLK, BLK));
    }

    @Test void aDaemonPassWaitsOnceItsOwnWritesReachHirunningspace() throws Exception {
        GateCompleter gate = new GateCompleter();
        BufCache c = BufTestSupport.cache(Params.forTest(8, BLK).withDirtyWatermarks(8L * BLK, 1000L * BLK)
                .withHirunningspace(BLK).withFlushperqueue(1));
        c.setHz(TimeUnit.SECONDS.toNanos(60));
        Vnode vp = c.vnode("gated", BufTestSupport.device(32, gate), BLK);
        for (int b = 0; b < 4; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        gate.shut();
        Thread d;
        try {
            d = new Thread(() -> c.bufDaemonStep(false), "daemon-pass");
            d.start();
            awaitSleeping(d, "wdrn1");
            assertEquals(1, gate.held(), "one write (= hirunningspace) in flight, then the pass waits");
            assertEquals(BLK, c.view().runningbufspace());
        } finally {
            gate.open();
        }
        joinBounded(d);
        BufTestSupport.drain(c);
        assertEquals(0, VfsSubr.vfsync(vp, true));   // the pass stops at the daemon's limit; write the rest
        for (int b = 0; b < 4; b++) assertArrayEquals(pattern(b, BLK), vp.dev.peekVisible((long) b * BLK, BLK));
    }

    @Test void idleDaemonsSleepOnTheirRequestWords() throws Exception {
        BufCache c = BufTestSupport.cache(8);
        c.setHz(TimeUnit.SECONDS.toNanos(60));
        c.startDaemons();
        try {
            long deadline = System.nanoTime() + BOUND_NANOS;
            for (;;) {
                int normal = 0;
                int hw = 0;
                for (Sleepq.Sleeper s : Sleepq.sleepers()) {
                    if (!"psleep".equals(s.wmesg())) continue;
                    if (s.chan() == c.bd_request) normal++;
                    if (s.chan() == c.bd_request_hw) hw++;
                }
                if (normal == 1 && hw == 1) break;
                assertTrue(System.nanoTime() < deadline, "with nothing to do the daemons must sleep in psleep: "
                        + normal + " normal, " + hw + " hw asleep; " + Sleepq.describeSleepers());
                Thread.sleep(1);
            }
            assertEquals(0, c.daemonFlushes());
        } finally {
            c.stopDaemons();
        }
    }
}
