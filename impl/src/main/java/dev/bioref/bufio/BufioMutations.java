// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

/**
 * Mutation switches: each one removes a guard dm-bufio relies on (reference notes §9a, M1-M8,
 * plus four guards of the port). All off by default; the same names are the constants of
 * specs/DmBufio.tla's mutant configs and the rows of proofs-notes/mutants.md. Tests in
 * BufioMutationsTest turn each on and show that it is caught. Never turn one on outside such a test.
 */
public final class BufioMutations {
    /** M1: write completion also clears DIRTY (BSD style): a re-dirty during the write is lost. */
    public volatile boolean completionClearsDirty;
    /** M2: __bufio_new does not look the block up again after the allocation dropped the lock (L1007). */
    public volatile boolean noRecheckAfterAlloc;
    /** M3: pass 2 of write_dirty_buffers waits unlocked without pinning the buffer (L1290-L1297). */
    public volatile boolean noPinInPass2;
    /** M4: stealing (__get_unclaimed_buffer, L797-L825) takes held buffers too. */
    public volatile boolean stealIgnoresHold;
    /** M5: __write_dirty_buffer sets WRITING without waiting for the earlier write (L744-L760). */
    public volatile boolean writeNoWaitWriting;
    /** M6: write completion clears WRITING with a plain read-then-store, not an atomic RMW (L727-L729). */
    public volatile boolean nonAtomicDirtyClear;
    /** M7: write_dirty_buffers takes the mutex for pass 2 before submitting pass 1's write list (L1277). */
    public volatile boolean lockWithPendingWrites;
    /** M8: release_move's copy-write uses the stale write range, not the whole block (notes §8.1, L1450). */
    public volatile boolean moveStaleRange;
    /** Port guard: forget frees a cached buffer whatever its state (the seed requires hold = 0 and state = {}, L1464). */
    public volatile boolean forgetDropsDirty;
    /** Port guard: an eviction with mayDoIo = false writes dirty buffers anyway (the seed refuses, L1624-L1627). */
    public volatile boolean shrinkIgnoresNoIo;
    /**
     * Port guard: write_dirty_buffers reports the latched write error with a load, then a store of
     * 0, not one atomic xchg (L1329): a write failing in between is latched, then wiped unreported
     * (notes §9c J9, {@code ErrorNotLostInv}).
     */
    public volatile boolean nonAtomicErrorXchg;
    /**
     * Port guard: dm_bufio_get (NF_GET) takes a hold on a buffer whose read is still in flight instead
     * of returning NULL (L1041-L1042), then waits for the read: the wait the seed's NULL avoids in
     * request context ({@code GetNeverWaitsForIoInv}; notes §9c J4).
     */
    public volatile boolean getIgnoresReading;

    public static BufioMutations none() { return new BufioMutations(); }

    /** The switch names, in declaration order (for the CLI and the TLA+ configs). */
    public static java.util.List<String> names() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : BufioMutations.class.getFields()) {
            if (f.getType() == boolean.class) out.add(f.getName());
        }
        return out;
    }

    /** Mutations with the named switches on; throws naming an unknown switch. */
    public static BufioMutations of(java.util.List<String> on) {
        BufioMutations m = new BufioMutations();
        for (String n : on) {
            try {
                java.lang.reflect.Field f = BufioMutations.class.getField(n);
                if (f.getType() != boolean.class) throw new NoSuchFieldException(n);
                f.setBoolean(m, true);
            } catch (NoSuchFieldException | IllegalAccessException e) {
                throw new IllegalArgumentException("unknown dm-bufio mutation " + n + "; known: " + String.join(", ", names()));
            }
        }
        return m;
    }
}
