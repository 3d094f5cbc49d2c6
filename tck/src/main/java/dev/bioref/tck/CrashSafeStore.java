// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck;

import java.util.Set;

/**
 * What the user of a journaling flusher observes: a key → value store on a block device that
 * survives power loss. The contract the TCK checks; the reference is the HAMMER port
 * ({@code dev.bioref.hammer.HammerMount} through {@code dev.bioref.tck.ref.HammerStore}).
 *
 * <p>Interface (the sentences the TCK tests):
 * <ul>
 *   <li><b>Values.</b> Keys are 0..{@link #keys()}-1; a value is 1..{@link #maxValueLength()}
 *       bytes. {@link #get} returns the value of the last {@link #put} of the key, or null if
 *       there was none or a {@link #delete} came after it. While the store is mounted this is
 *       exact, whatever the flusher is doing.</li>
 *   <li><b>Acknowledged sync.</b> {@link #sync()} returns an acknowledgement number (increasing
 *       within one mount). When it returns, every change made before it was called is durable.</li>
 *   <li><b>The crash promise</b> (in the words of the HAMMER port): after a crash, mounting
 *       recovers a store that <em>equals a completed flush cycle no older than the last
 *       acknowledged sync</em>. What a black-box test can check of it, and the TCK does: for every
 *       key, the recovered value is the key's value when that sync returned, or a value the key
 *       took later (never an older one, never a value it never had, never a torn value); and if
 *       nothing changed after the last acknowledged sync, the recovered store equals the store at
 *       that sync exactly. Which cycle a crash lands on (and so whether two keys changed after the
 *       sync come back together) is not observable through this interface and not checked.</li>
 *   <li><b>fsync.</b> {@link #fsync} writes the key's pending changes and waits for that flush. With
 *       {@link Feature#FSYNC_DURABLE} the key's value is then durable as after sync. Without it
 *       (the HAMMER port: the header of the flush still names the previous cycle, the one-cycle
 *       lag, proofs-notes/hammer.md "fsync and durability"; and no cache FLUSH follows the last
 *       cycle's writes) fsync promises nothing a crash keeps: only {@link #sync()} does.</li>
 *   <li><b>Unmount.</b> {@link #close()} flushes everything: a mount after a clean close returns
 *       the store exactly.</li>
 *   <li><b>Crash.</b> {@link #crash()} drops the in-memory state without flushing, as power loss
 *       does; the caller then crashes the device and mounts it again through the factory.</li>
 *   <li><b>Errors.</b> After a write error the store may refuse changes and syncs (throwing
 *       {@link IllegalStateException} or a subclass): it never acknowledges a sync it could not
 *       make durable.</li>
 *   <li><b>Linearizable.</b> With {@link Feature#CONCURRENT}, put/get/delete are linearizable
 *       with respect to a map ({@link dev.bioref.tck.model.StoreModel}); sync and fsync are
 *       no-ops on the map.</li>
 *   <li><b>Misuse</b> (a key out of range, a null, empty or too long value) throws
 *       {@link IllegalArgumentException} naming the bad value and changes nothing. Using the store
 *       after close() or crash() is undefined.</li>
 * </ul>
 */
public interface CrashSafeStore extends AutoCloseable {

    /** Optional behaviours (Guava testlib feature style). */
    enum Feature {
        /** fsync(key) alone makes the key's value survive a crash. */
        FSYNC_DURABLE,
        /** Every method may be called from several threads at once. */
        CONCURRENT
    }

    Set<Feature> features();

    int keys();

    int maxValueLength();

    void put(int key, byte[] value);

    byte[] get(int key);

    void delete(int key);

    void fsync(int key);

    /** Makes every earlier change durable; returns the acknowledgement number. */
    long sync();

    /** Drops the in-memory state as a power loss would (no flushing). */
    void crash();

    /** Unmounts cleanly: everything is durable afterwards. */
    @Override void close();
}
