// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Token;

import java.util.TreeMap;

/**
 * A block-device vnode: a view of one {@link LoopbackDevice} in blocks of {@code blksize} bytes,
 * with the three buffer trees of struct vnode. Created by {@link BufCache#vnode}.
 *
 * <p>Buffers are placed at multiples of blksize and are at most blksize long, so two buffers
 * of one vnode never overlap (the kernel gets coherence of overlapping buffers from shared VM
 * pages, which the port drops; reference §8.6).
 *
 * <p>The trees and the B_HASHED / B_VNCLEAN / B_VNDIRTY bits are guarded by {@link #v_token}:
 * shared for lookups, exclusive for changes (vfs_subr.c bgetvp, brelvp, reassignbuf).
 */
public final class Vnode {
    /** Fails a request before it reaches the device: a fault layer under the cache (dm-flakey style). */
    @FunctionalInterface
    public interface StrategyFilter {
        /** Returns 0 to pass the I/O to the device, or an errno to complete it with that error. */
        int filter(BufCmd cmd, long offset, int length);
    }

    private final String name;
    final BufCache cache;
    final LoopbackDevice dev;
    final int blksize;
    public final Token v_token;
    final TreeMap<Long, Buf> v_rbhash_tree = new TreeMap<>();   // guarded by v_token
    final TreeMap<Long, Buf> v_rbclean_tree = new TreeMap<>();  // guarded by v_token
    final TreeMap<Long, Buf> v_rbdirty_tree = new TreeMap<>();  // guarded by v_token
    public final BioTrack v_track_read;
    public final BioTrack v_track_write;
    private volatile StrategyFilter strategyFilter;

    Vnode(String name, BufCache cache, LoopbackDevice dev, int blksize) {
        this.name = name;
        this.cache = cache;
        this.dev = dev;
        this.blksize = blksize;
        this.v_token = new Token("v_token:" + name);
        this.v_track_read = new BioTrack(name + ".v_track_read");
        this.v_track_write = new BioTrack(name + ".v_track_write");
    }

    public String name() { return name; }
    public LoopbackDevice dev() { return dev; }
    public int blksize() { return blksize; }
    public long capacity() { return dev.capacity(); }

    /** Installs a fault filter under the cache (null removes it). */
    public void setStrategyFilter(StrategyFilter f) { this.strategyFilter = f; }

    /** Number of buffers associated with this vnode (hash tree size). */
    // port: inspection (size of v_rbhash_tree under v_token)
    public int hashedCount() {
        v_token.gettoken_shared();
        try { return v_rbhash_tree.size(); } finally { v_token.reltoken(); }
    }

    /** Number of buffers on the vnode's dirty tree. */
    // port: inspection (size of v_rbdirty_tree under v_token)
    public int dirtyCount() {
        v_token.gettoken_shared();
        try { return v_rbdirty_tree.size(); } finally { v_token.reltoken(); }
    }

    /**
     * VOP_STRATEGY for a device vnode: pushes bio2 (the physical layer, offset = logical offset)
     * and queues the request on the device; the device's completion calls biodone on bio2.
     * READ and WRITE move b_bufsize bytes (b_bcount rounded up to the sector size).
     */
    // vfs_bio.c vn_strategy() → vop_strategy, L3348
    void strategy(Bio bio) {
        Buf bp = bio.bio_buf;
        Bio nbio = cache.push_bio(bio);
        nbio.bio_offset = bio.bio_offset;
        BufCmd cmd = bp.b_cmd;
        int len = bp.b_bufsize;
        StrategyFilter f = strategyFilter;
        int injected = f == null ? 0 : f.filter(cmd, nbio.bio_offset, len);
        if (injected != 0) {
            bp.b_error = injected;
            bp.setFlags(Buf.B_ERROR);
            bp.b_resid = bp.b_bcount;
            cache.biodone(nbio);
            return;
        }
        Request req;
        switch (cmd) {
            case READ -> req = Request.read(nbio.bio_offset, bp.b_data);
            case WRITE -> req = Request.write(nbio.bio_offset, bp.b_data);
            case FLUSH -> req = Request.flush();
            case FREEBLKS -> req = Request.discard(nbio.bio_offset, len);
            default -> throw new IllegalArgumentException("vn_strategy: unsupported b_cmd " + cmd + " on " + bp);
        }
        try {
            dev.submit(req, (Completion c) -> {
                if (!c.ok()) {
                    bp.b_error = Errno.EIO;
                    bp.setFlags(Buf.B_ERROR);
                    bp.b_resid = bp.b_bcount;
                } else {
                    bp.b_resid = 0;
                }
                cache.biodone(nbio);
            });
        } catch (IllegalStateException e) {
            if (!dev.isClosed()) throw e;
            // the device is gone (closed; submit changed nothing): the I/O fails with ENXIO through the
            // ordinary error path, so the caller gets an error and the buffer is not left locked
            bp.b_error = Errno.ENXIO;
            bp.setFlags(Buf.B_ERROR);
            bp.b_resid = bp.b_bcount;
            cache.biodone(nbio);
        }
    }

    @Override public String toString() { return "vnode(" + name + ", blksize=" + blksize + ")"; }
}
