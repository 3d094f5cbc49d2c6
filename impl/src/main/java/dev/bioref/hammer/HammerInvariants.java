// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.kern.BufLock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The named invariants of HAMMER's I/O layer and flusher (proofs-notes/invariants.md), checked
 * over a {@link HammerMount}; ports no seed (the seed's KKASSERTs stay at their lines).
 *
 * <p>Interface: {@link HammerMount#checkInvariants()} calls {@link #check()}, which throws
 * {@link IllegalStateException} whose message starts with the failing invariant's name. The
 * check reads the mount and writes nothing of it: it takes fs_token and io_token to read a
 * consistent state, and its only memory (the last flusher {@code done} it saw, for
 * FlusherSeqInv) lives here, as {@code BufInvariants} keeps its own.
 */
final class HammerInvariants {
    private final HammerMount hmp;       // the mount checked; immutable
    private int lastDoneObserved;        // FlusherSeqInv: flusher.done at the last passed check; guarded by fs_token

    HammerInvariants(HammerMount hmp) { this.hmp = hmp; }

    /**
     * Checks every named invariant (proofs-notes/invariants.md) of the I/O layer and the flusher;
     * throws {@link IllegalStateException} whose message starts with the invariant's name.
     * Call it when no HAMMER operation is in progress.
     */
    void check() {
        hmp.fsToken.gettoken();
        hmp.ioToken.gettoken();
        try {
            List<HammerIo> all = new ArrayList<>(hmp.buffers.values());
            all.add(hmp.rootVolume);
            Map<HammerModTree, Integer> treeCount = new HashMap<>();
            long running = 0;
            int lockedBps = 0;
            for (HammerIo io : all) {
                checkIo(io);
                if (io.modRoot != null) treeCount.merge(io.modRoot, 1, Integer::sum);
                if (io.running) running += io.bytes;
                if (io.bp != null && io.bp.anyFlags(Buf.B_LOCKED)) lockedBps++;
            }
            for (HammerModTree t : List.of(hmp.voluRoot, hmp.metaRoot, hmp.undoRoot, hmp.dataRoot, hmp.loseRoot)) {
                for (HammerIo io : t.tree.values()) {
                    inv(io.modRoot == t, "ModRootConsistentInv", () -> io + " is in " + t + " but its mod_root is " + io.modRoot);
                    inv(all.contains(io), "ModRootConsistentInv", () -> io + " is in " + t + " but not a live structure");
                }
                int n = treeCount.getOrDefault(t, 0);
                inv(n == t.size(), "ModRootConsistentInv", () -> t + " holds " + t.size() + " ios but " + n + " point at it");
            }
            long rs = running;
            inv(hmp.ioRunningSpace.get() == rs && rs >= 0, "IoRunningSpaceInv",
                    () -> "io_running_space " + hmp.ioRunningSpace.get() + " != sum of running bytes " + rs);
            long ld = 0;
            for (HammerIo io : hmp.voluRoot.tree.values()) ld += io.bytes;
            for (HammerIo io : hmp.metaRoot.tree.values()) ld += io.bytes;
            long fld = ld;
            inv(hmp.lockedDirtySpace == fld, "LockedDirtySpaceInv",
                    () -> "locked_dirty_space " + hmp.lockedDirtySpace + " != volume+meta tree bytes " + fld);
            int lb = lockedBps;
            inv(hmp.countIoLocked.get() == lb, "LockedNotReusableInv",
                    () -> "hammer_count_io_locked " + hmp.countIoLocked.get() + " != B_LOCKED bps " + lb);
            checkIorun();
            inv(!hmp.kernelWroteMeta, "MetaNeverKernelWrittenInv", () -> "checkwrite let the kernel write a VOLUME/META buffer");
            inv(!hmp.lostModification, "NoDisassociateModifiedInv", () -> "a modified io was disassociated and its bp destroyed");
            checkFlusher();
            checkUndo();
            lastDoneObserved = hmp.flusher.done;   // the checker's own memory, written after the check passed
        } finally {
            hmp.ioToken.reltoken();
            hmp.fsToken.reltoken();
        }
    }

    private void checkIo(HammerIo io) {
        HammerModTree own = switch (io.type) {
            case VOLUME -> hmp.voluRoot;
            case META_BUFFER -> hmp.metaRoot;
            case UNDO_BUFFER -> hmp.undoRoot;
            case DATA_BUFFER -> hmp.dataRoot;
            case DUMMY -> null;
        };
        inv(io.modified == (io.modRoot == own), "ModRootConsistentInv",
                () -> "modified=" + io.modified + " but mod_root=" + io.modRoot + " for " + io);
        inv(io.modified || io.modRoot == null || io.modRoot == hmp.loseRoot, "ModRootConsistentInv",
                () -> "unmodified io on " + io.modRoot + ": " + io);
        if (io.modRoot == hmp.loseRoot) {
            inv(io.bp == null && !io.modified && io.type != HammerIoType.VOLUME, "LoseRootInv", () -> "on the lose tree: " + io);
        }
        Buf bp = io.bp;
        if (bp == null) {
            inv(!io.modified && !io.running && !io.waiting && io.modifyRefs == 0, "UnassociatedInertInv", () -> "no bp: " + io);
            return;
        }
        inv(io.running == io.onIorun, "RunningOwnedInv", () -> "running=" + io.running + " onIorun=" + io.onIorun + ": " + io);
        if (io.running) {
            inv(io.released && bp.b_lock().owner() == BufLock.KERNPROC, "RunningOwnedInv",
                    () -> "running io not released or bp not kernel-owned: " + io + " " + bp);
        }
        if (!io.released) {
            inv(bp.b_lock().owner() == BufLock.KERNPROC && bp.b_qindex() == Buf.BQUEUE_NONE, "OwnershipInv",
                    () -> "owned io whose bp is not held for HAMMER: " + io + " " + bp);
        }
        inv(!bp.dep_isEmpty() && bp.b_dep().get(0) == io, "OwnershipInv", () -> "bp's b_dep does not name " + io);
        if (io.type == HammerIoType.VOLUME || io.type == HammerIoType.META_BUFFER) {
            inv(!io.modified || !io.released, "MetaPinnedInv", () -> "modified META/VOLUME released to the kernel: " + io);
            inv(!bp.anyFlags(Buf.B_DELWRI), "MetaPinnedInv", () -> "META/VOLUME bp has B_DELWRI: " + io + " " + bp);
        }
        inv(io.modifyRefs >= -1, "InterlockExclusiveInv", () -> "modify_refs below -1: " + io);
        inv(io.modifyRefs <= 0 || (io.modified && !io.released), "MutateSafeInv", () -> "modifier inside the window of " + io);
        inv(!io.ioerror || io.lock.refCount() >= 1, "IoErrorRefInv", () -> "ioerror without its ref: " + io);
        if (bp.anyFlags(Buf.B_LOCKED)) {
            inv(bp.b_qindex() != Buf.BQUEUE_CLEAN && bp.b_qindex() != Buf.BQUEUE_DIRTY, "LockedNotReusableInv",
                    () -> "B_LOCKED bp on a reusable queue: " + bp);
        }
        // The media comparison means nothing once the device injected a lost or misdirected write
        // (the media broke the promise, not HAMMER: proofs-notes/faults.md); the ghost clause below still holds.
        if (!hmp.criticalError && !io.modified && !io.running && !hmp.dev.mediaFaulted()) {
            byte[] media = hmp.dev.peekVisible(io.offset, io.bytes);
            byte[] mem = bp.b_data();
            inv(Arrays.equals(Arrays.copyOf(mem, io.bytes), media), "NoLostModificationInv",
                    () -> "clean io whose contents differ from the media (a modification is untracked): " + io);
        }
        if (!hmp.criticalError) {
            inv(io.memVer == io.diskVer || io.modified || (io.running && io.inflightVer == io.memVer), "NoLostModificationInv",
                    () -> "memVer " + io.memVer + " diskVer " + io.diskVer + " inflightVer " + io.inflightVer + ": " + io);
        }
    }

    private void checkIorun() {
        HammerIo prev = null;
        int n = 0;
        for (HammerIo io = hmp.iorunHead; io != null; io = io.iorunNext) {
            HammerIo p = prev;
            HammerIo i = io;
            inv(io.iorunPrev == p && io.onIorun, "IoRunFifoInv", () -> "iorun links broken at " + i);
            inv(io.type == HammerIoType.DUMMY || io.running, "IoRunFifoInv", () -> "iorun holds an io that is not running: " + i);
            prev = io;
            if (++n > 1_000_000) throw new IllegalStateException("IoRunFifoInv: iorun list has a cycle");
        }
        HammerIo last = prev;
        inv(hmp.iorunTail == last, "IoRunFifoInv", () -> "iorun tail " + hmp.iorunTail + " is not the last entry " + last);
    }

    private void checkFlusher() {
        HammerFlusher f = hmp.flusher;
        int seen = lastDoneObserved;
        inv(f.done - seen >= 0, "FlusherSeqInv", () -> "done went back from " + seen + " to " + f.done);
        // Read-only form (fl:L352-356 accepts it once ronly >= 2): after a critical error the master
        // leaves the group it was running on the list (fl:L373-374, nothing flushes it again) and
        // still publishes its seq as done (fl:L272); later passes publish dummy seqs past it and past
        // next (fl:L331, L350-358). So read-only, the clauses tying the groups and next to done are
        // dropped; the list's own order, the closed prefix and the one running head still hold.
        boolean ro = hmp.ronly >= 2;
        inv((ro || (f.next - 1) - f.done >= 0) && f.signal >= 0, "FlusherSeqInv",
                () -> "next " + f.next + " done " + f.done + " signal " + f.signal);
        int prevSeq = f.done;
        boolean open = false;
        int runningGroups = 0;
        int i = 0;
        for (HammerFlushGroup g : f.flushGroupList) {
            int ps = prevSeq;
            boolean headVsDone = i == 0;
            inv((ro && headVsDone || g.seq - ps > 0) && f.next - g.seq > 0, "FlusherSeqInv",
                    () -> "group " + g + " outside (" + ps + ", " + f.next + ")" + (ro ? " on a read-only mount" : ""));
            if (g == f.nextFlushGroup) open = true;
            boolean o = open;
            inv(o ? (!g.closed && !g.running) : g.closed, "FlusherSeqInv",
                    () -> "group " + g + " on the wrong side of next_flush_group " + f.nextFlushGroup);
            if (g.running) {
                runningGroups++;
                int idx = i;
                inv(idx == 0 && g.closed, "FlusherSeqInv", () -> "running group " + g + " is not the closed head");
            }
            inv(g != f.fillFlushGroup || !g.running, "FlusherSeqInv", () -> "fill_flush_group is running: " + g);
            prevSeq = g.seq;
            i++;
        }
        int rg = runningGroups;
        inv(rg <= 1, "FlusherSeqInv", () -> rg + " groups running");
        inv(f.nextFlushGroup == null || f.flushGroupList.contains(f.nextFlushGroup), "FlusherSeqInv",
                () -> "next_flush_group not on the list");
        inv(f.finalizeWant >= 0, "FinalizeInv", () -> "finalize_want " + f.finalizeWant);
    }

    private void checkUndo() {
        long size = hmp.undo.size;
        long usedOndisk = Math.floorMod(hmp.undo.next - hmp.undo.ondiskFirst, size);
        long usedIncore = Math.floorMod(hmp.undo.next - hmp.undo.first, size);
        inv(usedIncore <= usedOndisk, "FinalizeInv",
                () -> "FIFO order broken: on-disk first " + hmp.undo.ondiskFirst + ", in-core first " + hmp.undo.first + ", next " + hmp.undo.next);
        inv(hmp.undo.nextSeq - hmp.undo.firstSeq >= 0, "FinalizeInv", () -> "seq first " + hmp.undo.firstSeq + " after next " + hmp.undo.nextSeq);
        for (Map.Entry<Long, Integer> e : hmp.undo.history.entrySet()) {
            inv(e.getValue() >= hmp.undo.historyEpoch, "UndoHistorySpanInv", () -> "the UNDO history still names " + e.getKey()
                    + ", recorded before snapshot " + e.getValue() + ": its UNDO is outside the span [first, next)");
        }
    }

    private static void inv(boolean ok, String name, Supplier<String> detail) {
        if (!ok) throw new IllegalStateException(name + ": " + detail.get());
    }
}
