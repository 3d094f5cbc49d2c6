// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Gaps PIT found in the buffer cache's protocol methods (proofs-notes/pit.md §6.2), one promise
 * per test: the entry checks of bwrite/bawrite/bdwrite (a buffer locked but still queued; a bio1
 * with a completion already hung on it), of brelse/bqrelse (B_PAGING) and of bpdone (not busy,
 * no I/O), each throwing and changing nothing; bawrite of an invalid buffer destroys it unwritten;
 * a B_NOCACHE release of a dirty buffer discards the pending write; a FREEBLKS completion releases
 * the buffer as B_NOCACHE; a synchronous write counts in runningbufspace while in flight; bd_speedup
 * asks the daemons from the low dirty watermark on, once; an interrupt ends a GETBLK_PCATCH wait; bd_heatup's mid-points and return value.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufCacheProtocolGapsTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    private static void assertMessage(Throwable t, String part) {
        assertTrue(t.getMessage().contains(part), "message \"" + t.getMessage() + "\" lacks " + part);
    }

    /** A clean cached buffer, locked by this thread without bremfree: still on the CLEAN queue. */
    private Buf lockedButQueued(long off, int seed) {
        Buf bp = fill(c, vp, off, pattern(seed, BLK));
        assertEquals(0, c.bwrite(bp));
        assertTrue(bp.b_lock().tryLock());
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        return bp;
    }

    @Test void writesOfABufferLockedButStillQueuedPanicAndChangeNothing() {
        Buf bp = lockedButQueued(0, 1);
        try {
            assertMessage(assertThrows(Panic.class, () -> c.bwrite(bp)), "bwrite: buffer");
            assertMessage(assertThrows(Panic.class, () -> c.bawrite(bp)), "bawrite: buffer");
            assertMessage(assertThrows(Panic.class, () -> c.bdwrite(bp)), "bdwrite: buffer");
            assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
            assertFalse(bp.hasFlags(Buf.B_DELWRI));
            assertEquals(BufCmd.DONE, bp.b_cmd(), "no I/O was started");
            assertEquals(0, c.view().runningbufcount());
        } finally {
            bp.b_lock().unlock();
        }
        c.checkInvariants();
    }

    @Test void bawriteOfABufferWhoseBio1HasACompletionPanics() {
        Buf bp = fill(c, vp, BLK, pattern(2, BLK));
        bp.b_bio1().bio_done = bio -> { };
        try {
            assertMessage(assertThrows(Panic.class, () -> c.bawrite(bp)), "bio1.bio_done set");
            assertTrue(bp.b_lock().ownedByMe(), "the caller still holds it");
        } finally {
            bp.b_bio1().bio_done = null;
            bp.set_b_cmd(BufCmd.DONE);
        }
        assertEquals(0, c.bwrite(bp));
        assertArrayEquals(pattern(2, BLK), dev.peekVisible(BLK, BLK));
    }

    @Test void releasesOfAPagingBufferPanic() {
        Buf bp = fill(c, vp, 2 * BLK, pattern(3, BLK));
        bp.setFlags(Buf.B_PAGING);
        try {
            assertMessage(assertThrows(Panic.class, () -> c.brelse(bp)), "inappropriate B_PAGING or B_CLUSTER");
            assertMessage(assertThrows(Panic.class, () -> c.bqrelse(bp)), "inappropriate B_PAGING or B_CLUSTER");
            assertTrue(bp.b_lock().ownedByMe());
            assertEquals(Buf.BQUEUE_NONE, bp.b_qindex());
        } finally {
            bp.clearFlags(Buf.B_PAGING);
        }
        c.bqrelse(bp);
    }

    @Test void bpdoneOfABufferWithoutIoOrNotBusyPanics() {
        Buf bp = fill(c, vp, 3 * BLK, pattern(4, BLK));
        assertMessage(assertThrows(Panic.class, () -> c.bpdone(bp, false)), "already done");
        c.bqrelse(bp);
        assertMessage(assertThrows(Panic.class, () -> c.bpdone(bp, false)), "not busy");
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex(), "nothing changed");
    }

    @Test void bawriteOfAnInvalidBufferDestroysItUnwritten() {
        Buf bp = fill(c, vp, 4 * BLK, pattern(5, BLK));
        bp.setFlags(Buf.B_INVAL);
        c.bawrite(bp);
        assertFalse(bp.b_lock().isLocked(), "released");
        assertNull(c.findblk(vp, 4 * BLK, BufCache.FINDBLK_TEST), "destroyed");
        assertEquals(0, c.view().runningbufcount());
        assertArrayEquals(new byte[BLK], dev.peekVisible(4 * BLK, BLK), "never written");
    }

    @Test void aNocacheReleaseOfADirtyBufferDiscardsThePendingWrite() {
        Buf bp = fill(c, vp, 5 * BLK, pattern(6, BLK));
        c.bdirty(bp);
        assertEquals(1, c.view().dirtybufcount());
        bp.setFlags(Buf.B_NOCACHE);
        c.brelse(bp);
        assertEquals(0, c.view().dirtybufcount());
        assertEquals(0, vp.dirtyCount());
        assertNull(c.findblk(vp, 5 * BLK, BufCache.FINDBLK_TEST));
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertArrayEquals(new byte[BLK], dev.peekVisible(5 * BLK, BLK), "the discarded write never reaches the device");
    }

    @Test void bpdoneOfAFreeblksCommandReleasesTheBufferAsNocache() {
        Buf bp = fill(c, vp, 6 * BLK, pattern(7, BLK));
        bp.set_b_cmd(BufCmd.FREEBLKS);
        c.bpdone(bp, false);                      // the caller keeps it: B_NOCACHE marks it for destruction
        assertEquals(BufCmd.DONE, bp.b_cmd());
        assertTrue(bp.hasFlags(Buf.B_NOCACHE) && bp.b_lock().ownedByMe());
        bp.set_b_cmd(BufCmd.FREEBLKS);
        c.bpdone(bp, true);                       // elseit: bpdone releases it, and B_NOCACHE destroys it
        assertFalse(bp.b_lock().isLocked());
        assertNull(c.findblk(vp, 6 * BLK, BufCache.FINDBLK_TEST), "a freed block is not kept");
    }

    @Test void aSynchronousWriteCountsInRunningbufspaceUntilItCompletes() throws Exception {
        GateCompleter gate = new GateCompleter();
        BufCache g = BufTestSupport.cache(8);
        Vnode gvp = g.vnode("gated", BufTestSupport.device(8, gate), BLK);
        gate.shut();
        AtomicInteger error = new AtomicInteger(-1);
        Thread writer = new Thread(() -> error.set(g.bwrite(fill(g, gvp, 0, pattern(8, BLK)))), "bwrite");
        writer.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (gate.held() == 0) {
                assertTrue(System.nanoTime() < deadline, "the write never reached the device; gate " + gate);
                Thread.sleep(1);
            }
            assertEquals(BLK, g.view().runningbufspace(), "the write in flight is counted");
            assertEquals(1, g.view().runningbufcount());
            assertTrue(writer.isAlive(), "bwrite waits for its completion");
        } finally {
            gate.open();                          // never leave the writer blocked, even on a failure
        }
        writer.join(10_000);
        assertFalse(writer.isAlive(), "bwrite did not return after its completion");
        assertEquals(0, error.get());
        assertEquals(0, g.view().runningbufspace());
        assertEquals(0, g.view().runningbufcount());
    }

    @Test void bdSpeedupRequestsBothDaemonsOnlyFromTheLowDirtyWatermark() {
        // lodirty 4 blocks; hidirty so high that bdirty's own bd_heatup never calls bd_speedup
        BufCache w = BufTestSupport.cache(Params.forTest(16, BLK).withDirtyWatermarks(4L * BLK, 1000L * BLK));
        Vnode wvp = w.vnode("wm", BufTestSupport.device(32), BLK);
        for (int b = 0; b < 3; b++) w.bdwrite(fill(w, wvp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(3L * BLK, w.view().dirtykvaspace());
        w.bd_speedup();                           // below lodirty (and fewer than nbuf/2 dirty): nothing to do
        assertEquals(0, w.view().bd_request());
        assertEquals(0, w.view().bd_request_hw());
        w.bdwrite(fill(w, wvp, 3L * BLK, pattern(3, BLK)));
        assertEquals(0, w.view().bd_request(), "bdirty's bd_heatup stays below its mid-point");
        w.bd_speedup();                           // at lodirty, above lodirty/2: both daemons are asked
        assertEquals(1, w.view().bd_request());
        assertEquals(1, w.view().bd_request_hw());
        w.bd_speedup();                           // a request already pending is not counted twice
        assertEquals(1, w.view().bd_request());
        assertEquals(1, w.view().bd_request_hw());
        assertEquals(0, VfsSubr.vfsync(wvp, true));
    }

    @Test void anInterruptEndsAGetblkPcatchWaitForABusyBufferWithNull() throws Exception {
        Buf bp = fill(c, vp, 7 * BLK, pattern(9, BLK));       // held by this thread
        java.util.concurrent.atomic.AtomicReference<Object> got = new java.util.concurrent.atomic.AtomicReference<>("unset");
        Thread waiter = new Thread(() -> got.set(c.getblk(vp, 7 * BLK, BLK, BufCache.GETBLK_PCATCH, 0)), "getblk-pcatch");
        waiter.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (waiter.getState() != Thread.State.WAITING && waiter.getState() != Thread.State.TIMED_WAITING) {
                assertTrue(System.nanoTime() < deadline, "the waiter never blocked: " + waiter.getState());
                Thread.sleep(1);
            }
            waiter.interrupt();                   // before or during its sleep: EINTR either way with PCATCH
            waiter.join(10_000);
            assertFalse(waiter.isAlive(), "an interrupt did not end a GETBLK_PCATCH wait");
            assertNull(got.get(), "getblk(PCATCH) returns null on EINTR");
        } finally {
            c.bqrelse(bp);
            waiter.join(10_000);
        }
        assertEquals(0, bp.b_refs(), "the waiter's hold was dropped");
    }

    @Test void bdHeatupAsksTheDaemonsFromItsFirstMidpointAndReturnsTheExcessOverItsSecond() {
        // lodirty 2 blocks, hidirty 10: mid1 = 6 blocks, mid2 = 8 blocks; 32 headers, so the
        // "half the buffers dirty" clause stays false
        BufCache w = BufTestSupport.cache(Params.forTest(32, BLK).withDirtyWatermarks(2L * BLK, 10L * BLK));
        Vnode wvp = w.vnode("heat", BufTestSupport.device(64), BLK);
        for (int b = 0; b < 5; b++) w.bdwrite(fill(w, wvp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(0, w.bd_heatup(), "below mid1");
        assertEquals(0, w.view().bd_request(), "below mid1 nobody asks the daemon");
        w.bdwrite(fill(w, wvp, 5L * BLK, pattern(5, BLK)));   // its bdirty's bd_heatup is at mid1
        assertEquals(1, w.view().bd_request(), "at mid1 the daemon is asked");
        assertEquals(0, w.bd_heatup(), "below mid2 there is nothing to wait for");
        for (int b = 6; b < 9; b++) w.bdwrite(fill(w, wvp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(9L * BLK, w.view().dirtykvaspace());
        assertEquals(BLK, w.bd_heatup(), "one block over mid2");
        assertEquals(0, VfsSubr.vfsync(wvp, true));
    }
}
