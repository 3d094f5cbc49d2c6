// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.ArrayDeque;

/**
 * struct hammer_inode (hammer.h), minimal: a queue of records for a fixed set of keys and the
 * flush state the flusher works on. Guarded by fs_token.
 */
final class HammerInode {
    static final int IDLE = 0;      // HAMMER_FST_IDLE
    static final int FLUSH = 1;     // HAMMER_FST_FLUSH

    final long objId;
    final ArrayDeque<HammerRecord> records = new ArrayDeque<>();   // oldest first
    int flushState = IDLE;
    HammerFlushGroup flg;           // the group it is queued on while FLUSH
    boolean wouldblock;             // HAMMER_INODE_WOULDBLOCK: stays in its group for a re-run
    boolean slaveflush;             // HAMMER_INODE_SLAVEFLUSH: a slave owns it in this pass
    boolean reflush;                // HAMMER_INODE_REFLUSH: queue again when the flush is done

    HammerInode(long objId) { this.objId = objId; }

    /** Records not yet handed to a flush group. */
    int unqueued() {
        int n = 0;
        for (HammerRecord r : records) if (r.flg == null) n++;
        return n;
    }

    @Override public String toString() { return "inode(" + objId + ", state=" + flushState + ", records=" + records.size() + ")"; }
}
