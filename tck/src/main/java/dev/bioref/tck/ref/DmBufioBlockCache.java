// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.ref;

import dev.bioref.bufio.DmBufio;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.BlockIOException;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The dm-bufio port ({@link DmBufio}) seen through the {@link BlockCache} contract: one module,
 * one client per owner, each client with {@code capacity} buffers. A thin adapter; each method
 * is the dm_bufio call a device-mapper target would make:
 * <ul>
 *   <li>getblk: {@code dm_bufio_get} if cached, else {@code dm_bufio_read}. Not
 *       {@code dm_bufio_new}: the port checks that a buffer from new() is overwritten whole and
 *       marked dirty before its release (notes §8.6), which the contract's getblk + release
 *       cannot promise.</li>
 *   <li>bdwrite: {@code mark_buffer_dirty} + {@code release}; bawrite: the same plus
 *       {@code write_dirty_buffers_async}; bwrite: the same plus {@code write_dirty_buffers}
 *       (its latched error, reported once, is what bwrite returns).</li>
 *   <li>invalidate: {@code dm_bufio_forget}, a hint that never drops dirty data.</li>
 *   <li>sync: {@code dm_bufio_write_dirty_buffers} (write, wait, FLUSH); errors are negated
 *       back to positive errnos.</li>
 * </ul>
 * Holds are shared (no {@link Feature#EXCLUSIVE_HOLD}); a failed write is dropped and reported
 * once by the next sync (no {@link Feature#FAILED_WRITE_STAYS_DIRTY}).
 */
public final class DmBufioBlockCache implements BlockCache {
    private static final Set<Feature> FEATURES = EnumSet.of(Feature.READ_AHEAD, Feature.ASYNC_WRITE_STARTS_IO,
            Feature.SYNC_WRITE_REPORTS_ERROR, Feature.SYNC_REPORTS_WRITE_ERROR, Feature.BOUNDED_MEMORY, Feature.CONCURRENT);

    private final DmBufio module;
    private final DmBufio.Client[] clients;
    private final LoopbackDevice[] devs;
    private final int bsize;
    private final int capacity;

    private final class Held implements Buffer {
        final DmBufio.Buffer b;
        final int owner;
        final long block;
        final AtomicBoolean returned = new AtomicBoolean();
        final DmBufioBlockCache home = DmBufioBlockCache.this;

        Held(DmBufio.Buffer b, int owner, long block) {
            this.b = b;
            this.owner = owner;
            this.block = block;
        }

        @Override public int owner() { return owner; }
        @Override public long block() { return block; }
        @Override public byte[] data() { return b.data(); }
        @Override public boolean valid() { return true; }
        @Override public String toString() { return "buffer(owner " + owner + ", block " + block + ")"; }
    }

    public DmBufioBlockCache(BlockCacheConfig config) {
        Objects.requireNonNull(config, "config");
        this.bsize = config.blockSize();
        this.capacity = config.capacity();
        this.devs = config.devices().toArray(new LoopbackDevice[0]);
        this.module = new DmBufio();
        this.clients = new DmBufio.Client[devs.length];
        for (int i = 0; i < devs.length; i++) {
            clients[i] = module.clientCreate(devs[i], new DmBufio.ClientOptions().blockSize(bsize).capacity(capacity));
        }
    }

    /** The port underneath, for tests that also check its invariants. */
    public DmBufio port() { return module; }

    @Override public Set<Feature> features() { return FEATURES; }
    @Override public int blockSize() { return bsize; }
    @Override public int owners() { return clients.length; }
    @Override public long blocks(int owner) { return devs[checkOwner(owner)].capacity() / bsize; }
    /** Every client has {@code capacity} buffers: the whole cache holds at most owners × capacity. */
    @Override public int capacity() { return capacity * clients.length; }

    // dm-bufio.c dm_bufio_get(), L1112, else dm_bufio_read(), L1119 (behaviour)
    @Override public Buffer getblk(int owner, long block) {
        checkBlock(owner, block);
        DmBufio.Buffer b = clients[owner].get(block);
        if (b != null) return new Held(b, owner, block);
        return bread(owner, block);
    }

    // dm-bufio.c dm_bufio_read(), L1119 (behaviour)
    @Override public Buffer bread(int owner, long block) {
        checkBlock(owner, block);
        try {
            return new Held(clients[owner].read(block), owner, block);
        } catch (DmBufio.IoError e) {
            throw new BlockIOException("dm_bufio_read(owner " + owner + ", block " + block + ")", Math.abs(e.errno()));
        }
    }

    // dm-bufio.c dm_bufio_prefetch(), L1137, then dm_bufio_read(), L1119 (behaviour)
    @Override public Buffer breadn(int owner, long block, int readAhead) {
        checkBlock(owner, block);
        if (readAhead < 0) throw new IllegalArgumentException("readAhead must not be negative, was " + readAhead);
        long n = Math.min(readAhead, blocks(owner) - block - 1);
        if (n > 0) clients[owner].prefetch(block + 1, n);
        return bread(owner, block);
    }

    // dm-bufio.c dm_bufio_release(), L1183 (behaviour)
    @Override public void release(Buffer b) {
        Held h = giveBack(b, "release");
        clients[h.owner].release(h.b);
    }

    // dm-bufio.c dm_bufio_mark_buffer_dirty(), L1240 + dm_bufio_release(), L1183 (behaviour)
    @Override public void bdwrite(Buffer b) {
        Held h = giveBack(b, "bdwrite");
        clients[h.owner].markBufferDirty(h.b);
        clients[h.owner].release(h.b);
    }

    // ... + dm_bufio_write_dirty_buffers_async(), L1246 (behaviour)
    @Override public void bawrite(Buffer b) {
        Held h = giveBack(b, "bawrite");
        clients[h.owner].markBufferDirty(h.b);
        clients[h.owner].release(h.b);
        clients[h.owner].writeDirtyBuffersAsync();
    }

    // ... + dm_bufio_write_dirty_buffers(), L1266 (behaviour)
    @Override public int bwrite(Buffer b) {
        Held h = giveBack(b, "bwrite");
        clients[h.owner].markBufferDirty(h.b);
        clients[h.owner].release(h.b);
        return Math.abs(clients[h.owner].writeDirtyBuffers());
    }

    // dm-bufio.c dm_bufio_forget(), L1476 (behaviour)
    @Override public void invalidate(int owner, long block) {
        checkBlock(owner, block);
        clients[owner].forget(block);
    }

    // dm-bufio.c dm_bufio_write_dirty_buffers(), L1266 (behaviour)
    @Override public int sync(int owner) { return Math.abs(clients[checkOwner(owner)].writeDirtyBuffers()); }

    @Override public int syncAll() {
        int first = 0;
        for (int o = 0; o < clients.length; o++) {
            int e = sync(o);
            if (first == 0) first = e;
        }
        return first;
    }

    @Override public int cached() {
        int n = 0;
        for (DmBufio.Client c : clients) n += c.cachedBuffers();
        return n;
    }

    // dm-bufio.c dm_bufio_client_destroy(), L1843 (behaviour): no FLUSH, as in the seed
    @Override public void close() {
        for (DmBufio.Client c : clients) if (!c.isDestroyed()) c.destroy();
    }

    private Held giveBack(Buffer b, String op) {
        Objects.requireNonNull(b, op + ": buffer");
        if (!(b instanceof Held h) || h.home != this) {
            throw new IllegalArgumentException(op + ": " + b + " was not handed out by this cache");
        }
        if (!h.returned.compareAndSet(false, true)) {
            throw new IllegalStateException(op + ": " + b + " was already given back");
        }
        return h;
    }

    private int checkOwner(int owner) {
        if (owner < 0 || owner >= clients.length) {
            throw new IllegalArgumentException("owner " + owner + " is outside 0.." + (clients.length - 1));
        }
        return owner;
    }

    private void checkBlock(int owner, long block) {
        checkOwner(owner);
        long n = devs[owner].capacity() / bsize;
        if (block < 0 || block >= n) {
            throw new IllegalArgumentException("block " + block + " of owner " + owner + " is outside 0.." + (n - 1));
        }
    }
}
