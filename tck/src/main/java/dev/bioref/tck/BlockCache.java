// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck;

import java.util.Set;

/**
 * What a filesystem asks of a block buffer cache: the contract the TCK checks, written so that
 * both the DragonFly buffer cache (getblk/bread/bdwrite/bawrite/bwrite/brelse, vfsync) and
 * Linux dm-bufio (dm_bufio_new/read/prefetch/mark_buffer_dirty/release/forget,
 * dm_bufio_write_dirty_buffers) can be adapted to it without changing either.
 *
 * <p>The cache is built by a {@link BlockCacheFactory} over the devices of a
 * {@link BlockCacheConfig}: one <em>owner</em> per device (a vnode in DragonFly, a client in
 * dm-bufio), blocks of {@link #blockSize()} bytes numbered 0..{@link #blocks(int)}-1. All I/O
 * goes through those {@link dev.bioref.device.LoopbackDevice}s: that is how the TCK injects
 * errors and enumerates crash states.
 *
 * <p>Interface (the sentences the TCK tests; nothing else about an implementation is checked):
 * <ul>
 *   <li><b>The value of a block</b> is the data of the newest write call ({@link #bdwrite},
 *       {@link #bawrite}, {@link #bwrite}) of that block, or, if there was none since the device
 *       was made, what the device held. A {@link #bread} returns the value (a register per block;
 *       see "linearizable" below). Read-ahead, eviction, write-back timing and the number of
 *       buffers are invisible in values.</li>
 *   <li><b>Holding.</b> {@link #getblk} and {@link #bread} return a {@link Buffer} the caller
 *       <em>holds</em> until it gives it back with exactly one of {@link #release},
 *       {@link #bdwrite}, {@link #bawrite}, {@link #bwrite}. A held buffer is never evicted or
 *       reused for another block. With {@link Feature#EXCLUSIVE_HOLD} a hold is an exclusive lock
 *       (BSD's buffer lock): a second getblk/bread of the block waits until the holder gives it
 *       back. Without it holds are shared (dm-bufio's hold count): a caller that writes a block
 *       must keep other callers (readers and writers) away from that block until its write call
 *       returns. A buffer is given back by the thread that took
 *       it.</li>
 *   <li><b>Filling.</b> After {@link #getblk}, if {@link Buffer#valid()} is false the caller must
 *       overwrite the whole of {@link Buffer#data()} before a write call, or give it back with
 *       {@link #release} (which then leaves the block's value unchanged).</li>
 *   <li><b>Modifying.</b> Changes to {@code data()} become the block's value only through a
 *       write call. Changing {@code data()} and then calling {@link #release} is undefined.</li>
 *   <li><b>Durable when.</b> When {@link #sync(int)} returns 0, every write call of that owner
 *       that returned before sync was called is on the device's media (it survives a power
 *       loss), except for blocks held by some caller while sync ran. {@link #syncAll()} does the
 *       same for every owner. A write call alone promises nothing about durability; a crash may
 *       keep any subset of the writes that were not synced, each whole or torn at a sector.
 *       The cache never writes to the device data that was not the block's value at some time
 *       (no phantom data).</li>
 *   <li><b>Errors.</b> A failed device read makes {@link #bread} throw {@link BlockIOException}
 *       with the errno; the buffer is then not held, nothing is cached for the block, and the
 *       next bread tries the device again. A failed write is reported as the {@link Feature}s say:
 *       {@link Feature#SYNC_WRITE_REPORTS_ERROR} (bwrite returns the errno of its own write),
 *       {@link Feature#SYNC_REPORTS_WRITE_ERROR} (the next sync of the owner returns non-zero if
 *       any write since the previous sync failed), {@link Feature#FAILED_WRITE_STAYS_DIRTY} (the
 *       block keeps its value and a later successful sync makes it durable; without it the value
 *       may revert to what the device holds).</li>
 *   <li><b>Invalidate.</b> {@link #invalidate} drops the cached copy of a block nobody holds.
 *       With {@link Feature#INVALIDATE_DISCARDS_DIRTY} it also drops a write not yet on the
 *       device, and the block's value becomes what the device holds (BSD's B_INVAL brelse);
 *       without it a dirty block is left alone (dm_bufio_forget is a hint that never loses
 *       data).</li>
 *   <li><b>Memory.</b> {@link #cached()} is the number of blocks whose contents the cache holds in
 *       memory; with {@link Feature#BOUNDED_MEMORY} it never exceeds {@link #capacity()} (holding
 *       more than capacity() buffers at once is then a misuse that may block or throw).</li>
 *   <li><b>Linearizable.</b> With {@link Feature#CONCURRENT}, the complete client operations
 *       "bread, read the data, release" and "getblk, fill, write call" are linearizable with
 *       respect to the register-per-block model ({@link dev.bioref.tck.model.BlockCacheModel}),
 *       each at the moment it holds the buffer (for shared holds, with writers kept apart as
 *       said above). {@link #sync}, {@link #invalidate} and {@link #cached} are not
 *       promised to be linearizable with respect to each other.</li>
 *   <li><b>Misuse</b> (an owner or block out of range, a {@code null} buffer, giving back a
 *       buffer twice or one this cache did not hand out) throws {@link IllegalArgumentException}
 *       or {@link IllegalStateException} naming the bad value and changes nothing. Using a
 *       buffer after giving it back, or the cache after {@link #close()}, is undefined.</li>
 * </ul>
 */
