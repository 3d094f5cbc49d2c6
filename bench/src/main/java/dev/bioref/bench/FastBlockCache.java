// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.BlockIOException;

import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link BlockCache} built for throughput, to show that the TCK and {@code ./bioref diff}
 * check code they have never seen. Not a port of anything.
 *
 * <p>Design: a {@link ConcurrentHashMap} index from (owner, block) to a frame; each frame has
 * its own {@link ReentrantLock} (the exclusive hold) and a CLOCK reference bit; memory is
 * {@code capacity} slots, and a miss takes a free slot or sweeps the clock for an unheld victim
 * (written back first if dirty). The hit path is a lock-free map lookup, one uncontended CAS
 * (the frame lock) and a plain store of the reference bit; there is no global lock or queue.
 * Writes go to the device on the caller's thread ({@code bawrite} and {@code bwrite} write
 * before returning); {@code sync} writes the owner's dirty frames, runs of adjacent blocks as
 * one device write, and issues a device FLUSH.
 *
 * <p>{@link Bug} switches on one deliberate bug, for the must-fail checks.
 */
public class FastBlockCache implements BlockCache {
    /** Deliberate bugs (off by default): each must be caught by the TCK and by {@code ./bioref diff}. */
    public enum Bug {
        NONE,
        /** Eviction drops a dirty victim without writing it back (a lost write). */
        EVICT_DROPS_DIRTY
    }

    private static final Set<Feature> FEATURES = EnumSet.of(Feature.EXCLUSIVE_HOLD, Feature.ASYNC_WRITE_STARTS_IO,
            Feature.SYNC_WRITE_REPORTS_ERROR, Feature.SYNC_REPORTS_WRITE_ERROR, Feature.FAILED_WRITE_STAYS_DIRTY,
            Feature.INVALIDATE_DISCARDS_DIRTY, Feature.BOUNDED_MEMORY, Feature.CONCURRENT);
    /** How long a miss sweeps for an unheld victim before it reports that every slot is held. */
    private static final long SWEEP_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final LoopbackDevice[] devs;
    private final int bsize;
    private final int capacity;
    private final Bug bug;
    private final ConcurrentHashMap<Long, Frame> index = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Frame> slots;
    private final AtomicInteger occupied = new AtomicInteger();
    private final AtomicInteger hand = new AtomicInteger();
    /** Per owner: a write failed since the last sync (reported by the next sync). */
    private final AtomicBoolean[] writeFailed;

    /**
     * One cached block, and the handle its holder gets (no allocation on the hit path). Fields
     * other than {@code ref}, {@code gone} and {@code slot} are read and written under {@code lock}.
     */
    private final class Frame implements Buffer {
        final long key;
        final int owner;
        final long block;
        final byte[] data;
        final ReentrantLock lock = new ReentrantLock();
        volatile boolean ref = true;
        boolean valid;
        boolean dirty;
        volatile boolean gone;        // evicted or invalidated: a waiter must look again
        volatile int slot = -1;

        final FastBlockCache home = FastBlockCache.this;

        Frame(long key, int owner, long block, int bsize) {
            this.key = key;
            this.owner = owner;
            this.block = block;
            this.data = new byte[bsize];
        }

        @Override public int owner() { return owner; }
        @Override public long block() { return block; }
        @Override public byte[] data() { return data; }
        @Override public boolean valid() { return valid; }
        @Override public String toString() { return "buffer(owner " + owner + ", block " + block + ")"; }
    }

    public FastBlockCache(BlockCacheConfig config) { this(config, Bug.NONE); }

    public FastBlockCache(BlockCacheConfig config, Bug bug) {
        Objects.requireNonNull(config, "config");
        this.bug = Objects.requireNonNull(bug, "bug");
        this.devs = config.devices().toArray(new LoopbackDevice[0]);
        this.bsize = config.blockSize();
        this.capacity = config.capacity();
        this.slots = new AtomicReferenceArray<>(capacity);
        this.writeFailed = new AtomicBoolean[devs.length];
        for (int i = 0; i < devs.length; i++) writeFailed[i] = new AtomicBoolean();
    }

    @Override public Set<Feature> features() { return FEATURES; }
    @Override public int blockSize() { return bsize; }
    @Override public int owners() { return devs.length; }
    @Override public long blocks(int owner) { return devs[checkOwner(owner)].capacity() / bsize; }
    @Override public int capacity() { return capacity; }
    @Override public int cached() { return occupied.get(); }

