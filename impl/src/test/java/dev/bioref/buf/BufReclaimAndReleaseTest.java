// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.BOUND_NANOS;
import static dev.bioref.buf.BufTestSupport.awaitSleeping;
import static dev.bioref.buf.BufTestSupport.joinBounded;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * getnewbuf's reclaim step, brelse's destroy path and B_RELBUF arbitration, and the wakeups a
 * release owes a thread waiting for a header (PIT survivors of proofs-notes/pit.md §6.2, closed
 * in §8.2). Waits are on conditions (a thread seen asleep with its wmesg) with a 10 s bound that
 * only a hang reaches.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufReclaimAndReleaseTest {
    final BufCache c = BufTestSupport.cache(8);
    final Vnode vp = c.vnode("dev0", BufTestSupport.device(32), BLK);

    private Buf cleanCached(int b) {
        Buf bp = fill(c, vp, (long) b * BLK, pattern(b, BLK));
        assertEquals(0, c.bwrite(bp));
        return bp;
    }

    // ------------------------------------------------------------------ getnewbufReclaim

    @Test void reclaimOfAFreeCleanBufferDestroysItToEmpty() {
        Buf bp = cleanCached(0);
        long space = c.view().bufspace();
        assertEquals(BufCache.STEP_DONE, c.getnewbufReclaim(bp));
        assertNull(c.findblk(vp, 0, BufCache.FINDBLK_TEST), "the block lost its buffer");
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex());
        assertFalse(bp.b_lock().isLocked(), "released");
        assertNull(bp.b_vp());
        assertEquals(space - BLK, c.view().bufspace(), "its memory was given back");
        assertArrayEquals(pattern(0, BLK), vp.dev().peekVisible(0, BLK), "the data is on the device");
    }

    @Test void reclaimSkipsAHeldADirtyAndALockedBufferAndChangesNothing() throws Exception {
        Buf held = cleanCached(0);
        c.bqhold(held);
        assertEquals(BufCache.STEP_SKIPPED, c.getnewbufReclaim(held));
        assertEquals(Buf.BQUEUE_CLEAN, held.b_qindex());
        assertFalse(held.b_lock().isLocked());
        c.bqdrop(held);

        Buf dirty = fill(c, vp, BLK, pattern(1, BLK));
        c.bdwrite(dirty);
        assertEquals(BufCache.STEP_SKIPPED, c.getnewbufReclaim(dirty));
        assertEquals(Buf.BQUEUE_DIRTY, dirty.b_qindex());
        assertTrue(dirty.hasFlags(Buf.B_DELWRI));

        Buf locked = cleanCached(2);
        assertTrue(locked.b_lock().tryLock());   // locked by this thread, still on CLEAN
        AtomicInteger r = new AtomicInteger(99);
        try {
            Thread other = new Thread(() -> r.set(c.getnewbufReclaim(locked)), "reclaimer");
            other.start();
            joinBounded(other);
        } finally {
            locked.b_lock().unlock();
        }
        assertEquals(BufCache.STEP_SKIPPED, r.get());
        assertEquals(Buf.BQUEUE_CLEAN, locked.b_qindex());
        for (Buf bp : List.of(held, dirty, locked)) {
            assertSame(bp, c.findblk(vp, bp.b_loffset(), BufCache.FINDBLK_TEST), "still cached: " + bp);
        }
        assertEquals(BufCache.STEP_DONE, c.getnewbufReclaim(held), "free again once the hold is dropped");
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    @Test void reclaimAsksTheFilesystemAndParksABufferItPins() {
        Buf pinned = cleanCached(0);
        RecordingOps ops = new RecordingOps(c);
        assertTrue(pinned.b_lock().tryLock());
        c.bremfree(pinned);
        ops.attach(pinned);
        ops.deallocateRefuses = true;
        c.bqrelse(pinned);
        assertEquals(BufCache.STEP_REFUSED, c.getnewbufReclaim(pinned));
        assertEquals(List.of("io_deallocate"), ops.hooks());
        assertEquals(Buf.BQUEUE_LOCKED, pinned.b_qindex(), "parked on LOCKED");
        assertFalse(pinned.b_lock().isLocked());
        assertSame(pinned, c.findblk(vp, 0, BufCache.FINDBLK_TEST), "kept with its identity");
        assertArrayEquals(pattern(0, BLK), java.util.Arrays.copyOf(pinned.b_data(), BLK));

        c.regetblk(pinned);                       // the filesystem lifts its veto and lets go of its deps
        pinned.clearFlags(Buf.B_LOCKED);
        ops.deallocateRefuses = false;
        c.bqrelse(pinned);
        assertEquals(BufCache.STEP_DONE, c.getnewbufReclaim(pinned));
        assertEquals(List.of("io_deallocate", "io_deallocate"), ops.hooks(), "asked again, and agreed");
        assertTrue(pinned.dep_isEmpty());
        assertEquals(Buf.BQUEUE_EMPTY, pinned.b_qindex());
    }

    /** The ghost check behind LockedNotRecycledInv: with brelseLockedToClean a B_LOCKED buffer reaches CLEAN and is recycled. */
    @Test void recyclingALockedBufferIsCaughtByLockedNotRecycledInv() {
        BufMutations m = BufMutations.none();
        m.brelseLockedToClean = true;
        BufCache broken = BufTestSupport.unchecked(Params.forTest(8, BLK), m, BufQuirks.none());
        Vnode bvp = broken.vnode("broken", BufTestSupport.device(8), BLK);
        Buf bp = fill(broken, bvp, 0, pattern(0, BLK));
        bp.setFlags(Buf.B_LOCKED);                // the filesystem pins it ...
        broken.brelse(bp);                        // ... but the mutant queues it on CLEAN
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        assertEquals(BufCache.STEP_DONE, broken.getnewbufReclaim(bp));
        BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, broken::checkInvariants);
        assertEquals("LockedNotRecycledInv", v.clause(), v.getMessage());
    }

    @Test void reclaimRejectsAForeignHeaderNamingIt() {
        BufCache other = BufTestSupport.cache(8);
        Vnode ovp = other.vnode("other", BufTestSupport.device(8), BLK);
        Buf foreign = fill(other, ovp, 0, pattern(9, BLK));
        other.bqrelse(foreign);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.getnewbufReclaim(foreign));
        assertTrue(e.getMessage().contains("getnewbufReclaim") && e.getMessage().contains("not a header of this cache"),
                e.getMessage());
        assertEquals(Buf.BQUEUE_CLEAN, foreign.b_qindex(), "nothing changed");
        assertThrows(NullPointerException.class, () -> c.getnewbufReclaim(null));
    }

    // ------------------------------------------------------------------ brelse

    @Test void aReleaseOfABufferWithoutMemoryDestroysIt() {
        Buf bp = fill(c, vp, 0, pattern(0, BLK));
        c.allocbuf(bp, 0);
        c.brelse(bp);
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex());
        assertNull(c.findblk(vp, 0, BufCache.FINDBLK_TEST));
    }

    /**
     * A release of a header that still has KVA but no memory announces buffer space to a getblk
     * waiting for it (brelse's bufspacewakeup clears the bufspace need): the header goes to EMPTY
     * and its KVA can be reused (pit.md §8.2.8's L873, second negation; §9.2).
     */
    @Test void aReleaseOfAHeaderWithKvaButNoMemoryAnnouncesBufferSpace() {
        Buf bp = fill(c, vp, 0, pattern(0, BLK));
        c.allocbuf(bp, 0);
        assertTrue(bp.b_bufsize() == 0 && bp.b_kvasize() != 0, "the setup wants KVA without memory: " + bp);
        c.needsbuffer.set(BufCache.VFS_BIO_NEED_BUFSPACE);
        c.brelse(bp);
        assertEquals(0, c.view().needsbuffer(), "the release did not announce the header's buffer space");
    }

    @Test void invalidatingADirtyBufferWithDepsDeallocatesThemAndSignalsTheThrottle() {
        Buf bp = fill(c, vp, 0, pattern(0, BLK));
        RecordingOps ops = new RecordingOps(c);
        ops.attach(bp);
        c.bdwrite(bp);
        assertEquals(1, c.view().dirtybufcount());
        bp = c.getblk(vp, 0, BLK, 0, 0);
        int i0 = c.bd_wake_index.get();
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
        assertTrue(ops.hooks().contains("io_deallocate"), "the filesystem was told: " + ops.hooks());
        assertTrue(bp.dep_isEmpty());
        assertEquals(0, c.view().dirtybufcount());
        assertEquals(0, c.view().dirtykvaspace());
        assertEquals(0, vp.dirtyCount());
        assertEquals(i0 + 1, c.bd_wake_index.get(), "one block's worth of bd_wait tickets released");
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex());
        assertArrayEquals(new byte[BLK], vp.dev().peekVisible(0, BLK), "never written");
    }

    @Test void relbufDoesNotReleaseTheMemoryOfADirtyOrHeldBuffer() {
        Buf dirty = fill(c, vp, 0, pattern(0, BLK));
        c.bdirty(dirty);
        dirty.setFlags(Buf.B_RELBUF);
        c.brelse(dirty);
        assertEquals(Buf.BQUEUE_DIRTY, dirty.b_qindex());
        assertEquals(BLK, dirty.b_bufsize());
        assertFalse(dirty.hasFlags(Buf.B_RELBUF));

        Buf held = cleanCached(1);
        c.bqhold(held);
        held = c.getblk(vp, BLK, BLK, 0, 0);
        held.setFlags(Buf.B_RELBUF);
        c.brelse(held);
        assertEquals(Buf.BQUEUE_CLEAN, held.b_qindex());
        assertEquals(BLK, held.b_bufsize(), "a held buffer keeps its memory");
        assertSame(held, c.findblk(vp, BLK, BufCache.FINDBLK_TEST));
        c.bqdrop(held);
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertArrayEquals(pattern(0, BLK), vp.dev().peekVisible(0, BLK));
    }

    @Test void underMemoryPressureABufferTheFilesystemPinsKeepsItsMemory() {
        Buf bp = fill(c, vp, 0, pattern(0, BLK));
        RecordingOps ops = new RecordingOps(c);
        ops.attach(bp);
        ops.deallocateRefuses = true;
        bp.setFlags(Buf.B_RELBUF);
        c.setMemoryPressure(() -> true);
        try {
            c.brelse(bp);
        } finally {
            c.setMemoryPressure(() -> false);
        }
        assertEquals(Buf.BQUEUE_LOCKED, bp.b_qindex());
        assertEquals(BLK, bp.b_bufsize(), "pinned: not released for its memory");
        assertArrayEquals(pattern(0, BLK), java.util.Arrays.copyOf(bp.b_data(), BLK));
        c.regetblk(bp);
        bp.clearFlags(Buf.B_LOCKED);
        for (Object d : List.copyOf(bp.b_dep())) bp.dep_remove(d);
        c.bqrelse(bp);
    }

    @Test void bqreleaseForgetsNocacheAndRelbufSoTheNextReleaseKeepsTheBuffer() {
        Buf bp = cleanCached(0);
        bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.setFlags(Buf.B_NOCACHE | Buf.B_RELBUF);
        c.bqrelse(bp);
        assertFalse(bp.anyFlags(Buf.B_NOCACHE | Buf.B_RELBUF), "bqrelse clears both requests");
        bp = c.getblk(vp, 0, BLK, 0, 0);
        c.brelse(bp);
        assertSame(bp, c.findblk(vp, 0, BufCache.FINDBLK_TEST), "a plain brelse keeps it");
        assertEquals(BLK, bp.b_bufsize());
    }

    @Test void aFoundInvalidBufferLosesItsCachedDeviceOffsetAndItsContents() {
        Buf bp = fill(c, vp, 0, pattern(0, BLK));
        c.bdwrite(bp);                            // sets bio2's offset
        bp = c.getblk(vp, 0, BLK, 0, 0);
        assertEquals(0, bp.b_bio2().bio_offset(), "a valid found buffer keeps its bio2 offset");
        assertTrue(bp.hasFlags(Buf.B_CACHE));
        assertEquals(0, c.bwrite(bp));
        bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.setFlags(Buf.B_INVAL);
        c.bqrelse(bp);                            // bqrelse keeps an invalid buffer hashed
        bp = c.getblk(vp, 0, BLK, 0, 0);
        assertEquals(Bio.NOOFFSET, bp.b_bio2().bio_offset(), "the stale offset cache is cleared");
        assertFalse(bp.hasFlags(Buf.B_CACHE), "invalid contents are not valid");
        bp.clearFlags(Buf.B_INVAL);
        c.brelse(bp);
    }

    // ------------------------------------------------------------------ waits for a header

    /**
     * Six of eight 1 KiB headers held (bufspace 6 KiB = hibufspace): a getblk of a new block drops
     * the EMPTY header it tries (flushing hysteresis) and sleeps in "bufspc". A plain brelse of a
     * clean held buffer (to CLEAN, memory kept) must clear the bufspace need and wake the sleeper
     * (bufcountwakeup alone wakes it without clearing the need: it would sleep again); the sleeper
     * recycles that buffer, lets go of it (still flushing) and waits in "newbuf" until a second
     * clean buffer is released. (A destroying release wakes it from vfs_vmio_release as well.)
     */
    @Test void aReleaseToCleanWakesAGetblkWaitingForBufferSpace() throws Exception {
        getblkWaitsForSpaceThenForAHeader(false, c::brelse, c::bqrelse);
    }

    /**
     * bqrelse announces a header (bufcountwakeup clears the any-header need) only when the buffer
     * it releases can be taken: a delayed write (bdwrite's bqrelse, to DIRTY) leaves the need set;
     * a clean buffer released to CLEAN clears it (pit.md §8.2.8's L913, §9.2).
     */
    @Test void aBqreleaseToDirtyAnnouncesNoHeaderAndOneToCleanDoes() {
        c.needsbuffer.set(BufCache.VFS_BIO_NEED_ANY);
        c.bdwrite(fill(c, vp, 0, pattern(0, BLK)));
        assertEquals(BufCache.VFS_BIO_NEED_ANY, c.view().needsbuffer(), "a delayed write released to DIRTY announced a header");
        c.bqrelse(fill(c, vp, BLK, pattern(1, BLK)));
        assertEquals(0, c.view().needsbuffer(), "a clean buffer released to CLEAN did not announce a header");
        assertEquals(0, VfsSubr.vfsync(vp, true));
    }

    /**
     * The same waiter, asleep in "newbuf" (it needs any header: NEED_ANY, not NEED_BUFSPACE), is
     * woken by a plain brelse of a clean held buffer: brelse's own bufcountwakeup must do it, as
     * its bufspacewakeup wakes only a bufspace need (pit.md §8.2.8's L872, §9.2).
     */
    @Test void aBrelseToCleanWakesAGetblkWaitingForAnyHeader() throws Exception {
        getblkWaitsForSpaceThenForAHeader(false, c::brelse, c::brelse);
    }

    /**
     * The waiter asleep in "bufspc" is woken by a bqrelse of a clean held buffer (to CLEAN, memory
     * kept): bqrelse's bufspacewakeup must clear the bufspace need (its bufcountwakeup wakes the
     * sleeper without clearing it, and it would sleep again) (pit.md §8.2.8's L916, §9.2).
     */
    @Test void aBqreleaseToCleanWakesAGetblkWaitingForBufferSpace() throws Exception {
        getblkWaitsForSpaceThenForAHeader(false, c::bqrelse, c::bqrelse);
    }

    /**
     * A getblk without PCATCH and without a timeout is not interruptible: interrupted while
     * asleep in "bufspc", it clears the interrupt and sleeps again (it neither returns nor spins
     * on the pending interrupt), and gets its block once headers are released (pit.md §8.2.7's
     * L1290 ×2, §9.2).
     */
    @Test void anInterruptedGetblkWithoutPcatchClearsTheInterruptAndSleepsAgain() throws Exception {
        getblkWaitsForSpaceThenForAHeader(true, c::brelse, c::bqrelse);
    }

    /**
     * The scenario of the tests above: six headers held, a getblk of a new block asleep in
     * "bufspc" (if {@code interruptFirst}, interrupted there and seen asleep again), woken by
     * {@code firstRelease} of a held clean buffer; then asleep in "newbuf" with only NEED_ANY
     * set, woken by {@code secondRelease} of another; it returns the new block.
     */
    private void getblkWaitsForSpaceThenForAHeader(boolean interruptFirst, java.util.function.Consumer<Buf> firstRelease,
                                                   java.util.function.Consumer<Buf> secondRelease) throws Exception {
        List<Buf> held = new ArrayList<>();
        for (int b = 0; b < 6; b++) held.add(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(c.view().params().hibufspace(), c.view().bufspace());
        AtomicReference<Object> got = new AtomicReference<>("unset");
        Thread w = new Thread(() -> {
            Buf nb = c.getblk(vp, 6L * BLK, BLK, 0, 0);
            got.set(nb == null ? null : nb.b_loffset());
            if (nb != null) c.brelse(nb);
        }, "getblk-new");
        w.setDaemon(true);                        // a waiter a broken wakeup leaves asleep must not keep the JVM alive
        w.start();
        try {
            awaitSleeping(w, "bufspc");
            if (interruptFirst) {
                w.interrupt();
                long deadline = System.nanoTime() + BOUND_NANOS;
                while (w.isInterrupted()) {
                    assertTrue(System.nanoTime() < deadline, () -> "the interrupted getblk never cleared the interrupt (it returned"
                            + " or spins): " + w.getState() + ", sleeping on " + Sleepq.sleepingOn(w));
                    Thread.sleep(1);
                }
                awaitSleeping(w, "bufspc");
                assertEquals("unset", got.get(), "the interrupted getblk returned");
            }
            assertEquals(BufCache.VFS_BIO_NEED_BUFSPACE, c.view().needsbuffer() & BufCache.VFS_BIO_NEED_BUFSPACE);
            firstRelease.accept(held.remove(0));
            awaitSleeping(w, "newbuf");
            assertEquals(BufCache.VFS_BIO_NEED_ANY, c.view().needsbuffer(), "asleep in newbuf: only the any-header need is set");
            secondRelease.accept(held.remove(0));
            joinBounded(w);
            assertEquals(6L * BLK, got.get());
        } finally {
            for (Buf bp : held) c.bqrelse(bp);
            w.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
        }
    }

    /**
     * Every header cached (two CPU buckets; hibufspace = all 8 KiB, so all 8 blocks fit), half of
     * them dirty and the clean half held: a getblk with a timeout finds no header on either bucket,
     * asks the daemon to flush, and returns null.
     */
    @Test void aGetblkThatFindsEveryHeaderHeldAsksTheDaemonAndReturnsNull() {
        Params t = Params.forTest(8, 2, BLK);
        BufCache c2 = BufTestSupport.cache(new Params(8, 2, BLK, 8L * BLK, 8L * BLK, 7L * BLK, t.hidirtybufspace(),
                t.lodirtybufspace(), t.hirunningspace(), t.flushperqueue(), t.bdWakeSize()));
        Vnode v2 = c2.vnode("two", BufTestSupport.device(32), BLK);
        List<Buf> clean = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            Buf bp = fill(c2, v2, (long) b * BLK, pattern(b, BLK));
            if (b < 4) {
                c2.bdwrite(bp);
            } else {
                c2.bqrelse(bp);
                c2.bqhold(bp);
                clean.add(bp);
            }
        }
        c2.bd_request.set(0);
        assertNull(c2.getblk(v2, 8L * BLK, BLK, 0, TimeUnit.MILLISECONDS.toNanos(20)), "no header to be had");
        assertEquals(1, c2.view().bd_request(), "the wait for a header asks the daemon to flush");
        for (Buf bp : clean) c2.bqdrop(bp);
        Buf nb = c2.getblk(v2, 8L * BLK, BLK, 0, TimeUnit.MILLISECONDS.toNanos(20));
        assertNotNull(nb, "a released hold makes a header available");
        c2.brelse(nb);
        assertEquals(0, VfsSubr.vfsync(v2, true));
    }

    /**
     * Deviation B27, second part: with every header the scan could take held (bqhold) and no
     * timeout, getblk must sleep between its looks, not spin; dropping the holds lets it proceed.
     * Before the fix, getnewbuf's re-check counted held CLEAN headers as free and returned at
     * once, so getblk looped without ever sleeping (a 300 s hang of a first version of the test
     * above, pit.md §8.2).
     */
    @Test void aGetblkWithoutTimeoutWhileEveryHeaderIsHeldSleepsBetweenLooksAndProceedsWhenAHoldIsDropped()
            throws InterruptedException {
        Params t = Params.forTest(8, 2, BLK);
        BufCache c2 = BufTestSupport.cache(new Params(8, 2, BLK, 8L * BLK, 8L * BLK, 7L * BLK, t.hidirtybufspace(),
                t.lodirtybufspace(), t.hirunningspace(), t.flushperqueue(), t.bdWakeSize()));
        Vnode v2 = c2.vnode("two", BufTestSupport.device(32), BLK);
        List<Buf> held = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            Buf bp = fill(c2, v2, (long) b * BLK, pattern(b, BLK));
            c2.bqrelse(bp);
            c2.bqhold(bp);
            held.add(bp);
        }
        AtomicReference<Buf> got = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            Buf bp = c2.getblk(v2, 8L * BLK, BLK, 0, 0);
            got.set(bp);
            if (bp != null) c2.brelse(bp);   // the buffer lock is the waiter's
        }, "getblk-every-header-held");
        waiter.setDaemon(true);
        waiter.start();
        try {
            awaitSleeping(waiter, "newbuf", "bufspc");   // "never slept": getblk spins; "ended": it returned while every header was held
        } finally {
            for (Buf bp : held) c2.bqdrop(bp);
        }
        joinBounded(waiter);                             // "still running": getblk waits after the holds were dropped
        assertNotNull(got.get(), "a dropped hold makes a header available");
        assertEquals(0, VfsSubr.vfsync(v2, true));
    }
}
