// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * The data zones' allocator (hammer_blockmap.c stand-in, not a seed): a bitmap per zone rebuilt
 * at mount from the index, rotors that finalize copies into the volume header, and the delay
 * list (hammer_reserve_clrdelay): space a commit stopped referencing is reused only once no
 * recoverable state can reference it any more, i.e. once the durable header's recovery span
 * starts at or after the snapshot that first lacks the reference. Guarded by fs_token.
 */
final class HammerAllocator {
    private final HammerOndisk.Geometry g;
    final BitSet chunks = new BitSet();
    final BitSet large = new BitSet();
    int chunkRotor;
    int largeRotor;
    private final ArrayDeque<long[]> delayed = new ArrayDeque<>();   // {snapshot index, large?1:0, index}

    HammerAllocator(HammerOndisk.Geometry g) { this.g = g; }

    /** Marks the space of an index slot in use (mount). */
    void markUsed(HammerOndisk.Slot s) {
        long off = s.dataOff();
        if (off >= g.largeBase()) large.set((int) ((off - g.largeBase()) / HammerOndisk.BUFSIZE));
        else chunks.set((int) ((off - g.dataBase()) / HammerOndisk.CHUNK));
    }

    /** A free small chunk, or -1. */
    int allocChunk() {
        int n = g.chunks();
        for (int i = 0; i < n; i++) {
            int c = (chunkRotor + i) % n;
            if (!chunks.get(c)) {
                chunks.set(c);
                chunkRotor = (c + 1) % n;
                return c;
            }
        }
        return -1;
    }

    /** A free large block, or -1. */
    int allocLarge() {
        int n = g.largeBlocks();
        for (int i = 0; i < n; i++) {
            int b = (largeRotor + i) % n;
            if (!large.get(b)) {
                large.set(b);
                largeRotor = (b + 1) % n;
                return b;
            }
        }
        return -1;
    }

    /** Space at {@code dataOff} is no longer referenced from snapshot {@code snapshot} on. */
    void freeDelayed(long dataOff, int snapshot) {
        boolean isLarge = dataOff >= g.largeBase();
        long idx = isLarge ? (dataOff - g.largeBase()) / HammerOndisk.BUFSIZE : (dataOff - g.dataBase()) / HammerOndisk.CHUNK;
        delayed.add(new long[] {snapshot, isLarge ? 1 : 0, idx});
    }

    /** Frees what the frontend allocated but never handed to a record. */
    void freeNow(HammerRecord.DataRef ref) {
        if (ref.large()) large.clear(ref.index()); else chunks.clear(ref.index());
    }

    // hammer_flusher.c L441-451 hammer_reserve_clrdelay() stand-in: release what is safe to reuse
    void clrdelay(HammerMount hmp) {
        int floor = hmp.durableFloor;
        while (!delayed.isEmpty() && delayed.peekFirst()[0] <= floor) {
            long[] d = delayed.pollFirst();
            if (d[1] == 1) large.clear((int) d[2]); else chunks.clear((int) d[2]);
        }
    }

    int delayedCount() { return delayed.size(); }
}