public interface BlockCache extends AutoCloseable {

    /**
     * Optional behaviours, declared by {@link #features()} (Guava testlib's
     * {@code CollectionFeature} style): the TCK runs the tests of a feature only on
     * implementations that declare it, and checks the weaker promise otherwise.
     */
    enum Feature {
        /** A hold is an exclusive lock on the block (BSD getblk's LK_EXCLUSIVE); else holds are shared. */
        EXCLUSIVE_HOLD,
        /** {@link #breadn} starts reads of the following blocks (BSD breadn, dm_bufio_prefetch). */
        READ_AHEAD,
        /** {@link #bawrite} starts the write before it returns (BSD bawrite); else it may behave as bdwrite. */
        ASYNC_WRITE_STARTS_IO,
        /** {@link #bwrite} returns the errno of the write of that buffer. */
        SYNC_WRITE_REPORTS_ERROR,
        /** {@link #sync} returns non-zero if a write of the owner failed since the previous sync. */
        SYNC_REPORTS_WRITE_ERROR,
        /** A block whose write failed keeps its value and is written again by the next sync. */
        FAILED_WRITE_STAYS_DIRTY,
        /** {@link #invalidate} discards a write that has not reached the device. */
        INVALIDATE_DISCARDS_DIRTY,
        /** {@link #cached()} never exceeds {@link #capacity()}. */
        BOUNDED_MEMORY,
        /** Every method may be called from several threads at once. */
        CONCURRENT
    }

    /** A block the caller holds. */
    interface Buffer {
        int owner();

        long block();

        /** The contents: exactly {@link BlockCache#blockSize()} bytes, owned by the holder until given back. */
        byte[] data();

        /** True if {@link #data()} holds the block's value (always after bread). */
        boolean valid();
    }

    /** The optional behaviours this implementation has. */
    Set<Feature> features();

    /** Bytes per block, the same for every owner. */
    int blockSize();

    /** The number of owners (devices). */
    int owners();

    /** The number of blocks of {@code owner}. */
    long blocks(int owner);

    /** The most blocks whose contents the cache keeps in memory at once (see {@link Feature#BOUNDED_MEMORY}). */
    int capacity();

    /** Holds the block without reading it; {@link Buffer#valid()} says whether the contents are its value. */
    Buffer getblk(int owner, long block);

    /** Holds the block with its value, reading it from the device if needed. */
    Buffer bread(int owner, long block);

    /**
     * {@link #bread}, and may start reads of blocks {@code block+1 .. block+readAhead} (the
     * result is bread's; read-ahead is never visible in values and never reports its errors).
     */
    Buffer breadn(int owner, long block, int readAhead);

    /** Gives the buffer back, unchanged. */
    void release(Buffer b);

    /** Makes data() the block's value and gives the buffer back; the write happens later. */
    void bdwrite(Buffer b);

    /** Makes data() the block's value, starts writing it (with {@link Feature#ASYNC_WRITE_STARTS_IO}) and gives it back. */
    void bawrite(Buffer b);

    /**
     * Makes data() the block's value, writes it, waits and gives the buffer back. Returns 0, or
     * an errno as {@link Feature#SYNC_WRITE_REPORTS_ERROR} says.
     */
    int bwrite(Buffer b);

    /** Drops the cached copy of a block nobody holds (see the class comment for dirty blocks). */
    void invalidate(int owner, long block);

    /** Makes every completed write call of {@code owner} durable; returns 0 or an errno. */
    int sync(int owner);

    /** {@link #sync} for every owner; returns the first non-zero result, or 0. */
    int syncAll();

    /** Blocks whose contents are in memory now. */
    int cached();

    /** Gives up the cache's resources without syncing; using the cache afterwards is undefined. */
    @Override void close();
}
