// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.BufLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each named clause of {@link BufInvariants} (proofs-notes/invariants.md) fails on a state that
 * breaks exactly that clause, and holds on the legal but unusual states next to it (a held buffer
 * with I/O in flight, a KERNPROC buffer parked with deps, a full bio chain, ...). The state is
 * built through the cache's API, then one field is corrupted directly (this is the cache's
 * package). Found necessary by PIT (proofs-notes/pit.md §9.5): before these tests most clauses
 * could be weakened without any test noticing.
 *
 * <p>Fixture (one CPU bucket, 8 headers, a device of 32 blocks): A clean and valid on CLEAN
 * (device block 0 holds its data), B dirty on DIRTY, H heavy and dirty on DIRTY_HW, L pinned
 * (B_LOCKED) on LOCKED, four unassociated headers on EMPTY.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufInvariantsClausesTest {
    final BufCache c = BufTestSupport.unchecked(Params.forTest(8, BLK), BufMutations.none(), BufQuirks.none());
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("inv", dev, BLK);
    final Buf a;
    final Buf b;
    final Buf h;
    final Buf l;
    final Buf e;

    BufInvariantsClausesTest() {
        dev.execute(Request.write(0, pattern(1, BLK)));
        dev.execute(Request.write(3 * BLK, pattern(4, BLK)));
        Buf[] bpp = new Buf[1];
        c.bread(vp, 0, BLK, bpp);
        a = bpp[0];
        c.brelse(a);
        b = fill(c, vp, BLK, pattern(2, BLK));
        c.bdwrite(b);
        h = fill(c, vp, 2 * BLK, pattern(3, BLK));
        c.bheavy(h);
        c.bdwrite(h);
        c.bread(vp, 3 * BLK, BLK, bpp);
        l = bpp[0];
        l.setFlags(Buf.B_LOCKED);
        c.brelse(l);
        e = c.bufpcpu[0].bufqueues[Buf.BQUEUE_EMPTY].first();
    }

    private void violates(String clause) {
        BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, c::checkInvariants);
        assertEquals(clause, v.clause(), v.getMessage());
        assertTrue(v.getMessage().startsWith(clause + ": "), v.getMessage());
    }

    /** As {@link #violates(String)}, and the check that failed is the one whose message has {@code detail}. */
    private void violates(String clause, String detail) {
        BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, c::checkInvariants);
        assertEquals(clause, v.clause(), v.getMessage());
        assertTrue(v.getMessage().contains(detail), () -> "expected \"" + detail + "\" in: " + v.getMessage());
    }

    private BufQueue queue(int q) { return c.bufpcpu[0].bufqueues[q]; }

    /** Takes {@code bp} off its queue the way bremfree does, and locks it for this thread. */
    private void hold(Buf bp) {
        assertEquals(0, bp.b_lock.lock(BufLock.LK_EXCLUSIVE));
        c.bremfree(bp);
    }

    @Test void theFixtureHoldsEveryClause() {
        assertEquals(Buf.BQUEUE_CLEAN, a.b_qindex);
        assertEquals(Buf.BQUEUE_DIRTY, b.b_qindex);
        assertEquals(Buf.BQUEUE_DIRTY_HW, h.b_qindex);
        assertEquals(Buf.BQUEUE_LOCKED, l.b_qindex);
        assertEquals(Buf.BQUEUE_EMPTY, e.b_qindex);
        assertEquals(4, c.view().queueLength(Buf.BQUEUE_EMPTY));
        c.checkInvariants();
    }

    @Test void aFreshCacheWithEveryHeaderOnOneQueueHolds() {
        // nbuf headers on one list is no cycle (the bound is n > nbuf)
        BufCache fresh = BufTestSupport.unchecked(Params.forTest(8, BLK), BufMutations.none(), BufQuirks.none());
        assertEquals(8, fresh.view().queueLength(Buf.BQUEUE_EMPTY));
        fresh.checkInvariants();
    }

    // ---- QueueWellFormedInv (I4)

    @Test void queueBrokenBackLink() {
        a.fl_prev = b;
        violates("QueueWellFormedInv");
    }

    @Test void queueFlushMarkerLeftOnAQueue() {
        c.marker.b_qindex = Buf.BQUEUE_CLEAN;
        queue(Buf.BQUEUE_CLEAN).insertTail(c.marker);
        violates("QueueWellFormedInv");
    }

    @Test void queueHoldsAMarkerHeaderThatIsNotTheDaemons() {
        // the daemons' two markers are also checked after the scan; any other B_MARKER header only here
        Buf stray = new Buf(-2, 0, 0);
        stray.b_flags.set(Buf.B_MARKER);
        stray.b_qindex = Buf.BQUEUE_CLEAN;
        queue(Buf.BQUEUE_CLEAN).insertTail(stray);
        violates("QueueWellFormedInv", "flush marker left on cpu 0 CLEAN");
    }

    @Test void queueHeaderNamesAnotherQueue() {
        a.b_qindex = Buf.BQUEUE_DIRTY;
        violates("QueueWellFormedInv");
    }

    @Test void queueHeaderNamesAnotherCpu() {
        a.b_qcpu = 1;
        violates("QueueWellFormedInv");
    }

    @Test void queueLongerThanThePool() {
        for (int i = 0; i < 9; i++) {
            Buf foreign = new Buf(100 + i, 0, 0);
            foreign.b_flags.set(Buf.B_INVAL);
            foreign.b_qindex = Buf.BQUEUE_EMPTY;
            queue(Buf.BQUEUE_EMPTY).insertTail(foreign);
        }
        violates("QueueWellFormedInv");
    }

    @Test void queueTailPointerWrong() {
        queue(Buf.BQUEUE_DIRTY).tail = a;
        violates("QueueWellFormedInv");
    }

    @Test void queueCountWrong() {
        queue(Buf.BQUEUE_CLEAN).count++;
        violates("QueueWellFormedInv");
    }

    @Test void headerClaimsAQueueItIsNotOn() {
        queue(Buf.BQUEUE_CLEAN).remove(a);   // b_qindex still says CLEAN
        violates("QueueWellFormedInv");
    }

    @Test void flushMarkerStillNamesAQueue() {
        c.marker.b_qindex = Buf.BQUEUE_DIRTY;
        violates("QueueWellFormedInv");
    }

    @Test void heavyFlushMarkerStillNamesAQueue() {
        c.marker_hw.b_qindex = Buf.BQUEUE_DIRTY_HW;
        violates("QueueWellFormedInv");
    }

    // ---- UniqueIdentityInv (I1)

    @Test void hashEntryUnderTheWrongOffset() {
        vp.v_rbhash_tree.put(9L * BLK, a);
        violates("UniqueIdentityInv");
    }

    @Test void hashEntryOfAnotherVnode() {
        Vnode other = c.vnode("other", dev, BLK);
        other.v_rbhash_tree.put(a.b_loffset, a);
        violates("UniqueIdentityInv");
    }

    @Test void hashEntryWithoutBHashed() {
        a.clearFlags(Buf.B_HASHED);
        violates("UniqueIdentityInv");
    }

    @Test void hashedHeaderMissingFromTheHash() {
        vp.v_rbhash_tree.remove(a.b_loffset);
        violates("UniqueIdentityInv");
    }

    // ---- HashedIffVnodeInv (I2)

    @Test void vnodeWithoutBHashed() {
        vp.v_rbhash_tree.remove(a.b_loffset);
        a.clearFlags(Buf.B_HASHED);
        violates("HashedIffVnodeInv");
    }

    @Test void bHashedWithoutVnode() {
        e.setFlags(Buf.B_HASHED);
        violates("HashedIffVnodeInv");
    }

    // ---- VnodeTreeMatchesDelwriInv (I3)

    @Test void treeFlagCleanWithoutVnode() {
        e.setFlags(Buf.B_VNCLEAN);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void treeFlagDirtyWithoutVnode() {
        e.setFlags(Buf.B_VNDIRTY);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void onBothTreeFlags() {
        a.setFlags(Buf.B_VNDIRTY);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void onNeitherTreeFlag() {
        a.clearFlags(Buf.B_VNCLEAN);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void onBothTreesWithBothFlags() {
        // B_DELWRI and in both trees: only the "exactly one" check sees it
        b.setFlags(Buf.B_VNCLEAN);
        vp.v_rbclean_tree.put(b.b_loffset, b);
        violates("VnodeTreeMatchesDelwriInv", "must be on exactly one of the clean/dirty trees");
    }

    @Test void onNeitherTreeNorFlag() {
        a.clearFlags(Buf.B_VNCLEAN);
        vp.v_rbclean_tree.remove(a.b_loffset);
        violates("VnodeTreeMatchesDelwriInv", "must be on exactly one of the clean/dirty trees");
    }

    @Test void onTheDirtyTreeWithoutDelwri() {
        // flags and tree agree; only B_DELWRI is missing
        a.clearFlags(Buf.B_VNCLEAN);
        a.setFlags(Buf.B_VNDIRTY);
        vp.v_rbclean_tree.remove(a.b_loffset);
        vp.v_rbdirty_tree.put(a.b_loffset, a);
        violates("VnodeTreeMatchesDelwriInv", "B_VNDIRTY=true but B_DELWRI=false");
    }

    @Test void dirtyTreeFlagWithoutDelwri() {
        a.clearFlags(Buf.B_VNCLEAN);
        a.setFlags(Buf.B_VNDIRTY);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void flagsRightButMissingFromTheCleanTree() {
        vp.v_rbclean_tree.remove(a.b_loffset);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void flagsRightButMissingFromTheDirtyTree() {
        vp.v_rbdirty_tree.remove(b.b_loffset);
        violates("VnodeTreeMatchesDelwriInv");
    }

    @Test void aHeldBufferMayBeBetweenTrees() {
        hold(a);
        a.setFlags(Buf.B_VNDIRTY);   // mid-transition under the owner's lock: not checked
        c.checkInvariants();
    }

    // ---- QueueContentInv (I5)

    @Test void emptyQueueHeaderWithoutBInval() {
        e.clearFlags(Buf.B_INVAL);
        violates("QueueContentInv");
    }

    @Test void emptyQueueHeaderWithDelwri() {
        e.setFlags(Buf.B_DELWRI);
        violates("QueueContentInv");
    }

    @Test void emptyQueueHeaderWithMemory() {
        e.b_bufsize = BLK;
        e.b_data = new byte[BLK];
        e.setFlags(Buf.B_VMIO);
        violates("QueueContentInv");
    }

    @Test void emptyQueueHeaderWithAVnode() {
        long off = 7L * BLK;
        e.b_vp = vp;
        e.b_loffset = off;
        e.setFlags(Buf.B_HASHED | Buf.B_VNCLEAN);
        vp.v_rbhash_tree.put(off, e);
        vp.v_rbclean_tree.put(off, e);
        violates("QueueContentInv");
    }

    @Test void cleanQueueHeaderPinned() {
        a.setFlags(Buf.B_LOCKED);
        violates("QueueContentInv");
    }

    @Test void cleanQueueHeaderDirty() {
        vp.v_rbclean_tree.remove(a.b_loffset);
        vp.v_rbdirty_tree.put(a.b_loffset, a);
        a.clearFlags(Buf.B_VNCLEAN);
        a.setFlags(Buf.B_VNDIRTY | Buf.B_DELWRI);
        violates("QueueContentInv");
    }

    @Test void dirtyQueueHeaderHeavy() {
        b.setFlags(Buf.B_HEAVY);
        violates("QueueContentInv");
    }

    @Test void dirtyQueueHeaderPinned() {
        b.setFlags(Buf.B_LOCKED);
        violates("QueueContentInv");
    }

    @Test void dirtyQueueHeaderClean() {
        vp.v_rbdirty_tree.remove(b.b_loffset);
        vp.v_rbclean_tree.put(b.b_loffset, b);
        b.clearFlags(Buf.B_VNDIRTY | Buf.B_DELWRI);
        b.setFlags(Buf.B_VNCLEAN);
        violates("QueueContentInv");
    }

    @Test void heavyQueueHeaderNotHeavy() {
        h.clearFlags(Buf.B_HEAVY);
        violates("QueueContentInv");
    }

    @Test void heavyQueueHeaderPinned() {
        h.setFlags(Buf.B_LOCKED);
        violates("QueueContentInv");
    }

    @Test void lockedQueueHeaderNotPinned() {
        l.clearFlags(Buf.B_LOCKED);
        violates("QueueContentInv");
    }

    // ---- PossessionInv (I6)

    @Test void headerOnNoQueueAndUnheld() {
        queue(Buf.BQUEUE_EMPTY).remove(e);
        e.b_qindex = Buf.BQUEUE_NONE;
        violates("PossessionInv");
    }

    @Test void queuedHeaderLocked() {
        assertEquals(0, a.b_lock.lock(BufLock.LK_EXCLUSIVE));
        violates("PossessionInv");
    }

    // ---- CmdInFlightLockedInv (I7)

    @Test void queuedHeaderWithACommandInFlight() {
        a.b_cmd = BufCmd.READ;
        violates("CmdInFlightLockedInv");
    }

    @Test void aHeldBufferMayHaveACommandInFlight() {
        hold(a);
        a.b_cmd = BufCmd.READ;
        c.checkInvariants();
    }

    // ---- RunningSpaceOnlyWritesInv (I8)

    @Test void runningSpaceWithoutAWrite() {
        hold(a);
        a.b_cmd = BufCmd.READ;
        a.b_runningbufspace = BLK;
        c.runningbufspace.addAndGet(BLK);
        c.runningbufcount.incrementAndGet();
        violates("RunningSpaceOnlyWritesInv");
    }

    @Test void aHeldWriteInFlightMayCountRunningSpace() {
        hold(a);
        a.b_cmd = BufCmd.WRITE;
        a.b_runningbufspace = BLK;
        c.runningbufspace.addAndGet(BLK);
        c.runningbufcount.incrementAndGet();
        c.checkInvariants();
    }

    // ---- KernprocHasIoInv (I9)

    @Test void kernprocWithoutIoOrDeps() {
        hold(a);
        a.b_lock.kernproc();
        violates("KernprocHasIoInv");
    }

    @Test void kernprocWithAWriteInFlightHolds() {
        hold(a);
        a.b_cmd = BufCmd.WRITE;
        a.b_lock.kernproc();
        c.checkInvariants();
    }

    @Test void kernprocParkedWithDepsHolds() {
        hold(a);
        a.dep_add("fs dependency");
        a.b_lock.kernproc();
        c.checkInvariants();
    }

    // ---- DelwriHasBackingInv (I11)

    @Test void delwriWithoutMemory() {
        long size = b.b_bufsize;
        b.b_bufsize = 0;
        b.b_data = new byte[0];
        c.bufspace.addAndGet(-size);
        c.dirtybufspace.addAndGet(-size);
        violates("DelwriHasBackingInv");
    }

    @Test void delwriWithoutVnode() {
        vp.v_rbhash_tree.remove(b.b_loffset);
        vp.v_rbdirty_tree.remove(b.b_loffset);
        b.clearFlags(Buf.B_HASHED | Buf.B_VNDIRTY);
        b.b_vp = null;
        violates("DelwriHasBackingInv");
    }

    // ---- BufsizeImpliesVmioInv (I12)

    @Test void memoryWithoutBVmio() {
        a.clearFlags(Buf.B_VMIO);
        violates("BufsizeImpliesVmioInv");
    }

    @Test void dataArrayOfTheWrongSize() {
        a.b_data = new byte[BLK + 1];
        violates("BufsizeImpliesVmioInv");
    }

    @Test void emptyHeadersHaveNoBVmio() {
        // the bound is b_bufsize > 0: an empty header without B_VMIO is legal
        assertEquals(0, e.b_bufsize);
        assertTrue(!e.hasFlags(Buf.B_VMIO));
        c.checkInvariants();
    }

    // ---- DelwriImpliesCacheInv (I13)

    @Test void unheldDelwriWithoutBCache() {
        b.clearFlags(Buf.B_CACHE);
        violates("DelwriImpliesCacheInv");
    }

    @Test void aHeldDelwriBufferMayLackBCache() {
        hold(b);
        b.clearFlags(Buf.B_CACHE);
        c.checkInvariants();
    }

    // ---- LockedNotRecycledInv (I14, state part and ghost)

    @Test void pinnedHeaderOnTheEmptyQueue() {
        e.setFlags(Buf.B_LOCKED);
        violates("LockedNotRecycledInv");
    }

    @Test void ghostRecordedARecycledPinnedHeader() {
        c.ghost.lockedRecycled.add("recycled");
        violates("LockedNotRecycledInv");
    }

    // ---- RefsNonNegativeInv (I16)

    @Test void negativeRefs() {
        a.b_refs.set(-1);
        violates("RefsNonNegativeInv");
    }

    @Test void readTrackUnderflowed() {
        vp.v_track_read.bk_active.set(BioTrack.UNDERFLOW);
        violates("RefsNonNegativeInv");
    }

    @Test void writeTrackUnderflowed() {
        vp.v_track_write.bk_active.set(BioTrack.UNDERFLOW);
        violates("RefsNonNegativeInv");
    }

    @Test void trackWaitFlagWithCountZero() {
        vp.v_track_write.bk_active.set(BioTrack.WANTED);
        violates("RefsNonNegativeInv");
    }

    @Test void trackWaitFlagWithIoActiveHolds() {
        vp.v_track_read.bk_active.set(BioTrack.WANTED | 1);
        c.checkInvariants();
    }

    // ---- BioChainInv (I17)

    @Test void bio1HasAPreviousLayer() {
        a.b_bio1.bio_prev = a.b_bio2;
        violates("BioChainInv");
    }

    @Test void layerIsNotTheArraysLayer() {
        Bio stranger = new Bio(a, 1);        // correctly back-linked, but not the header's own layer 1
        a.b_bio1.bio_next = stranger;
        stranger.bio_prev = a.b_bio1;
        violates("BioChainInv", "layer 1 is not b_bio_array[1]");
    }

    @Test void aChainLongerThanTheLayerArray() {
        // before session 9 this state ended the check with ArrayIndexOutOfBoundsException, not a clause
        for (int i = 1; i < Buf.NBUF_BIO; i++) {
            a.b_bio_array[i - 1].bio_next = a.b_bio_array[i];
            a.b_bio_array[i].bio_prev = a.b_bio_array[i - 1];
        }
        Bio extra = new Bio(a, Buf.NBUF_BIO);
        a.b_bio_array[Buf.NBUF_BIO - 1].bio_next = extra;
        extra.bio_prev = a.b_bio_array[Buf.NBUF_BIO - 1];
        violates("BioChainInv", "bio chain longer than NBUF_BIO=6");
    }

    @Test void layerBackLinkBroken() {
        a.b_bio1.bio_next = a.b_bio2;
        a.b_bio2.bio_prev = null;
        violates("BioChainInv");
    }

    @Test void unheldBufferWithACompletionSet() {
        a.b_bio1.bio_done = bio -> { };
        violates("BioChainInv");
    }

    @Test void unheldBufferWithATrackerSet() {
        a.b_bio1.bio_track = vp.v_track_read;
        violates("BioChainInv");
    }

    @Test void aHeldBufferWithEveryLayerPushedAndInUseHolds() {
        hold(a);
        for (int i = 1; i < Buf.NBUF_BIO; i++) {
            a.b_bio_array[i - 1].bio_next = a.b_bio_array[i];
            a.b_bio_array[i].bio_prev = a.b_bio_array[i - 1];
        }
        a.b_bio1.bio_done = bio -> { };
        a.b_bio2.bio_track = vp.v_track_write;
        c.checkInvariants();
    }

    // ---- CoherenceInv (I19)

    @Test void cleanValidBufferDiffersFromTheDevice() {
        a.b_data[BLK - 1] ^= 1;
        violates("CoherenceInv");
    }

    @Test void aBufferWithDepsIsLeftToItsFilesystem() {
        a.b_data[0] ^= 1;
        a.dep_add("fs dependency");
        c.checkInvariants();
    }

    @Test void anInvalidBufferNeedNotMatchTheDevice() {
        a.b_data[0] ^= 1;
        a.setFlags(Buf.B_INVAL);
        c.checkInvariants();
    }

    @Test void aPinnedBufferIsLeftToItsFilesystem() {
        l.b_data[0] ^= 1;
        c.checkInvariants();
    }

    @Test void onlyTheValidBytesAreCompared() {
        a.b_bcount = BLK / 2;
        a.b_data[BLK - 1] ^= 1;
        c.checkInvariants();
        a.b_data[BLK / 2 - 1] ^= 1;
        violates("CoherenceInv");
    }

    // ---- AccountingInv (I10)

    private void counterOff(Function<BufCache, AtomicLong> counter) {
        counter.apply(c).incrementAndGet();
        violates("AccountingInv");
        counter.apply(c).decrementAndGet();
        counter.apply(c).decrementAndGet();
        violates("AccountingInv");
    }

    @Test void dirtybufcountOff() { counterOff(x -> x.dirtybufcount); }
    @Test void dirtykvaspaceOff() { counterOff(x -> x.dirtykvaspace); }
    @Test void dirtybufspaceOff() { counterOff(x -> x.dirtybufspace); }
    @Test void dirtybufcounthwOff() { counterOff(x -> x.dirtybufcounthw); }
    @Test void dirtybufspacehwOff() { counterOff(x -> x.dirtybufspacehw); }
    @Test void bufspaceOff() { counterOff(x -> x.bufspace); }
    @Test void runningbufspaceOff() { counterOff(x -> x.runningbufspace); }
    @Test void runningbufcountOff() { counterOff(x -> x.runningbufcount); }

    @Test void theCountersAreTheExactSums() {
        assertEquals(2, c.view().dirtybufcount());
        assertEquals(1, c.view().dirtybufcounthw());
        assertEquals(2L * BLK, c.view().dirtybufspace());
        assertEquals(BLK, c.view().dirtybufspacehw());
        assertEquals(2L * a.b_kvasize, c.view().dirtykvaspace());
        assertEquals(4L * BLK, c.view().bufspace());
        c.checkInvariants();
    }

    // ---- the history clauses (ghosts)

    @Test void ghostReuseUnderHold() {
        c.ghost.reusedUnderHold.add("reused");
        violates("NoReuseUnderHoldInv");
    }

    @Test void ghostSilentLoss() {
        c.ghost.silentLoss.add("lost");
        violates("NoSilentLossInv");
    }

    @Test void ghostReadOverValid() {
        c.ghost.readOverValid.add("read over valid");
        violates("NoReadOverValidInv");
    }

    @Test void ghostMessageCountsTheOtherEvents() {
        c.ghost.silentLoss.add("first");
        c.ghost.silentLoss.add("second");
        c.ghost.silentLoss.add("third");
        BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, c::checkInvariants);
        assertEquals("NoSilentLossInv: first (+2 more)", v.getMessage());
        c.ghost.silentLoss.clear();
        c.ghost.silentLoss.add("only");
        v = assertThrows(BufInvariants.Violation.class, c::checkInvariants);
        assertEquals("NoSilentLossInv: only", v.getMessage());
    }

    @Test void ghostRecordsOnlyTheForbiddenTransitions() {
        BufInvariants.Ghost g = new BufInvariants.Ghost();
        for (BufInvariants.Ghost.Cause cause : BufInvariants.Ghost.Cause.values()) g.delwriCleared(a, cause);
        assertEquals(1, g.silentLoss.size());
        assertTrue(g.silentLoss.get(0).startsWith("failed write marked clean: "));
        g.recycling(a);
        assertTrue(g.lockedRecycled.isEmpty());
        g.recycling(l);
        assertEquals(1, g.lockedRecycled.size());
        g.returnedByGetnewbuf(a);
        assertTrue(g.reusedUnderHold.isEmpty());
        a.b_refs.set(1);
        g.returnedByGetnewbuf(a);
        assertEquals(1, g.reusedUnderHold.size());
        g.readOverValid(a);
        assertEquals(1, g.readOverValid.size());
        a.b_refs.set(0);
    }
}
