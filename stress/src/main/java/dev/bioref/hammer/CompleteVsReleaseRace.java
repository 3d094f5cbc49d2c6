// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.device.GateCompleter;
import org.openjdk.jcstress.infra.results.IIII_Result;


/** The race of {@link CompleteVsRelease} (notes §7.4 J3), shared with any mutant of it. */
public class CompleteVsReleaseRace {
    /**
     * Completes inline (the cache's bread waits in biowait, not in the completer) until shut;
     * from then on holds every completion until {@link #completion} runs it on the calling
     * thread. Strict: a synchronous request while a completion is held is a mistake of this
     * test and throws rather than hangs.
     */
    final GateCompleter completer = new GateCompleter(true);
    final HammerRig rig;
    final HammerBuffer io;
    final Buf bp;
    final long disassociationsBefore;

    public CompleteVsReleaseRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE, new HammerOptions(), completer).relDirty();
        HammerMount hmp = rig.hmp;
        io = rig.io();
        bp = io.bp;
        hmp.fsToken.gettoken();
        try {
            // the frontend's ref (get_buffer), held until its actor releases it
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, rig.dataOffset, false);
            check(b == io && io.lock.refCount() == 1, "frontend ref");
            // a reclaimer's io_deallocate is refused because of that ref: B_LOCKED, bp parked on LOCKED
            check(rig.brelseDeallocate(bp) == BufCache.STEP_REFUSED && bp.anyFlags(Buf.B_LOCKED), "B_LOCKED");
            completer.shut();
            // the flusher's per-buffer data step (fl:L657-666): ref, write_interlock, flush, done_interlock, rel
            io.lock.ref();
            io.writeInterlock();
            io.flush(false);
            io.doneInterlock();
            hmp.relBuffer(io, false);
        } finally {
            hmp.fsToken.reltoken();
        }
        check(io.running && bp.anyFlags(Buf.B_LOCKED) && io.lock.refCount() == 1 && completer.held() == 1
                && hmp.countIoLocked.get() == 1, "RUNNING, B_LOCKED, refs=1");
        disassociationsBefore = hmp.stats.disassociations.get();
    }

    private void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("CompleteVsRelease: could not build the initial state (" + what + "): " + io + " " + bp);
    }

    /** The device completes the write: biodone, hammer_io_complete (io:L1074) on this thread, as an interrupt. */
    public void completion() {
        if (!completer.completeOne()) throw new IllegalStateException("no write in flight");
    }

    /**
     * The frontend's last-ref release (hammer_rel_buffer, io:L517 release): under fs_token. r1 = 1
     * if the io had already lost its bp while the ref was still held.
     */
    public void frontend(IIII_Result r) {
        HammerMount hmp = rig.hmp;
        hmp.fsToken.gettoken();
        try {
            r.r1 = io.bp == null ? 1 : 0;
            hmp.relBuffer(io, false);
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /**
     * r2 = disassociations during the race; r3 = where the io ended: 0 still associated, 1 on
     * lose_root without a bp, 2 gone (no bp, on no tree, not in the buffer map), 3 on lose_root
     * with a bp, 4 otherwise; r4 = 0 consistent, 1 countIoLocked differs from the bp's B_LOCKED,
     * 2 the bp is B_LOCKED with an empty b_dep, 3 another invariant of the I/O layer fails.
     */
    public void arbiter(IIII_Result r) {
        HammerMount hmp = rig.hmp;
        r.r2 = (int) (hmp.stats.disassociations.get() - disassociationsBefore);
        boolean onLose = hmp.loseRoot.contains(io);
        if (io.bp != null) r.r3 = onLose ? 3 : 0;
        else if (onLose) r.r3 = 1;
        else if (io.modRoot == null && hmp.bufferAt(rig.dataOffset) == null) r.r3 = 2;
        else r.r3 = 4;
        int locked = bp.anyFlags(Buf.B_LOCKED) ? 1 : 0;
        if (hmp.countIoLocked.get() != locked) r.r4 = 1;
        else if (locked == 1 && bp.dep_isEmpty()) r.r4 = 2;
        else r.r4 = rig.verdict() == 0 ? 0 : 3;
    }
}
