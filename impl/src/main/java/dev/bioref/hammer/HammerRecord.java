// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * struct hammer_record (hammer.h), minimal: one pending change of one key, queued on its inode
 * until the backend commits it to the index. {@code slot == null} deletes the key.
 */
final class HammerRecord {
    static final int DIRECT_IO = 0x1;     // HAMMER_RECF_DIRECT_IO: a direct data write is in flight
    static final int DIRECT_WAIT = 0x2;   // HAMMER_RECF_DIRECT_WAIT: someone waits for it
    static final int DIRECT_INVAL = 0x4;  // HAMMER_RECF_DIRECT_INVAL (never set: see proofs-notes)

    final int key;
    final HammerOndisk.Slot slot;         // the new index entry (tid filled at commit), or null
    final DataRef data;                   // the data space it owns, or null for a delete
    volatile int gflags;                  // DIRECT_* flags; guarded by io_token
    HammerFlushGroup flg;                 // set when the inode is queued to a flush group; fs_token
    volatile int directError;             // errno of a failed direct write

    HammerRecord(int key, HammerOndisk.Slot slot, DataRef data) {
        this.key = key;
        this.slot = slot;
        this.data = data;
    }

    /** Data space owned by a record: a small chunk or a large block. */
    record DataRef(boolean large, int index) { }

    @Override public String toString() { return "record(key=" + key + (slot == null ? ", delete" : ", " + slot) + ")"; }
}
