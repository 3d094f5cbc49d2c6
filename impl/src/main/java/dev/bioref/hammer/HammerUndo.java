// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Panic;

import java.util.HashMap;
import java.util.Map;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;

/**
 * The UNDO FIFO (hammer_undo.c stand-in, not a seed): appending pre-images, the duplicate
 * suppression history, and the space accounting the flusher's limits read.
 *
 * <p>Interface: {@link #generateUndo} records the old bytes of a meta-data range before the
 * caller changes them, unless the history says this range already has an UNDO in the current
 * recovery span. Offsets are zone-relative; {@code first} and {@code next} wrap at the FIFO size.
 * All fields are guarded by {@code undoLock} (and fs_token).
 */
final class HammerUndo {
    private final HammerMount hmp;
    final HammerLock undoLock = new HammerLock();
    final long size;                 // FIFO bytes
    volatile long first;             // in-core first_offset (blockmap[UNDO].first_offset)
    volatile long next;              // in-core next_offset
    volatile long firstSeq;          // sequence number of the record at first
    volatile long nextSeq;           // sequence number of the next record
    volatile long ondiskFirst;       // first_offset in the root volume's header image
    /** Ranges (device offsets) with an UNDO in the current span (hammer_undo_history), each with the
     *  snapshot count at the time it was added: all must equal the current count (UndoHistorySpanInv). */
    final Map<Long, Integer> history = new HashMap<>();
    long generated;                    // UNDO records appended (statistics)
    /** Snapshot count when the in-core first_offset last moved: history entries must be this recent. */
    int historyEpoch;

    HammerUndo(HammerMount hmp, HammerOndisk.Header h) {
        this.hmp = hmp;
        this.size = h.geometry().undoSize();
        this.first = h.undoFirst();
        this.next = h.undoNext();
        this.firstSeq = h.undoFirstSeq();
        this.nextSeq = h.undoNextSeq();
        this.ondiskFirst = h.undoFirst();
    }

    /**
     * Test seam (Lincheck, UndoFifo*): runs where the seed's hammer_bread_ext/hammer_bnew_ext of the
     * UNDO buffer may block, i.e. where an LWKT thread loses fs_token. The port's buffer fetch
     * never blocks with inline completion, so a test puts a token-releasing point here.
     */
    Runnable mayBlock = () -> { };
    /** Test seam: append without undo_lock (the refuted Lincheck variant only; never set otherwise). */
    boolean withoutUndoLock;

    /**
     * hammer_generate_undo stand-in: append the pre-image of [target, target+len) from {@code old}.
     * Returns the FIFO offset of the record, or -1 if the history suppressed it. As in undo.c, the
     * offset is read into a local before the buffer fetch (which may block) and the record goes
     * there; a record that does not fit the buffer's rest is preceded by a PAD up to its end.
     */
    long generateUndo(HammerTransaction trans, long target, byte[] old, int oldOff, int len) {
        if (!withoutUndoLock) undoLock.lockEx();
        try {
            if (history.containsKey(target)) {           // already covered in this span
                traceModify(target, 0);
                return -1;
            }
            long seqBefore = nextSeq;
            int recSize = HammerOndisk.undoRecordSize(len);
            Panic.KKASSERT(recSize <= BUFSIZE - HammerOndisk.UNDO_HEAD,
                    () -> "hammer_generate_undo: record of " + len + " bytes does not fit a buffer");
            long at = next;
            int room = (int) (BUFSIZE - at % BUFSIZE);
            if (room < recSize) {
                Panic.KKASSERT(used() + room + recSize < max(),
                        () -> "hammer_generate_undo: insufficient undo FIFO space, used " + used() + " of " + size);
                HammerBuffer ub = undoBuffer(at);
                ub.modify(1);
                HammerOndisk.encodePad(ub.data(), (int) (at % BUFSIZE), nextSeq);
                ub.modifyDone();
                hmp.relBuffer(ub, false);
                advance(room);
                at = next;
            }
            Panic.KKASSERT(used() + recSize < max(),
                    () -> "hammer_generate_undo: insufficient undo FIFO space, used " + used() + " of " + size);
            HammerBuffer ub = undoBuffer(at);
            ub.modify(1);
            HammerOndisk.encodeUndo(ub.data(), (int) (at % BUFSIZE), nextSeq, target, old, oldOff, len);
            ub.modifyDone();
            hmp.relBuffer(ub, false);
            advance(recSize);
            history.put(target, hmp.snapshotsTaken());
            generated++;
            traceModify(target, nextSeq - seqBefore);
            return at;
        } finally {
            if (!withoutUndoLock) undoLock.unlock();
        }
    }

    /** HammerFinalizeCrash's Modify event (null check when off): {@code undos} sequence numbers appended (0: suppressed). */
    private void traceModify(long target, long undos) {
        HammerFlusher f = hmp.flusher;
        if (f != null && f.ftrace != null) f.ftrace.modify(f, target, undos);
    }

    /** The UNDO buffer holding FIFO offset {@code at}: a new buffer when {@code at} starts one, else read it. */
    private HammerBuffer undoBuffer(long at) {
        mayBlock.run();
        long zoneBlock = at / BUFSIZE * BUFSIZE;
        boolean fresh = at % BUFSIZE == 0;
        return hmp.getBuffer(HammerIoType.UNDO_BUFFER, hmp.geometry.undoBase() + zoneBlock, fresh);
    }

    private void advance(long n) {
        next += n;
        if (next == size) next = 0;
        nextSeq++;
    }

    /** hammer_undo_used: bytes between the header image's first_offset and the in-core next_offset. */
    long used() {
        long u = next - ondiskFirst;
        return u < 0 ? u + size : u;
    }

    /** hammer_undo_max: usable FIFO bytes (one buffer kept in reserve). */
    long max() { return size - BUFSIZE; }

    /** hammer_undo_space. */
    long space() { return max() - used(); }

    /** hammer_undo_reclaim: every UNDO buffer except the one being appended to may be dropped after its write. */
    boolean reclaim(HammerIo io) {
        long appendBlock = hmp.geometry.undoBase() + next / BUFSIZE * BUFSIZE;
        return io.offset != appendBlock;
    }

    /** hammer_clear_undo_history. */
    void clearHistory() { history.clear(); }
}
