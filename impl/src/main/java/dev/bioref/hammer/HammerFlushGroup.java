// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.TreeMap;

/**
 * struct hammer_flush_group (hammer.h): a set of inodes flushed together, identified by a
 * sequence number. Guarded by fs_token.
 */
final class HammerFlushGroup {
    final int seq;
    final TreeMap<Long, HammerInode> flushTree = new TreeMap<>();   // inodes still to flush
    int totalCount;      // inodes added
    int refs;            // records in FLUSH state for this group
    boolean running;
    boolean closed;

    HammerFlushGroup(int seq) { this.seq = seq; }

    @Override public String toString() {
        return "flg(seq=" + seq + ", inodes=" + flushTree.size() + ", refs=" + refs + ", closed=" + closed
                + ", running=" + running + ")";
    }
}
