// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * The filesystem's dependency hooks on a buffer (struct bio_ops, one per buffer in b_ops).
 * The cache calls a hook only when the buffer's dependency list {@code b_dep} is non-empty,
 * and only at the points listed below (reference §3.32). All hooks are called with the
 * buffer locked by the caller or the kernel; io_complete and io_deallocate may run in
 * completion context and must not block on a buffer lock.
 *
 * <p>Called by vfs_bio.c, and where:
 * <ul>
 *   <li>{@link #io_deallocate}: brelse's destroy path (L1309), brelse's low-memory RELBUF
 *       path (L1348) and getnewbuf before recycling (L2051).</li>
 *   <li>{@link #io_complete}: bpdone, once per finished READ or WRITE (L3571).</li>
 *   <li>{@link #io_countdeps}: the buffer daemon's flushbufqueues, once per pass (L2418).</li>
 *   <li>{@link #io_checkwrite}: flushbufqueues before writing (L2441).</li>
 * </ul>
 * {@link #io_start}, {@link #io_checkread}, {@link #io_movedeps}, {@link #io_fsync} and
 * {@link #io_sync} exist in the kernel's vector but are never called by vfs_bio.c; the port
 * never calls them either (a client such as HAMMER may call them itself).
 */
public interface BioOps {

    /** Not called by vfs_bio.c. In the kernel: I/O is about to be started on bp. */
    default void io_start(Buf bp) { }

    /**
     * A READ or WRITE on bp finished (bpdone, L3571). Runs after b_cmd was set to DONE and, for
     * a WRITE, after the dirty state was updated (B_DELWRI cleared on success, kept or set on
     * failure); before B_CACHE is set for a read; before an async buffer is released. The hook
     * may clear B_ERROR, re-dirty (bdirty) or bundirty, clear B_LOCKED, and drop its deps; the
     * cache reads the flags only afterwards to choose brelse or bqrelse.
     */
    void io_complete(Buf bp);

    /**
     * The cache wants to drop the buffer's association (it is locked and will be destroyed or
     * recycled). The hook must either remove ALL its entries from b_dep, or refuse by setting
     * B_LOCKED (then the buffer is parked on the LOCKED queue instead). No return value: the
     * answer is B_LOCKED plus whether b_dep is empty. Refusing is legal only from getnewbuf and
     * the low-memory path; from brelse's destroy path a refusal that keeps deps panics at
     * vfs_vmio_release (L1864), exactly as in the seed.
     */
    void io_deallocate(Buf bp);

    /** Not called by vfs_bio.c. In the kernel: fsync the filesystem's dependencies of vp. */
    default int io_fsync(Vnode vp) { return 0; }

    /** Not called by vfs_bio.c. In the kernel: sync the mount's dependencies. */
    default int io_sync(Object mp) { return 0; }

    /** Not called by vfs_bio.c. In the kernel: move the dependencies of bp1 to bp2. */
    default void io_movedeps(Buf bp1, Buf bp2) { }

    /**
     * Does bp still have dependencies that should delay its write? Non-zero: the daemon defers
     * the buffer once (sets B_DEFERRED and requeues it at the DIRTY tail, so it is met again
     * at the end of the same pass). Zero: go on to io_checkwrite. {@code n} is 0 from the daemon.
     */
    int io_countdeps(Buf bp, int n);

    /** Not called by vfs_bio.c. In the kernel: non-zero would refuse a read. */
    default int io_checkread(Buf bp) { return 0; }

    /**
     * May the kernel write bp now? Non-zero: no; the daemon brelse()s the buffer, which stays
     * dirty (on the DIRTY tail, or on LOCKED if the hook set B_LOCKED). Zero: yes, and the
     * kernel is GUARANTEED to start the write at once (HAMMER marks its io running on that
     * promise).
     */
    int io_checkwrite(Buf bp);
}
