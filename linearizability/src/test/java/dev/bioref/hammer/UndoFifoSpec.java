// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.HashSet;
import java.util.Set;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;

/**
 * Sequential specification of the UNDO FIFO (undo.c, fl:L617 finalize): next_offset, the
 * in-core first_offset, the header image's first_offset (one final finalize behind the in-core
 * one) and the history set. Method names and signatures match {@link AbstractUndoFifoLincheckTest}.
 */
public class UndoFifoSpec {
    private static final long SIZE = AbstractUndoFifoLincheckTest.GEOMETRY.undoSize();
    private static final long MAX = SIZE - BUFSIZE;           // hammer_undo_max

    long next;          // in-core next_offset
    long first;         // in-core first_offset
    long headerFirst;   // the header image's first_offset
    final Set<Long> history = new HashSet<>();

    public long generateUndo(int slot, int size) {
        long target = AbstractUndoFifoLincheckTest.target(slot);
        if (!history.add(target)) return -1;
        int rec = HammerOndisk.undoRecordSize(AbstractUndoFifoLincheckTest.LENS[size]);
        long room = BUFSIZE - next % BUFSIZE;
        if (room < rec) next = (next + room) % SIZE;          // the PAD up to the buffer's end
        long at = next;
        next = (next + rec) % SIZE;
        return at;
    }

    public long undoSpace() {
        long used = next - headerFirst;
        if (used < 0) used += SIZE;
        return MAX - used;
    }

    public long finalizeAdvance() {
        headerFirst = first;      // the header gets the previous cycle's first_offset
        first = next;             // save_next
        history.clear();
        return first;
    }
}
