// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.bytes;
import static dev.bioref.hammer.HammerTestSupport.withFsToken;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each named clause of {@link HammerInvariants} (proofs-notes/invariants.md) fails on a state that
 * breaks exactly that clause (the message names the clause and what is wrong), and holds on the
 * legal but unusual states next to it: a running write, a placemarker on iorun, an io on the lose
 * tree, a parked B_LOCKED bp, a modified volume header, a read-only mount's groups. Found
 * necessary by PIT (proofs-notes/pit.md §9.5). The state is built through the mount, then one
 * field is corrupted directly (this is the mount's package).
 *
 * <p>Fixture: a mount that synced key 0, then put key 1 and modified a meta-data slot by hand
 * (a transaction under the sync lock, as the flusher's B-tree work does): the root volume is clean
 * and released, the DATA and UNDO ios modified and released (their bps on DIRTY), the META io
 * modified and held for HAMMER (KERNPROC, meta_root, locked_dirty_space 4096). The mount is not
 * registered with the extensions (the tests break it on purpose).
 */
class HammerInvariantsClausesTest {
    final HammerMount hmp;
    final HammerVolume vol;
    final HammerBuffer meta;
    final HammerBuffer data;
    final HammerBuffer undo;
    final HammerFlusher f;

    HammerInvariantsClausesTest() {
        HammerOptions o = HammerTestSupport.options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        hmp.put(1, bytes(100, 2));
        withFsToken(hmp, () -> {
            HammerTransaction t = hmp.startTransaction();
            hmp.syncLockSh(t);
            HammerBuffer m = hmp.getBuffer(HammerIoType.META_BUFFER, hmp.geometry.metaBase(), false);
            hmp.modifyBuffer(t, m, HammerOndisk.M_SLOTS, HammerOndisk.SLOT_SIZE);
            m.data()[HammerOndisk.M_SLOTS] = 7;
            hmp.modifyBufferDone(m);
            hmp.relBuffer(m, false);
            hmp.syncUnlock(t);
        });
        vol = hmp.rootVolume;
        meta = hmp.buffers.get(hmp.geometry.metaBase());
        data = hmp.buffers.get(hmp.geometry.dataBase());
        undo = hmp.buffers.get(hmp.geometry.undoBase());
        f = hmp.flusher;
    }

    private void violates(String clause, String detail) {
        IllegalStateException e = assertThrows(IllegalStateException.class, hmp::checkInvariants);
        assertTrue(e.getMessage().startsWith(clause + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(detail), () -> "expected \"" + detail + "\" in: " + e.getMessage());
    }

    /** Makes {@code io}'s bp look like a write in flight: off its queue, KERNPROC, on iorun, counted. */
    private void startWrite(HammerIo io) {
        Buf bp = io.bp;
        assertTrue(bp.b_lock().tryLock());
        hmp.cache.bremfree(bp);
        bp.b_lock().kernproc();
        io.running = true;
        hmp.iorunAppend(io);
        hmp.ioRunningSpace.addAndGet(io.bytes);
        io.inflightVer = io.memVer;
    }

    /** Takes {@code io} off its mod tree and its bp, as a disassociated clean io. */
    private void disassociate(HammerIo io) {
        if (io.modRoot != null) io.modRoot.remove(io);
        io.modRoot = null;
        io.modified = false;
        io.bp = null;
    }

    @Test void theFixtureHolds() {
        assertTrue(vol.released && !vol.modified && vol.bp != null);
        assertTrue(meta.modified && !meta.released && meta.modRoot == hmp.metaRoot);
        assertTrue(data.modified && data.released && data.modRoot == hmp.dataRoot);
        assertTrue(undo.modified && undo.released && undo.modRoot == hmp.undoRoot);
        assertEquals(HammerOndisk.BUFSIZE, hmp.lockedDirtySpace);
        assertEquals(1, hmp.undo.history.size());
        hmp.checkInvariants();
        hmp.checkInvariants();   // a second look, with the flusher's done remembered
    }

    // ---- ModRootConsistentInv

    @Test void modifiedIoOnAnotherTypesTree() {
        hmp.dataRoot.remove(data);
        data.modRoot = hmp.metaRoot;
        hmp.metaRoot.insert(data);
        violates("ModRootConsistentInv", "modified=true but mod_root=meta_root");
    }

    @Test void unmodifiedIoOnItsTree() {
        data.modified = false;
        violates("ModRootConsistentInv", "modified=false but mod_root=data_root");
    }

    @Test void unmodifiedIoOnAnotherTree() {
        vol.modRoot = hmp.dataRoot;
        violates("ModRootConsistentInv", "unmodified io on data_root");
    }

    @Test void treeEntryWhoseIoNamesAnotherTree() {
        hmp.dataRoot.tree.put(vol.offset, vol);
        violates("ModRootConsistentInv", "is in data_root but its mod_root is null");
    }

    @Test void treeEntryThatIsNoLiveStructure() {
        HammerIo ghost = new HammerIo(hmp, HammerIoType.DATA_BUFFER, hmp.geometry.dataBase() + 5L * HammerOndisk.BUFSIZE,
                HammerOndisk.BUFSIZE);
        ghost.modRoot = hmp.dataRoot;
        hmp.dataRoot.insert(ghost);
        violates("ModRootConsistentInv", "but not a live structure");
    }

    @Test void treeMissingAnIoThatNamesIt() {
        hmp.dataRoot.remove(data);
        violates("ModRootConsistentInv", "data_root holds 0 ios but 1 point at it");
    }

    // ---- LoseRootInv and UnassociatedInertInv

    @Test void anUnassociatedIoOnTheLoseTreeHolds() {
        disassociate(data);
        data.modRoot = hmp.loseRoot;
        hmp.loseRoot.insert(data);
        hmp.checkInvariants();
    }

    @Test void loseTreeIoWithABp() {
        hmp.dataRoot.remove(data);
        data.modified = false;
        data.modRoot = hmp.loseRoot;
        hmp.loseRoot.insert(data);
        violates("LoseRootInv", "on the lose tree");
    }

    @Test void volumeOnTheLoseTree() {
        vol.bp = null;
        vol.modRoot = hmp.loseRoot;
        hmp.loseRoot.insert(vol);
        violates("LoseRootInv", "on the lose tree");
    }

    @Test void anUnassociatedCleanIoHolds() {
        disassociate(data);
        hmp.checkInvariants();
    }

    @Test void unassociatedIoRunning() {
        disassociate(data);
        data.running = true;
        violates("UnassociatedInertInv", "no bp");
    }

    @Test void unassociatedIoWaitedOn() {
        disassociate(data);
        data.waiting = true;
        violates("UnassociatedInertInv", "no bp");
    }

    @Test void unassociatedIoWithAModifier() {
        disassociate(data);
        data.modifyRefs = 1;
        violates("UnassociatedInertInv", "no bp");
    }

    // ---- RunningOwnedInv and IoRunFifoInv (a write in flight)

    @Test void aCleanWriteInFlightHolds() {
        vol.memVer++;                  // the newer version is the one in flight
        startWrite(vol);
        assertEquals(vol.memVer, vol.inflightVer);
        hmp.checkInvariants();
    }

    @Test void aWriteInFlightOfAnOlderVersionLosesTheNewer() {
        startWrite(vol);
        vol.memVer++;
        violates("NoLostModificationInv", "memVer");
    }

    @Test void runningButNotOnIorun() {
        startWrite(vol);
        vol.onIorun = false;
        violates("RunningOwnedInv", "running=true onIorun=false");
    }

    @Test void onIorunButNotRunning() {
        data.onIorun = true;
        violates("RunningOwnedInv", "running=false onIorun=true");
    }

    @Test void runningWithoutTheKernelOwningTheBp() {
        data.running = true;
        hmp.iorunAppend(data);
        violates("RunningOwnedInv", "running io not released or bp not kernel-owned");
    }

    @Test void runningButNotReleased() {
        meta.running = true;
        hmp.iorunAppend(meta);
        violates("RunningOwnedInv", "running io not released or bp not kernel-owned");
    }

    @Test void aPlacemarkerOnIorunHolds() {
        HammerIo dummy = new HammerIo(hmp, HammerIoType.DUMMY, 0, 0);
        startWrite(vol);
        hmp.iorunAppend(dummy);
        hmp.checkInvariants();
    }

    @Test void iorunHoldsAnIoThatIsNotRunning() {
        HammerIo stray = new HammerIo(hmp, HammerIoType.DATA_BUFFER, 0, HammerOndisk.BUFSIZE);
        hmp.iorunAppend(stray);
        violates("IoRunFifoInv", "iorun holds an io that is not running");
    }

    @Test void iorunBackLinkBroken() {
        HammerIo d1 = new HammerIo(hmp, HammerIoType.DUMMY, 0, 0);
        HammerIo d2 = new HammerIo(hmp, HammerIoType.DUMMY, 0, 0);
        hmp.iorunAppend(d1);
        hmp.iorunAppend(d2);
        d2.iorunPrev = null;
        violates("IoRunFifoInv", "iorun links broken");
    }

    @Test void iorunEntryNotMarkedOnIorun() {
        HammerIo d1 = new HammerIo(hmp, HammerIoType.DUMMY, 0, 0);
        hmp.iorunAppend(d1);
        d1.onIorun = false;
        violates("IoRunFifoInv", "iorun links broken");
    }

    @Test void iorunTailWrong() {
        hmp.iorunTail = new HammerIo(hmp, HammerIoType.DUMMY, 0, 0);
        violates("IoRunFifoInv", "is not the last entry");
    }

    // ---- IoRunningSpaceInv, LockedDirtySpaceInv, LockedNotReusableInv (the counters)

    @Test void ioRunningSpaceOff() {
        hmp.ioRunningSpace.incrementAndGet();
        violates("IoRunningSpaceInv", "io_running_space 1 != sum of running bytes 0");
    }

    @Test void ioRunningSpaceOffWithAWriteInFlight() {
        startWrite(vol);
        hmp.ioRunningSpace.decrementAndGet();
        violates("IoRunningSpaceInv", "!= sum of running bytes " + HammerOndisk.BUFSIZE);
    }

    @Test void lockedDirtySpaceOff() {
        hmp.lockedDirtySpace++;
        violates("LockedDirtySpaceInv", "!= volume+meta tree bytes " + HammerOndisk.BUFSIZE);
    }

    @Test void aModifiedVolumeHeaderCountsInLockedDirtySpace() {
        withFsToken(hmp, () -> {
            HammerTransaction t = hmp.startTransaction();
            hmp.syncLockSh(t);
            hmp.modifyVolume(t, HammerOndisk.H_NEXT_TID, 8);
            hmp.modifyVolumeDone();
            hmp.syncUnlock(t);
        });
        assertSame(hmp.voluRoot, vol.modRoot);
        assertEquals(2L * HammerOndisk.BUFSIZE, hmp.lockedDirtySpace);
        hmp.checkInvariants();
        hmp.lockedDirtySpace -= HammerOndisk.BUFSIZE;
        violates("LockedDirtySpaceInv", "!= volume+meta tree bytes " + 2 * HammerOndisk.BUFSIZE);
    }

    @Test void countIoLockedOff() {
        hmp.countIoLocked.incrementAndGet();
        violates("LockedNotReusableInv", "hammer_count_io_locked 1 != B_LOCKED bps 0");
    }

    @Test void aBpHammerParkedOnTheLockedQueueHolds() {
        assertFalse(HammerTestSupport.kernelDeallocate(hmp, data.bp), "HAMMER let go of a modified io");
        assertTrue(data.bp.anyFlags(Buf.B_LOCKED));
        assertEquals(1, hmp.countIoLocked.get());
        hmp.checkInvariants();
    }

    @Test void lockedBpOnTheDirtyQueue() {
        data.bp.setFlags(Buf.B_LOCKED);
        hmp.countIoLocked.incrementAndGet();
        violates("LockedNotReusableInv", "B_LOCKED bp on a reusable queue");
    }

    @Test void lockedBpOnTheCleanQueue() {
        vol.bp.setFlags(Buf.B_LOCKED);
        hmp.countIoLocked.incrementAndGet();
        violates("LockedNotReusableInv", "B_LOCKED bp on a reusable queue");
    }

    // ---- OwnershipInv, MetaPinnedInv

    @Test void ownedIoWhoseBpIsOnAQueue() {
        data.released = false;
        violates("OwnershipInv", "owned io whose bp is not held for HAMMER");
    }

    @Test void ownedIoWhoseKernprocBpIsStillQueued() {
        assertTrue(data.bp.b_lock().tryLock());
        data.bp.b_lock().kernproc();        // owned by the kernel but never taken off DIRTY
        data.released = false;
        violates("OwnershipInv", "owned io whose bp is not held for HAMMER");
    }

    @Test void bpDepListEmpty() {
        assertTrue(data.bp.dep_remove(data));
        violates("OwnershipInv", "does not name");
    }

    @Test void bpDepListHeadedByAnother() {
        data.bp.dep_add(meta);
        violates("OwnershipInv", "does not name");
    }

    @Test void modifiedMetaReleasedToTheKernel() {
        meta.released = true;
        violates("MetaPinnedInv", "modified META/VOLUME released to the kernel");
    }

    @Test void cleanVolumeBpDelayedWrite() {
        vol.bp.setFlags(Buf.B_DELWRI);
        violates("MetaPinnedInv", "META/VOLUME bp has B_DELWRI");
    }

    @Test void dataBpMayBeADelayedWrite() {
        assertTrue(data.bp.anyFlags(Buf.B_DELWRI) && data.released);
        hmp.checkInvariants();
    }

    // ---- InterlockExclusiveInv, MutateSafeInv, IoErrorRefInv

    @Test void modifyRefsBelowTheInterlock() {
        data.modifyRefs = -2;
        violates("InterlockExclusiveInv", "modify_refs below -1");
    }

    @Test void theWriteInterlockHolds() {
        data.modifyRefs = -1;
        hmp.checkInvariants();
    }

    @Test void modifierInsideAReleasedIo() {
        data.modifyRefs = 1;
        violates("MutateSafeInv", "modifier inside the window");
    }

    @Test void modifierInsideAnUnmodifiedIo() {
        vol.released = false;
        assertTrue(vol.bp.b_lock().tryLock());
        hmp.cache.bremfree(vol.bp);
        vol.bp.b_lock().kernproc();
        vol.modifyRefs = 1;
        violates("MutateSafeInv", "modifier inside the window");
    }

    @Test void aModifierInsideAHeldModifiedIoHolds() {
        meta.modifyRefs = 1;
        hmp.checkInvariants();
    }

    @Test void ioerrorWithoutItsRef() {
        data.ioerror = true;
        violates("IoErrorRefInv", "ioerror without its ref");
    }

    @Test void ioerrorWithItsRefHolds() {
        data.ioerror = true;
        data.lock.ref();
        hmp.checkInvariants();
    }

    // ---- NoLostModificationInv, and the ghost flags

    @Test void cleanIoDiffersFromTheMedia() {
        vol.bp.b_data()[2000] ^= 1;
        violates("NoLostModificationInv", "clean io whose contents differ from the media");
    }

    @Test void cleanIoVersionAheadOfTheMedia() {
        vol.memVer++;
        violates("NoLostModificationInv", "memVer");
    }

    @Test void afterACriticalErrorTheMediaIsNotCompared() {
        vol.bp.b_data()[2000] ^= 1;
        vol.memVer++;
        hmp.criticalError = true;
        hmp.checkInvariants();
    }

    @Test void kernelWroteMetaGhost() {
        hmp.kernelWroteMeta = true;
        violates("MetaNeverKernelWrittenInv", "checkwrite let the kernel write");
    }

    @Test void lostModificationGhost() {
        hmp.lostModification = true;
        violates("NoDisassociateModifiedInv", "disassociated");
    }

    // ---- FlusherSeqInv, FinalizeInv

    private HammerFlushGroup group(boolean closed, boolean running) {
        HammerFlushGroup g = new HammerFlushGroup(f.next++);
        g.closed = closed;
        g.running = running;
        f.flushGroupList.add(g);
        return g;
    }

    @Test void aRunningHeadAndAnOpenGroupHold() {
        group(true, true);
        HammerFlushGroup open = group(false, false);
        f.nextFlushGroup = open;
        f.fillFlushGroup = open;
        hmp.checkInvariants();
    }

    @Test void doneWentBack() {
        hmp.checkInvariants();
        f.done--;
        violates("FlusherSeqInv", "done went back from");
    }

    @Test void doneAtOrPastNext() {
        f.done = f.next;
        violates("FlusherSeqInv", "next " + f.next + " done " + f.next);
    }

    @Test void doneMayPassNextOnAReadOnlyMount() {
        f.done = f.next;
        hmp.ronly = 2;
        hmp.checkInvariants();
    }

    @Test void negativeSignal() {
        f.signal = -1;
        violates("FlusherSeqInv", "signal -1");
    }

    @Test void groupNotAfterDone() {
        HammerFlushGroup g = new HammerFlushGroup(f.done);
        g.closed = true;
        f.flushGroupList.add(g);
        violates("FlusherSeqInv", "outside (" + f.done + ", " + f.next + ")");
    }

    @Test void aReadOnlyMountMayLeaveItsHeadGroupAtDone() {
        HammerFlushGroup g = new HammerFlushGroup(f.done);
        g.closed = true;
        f.flushGroupList.add(g);
        hmp.ronly = 2;
        hmp.checkInvariants();
        HammerFlushGroup g2 = new HammerFlushGroup(f.done);   // only the head: a second one at done is out of order
        g2.closed = true;
        f.flushGroupList.add(g2);
        violates("FlusherSeqInv", "on a read-only mount");
    }

    @Test void groupAtOrPastNext() {
        HammerFlushGroup g = new HammerFlushGroup(f.next);
        g.closed = true;
        f.flushGroupList.add(g);
        violates("FlusherSeqInv", "outside (");
    }

    @Test void closedGroupAtOrAfterNextFlushGroup() {
        HammerFlushGroup g = group(true, false);
        f.nextFlushGroup = g;
        violates("FlusherSeqInv", "on the wrong side of next_flush_group");
    }

    @Test void openGroupBeforeNextFlushGroup() {
        group(false, false);
        violates("FlusherSeqInv", "on the wrong side of next_flush_group");
    }

    @Test void runningGroupAfterNextFlushGroup() {
        HammerFlushGroup g = group(false, true);
        f.nextFlushGroup = g;
        violates("FlusherSeqInv", "on the wrong side of next_flush_group");
    }

    @Test void runningGroupNotTheHead() {
        group(true, false);
        group(true, true);
        violates("FlusherSeqInv", "is not the closed head");
    }

    @Test void fillGroupRunning() {
        f.fillFlushGroup = group(true, true);
        violates("FlusherSeqInv", "fill_flush_group is running");
    }

    @Test void nextFlushGroupNotOnTheList() {
        f.nextFlushGroup = new HammerFlushGroup(f.next);
        violates("FlusherSeqInv", "next_flush_group not on the list");
    }

    @Test void negativeFinalizeWant() {
        f.finalizeWant = -1;
        violates("FinalizeInv", "finalize_want -1");
    }

    // ---- the UNDO FIFO (FinalizeInv, UndoHistorySpanInv)

    @Test void inCoreFirstAheadOfTheOnDiskFirstHolds() {
        assertTrue(hmp.undo.next != hmp.undo.first, "the fixture has UNDO in the FIFO");
        hmp.undo.first = hmp.undo.next;
        hmp.checkInvariants();
    }

    @Test void inCoreFirstBehindTheOnDiskFirst() {
        hmp.undo.ondiskFirst = hmp.undo.next;
        violates("FinalizeInv", "FIFO order broken");
    }

    @Test void inCoreFirstBehindTheOnDiskFirstAcrossTheWrap() {
        // used in-core wraps past the FIFO's end: first just after next
        hmp.undo.first = Math.floorMod(hmp.undo.next + 32, hmp.undo.size);
        violates("FinalizeInv", "FIFO order broken");
    }

    @Test void firstSeqAfterNextSeq() {
        hmp.undo.firstSeq = hmp.undo.nextSeq + 1;
        violates("FinalizeInv", "seq first");
    }

    @Test void historyEntryFromAnEarlierSnapshot() {
        hmp.undo.history.put(12345L, hmp.undo.historyEpoch - 1);
        violates("UndoHistorySpanInv", "the UNDO history still names 12345");
    }

    @Test void theCheckLeavesTheTokensFree() {
        hmp.checkInvariants();
        assertFalse(hmp.fsToken.heldByMe());
        assertFalse(hmp.ioToken.heldByMe());
    }
}