    // ------------------------------------------------------------------ lookup

    @Override public Buffer getblk(int owner, long block) { return hold(owner, block); }

    private Frame hold(int owner, long block) {
        long key = key(owner, block);
        for (;;) {
            Frame f = index.get(key);
            if (f == null) {
                Frame nf = new Frame(key, owner, block, bsize);
                nf.lock.lock();
                Frame raced = index.putIfAbsent(key, nf);
                if (raced == null) {
                    try {
                        takeSlot(nf);
                    } catch (RuntimeException e) {
                        index.remove(key, nf);
                        nf.gone = true;
                        nf.lock.unlock();
                        throw e;
                    }
                    return nf;
                }
                f = raced;
            }
            if (f.lock.isHeldByCurrentThread()) {
                throw new IllegalStateException("block " + block + " of owner " + owner + " is already held by "
                        + Thread.currentThread().getName() + " (give it back first)");
            }
            f.lock.lock();
            if (f.gone) {
                f.lock.unlock();
                continue;
            }
            if (!f.ref) f.ref = true;
            return f;
        }
    }

    @Override public Buffer bread(int owner, long block) {
        Frame f = hold(owner, block);
        if (!f.valid) {
            Completion c = devs[owner].execute(Request.read(block * bsize, f.data));
            if (!c.ok()) {
                drop(f);
                f.lock.unlock();
                throw new BlockIOException("bread(owner " + owner + ", block " + block + ")", 5);
            }
            f.valid = true;
        }
        return f;
    }

    /** Read-ahead is not implemented (no {@link Feature#READ_AHEAD}): breadn is bread. */
    @Override public Buffer breadn(int owner, long block, int readAhead) {
        if (readAhead < 0) throw new IllegalArgumentException("readAhead must not be negative, was " + readAhead);
        return bread(owner, block);
    }

    // ------------------------------------------------------------------ give back

    @Override public void release(Buffer b) {
        Frame f = giveBack(b, "release");
        if (!f.valid) drop(f);
        f.lock.unlock();
    }

    @Override public void bdwrite(Buffer b) {
        Frame f = giveBack(b, "bdwrite");
        f.valid = true;
        f.dirty = true;
        f.lock.unlock();
    }

    @Override public void bawrite(Buffer b) {
        Frame f = giveBack(b, "bawrite");
        f.valid = true;
        f.dirty = true;
        writeBack(f);
        f.lock.unlock();
    }

    @Override public int bwrite(Buffer b) {
        Frame f = giveBack(b, "bwrite");
        f.valid = true;
        f.dirty = true;
        int e = writeBack(f);
        f.lock.unlock();
        return e;
    }

    /** Writes a held frame; clears dirty on success, keeps it (and latches the error) on failure. */
    private int writeBack(Frame f) {
        Completion c = devs[f.owner].execute(Request.write(f.block * bsize, f.data));
        if (!c.ok()) {
            writeFailed[f.owner].set(true);
            return 5;
        }
        f.dirty = false;
        return 0;
    }

    // ------------------------------------------------------------------ invalidate, sync

    @Override public void invalidate(int owner, long block) {
        Frame f = index.get(key(owner, block));
        if (f == null) return;
        if (f.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("invalidate: block " + block + " of owner " + owner + " is held by the caller");
        }
        f.lock.lock();
        try {
            if (!f.gone) drop(f);
        } finally {
            f.lock.unlock();
        }
    }

    /**
     * Writes the owner's dirty frames in block order, coalescing runs of adjacent blocks into one
     * device write (clustering), then FLUSHes. Frames another thread holds are waited for one at a
     * time after the batch, never while the batch's locks are held (no lock-order cycle).
     */
    @Override public int sync(int owner) {
        checkOwner(owner);
        int error = 0;
        java.util.List<Frame> batch = new java.util.ArrayList<>();
        java.util.List<Frame> busy = new java.util.ArrayList<>();
        for (Frame f : index.values()) {
            if (f.owner != owner || f.lock.isHeldByCurrentThread()) continue;
            if (f.lock.tryLock()) {
                if (!f.gone && f.dirty) batch.add(f); else f.lock.unlock();
            } else {
                busy.add(f);
            }
        }
        batch.sort(java.util.Comparator.comparingLong(f -> f.block));
        try {
            for (int i = 0; i < batch.size(); ) {
                int j = i + 1;
                while (j < batch.size() && batch.get(j).block == batch.get(j - 1).block + 1) j++;
                int w = writeRun(batch.subList(i, j));
                if (error == 0) error = w;
                i = j;
            }
        } finally {
            for (Frame f : batch) f.lock.unlock();
        }
        for (Frame f : busy) {
            f.lock.lock();
            try {
                if (!f.gone && f.dirty) {
                    int w = writeBack(f);
                    if (error == 0) error = w;
                }
            } finally {
                f.lock.unlock();
            }
        }
        Completion c = devs[owner].execute(Request.flush());
        if (writeFailed[owner].getAndSet(false) && error == 0) error = 5;
        if (!c.ok() && error == 0) error = 5;
        return error;
    }

