package dev.bioref.buf;

import dev.bioref.kern.Panic;
import dev.bioref.kern.Errno;

import java.util.ArrayList;
import java.util.List;

/**
 * Stand-ins for the vfs_subr.c functions the buffer cache calls or that act on a vnode's
 * buffers (bgetvp, brelvp, reassignbuf, vfsync, vinvalbuf, vtruncbuf), and vfs_cluster.c's
 * cluster_awrite; ports no seed ({@code vfs_subr.c} and {@code vfs_cluster.c} are outside the
 * seeds: each method is the behaviour vfs_bio.c relies on, reference §8.2). {@link BufCache}
 * maps onto vfs_bio.c alone.
 *
 * <p>Interface:
 * <ul>
 *   <li>{@link #vfsync} writes every dirty buffer of a vnode (through io_checkwrite).</li>
 *   <li>{@link #vinvalbuf} invalidates every buffer of a vnode, with {@link #V_SAVE} writing
 *       dirty ones first; {@link #vtruncbuf} invalidates those beyond a length.</li>
 *   <li>bgetvp, brelvp and reassignbuf (package-private) keep a buffer in its vnode's trees;
 *       they need the vnode's v_token as the kernel's do.</li>
 * </ul>
 */
public final class VfsSubr {
    /** vinvalbuf flag: write dirty buffers back before invalidating. */
    public static final int V_SAVE = 0x1;

    private VfsSubr() { }

    // vfs_subr.c bgetvp() [outside seed]
    static int bgetvp(Vnode vp, Buf bp, int size) {
        Panic.KKASSERT(bp.b_vp == null, () -> "bgetvp: " + bp + " already associated");
        Panic.KKASSERT((bp.b_flags() & (Buf.B_HASHED | Buf.B_DELWRI | Buf.B_VNCLEAN | Buf.B_VNDIRTY)) == 0,
                () -> "bgetvp: bad flags on " + bp);
        vp.v_token.gettoken();
        try {
            if (vp.v_rbhash_tree.containsKey(bp.b_loffset)) return Errno.EEXIST;
            vp.v_rbhash_tree.put(bp.b_loffset, bp);
            bp.b_vp = vp;
            bp.setFlags(Buf.B_HASHED | Buf.B_VNCLEAN);
            vp.v_rbclean_tree.put(bp.b_loffset, bp);
            return 0;
        } finally {
            vp.v_token.reltoken();
        }
    }

    // vfs_subr.c brelvp() [outside seed]
    static void brelvp(Buf bp) {
        Vnode vp = bp.b_vp;
        Panic.KKASSERT(vp != null, () -> "brelvp: NULL vp on " + bp);
        vp.v_token.gettoken();
        try {
            int f = bp.b_flags();
            if ((f & Buf.B_VNDIRTY) != 0) vp.v_rbdirty_tree.remove(bp.b_loffset, bp);
            if ((f & Buf.B_VNCLEAN) != 0) vp.v_rbclean_tree.remove(bp.b_loffset, bp);
            if ((f & Buf.B_HASHED) != 0) vp.v_rbhash_tree.remove(bp.b_loffset, bp);
            bp.clearFlags(Buf.B_HASHED | Buf.B_VNCLEAN | Buf.B_VNDIRTY);
            bp.b_vp = null;
        } finally {
            vp.v_token.reltoken();
        }
    }

    // vfs_subr.c reassignbuf() [outside seed]; caller holds v_token exclusively
    static void reassignbuf(Buf bp) {
        Vnode vp = bp.b_vp;
        Panic.KKASSERT(vp.v_token.heldExclusiveByMe(), () -> "reassignbuf: v_token not held for " + bp);
        if (bp.hasFlags(Buf.B_DELWRI)) {
            if (bp.hasFlags(Buf.B_VNCLEAN)) {
                vp.v_rbclean_tree.remove(bp.b_loffset, bp);
                bp.clearFlags(Buf.B_VNCLEAN);
            }
            if (!bp.hasFlags(Buf.B_VNDIRTY)) {
                vp.v_rbdirty_tree.put(bp.b_loffset, bp);
                bp.setFlags(Buf.B_VNDIRTY);
            }
        } else {
            if (bp.hasFlags(Buf.B_VNDIRTY)) {
                vp.v_rbdirty_tree.remove(bp.b_loffset, bp);
                bp.clearFlags(Buf.B_VNDIRTY);
            }
            if (!bp.hasFlags(Buf.B_VNCLEAN)) {
                vp.v_rbclean_tree.put(bp.b_loffset, bp);
                bp.setFlags(Buf.B_VNCLEAN);
            }
        }
    }

    /** The daemon's cluster_awrite for a lone buffer: bawrite; returns the number of buffers written. */
    // vfs_cluster.c cluster_awrite() [outside seed], treated as bawrite (reference §3.10)
    static int cluster_awrite(Buf bp) {
        bp.b_vp.cache.bawrite(bp);
        return 1;
    }

