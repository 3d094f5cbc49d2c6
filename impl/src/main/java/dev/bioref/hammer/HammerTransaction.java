// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * struct hammer_transaction (hammer.h), reduced to what the flusher uses: the transaction id
 * and how many times the holder took the sync lock (hammer_modify_buffer asserts it is held).
 */
public final class HammerTransaction {
    final long tid;
    int syncLockRefs;     // guarded by the owning thread

    HammerTransaction(long tid) { this.tid = tid; }

    public long tid() { return tid; }
}
