// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.ref;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.buf.Params;
import dev.bioref.buf.Vnode;
import dev.bioref.buf.VfsSubr;
import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.Errno;
import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.BlockIOException;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The DragonFly buffer cache port ({@link BufCache}) seen through the {@link BlockCache}
 * contract: one vnode per owner, {@code capacity} buffer headers of one block each. A thin
 * adapter: each contract method is the kernel call a filesystem would make, named in its comment.
 *
 * <p>Two things the adapter adds, as the layers around vfs_bio.c do in a kernel:
 * <ul>
 *   <li>No buffer-daemon thread runs (so that runs are deterministic): when getblk finds no
 *       free header within {@link #GETBLK_TIMEOUT_NANOS}, the calling thread runs one pass of each
 *       daemon ({@link BufCache#bufDaemonStep}) and tries again, as a thread woken by
 *       bd_speedup would find the daemons' work done.</li>
 *   <li>{@link #sync} is vfsync(MNT_WAIT) followed by a device cache FLUSH, the barrier
 *       VOP_FSYNC's caller issues; vfs_bio.c itself never flushes the device.</li>
 * </ul>
 */
public final class BufCacheBlockCache implements BlockCache {
    /** How long one getblk waits for a header or a buffer lock before the caller relieves the pool. */
    static final long GETBLK_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** A getblk that has not got its buffer after this long reports who is stuck instead of hanging. */
    static final long ACQUIRE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final Set<Feature> FEATURES = EnumSet.of(Feature.EXCLUSIVE_HOLD, Feature.READ_AHEAD,
            Feature.ASYNC_WRITE_STARTS_IO, Feature.SYNC_WRITE_REPORTS_ERROR, Feature.FAILED_WRITE_STAYS_DIRTY,
            Feature.INVALIDATE_DISCARDS_DIRTY, Feature.BOUNDED_MEMORY, Feature.CONCURRENT);

    private final BufCache cache;
    private final Vnode[] vps;
    private final LoopbackDevice[] devs;
    private final int bsize;
    private final int capacity;

    /** A buffer handed out by this adapter: the held Buf, and whether it was given back. */
    private final class Held implements Buffer {
        final Buf bp;
        final int owner;
        final long block;
        final AtomicBoolean returned = new AtomicBoolean();
        final BufCacheBlockCache home = BufCacheBlockCache.this;

        Held(Buf bp, int owner, long block) {
            this.bp = bp;
            this.owner = owner;
            this.block = block;
        }

        @Override public int owner() { return owner; }
        @Override public long block() { return block; }
        @Override public byte[] data() { return bp.b_data(); }
        @Override public boolean valid() { return bp.hasFlags(Buf.B_CACHE); }
        @Override public String toString() { return "buffer(owner " + owner + ", block " + block + ")"; }
    }

    public BufCacheBlockCache(BlockCacheConfig config) {
        Objects.requireNonNull(config, "config");
        this.bsize = config.blockSize();
        this.capacity = config.capacity();
        this.cache = new BufCache(Params.forTest(capacity, bsize));
        this.devs = config.devices().toArray(new LoopbackDevice[0]);
        this.vps = new Vnode[devs.length];
        for (int i = 0; i < devs.length; i++) vps[i] = cache.vnode("owner" + i, devs[i], bsize);
    }

    /** The port underneath, for tests that also check its invariants. */
    public BufCache port() { return cache; }

    @Override public Set<Feature> features() { return FEATURES; }
    @Override public int blockSize() { return bsize; }
    @Override public int owners() { return vps.length; }
    @Override public long blocks(int owner) { return devs[checkOwner(owner)].capacity() / bsize; }
    @Override public int capacity() { return capacity; }

    // vfs_bio.c getblk(), L2729 (with the daemon relief described above)
    @Override public Buffer getblk(int owner, long block) {
        long off = offset(owner, block);
        return new Held(acquire(owner, off), owner, block);
    }

    private Buf acquire(int owner, long off) {
        long deadline = System.nanoTime() + ACQUIRE_LIMIT_NANOS;
        for (;;) {
            Buf bp = cache.getblk(vps[owner], off, bsize, 0, GETBLK_TIMEOUT_NANOS);
            if (bp != null) return bp;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("getblk(owner " + owner + ", offset " + off + "): no buffer within "
                        + TimeUnit.NANOSECONDS.toSeconds(ACQUIRE_LIMIT_NANOS) + " s: the block is held by another thread,"
                        + " or every one of the " + capacity + " headers is held (hold fewer than capacity() at once)");
            }
            cache.bufDaemonStep(false);
            cache.bufDaemonStep(true);
        }
    }

    // vfs_bio.c breadnx(), L900
    @Override public Buffer bread(int owner, long block) { return breadn(owner, block, 0); }

    // vfs_bio.c breadnx(), L900: the hit is getblk with B_CACHE; a miss goes through bread/breadn
    @Override public Buffer breadn(int owner, long block, int readAhead) {
        long off = offset(owner, block);
        if (readAhead < 0) throw new IllegalArgumentException("readAhead must not be negative, was " + readAhead);
        Buf probe = acquire(owner, off);
        if (probe.hasFlags(Buf.B_CACHE)) return new Held(probe, owner, block);
        probe.setFlags(Buf.B_INVAL);
        cache.brelse(probe);
        int n = (int) Math.min(readAhead, blocks(owner) - block - 1);
        long[] ra = new long[n];
        int[] rs = new int[n];
        for (int i = 0; i < n; i++) {
            ra[i] = off + (long) (i + 1) * bsize;
            rs[i] = bsize;
        }
        Buf[] bpp = new Buf[1];
        int error = cache.breadn(vps[owner], off, bsize, ra, rs, n, bpp);
        if (error != 0) {
            cache.brelse(bpp[0]);     // B_ERROR: brelse destroys it, the next bread reads again
            throw new BlockIOException("bread(owner " + owner + ", block " + block + ")", error);
        }
        return new Held(bpp[0], owner, block);
    }

    // vfs_bio.c bqrelse(), L1458 (brelse with B_INVAL for a buffer that was never filled, L1269)
    @Override public void release(Buffer b) {
        Held h = giveBack(b, "release");
        if (h.bp.hasFlags(Buf.B_CACHE)) {
            cache.bqrelse(h.bp);
        } else {
            h.bp.setFlags(Buf.B_INVAL);
            cache.brelse(h.bp);
        }
    }

    // vfs_bio.c bdwrite(), L1061
    @Override public void bdwrite(Buffer b) { cache.bdwrite(filled(giveBack(b, "bdwrite"))); }

    // vfs_bio.c bawrite(), L1038
    @Override public void bawrite(Buffer b) { cache.bawrite(filled(giveBack(b, "bawrite"))); }

    // vfs_bio.c bwrite(), L957
    @Override public int bwrite(Buffer b) { return cache.bwrite(filled(giveBack(b, "bwrite"))); }

    /** A buffer the caller filled after getblk without B_CACHE: vfs_bio_clrbuf makes it writable (clears B_INVAL), keeping the caller's data. */
    // vfs_bio.c vfs_bio_clrbuf(), L3781
    private Buf filled(Held h) {
        Buf bp = h.bp;
        if (!bp.hasFlags(Buf.B_CACHE)) {
            byte[] mine = bp.b_data().clone();
            cache.vfs_bio_clrbuf(bp);
            System.arraycopy(mine, 0, bp.b_data(), 0, bsize);
        }
        return bp;
    }

    // getblk + B_INVAL + brelse (vfs_bio.c brelse(), L1269): what vinvalbuf does to one buffer
    @Override public void invalidate(int owner, long block) {
        long off = offset(owner, block);
        if (!cache.inmem(vps[owner], off)) return;
        Buf bp = acquire(owner, off);
        bp.setFlags(Buf.B_INVAL);
        cache.brelse(bp);
    }

    // vfs_subr.c vfsync(MNT_WAIT) [outside seed], then the device FLUSH of VOP_FSYNC's caller
    @Override public int sync(int owner) {
        checkOwner(owner);
        int error = VfsSubr.vfsync(vps[owner], true);
        Completion c = devs[owner].execute(Request.flush());
        if (error == 0 && !c.ok()) error = Errno.EIO;
        return error;
    }

    @Override public int syncAll() {
        int first = 0;
        for (int o = 0; o < vps.length; o++) {
            int e = sync(o);
            if (first == 0) first = e;
        }
        return first;
    }

    @Override public int cached() {
        int n = 0;
        for (Vnode vp : vps) n += vp.hashedCount();
        return n;
    }

    @Override public void close() { cache.close(); }

    private Held giveBack(Buffer b, String op) {
        Objects.requireNonNull(b, op + ": buffer");
        if (!(b instanceof Held h) || h.owner >= vps.length || !isMine(h)) {
            throw new IllegalArgumentException(op + ": " + b + " was not handed out by this cache");
        }
        if (!h.returned.compareAndSet(false, true)) {
            throw new IllegalStateException(op + ": " + b + " was already given back");
        }
        if (!h.bp.b_lock().ownedByMe()) {
            h.returned.set(false);
            throw new IllegalStateException(op + ": " + b + " is not held by " + Thread.currentThread().getName());
        }
        return h;
    }

    private boolean isMine(Held h) { return h.home == this; }

    private int checkOwner(int owner) {
        if (owner < 0 || owner >= vps.length) {
            throw new IllegalArgumentException("owner " + owner + " is outside 0.." + (vps.length - 1));
        }
        return owner;
    }

    private long offset(int owner, long block) {
        checkOwner(owner);
        long n = devs[owner].capacity() / bsize;
        if (block < 0 || block >= n) {
            throw new IllegalArgumentException("block " + block + " of owner " + owner + " is outside 0.." + (n - 1));
        }
        return block * bsize;
    }
}