    /** One device write for held frames of consecutive blocks; clears dirty on success. */
    private int writeRun(java.util.List<Frame> run) {
        if (run.size() == 1) return writeBack(run.get(0));
        Frame first = run.get(0);
        byte[] buf = new byte[run.size() * bsize];
        for (int k = 0; k < run.size(); k++) System.arraycopy(run.get(k).data, 0, buf, k * bsize, bsize);
        Completion c = devs[first.owner].execute(Request.write(first.block * bsize, buf));
        if (!c.ok()) {
            writeFailed[first.owner].set(true);
            return 5;
        }
        for (Frame f : run) f.dirty = false;
        return 0;
    }

    @Override public int syncAll() {
        int first = 0;
        for (int o = 0; o < devs.length; o++) {
            int e = sync(o);
            if (first == 0) first = e;
        }
        return first;
    }

    @Override public void close() {
        index.clear();
    }

    // ------------------------------------------------------------------ slots (CLOCK)

    /** Gives {@code nf} (held, in the index) a slot: a free one, or an unheld victim's. */
    private void takeSlot(Frame nf) {
        long deadline = 0;
        for (int sweeps = 0; ; sweeps++) {
            int i = Math.floorMod(hand.getAndIncrement(), capacity);
            Frame cur = slots.get(i);
            if (cur == null) {
                if (slots.compareAndSet(i, null, nf)) {
                    nf.slot = i;
                    occupied.incrementAndGet();
                    return;
                }
                continue;
            }
            if (cur.ref) {
                cur.ref = false;
            } else if (!cur.lock.isHeldByCurrentThread() && cur.lock.tryLock()) {
                try {
                    if (!cur.gone && cur.slot == i && evictable(cur)) {
                        index.remove(cur.key, cur);
                        cur.gone = true;
                        nf.slot = i;
                        slots.set(i, nf);
                        return;
                    }
                } finally {
                    cur.lock.unlock();
                }
            }
            if (sweeps > 2 * capacity) {
                if (deadline == 0) deadline = System.nanoTime() + SWEEP_LIMIT_NANOS;
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no slot for block " + nf.block + " of owner " + nf.owner
                            + ": all " + capacity + " slots are held (hold fewer than capacity() buffers at once)");
                }
                Thread.yield();
            }
        }
    }

    /** A held victim can go if it is clean, or once written back. */
    private boolean evictable(Frame v) {
        if (!v.dirty) return true;
        if (bug == Bug.EVICT_DROPS_DIRTY) return true;
        return writeBack(v) == 0;
    }

    /** Removes a held frame from the index and frees its slot. */
    private void drop(Frame f) {
        index.remove(f.key, f);
        f.gone = true;
        int s = f.slot;
        if (s >= 0 && slots.compareAndSet(s, f, null)) occupied.decrementAndGet();
    }

    // ------------------------------------------------------------------ checks

    private Frame giveBack(Buffer b, String op) {
        Objects.requireNonNull(b, op + ": buffer");
        if (!(b instanceof Frame f) || f.home != this) {
            throw new IllegalArgumentException(op + ": " + b + " was not handed out by this cache");
        }
        if (!f.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(op + ": " + b + " is not held by " + Thread.currentThread().getName()
                    + " (given back already, or held by another thread)");
        }
        return f;
    }

    private int checkOwner(int owner) {
        if (owner < 0 || owner >= devs.length) {
            throw new IllegalArgumentException("owner " + owner + " is outside 0.." + (devs.length - 1));
        }
        return owner;
    }

    private long key(int owner, long block) {
        checkOwner(owner);
        long n = devs[owner].capacity() / bsize;
        if (block < 0 || block >= n) {
            throw new IllegalArgumentException("block " + block + " of owner " + owner + " is outside 0.." + (n - 1));
        }
        return ((long) owner << 40) | block;
    }
}