    /**
     * Writes every dirty buffer of vp: synchronously with {@code waitfor}, else asynchronously;
     * then waits for the vnode's writes. Busy buffers (held by someone, or being written) are
     * skipped, as vfsync_bp does with LK_NOWAIT. A buffer whose io_checkwrite refuses is
     * released dirty. Returns the first write error, or 0.
     */
    // vfs_subr.c vfsync() / vfsync_bp() [outside seed]
    public static int vfsync(Vnode vp, boolean waitfor) {
        BufCache c = vp.cache;
        int error = 0;
        for (Long off : dirtyOffsets(vp)) {
            Buf bp = c.findblk(vp, off, BufCache.FINDBLK_TEST | BufCache.FINDBLK_REF);
            if (bp == null) continue;
            boolean locked = !bp.b_lock.ownedByMe() && bp.b_lock.tryLock();
            c.bqdrop(bp);
            if (!locked) continue;
            if (bp.b_vp != vp || bp.b_loffset != off) {
                bp.b_lock.unlock();
                continue;
            }
            if (!bp.hasFlags(Buf.B_DELWRI)) {
                bp.b_lock.unlock();
                continue;
            }
            c.bremfree(bp);
            if (!bp.dep_isEmpty() && c.buf_checkwrite(bp) != 0) {
                c.brelse(bp);
            } else if (waitfor) {
                int e = c.bwrite(bp);
                if (error == 0) error = e;
            } else {
                cluster_awrite(bp);
                c.waitrunningbufspace();
            }
        }
        vp.v_track_write.bio_track_wait(0);
        return error;
    }

    // vfs_subr.c vfsync() RB_SCAN of v_rbdirty_tree [outside seed], as a snapshot under v_token
    private static List<Long> dirtyOffsets(Vnode vp) {
        vp.v_token.gettoken_shared();
        try {
            return new ArrayList<>(vp.v_rbdirty_tree.keySet());
        } finally {
            vp.v_token.reltoken();
        }
    }

    // vfs_subr.c vinvalbuf()/vtruncbuf() RB_SCAN [outside seed], as a snapshot under v_token
    private static List<Long> hashedOffsets(Vnode vp, long from) {
        vp.v_token.gettoken_shared();
        try {
            return new ArrayList<>(vp.v_rbhash_tree.tailMap(from, true).keySet());
        } finally {
            vp.v_token.reltoken();
        }
    }

    /**
     * Invalidates every buffer of vp. With V_SAVE dirty buffers are written first (with no
     * B_LOCKED or io_checkwrite check, as in the kernel); without it pending writes are discarded.
     */
    // vfs_subr.c vinvalbuf() [outside seed]
    public static int vinvalbuf(Vnode vp, int flags) {
        BufCache c = vp.cache;
        if ((flags & V_SAVE) != 0) {
            vp.v_track_write.bio_track_wait(0);
            if (vp.dirtyCount() != 0) {
                int error = vfsync(vp, true);
                if (error != 0) return error;
            }
        }
        for (;;) {
            List<Long> offs = hashedOffsets(vp, Long.MIN_VALUE);
            if (offs.isEmpty()) break;
            for (Long off : offs) {
                Buf bp = c.findblk(vp, off, 0);
                if (bp == null) continue;
                c.bremfree(bp);
                if (bp.hasFlags(Buf.B_DELWRI) && !bp.hasFlags(Buf.B_INVAL) && (flags & V_SAVE) != 0) {
                    cluster_awrite(bp);
                } else if ((flags & V_SAVE) != 0) {
                    bp.setFlags(Buf.B_INVAL | Buf.B_RELBUF);
                    c.brelse(bp);
                } else {
                    bp.setFlags(Buf.B_INVAL | Buf.B_NOCACHE | Buf.B_RELBUF);
                    c.brelse(bp);
                }
            }
            vp.v_track_write.bio_track_wait(0);
        }
        return 0;
    }

    /** Invalidates, discarding pending writes, every buffer of vp at or beyond {@code length} rounded up to blksize. */
    // vfs_subr.c vtruncbuf() [outside seed]
    public static int vtruncbuf(Vnode vp, long length, int blksize) {
        BufCache c = vp.cache;
        if (length < 0) throw new IllegalArgumentException("vtruncbuf: negative length " + length);
        if (blksize <= 0) throw new IllegalArgumentException("vtruncbuf: blksize must be > 0, was " + blksize);
        long truncloffset = (length + blksize - 1) / blksize * blksize;
        for (;;) {
            List<Long> offs = hashedOffsets(vp, truncloffset);
            if (offs.isEmpty()) break;
            for (Long off : offs) {
                Buf bp = c.findblk(vp, off, 0);
                if (bp == null) continue;
                c.bremfree(bp);
                bp.setFlags(Buf.B_INVAL | Buf.B_RELBUF | Buf.B_NOCACHE);
                c.brelse(bp);
            }
        }
        return 0;
    }
}
