// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link dev.bioref.tck.BlockCache} contract as a sequential model: a register per block
 * (its value) and, per block, the values a crash may leave on the media (the value at the last
 * sync that covered it and every value written since). Used by the TCK's stateful tests, its
 * crash-state tests and the differential runner; {@link Registers} is Lincheck's sequential
 * specification.
 */
public final class BlockCacheModel {
    private final int blockSize;
    private final Map<Long, byte[]> value = new HashMap<>();
    private final Map<Long, List<byte[]>> crashCandidates = new HashMap<>();

    /** A model over devices whose blocks currently hold {@code initial(owner, block)}. */
    public BlockCacheModel(int blockSize) { this.blockSize = blockSize; }

    private static long key(int owner, long block) { return ((long) owner << 40) | block; }

    /** Declares the device contents of a block the model has not seen yet. */
    public void known(int owner, long block, byte[] deviceValue) {
        long k = key(owner, block);
        if (value.containsKey(k)) return;
        value.put(k, deviceValue.clone());
        List<byte[]> c = new ArrayList<>();
        c.add(deviceValue.clone());
        crashCandidates.put(k, c);
    }

    public boolean isKnown(int owner, long block) { return value.containsKey(key(owner, block)); }

    /** The block's value (bread must return it). */
    public byte[] value(int owner, long block) {
        byte[] v = value.get(key(owner, block));
        if (v == null) throw new IllegalStateException("model: block " + block + " of owner " + owner + " not declared");
        return v.clone();
    }

    /** A write call (bdwrite/bawrite/bwrite) made {@code data} the value. */
    public void write(int owner, long block, byte[] data) {
        if (data.length != blockSize) throw new IllegalArgumentException("model: data length " + data.length);
        long k = key(owner, block);
        value(owner, block);
        value.put(k, data.clone());
        crashCandidates.get(k).add(data.clone());
    }

    /** sync(owner) returned 0: every block's value is durable. */
    public void synced(int owner) {
        for (Map.Entry<Long, byte[]> e : value.entrySet()) {
            if ((e.getKey() >>> 40) != owner) continue;
            List<byte[]> c = new ArrayList<>();
            c.add(e.getValue().clone());
            crashCandidates.put(e.getKey(), c);
        }
    }

    /** The values a crash may leave for the block. */
    public List<byte[]> crashCandidates(int owner, long block) {
        value(owner, block);
        List<byte[]> out = new ArrayList<>();
        for (byte[] b : crashCandidates.get(key(owner, block))) out.add(b.clone());
        return out;
    }

    /** True if {@code data} is one of the crash candidates (whole). */
    public boolean crashAllows(int owner, long block, byte[] data) {
        for (byte[] c : crashCandidates.get(key(owner, block))) if (Arrays.equals(c, data)) return true;
        return false;
    }

    /**
     * After a crash (or after invalidate dropped a dirty copy): the block's value is now
     * {@code observed}, which must be a crash candidate; returns false (changing nothing) if not.
     */
    public boolean resolve(int owner, long block, byte[] observed) {
        if (!crashAllows(owner, block, observed)) return false;
        long k = key(owner, block);
        value.put(k, observed.clone());
        return true;
    }

    /** After a crash, every block's candidates collapse to the value observed, which resolve() set. */
    public void crashed(int owner, long block) {
        long k = key(owner, block);
        List<byte[]> c = new ArrayList<>();
        c.add(value.get(k).clone());
        crashCandidates.put(k, c);
    }

    /**
     * Lincheck's sequential specification of the complete client operations of
     * {@code BlockCacheTck}'s Lincheck scenario: one register per block, initially 0.
     */
    public static final class Registers {
        private final int[] mem = new int[16];

        public int read(int blk) { return mem[blk]; }

        public void bdwrite(int blk, int v) { mem[blk] = v; }

        public void bawrite(int blk, int v) { mem[blk] = v; }

        public int bwrite(int blk, int v) {
            mem[blk] = v;
            return 0;
        }

        public void sync() { }
    }
}
