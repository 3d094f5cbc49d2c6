package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.buf.Params;
import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.BufLock;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;
import dev.bioref.kern.Token;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;

/**
 * struct hammer_mount and a minimal HAMMER filesystem on top of the I/O layer and the flusher:
 * a key → value store whose index lives in META buffers, whose values live in DATA buffers (or
 * large blocks written by direct I/O), and whose meta-data is protected by the UNDO FIFO.
 *
 * <p>Interface:
 * <ul>
 *   <li>{@link #mount} recovers from the UNDO FIFO and mounts; {@link #format} makes a volume.</li>
 *   <li>{@link #put}, {@link #delete}, {@link #get}: the frontend; changes are queued on inodes
 *       as records and reach the index when the flusher commits them.</li>
 *   <li>{@link #fsync} waits for one key's inode to be flushed; {@link #sync} waits until every
 *       change made before it is in a snapshot that every later recovery returns to or beyond,
 *       and returns that snapshot's number.</li>
 *   <li>{@link #checkInvariants} checks every named invariant of the I/O layer and flusher.</li>
 * </ul>
 * After a write error the mount is read-only (critical error): changes and syncs throw
 * {@link HammerCriticalError}; reads still see the in-memory state.
 */
public final class HammerMount implements AutoCloseable {
    final HammerOptions options;
    final HammerMutations mutations;
    final HammerHooks hooks;
    final LoopbackDevice dev;
    final BufCache cache;
    final HammerKern kern;
    final HammerOndisk.Geometry geometry;
    final int version;

    final Token fsToken = new Token("hammer.fs_token");
    final Token ioToken = new Token("hammer.io_token");

    // ---- I/O layer state (io_token unless noted)
    final HammerModTree voluRoot = new HammerModTree("volu_root");
    final HammerModTree metaRoot = new HammerModTree("meta_root");
    final HammerModTree undoRoot = new HammerModTree("undo_root");
    final HammerModTree dataRoot = new HammerModTree("data_root");
    final HammerModTree loseRoot = new HammerModTree("lose_root");
    HammerIo iorunHead, iorunTail;
    final AtomicLong ioRunningSpace = new AtomicLong();
    long lockedDirtySpace;
    final AtomicInteger countIoLocked = new AtomicInteger();   // hammer_count_io_locked
    volatile boolean ioRunningWakeup;
    final Object ioRunningWakeupChan = new Object();
    volatile boolean needFlush;          // HAMMER_VOLF_NEEDFLUSH
    final HammerBioOps bioops;

    // ---- structures (fs_token)
    final HammerVolume rootVolume;
    final TreeMap<Long, HammerBuffer> buffers = new TreeMap<>();
    final HammerUndo undo;
    final HammerFlusher flusher;
    final HammerAllocator allocator;
    final HammerLock syncLock = new HammerLock();
    final HammerInode[] inodes;
    long nextTid;
    long flushTid1, flushTid2;
    volatile boolean undoDirty;          // HMNT_UNDO_DIRTY
    volatile boolean criticalError;      // HAMMER_MOUNT_CRITICAL_ERROR
    volatile String criticalReason;
    volatile int ronly;
    volatile Throwable masterFailure;

    // ---- the logical index the meta buffers hold, and the durability bookkeeping (fs_token)
    final TreeMap<Integer, HammerOndisk.Slot> committed = new TreeMap<>();
    private int snapshots;               // final finalizes that took a snapshot
    int undoFirstCycle;                  // snapshot the in-core first_offset belongs to
    private int headerImageFirstCycle;   // snapshot the header image's first_offset belongs to
    private int headerIssuedCycle;       // ... in the last header write issued
    volatile int durableFloor;           // every recovery now returns to this snapshot or a later one

    // ---- ghost state for invariants
    volatile boolean kernelWroteMeta;
    volatile boolean lostModification;
    final HammerStats stats = new HammerStats();

    private HammerMount(LoopbackDevice dev, HammerOptions options, HammerMutations mutations, HammerHooks hooks,
                        HammerOndisk.Header h) {
        this.dev = dev;
        this.options = options;
        this.mutations = mutations;
        this.hooks = hooks;
        this.geometry = h.geometry();
        this.version = h.version();
        // No buffer daemon runs in the deterministic (thread-less) setup, so getnewbuf must never
        // have to wait for one: the cache holds every block HAMMER caches (large data is direct).
        int cached = 1 + geometry.undoBlocks() + geometry.metaBlocks() + geometry.dataBlocks();
        this.cache = new BufCache(Params.forTest(Math.max(options.nbuf, cached + 16), BUFSIZE));
        this.kern = new HammerKern(cache, cache.vnode("hammer0", dev, BUFSIZE));
        this.bioops = new HammerBioOps(this);
        this.rootVolume = new HammerVolume(this);
        this.undo = new HammerUndo(this, h);
        this.flusher = new HammerFlusher(this);
        this.allocator = new HammerAllocator(geometry);
        this.inodes = new HammerInode[options.inodes];
        for (int i = 0; i < inodes.length; i++) inodes[i] = new HammerInode(i);
        this.nextTid = h.nextTid();
        this.allocator.chunkRotor = (int) h.dataNext();
        this.allocator.largeRotor = (int) h.largeNext();
    }

    /** newfs_hammer: formats {@code dev} for {@code options.geometry} and {@code options.version}. */
    public static void format(LoopbackDevice dev, HammerOptions options) {
        HammerRecovery.format(dev, options.geometry, options.version);
    }

    /** Recovers the volume on {@code dev} from its UNDO FIFO and mounts it. */
    public static HammerMount mount(LoopbackDevice dev, HammerOptions options, HammerMutations mutations,
                                    HammerHooks hooks) {
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        HammerOndisk.Header h = HammerOndisk.decodeHeader(HammerRecovery.read(dev, 0, BUFSIZE));
        HammerMount hmp = new HammerMount(dev, options, mutations, hooks, h);
        hmp.lastRecovery = r;
        hmp.fsToken.gettoken();
        try {
            hmp.rootVolume.lock.refInterlock();
            int error = hmp.rootVolume.read();
            hmp.rootVolume.lock.refInterlockDone();
            if (error != 0) throw new IllegalStateException("mount: reading the volume header failed: " + Errno.name(error));
            hmp.loadIndex();
            hmp.finalSnapshotLocked();    // snapshot 0: the state recovery produced
            hmp.flusher.create(options.flusherThreads);
        } finally {
            hmp.fsToken.reltoken();
        }
        return hmp;
    }

    HammerRecovery.Result lastRecovery;

    public HammerRecovery.Result lastRecovery() { return lastRecovery; }

    private void loadIndex() {
        for (int blk = 0; blk < geometry.metaBlocks(); blk++) {
            HammerBuffer mb = getBuffer(HammerIoType.META_BUFFER, geometry.metaBase() + (long) blk * BUFSIZE, false);
            try {
                if (!HammerOndisk.metaBlockValid(mb.data())) {
                    throw new IllegalStateException("mount: meta block " + blk + " has a bad magic or CRC");
                }
                for (int s = 0; s < HammerOndisk.SLOTS_PER_BLOCK; s++) {
                    HammerOndisk.Slot slot = HammerOndisk.Slot.decode(mb.data(), 64 + s * HammerOndisk.SLOT_SIZE);
                    if (slot != null) {
                        committed.put(blk * HammerOndisk.SLOTS_PER_BLOCK + s, slot);
                        allocator.markUsed(slot);
                    }
                }
            } finally {
                relBuffer(mb, false);
            }
        }
    }

    // ================================================================== frontend

    /**
     * Stores {@code value} (1..BUFSIZE bytes) under {@code key}; durable once a later
     * {@link #sync()} returns, or once the flush cycle after the one that wrote it has completed.
     * Not after {@link #fsync} alone: see there.
     */
    public void put(int key, byte[] value) {
        checkKey(key);
        if (value == null || value.length == 0 || value.length > BUFSIZE) {
            throw new IllegalArgumentException("put: value length must be 1.." + BUFSIZE + ", was "
                    + (value == null ? "null" : value.length));
        }
        fsToken.gettoken();
        try {
            checkWritable("put");
            boolean large = value.length > HammerOndisk.CHUNK;
            int idx = large ? allocator.allocLarge() : allocator.allocChunk();
            if (idx < 0) {
                // hammer_blockmap_reserve would wait for the flusher to release delayed frees
                for (int i = 0; i < 4 && idx < 0; i++) {
                    syncLocked();
                    idx = large ? allocator.allocLarge() : allocator.allocChunk();
                }
                if (idx < 0) throw new IllegalStateException("put: " + (large ? "large" : "small") + " data zone is full (ENOSPC)");
            }
            long dataOff = large ? geometry.largeOffset(idx) : geometry.chunkOffset(idx);
            HammerOndisk.Slot slot = new HammerOndisk.Slot(value.length, dataOff, 0, HammerOndisk.crc(value, 0, value.length));
            HammerRecord rec = new HammerRecord(key, slot, new HammerRecord.DataRef(large, idx));
            if (large) directWrite(rec, dataOff, value); else writeSmall(dataOff, value);
            queue(rec);
        } finally {
            fsToken.reltoken();
        }
    }

    /** Removes {@code key}. */
    public void delete(int key) {
        checkKey(key);
        fsToken.gettoken();
        try {
            checkWritable("delete");
            queue(new HammerRecord(key, null, null));
        } finally {
            fsToken.reltoken();
        }
    }

    /** The current value of {@code key}, or null. */
    public byte[] get(int key) {
        checkKey(key);
        fsToken.gettoken();
        try {
            HammerInode ip = inode(key);
            HammerRecord latest = null;
            for (HammerRecord r : ip.records) if (r.key == key) latest = r;
            HammerOndisk.Slot slot;
            if (latest != null) {
                slot = latest.slot;
            } else {
                HammerBuffer mb = getBuffer(HammerIoType.META_BUFFER, geometry.metaBlockOffset(key), false);
                try {
                    slot = HammerOndisk.Slot.decode(mb.data(), geometry.slotOffset(key));
                } finally {
                    relBuffer(mb, false);
                }
            }
            if (slot == null) return null;
            byte[] v = readData(slot, latest);
            if (!slot.describes(v)) {
                throw new IllegalStateException("get(" + key + "): data at " + slot.dataOff() + " does not match its index CRC");
            }
            return v;
        } finally {
            fsToken.reltoken();
        }
    }

    /**
     * Flushes the inode holding {@code key} and waits for its flush group (hammer_vop_fsync's
     * flush and wait). The group's last finalize is final, but its header still names the
     * previous cycle's first_offset (the one-cycle lag, fl:L833-836), so a crash before the next
     * cycle undoes the group: the seed's v4 keeps an fsync'd inode through REDO records
     * (hammer_redo.c), which the port does not have. For durability call {@link #sync()}
     * (proofs-notes/hammer.md, "fsync and durability").
     */
    public void fsync(int key) {
        checkKey(key);
        fsToken.gettoken();
        try {
            checkWritable("fsync");
            HammerInode ip = inode(key);
            flushInode(ip);
            if (ip.flg != null) flusher.waitSeq(flusher.async(ip.flg));
            checkWritable("fsync");
        } finally {
            fsToken.reltoken();
        }
    }

    /**
     * Queues every dirty inode, flushes, and keeps flushing until the snapshot holding all of it
     * is the floor of every possible recovery. Returns that snapshot's number (the acknowledgement).
     */
    public int sync() {
        fsToken.gettoken();
        try {
            return syncLocked();
        } finally {
            fsToken.reltoken();
        }
    }

    private int syncLocked() {
        checkWritable("sync");
        for (HammerInode ip : inodes) if (ip.unqueued() > 0) flushInode(ip);
        flusher.sync();
        checkWritable("sync");
        int target = snapshots - 1;
        for (int i = 0; durableFloor < target; i++) {
            Panic.KKASSERT(i < 8, () -> "sync: durable floor " + durableFloor + " does not reach snapshot " + target);
            if (flusher.haswork()) {
                flusher.sync();          // another cycle writes the header that names the snapshot
            } else {
                headerBarrier();     // nothing to flush: a barrier makes the last header write durable
            }
            checkWritable("sync");
        }
        return target;
    }

    /**
     * The barrier sync and unmount add after the flusher's last cycle, to make its header write
     * durable. Port addition (the seed's sync only waits for the flusher), taken under
     * finalize_lock like every barrier of hammer_flusher_finalize (fl:L634-635): unlocked, it
     * could run inside another thread's finalize between that finalize's UNDO writes and its
     * barrier 1, clear NEEDFLUSH (io:L1967) with a FLUSH that does not cover those writes, and so
     * make that barrier flush nothing (port bug, proofs-notes/concurrency-finalize.md §3).
     */
    private void headerBarrier() {
        flusher.finalizeLock.lockEx();
        try {
            waitAll(true);
        } finally {
            flusher.finalizeLock.unlock();
        }
    }

    /** Flushes until the flusher has no work (hammer_flush_dirty) and stops the flusher threads. */
    @Override public void close() {
        fsToken.gettoken();
        try {
            if (!criticalError) {
                // unmount queues every dirty inode first (the VFS reclaims them), then flushes until idle
                for (HammerInode ip : inodes) if (ip.unqueued() > 0) flushInode(ip);
                flusher.flushDirty(-1);
                headerBarrier();     // the last header write (v4 does not wait for it in finalize) is durable here
            }
            flusher.destroy();
        } finally {
            fsToken.reltoken();
        }
    }

    /**
     * Throws the mount away without flushing, as a crash does: the flusher threads stop after the
     * step they are in. The caller then crashes the device and mounts again.
     */
    public void abandon() {
        fsToken.gettoken();
        try {
            flusher.abandon = true;
            flusher.destroy();
        } finally {
            fsToken.reltoken();
        }
    }

    private void checkKey(int key) {
        if (key < 0 || key >= geometry.keys()) {
            throw new IllegalArgumentException("key " + key + " is outside the index, 0.." + (geometry.keys() - 1));
        }
    }

    private void checkWritable(String op) {
        if (criticalError) throw new HammerCriticalError(op + ": mount is read-only after a critical error: " + criticalReason);
        if (masterFailure != null) throw new HammerCriticalError(op + ": flusher failed: " + masterFailure);
    }

    HammerInode inode(int key) { return inodes[key % inodes.length]; }

    private void queue(HammerRecord rec) {
        HammerInode ip = inode(rec.key);
        ip.records.addLast(rec);
        if (ip.unqueued() >= options.autoflushRecords) {
            flushInode(ip);
            if (ip.flg != null) flusher.async(ip.flg);
        }
    }

    /** The small-write path: an ordinary client of the modify protocol on a DATA buffer (io:L1747-1770). */
    private void writeSmall(long dataOff, byte[] value) {
        long blk = dataOff / BUFSIZE * BUFSIZE;
        HammerBuffer db = getBuffer(HammerIoType.DATA_BUFFER, blk, false);
        try {
            db.modify(1);
            byte[] d = db.data();
            int at = (int) (dataOff - blk);
            Arrays.fill(d, at, at + HammerOndisk.CHUNK, (byte) 0);
            System.arraycopy(value, 0, d, at, value.length);
            db.modifyDone();
        } finally {
            relBuffer(db, false);
        }
    }

    private byte[] readData(HammerOndisk.Slot slot, HammerRecord pending) {
        if (slot.dataOff() >= geometry.largeBase()) {
            if (pending != null) directWait(pending);
            return Arrays.copyOf(HammerRecovery.read(dev, slot.dataOff(), BUFSIZE), slot.len());
        }
        long blk = slot.dataOff() / BUFSIZE * BUFSIZE;
        HammerBuffer db = getBuffer(HammerIoType.DATA_BUFFER, blk, false);
        try {
            int at = (int) (slot.dataOff() - blk);
            return Arrays.copyOfRange(db.data(), at, at + slot.len());
        } finally {
            relBuffer(db, false);
        }
    }

    // ================================================================== direct I/O (io:L1668-1877)

    // hammer_io.c hammer_io_direct_write(), L1668 (the buffer-aligned, full-block case)
    private void directWrite(HammerRecord rec, long dataOff, byte[] value) {
        byte[] block = Arrays.copyOf(value, BUFSIZE);
        ioToken.gettoken();
        try {
            rec.gflags |= HammerRecord.DIRECT_IO;
        } finally {
            ioToken.reltoken();
        }
        stats.directWrites.incrementAndGet();
        dev.submit(Request.write(dataOff, block), c -> directWriteComplete(rec, c));
        flushMark();
    }

    // hammer_io.c hammer_io_direct_write_complete(), L1794
    void directWriteComplete(HammerRecord rec, Completion c) {
        ioToken.gettoken();
        try {
            if (!c.ok()) {
                criticalError("direct write of key " + rec.key + " failed: " + c.status());
                rec.directError = Errno.EIO;
                stats.writeErrors.incrementAndGet();
            }
            Panic.KKASSERT((rec.gflags & HammerRecord.DIRECT_IO) != 0,
                    () -> "hammer_io_direct_write_complete: DIRECT_IO not set on " + rec);
            if ((rec.gflags & HammerRecord.DIRECT_WAIT) != 0) {
                rec.gflags &= ~(HammerRecord.DIRECT_IO | HammerRecord.DIRECT_WAIT);
                if (!mutations.directCompleteSkipsWakeup) Sleepq.wakeup(rec);
            } else {
                rec.gflags &= ~HammerRecord.DIRECT_IO;
            }
        } finally {
            ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_direct_wait(), L1844
    void directWait(HammerRecord rec) {
        if ((rec.gflags & HammerRecord.DIRECT_IO) == 0) return;
        ioToken.gettoken();
        try {
            for (;;) {
                long t = Sleepq.tsleep_interlock(rec);
                if ((rec.gflags & HammerRecord.DIRECT_IO) == 0) break;
                rec.gflags |= HammerRecord.DIRECT_WAIT;
                Sleepq.tsleep(rec, t, "hmdiow", 0);
            }
        } finally {
            ioToken.reltoken();
        }
    }

    // ================================================================== inodes and the backend

    /** hammer_flush_inode (inode.c stand-in): queue {@code ip}'s records on the fill flush group. */
    void flushInode(HammerInode ip) {
        if (ip.flushState == HammerInode.FLUSH) {
            if (ip.unqueued() > 0) ip.reflush = true;
            return;
        }
        if (ip.unqueued() == 0) return;
        HammerFlushGroup flg = flusher.fillFlushGroup;
        if (flg == null || flg.running) flg = flusher.newGroup();
        ++flusher.groupLock;
        try {
            for (HammerRecord r : ip.records) {
                if (r.flg == null) {
                    r.flg = flg;
                    flg.refs++;
                }
            }
            ip.flg = flg;
            ip.flushState = HammerInode.FLUSH;
            flg.flushTree.put(ip.objId, ip);
            flg.totalCount++;
        } finally {
            if (--flusher.groupLock == 0) Sleepq.wakeup(flusher.groupLockChan);
        }
    }

    /** hammer_sync_inode stand-in: commit the inode's records of its group to the index. */
    int syncInode(HammerTransaction trans, HammerInode ip) {
        int n = 0;
        for (;;) {
            HammerRecord rec = ip.records.peekFirst();
            if (rec == null || rec.flg != ip.flg) return 0;
            if (options.wouldblockBudget > 0 && n >= options.wouldblockBudget) return Errno.EWOULDBLOCK;
            directWait(rec);
            if (rec.directError != 0 || criticalError) return Errno.EIO;
            syncLockSh(trans);
            try {
                commitRecord(trans, rec);
            } finally {
                syncUnlock(trans);
            }
            ip.records.pollFirst();
            rec.flg.refs--;
            n++;
            if (flusher.metaLimit()) flusher.finalize(trans, false);
        }
    }

    private void commitRecord(HammerTransaction trans, HammerRecord rec) {
        int key = rec.key;
        HammerBuffer mb = getBuffer(HammerIoType.META_BUFFER, geometry.metaBlockOffset(key), false);
        try {
            int soff = geometry.slotOffset(key);
            modifyBuffer(trans, mb, soff, HammerOndisk.SLOT_SIZE);
            HammerOndisk.Slot old = HammerOndisk.Slot.decode(mb.data(), soff);
            HammerOndisk.Slot neu = rec.slot == null ? null
                    : new HammerOndisk.Slot(rec.slot.len(), rec.slot.dataOff(), trans.tid, rec.slot.dataCrc());
            HammerOndisk.Slot.encode(neu, mb.data(), soff);
            mb.gencrc = true;
            modifyBufferDone(mb);
            if (neu == null) committed.remove(key); else committed.put(key, neu);
            if (old != null) allocator.freeDelayed(old.dataOff(), snapshots);
        } finally {
            relBuffer(mb, false);
        }
        if (rec.data != null) {
            // the allocator rotors changed: the root volume must carry the blockmap (finalize step 5)
            modifyVolume(trans, 0, 0);
            modifyVolumeDone();
        }
    }

    /** hammer_flush_inode_done stand-in. */
    void syncInodeDone(HammerInode ip, int error) {
        if (ip.wouldblock && error == 0 && ip.records.peekFirst() != null && ip.records.peekFirst().flg == ip.flg) {
            ip.wouldblock = false;          // stays in its group's tree: the master re-runs the group
        } else {
            ip.wouldblock = false;
            if (error == 0) {
                ip.flg.flushTree.remove(ip.objId);
                ip.flg = null;
                ip.flushState = HammerInode.IDLE;
                Sleepq.wakeup(ip);
                if (ip.reflush) {
                    ip.reflush = false;
                    flushInode(ip);
                }
            }
        }
        ip.slaveflush = false;
    }

    HammerTransaction startTransaction() { return new HammerTransaction(nextTid++); }

    // ================================================================== buffers (hammer_ondisk.c stand-ins)

    /** hammer_get_buffer stand-in: find or create the buffer, ref it, and load it on the 0→1 ref. */
    HammerBuffer getBuffer(HammerIoType type, long offset, boolean isnew) {
        HammerBuffer b = buffers.get(offset);
        if (b == null) {
            b = new HammerBuffer(this, type, offset);
            buffers.put(offset, b);
        }
        HammerBuffer fb = b;
        Panic.KKASSERT(b.type == type, () -> "hammer_get_buffer: buffer at " + offset + " is " + fb.type + ", wanted " + type);
        boolean mustLoad = b.lock.refInterlock();
        // Only now, holding a ref, take it off the lose tree: a buffer with a ref cannot become
        // loose again, while before the ref the kernel could still free it and leave it there
        // (hammer_get_buffer's order; an earlier port did this first: concurrency-hammer.md F2).
        takeOffLoseTree(b);
        if (mustLoad) {
            int error = isnew ? b.newBuffer() : b.read();
            b.lock.refInterlockDone();
            if (error != 0) {
                relBuffer(b, true);
                criticalError("read of " + type + " at " + offset + " failed: " + Errno.name(error));
                throw new HammerCriticalError("read of " + type + " at " + offset + " failed: " + Errno.name(error));
            }
        } else if (isnew) {
            b.newBuffer();
        }
        return b;
    }

    /** getBuffer's lose-tree removal (ondisk.c get_buffer), under io_token; a seam for the IoRegistry Lincheck test. */
    void takeOffLoseTree(HammerBuffer b) {
        if (b.modRoot == loseRoot) {
            ioToken.gettoken();
            try {
                if (b.modRoot == loseRoot) {
                    loseRoot.remove(b);
                    b.modRoot = null;
                }
            } finally {
                ioToken.reltoken();
            }
        }
    }

    /** hammer_rel_buffer stand-in: drop a ref; on the last one let release decide the bp's fate. */
    void relBuffer(HammerBuffer b, boolean flush) {
        Buf bp = null;
        if (b.lock.relInterlock()) {
            bp = b.release(flush);
            if (b.bp == null && b.lock.refCount() == 0 && !b.modified) {
                b.clearModlist();
                buffers.remove(b.offset, b);
            }
            b.lock.relInterlockDone();
        }
        if (bp != null) kern.brelse(bp);
    }

    // ================================================================== modification wrappers

    // hammer_io.c hammer_modify_buffer(), L882
    void modifyBuffer(HammerTransaction trans, HammerBuffer b, int off, int len) {
        Panic.KKASSERT(trans == null || trans.syncLockRefs > 0,
                () -> "hammer_modify_buffer: transaction does not hold the sync lock");
        b.modify(1);
        if (len > 0) {
            Panic.KKASSERT(off >= 0 && off + len <= b.bytes,
                    () -> "hammer_modify_buffer: range [" + off + ", " + (off + len) + ") outside the buffer");
            undo.generateUndo(trans, b.offset + off, b.data(), off, len);
        }
    }

    // hammer_io.c hammer_modify_buffer_done(), L904
    void modifyBufferDone(HammerBuffer b) { b.modifyDone(); }

    // hammer_io.c hammer_modify_volume(), L860
    void modifyVolume(HammerTransaction trans, int off, int len) {
        Panic.KKASSERT(trans == null || trans.syncLockRefs > 0,
                () -> "hammer_modify_volume: transaction does not hold the sync lock");
        rootVolume.modify(1);
        if (len > 0) {
            Panic.KKASSERT(off >= 0 && off + len <= rootVolume.bytes,
                    () -> "hammer_modify_volume: range [" + off + ", " + (off + len) + ") outside the volume header");
            undo.generateUndo(trans, off, rootVolume.data(), off, len);
        }
    }

    /** hammer_modify_volume_noundo (hammer.h). */
    void modifyVolumeNoundo() { rootVolume.modify(1); }

    // hammer_io.c hammer_modify_volume_done(), L898
    void modifyVolumeDone() { rootVolume.modifyDone(); }

    private ByteBuffer header() { return HammerOndisk.le(rootVolume.data()); }

    /** Finalize step 5: copy the in-core blockmap (the allocation rotors) into the header image. */
    void copyBlockmapToHeader() {
        header().putLong(HammerOndisk.H_DATA_NEXT, allocator.chunkRotor);
        header().putLong(HammerOndisk.H_LARGE_NEXT, allocator.largeRotor);
        HammerOndisk.setBlockmapCrc(rootVolume.data());
    }

    long headerUndoFirst() { return header().getLong(HammerOndisk.H_UNDO_FIRST); }

    long headerUndoNext() { return header().getLong(HammerOndisk.H_UNDO_NEXT); }

    /** Finalize step 7: the header image's UNDO indices, without an UNDO. */
    void setHeaderUndo(long first, long firstSeq, long next, long nextSeq, int firstCycle) {
        ByteBuffer h = header();
        h.putLong(HammerOndisk.H_UNDO_FIRST, first);
        h.putLong(HammerOndisk.H_UNDO_FIRST_SEQ, firstSeq);
        h.putLong(HammerOndisk.H_UNDO_NEXT, next);
        h.putLong(HammerOndisk.H_UNDO_NEXT_SEQ, nextSeq);
        HammerOndisk.setBlockmapCrc(rootVolume.data());
        undo.ondiskFirst = first;
        headerImageFirstCycle = firstCycle;
    }

    /** Finalize step 8: next_tid never goes back, then the volume CRC. */
    void setHeaderNextTid(long tid) {
        ByteBuffer h = header();
        if (h.getLong(HammerOndisk.H_NEXT_TID) < tid) h.putLong(HammerOndisk.H_NEXT_TID, tid);
        HammerOndisk.setVolumeCrc(rootVolume.data());
    }

    /** The header write of step 8 was issued: it carries headerImageFirstCycle. */
    void headerIssued() {
        headerIssuedCycle = headerImageFirstCycle;
        headerIssuedFirst = headerUndoFirst();
    }

    private long headerIssuedFirst;

    /**
     * Finalize step 7 found the header's first_offset already right: no UNDO was appended since, so
     * the same first_offset also recovers to snapshot {@code firstCycle}, and so does the last header
     * write if it carried that first_offset.
     */
    void headerFirstUnchanged(int firstCycle) {
        headerImageFirstCycle = firstCycle;
        if (headerIssuedFirst == headerUndoFirst()) headerIssuedCycle = firstCycle;
    }

    // ================================================================== snapshots

    /** Finalize step 4 of a final finalize: the meta-data every later recovery may return to. */
    void finalSnapshot() { finalSnapshotLocked(); }

    private void finalSnapshotLocked() {
        int n = snapshots++;
        hooks.snapshot(n, new TreeMap<>(committed));
    }

    /** The number of the latest snapshot. */
    int snapshotCount() { return snapshots - 1; }

    /** How many snapshots were taken (the number the next one will get). */
    int snapshotsTaken() { return snapshots; }

    public int latestSnapshot() { return snapshots - 1; }

    public int durableFloor() { return durableFloor; }

    // ================================================================== sync lock

    void syncLockEx(HammerTransaction trans) {
        ++trans.syncLockRefs;
        syncLock.lockEx();
    }

    void syncLockSh(HammerTransaction trans) {
        ++trans.syncLockRefs;
        syncLock.lockSh();
    }

    void syncUnlock(HammerTransaction trans) {
        --trans.syncLockRefs;
        syncLock.unlock();
    }

    // ================================================================== iorun list, waits, device cache

    HammerIo firstOf(HammerModTree tree) {
        ioToken.gettoken();
        try {
            return tree.first();    // quirk Q4 fixed: the seed peeks RB_FIRST without io_token
        } finally {
            ioToken.reltoken();
        }
    }

    void iorunAppend(HammerIo io) {
        Panic.KKASSERT(!io.onIorun, () -> "iorun: io already on the list " + io);
        io.iorunPrev = iorunTail;
        io.iorunNext = null;
        if (iorunTail != null) iorunTail.iorunNext = io; else iorunHead = io;
        iorunTail = io;
        io.onIorun = true;
    }

    void iorunRemove(HammerIo io) {
        Panic.KKASSERT(io.onIorun, () -> "iorun: io not on the list " + io);
        if (io.iorunPrev != null) io.iorunPrev.iorunNext = io.iorunNext; else iorunHead = io.iorunNext;
        if (io.iorunNext != null) io.iorunNext.iorunPrev = io.iorunPrev; else iorunTail = io.iorunPrev;
        io.iorunPrev = io.iorunNext = null;
        io.onIorun = false;
    }

    // hammer_io.c hammer_io_wait_all(), L189
    void waitAll(boolean doflush) {
        int floorCandidate = headerIssuedCycle;
        ioToken.gettoken();
        try {
            if (iorunHead != null) {
                HammerIo dummy = new HammerIo(this, HammerIoType.DUMMY, -1, 0);
                iorunAppend(dummy);
                for (;;) {
                    long t = Sleepq.tsleep_interlock(dummy);
                    if (iorunHead == dummy) break;
                    Sleepq.tsleep(dummy, t, "hmrfl1", 0);
                }
                iorunRemove(dummy);
                HammerIo io = iorunHead;
                if (io != null && io.type == HammerIoType.DUMMY && !mutations.waitAllSkipsChainWakeup) Sleepq.wakeup(io);
            }
        } finally {
            ioToken.reltoken();
        }
        if (doflush) {
            flushSync();
            stats.barriers.incrementAndGet();
            // everything issued before this call is on stable media, including the last header write
            if (!criticalError && floorCandidate > durableFloor) durableFloor = floorCandidate;
        }
    }

    // hammer_io.c hammer_io_flush_mark(), L1958
    void flushMark() { needFlush = true; }

    // hammer_io.c hammer_io_flush_sync(), L1967
    void flushSync() {
        if (!needFlush) return;
        needFlush = false;
        if (mutations.barrierWithoutCacheFlush) return;
        Completion c = dev.execute(Request.flush());
        if (!c.ok()) criticalError("device cache flush failed: " + c.status());
    }

    // hammer_io.c hammer_io_limit_backlog(), L2000
    void limitBacklog() {
        while (ioRunningSpace.get() > options.limitRunningIo) {
            long t = Sleepq.tsleep_interlock(ioRunningWakeupChan);
            ioRunningWakeup = true;
            if (ioRunningSpace.get() <= options.limitRunningIo) break;
            Sleepq.tsleep(ioRunningWakeupChan, t, "hmiobk", Sleepq.HZ_NANOS / 10);
        }
    }

    // hammer_io.c hammer_io_inval(), L447
    int inval(long zone2Offset) {
        ioToken.gettoken();
        try {
            Buf bp = kern.findblk(zone2Offset);
            if (bp == null) return 0;       // the seed getblk's it to reach VM pages; the port has none
            kern.bremfree(bp);
            if (!bp.dep_isEmpty()) {
                kern.bqrelse(bp);
                return Errno.EWOULDBLOCK;     // EAGAIN: still associated with a hammer buffer
            }
            Panic.KKASSERT(!bp.anyFlags(Buf.B_LOCKED), () -> "hammer_io_inval: unassociated bp is B_LOCKED " + bp);
            kern.bundirty(bp);
            bp.setFlags(Buf.B_NOCACHE | Buf.B_RELBUF);
            kern.brelse(bp);
            return 0;
        } finally {
            ioToken.reltoken();
        }
    }

    /** hammer_critical_error: the mount becomes read-only; nothing later may claim success. */
    void criticalError(String reason) {
        if (!criticalError) {
            criticalReason = reason;
            criticalError = true;
            ronly = 2;
            log("critical error: " + reason);
        }
    }

    /** Only under DeallocIgnoresModified: drop the dirty state so the bp can be destroyed. */
    void forceClean(HammerIo io) {
        lostModification = true;
        if (io.modRoot != null) {
            if (io.modRoot == voluRoot || io.modRoot == metaRoot) lockedDirtySpace -= io.bytes;
            io.modRoot.remove(io);
            io.modRoot = null;
        }
        io.modified = false;
    }

    void noteWrite(HammerIo io) {
        stats.writes.incrementAndGet();
        switch (io.type) {
            case META_BUFFER -> stats.metaWrites.incrementAndGet();
            case UNDO_BUFFER -> stats.undoWrites.incrementAndGet();
            case DATA_BUFFER -> stats.dataWrites.incrementAndGet();
            case VOLUME -> stats.volumeWrites.incrementAndGet();
            default -> { }
        }

    }

    final List<String> log = new ArrayList<>();

    void log(String msg) {
        synchronized (log) {
            if (log.size() < 100) log.add(msg);
        }
    }

    // ================================================================== accessors for tests and the simulation

    public HammerStats stats() { return stats; }
    public HammerFlusher flusher() { return flusher; }
    public BufCache cache() { return cache; }
    public LoopbackDevice device() { return dev; }
    public boolean isCritical() { return criticalError; }
    public String criticalReason() { return criticalReason; }
    public int version() { return version; }
    public HammerOndisk.Geometry geometry() { return geometry; }
    public long undoGenerated() { return undo.generated; }
    public Token fsToken() { return fsToken; }
    public Token ioToken() { return ioToken; }

    /** The committed index as the meta buffers hold it (a copy). */
    public TreeMap<Integer, HammerOndisk.Slot> committedIndex() {
        fsToken.gettoken();
        try {
            return new TreeMap<>(committed);
        } finally {
            fsToken.reltoken();
        }
    }

    /** Runs one deterministic pass of the kernel's buffer daemon (flushbufqueues → checkwrite). */
    public int bufDaemonStep() { return cache.bufDaemonStep(false); }

    /** The device vnode the mount's buffers live on (tests install fault filters on it). */
    public dev.bioref.buf.Vnode devvp() { return kern.devvp; }

    /** The kernel writes every delayed-write bp of the device (vfsync: checkwrite, then write). */
    public int kernelSync() { return cache.vfsync(kern.devvp, false); }

    /** The hammer buffer at {@code offset}, if one exists (tests). */
    public HammerBuffer bufferAt(long offset) {
        fsToken.gettoken();
        try {
            return buffers.get(offset);
        } finally {
            fsToken.reltoken();
        }
    }

    // ================================================================== invariants

    /**
     * Checks every named invariant (proofs-notes/invariants.md) of the I/O layer and the flusher;
     * throws {@link IllegalStateException} whose message starts with the invariant's name.
     * Call it when no HAMMER operation is in progress.
     */
    public void checkInvariants() {
        fsToken.gettoken();
        ioToken.gettoken();
        try {
            stats.invariantChecks.incrementAndGet();
            List<HammerIo> all = new ArrayList<>(buffers.values());
            all.add(rootVolume);
            Map<HammerModTree, Integer> treeCount = new HashMap<>();
            long running = 0;
            int lockedBps = 0;
            for (HammerIo io : all) {
                checkIo(io);
                if (io.modRoot != null) treeCount.merge(io.modRoot, 1, Integer::sum);
                if (io.running) running += io.bytes;
                if (io.bp != null && io.bp.anyFlags(Buf.B_LOCKED)) lockedBps++;
            }
            for (HammerModTree t : List.of(voluRoot, metaRoot, undoRoot, dataRoot, loseRoot)) {
                for (HammerIo io : t.tree.values()) {
                    inv(io.modRoot == t, "ModRootConsistentInv", () -> io + " is in " + t + " but its mod_root is " + io.modRoot);
                    inv(all.contains(io), "ModRootConsistentInv", () -> io + " is in " + t + " but not a live structure");
                }
                int n = treeCount.getOrDefault(t, 0);
                inv(n == t.size(), "ModRootConsistentInv", () -> t + " holds " + t.size() + " ios but " + n + " point at it");
            }
            long rs = running;
            inv(ioRunningSpace.get() == rs && rs >= 0, "IoRunningSpaceInv",
                    () -> "io_running_space " + ioRunningSpace.get() + " != sum of running bytes " + rs);
            long ld = 0;
            for (HammerIo io : voluRoot.tree.values()) ld += io.bytes;
            for (HammerIo io : metaRoot.tree.values()) ld += io.bytes;
            long fld = ld;
            inv(lockedDirtySpace == fld, "LockedDirtySpaceInv",
                    () -> "locked_dirty_space " + lockedDirtySpace + " != volume+meta tree bytes " + fld);
            int lb = lockedBps;
            inv(countIoLocked.get() == lb, "LockedNotReusableInv",
                    () -> "hammer_count_io_locked " + countIoLocked.get() + " != B_LOCKED bps " + lb);
            checkIorun();
            inv(!kernelWroteMeta, "MetaNeverKernelWrittenInv", () -> "checkwrite let the kernel write a VOLUME/META buffer");
            inv(!lostModification, "NoDisassociateModifiedInv", () -> "a modified io was disassociated and its bp destroyed");
            checkFlusher();
            checkUndo();
        } finally {
            ioToken.reltoken();
            fsToken.reltoken();
        }
    }

    private void checkIo(HammerIo io) {
        HammerModTree own = switch (io.type) {
            case VOLUME -> voluRoot;
            case META_BUFFER -> metaRoot;
            case UNDO_BUFFER -> undoRoot;
            case DATA_BUFFER -> dataRoot;
            case DUMMY -> null;
        };
        inv(io.modified == (io.modRoot == own), "ModRootConsistentInv",
                () -> "modified=" + io.modified + " but mod_root=" + io.modRoot + " for " + io);
        inv(io.modified || io.modRoot == null || io.modRoot == loseRoot, "ModRootConsistentInv",
                () -> "unmodified io on " + io.modRoot + ": " + io);
        if (io.modRoot == loseRoot) {
            inv(io.bp == null && !io.modified && io.type != HammerIoType.VOLUME, "LoseRootInv", () -> "on the lose tree: " + io);
        }
        Buf bp = io.bp;
        if (bp == null) {
            inv(!io.modified && !io.running && !io.waiting && io.modifyRefs == 0, "UnassociatedInertInv", () -> "no bp: " + io);
            return;
        }
        inv(io.running == io.onIorun, "RunningOwnedInv", () -> "running=" + io.running + " onIorun=" + io.onIorun + ": " + io);
        if (io.running) {
            inv(io.released && bp.b_lock().owner() == BufLock.KERNPROC, "RunningOwnedInv",
                    () -> "running io not released or bp not kernel-owned: " + io + " " + bp);
        }
        if (!io.released) {
            inv(bp.b_lock().owner() == BufLock.KERNPROC && bp.b_qindex() == Buf.BQUEUE_NONE, "OwnershipInv",
                    () -> "owned io whose bp is not held for HAMMER: " + io + " " + bp);
        }
        inv(!bp.dep_isEmpty() && bp.b_dep().get(0) == io, "OwnershipInv", () -> "bp's b_dep does not name " + io);
        if (io.type == HammerIoType.VOLUME || io.type == HammerIoType.META_BUFFER) {
            inv(!io.modified || !io.released, "MetaPinnedInv", () -> "modified META/VOLUME released to the kernel: " + io);
            inv(!bp.anyFlags(Buf.B_DELWRI), "MetaPinnedInv", () -> "META/VOLUME bp has B_DELWRI: " + io + " " + bp);
        }
        inv(io.modifyRefs >= -1, "InterlockExclusiveInv", () -> "modify_refs below -1: " + io);
        inv(io.modifyRefs <= 0 || (io.modified && !io.released), "MutateSafeInv", () -> "modifier inside the window of " + io);
        inv(!io.ioerror || io.lock.refCount() >= 1, "IoErrorRefInv", () -> "ioerror without its ref: " + io);
        if (bp.anyFlags(Buf.B_LOCKED)) {
            inv(bp.b_qindex() != Buf.BQUEUE_CLEAN && bp.b_qindex() != Buf.BQUEUE_DIRTY, "LockedNotReusableInv",
                    () -> "B_LOCKED bp on a reusable queue: " + bp);
        }
        if (!criticalError && !io.modified && !io.running) {
            byte[] media = dev.peekVisible(io.offset, io.bytes);
            byte[] mem = bp.b_data();
            inv(Arrays.equals(Arrays.copyOf(mem, io.bytes), media), "NoLostModificationInv",
                    () -> "clean io whose contents differ from the media (a modification is untracked): " + io);
        }
        if (!criticalError) {
            inv(io.memVer == io.diskVer || io.modified || (io.running && io.inflightVer == io.memVer), "NoLostModificationInv",
                    () -> "memVer " + io.memVer + " diskVer " + io.diskVer + " inflightVer " + io.inflightVer + ": " + io);
        }
    }

    private void checkIorun() {
        HammerIo prev = null;
        int n = 0;
        for (HammerIo io = iorunHead; io != null; io = io.iorunNext) {
            HammerIo p = prev;
            HammerIo i = io;
            inv(io.iorunPrev == p && io.onIorun, "IoRunFifoInv", () -> "iorun links broken at " + i);
            inv(io.type == HammerIoType.DUMMY || io.running, "IoRunFifoInv", () -> "iorun holds an io that is not running: " + i);
            prev = io;
            if (++n > 1_000_000) throw new IllegalStateException("IoRunFifoInv: iorun list has a cycle");
        }
        HammerIo last = prev;
        inv(iorunTail == last, "IoRunFifoInv", () -> "iorun tail " + iorunTail + " is not the last entry " + last);
    }

    private void checkFlusher() {
        HammerFlusher f = flusher;
        inv(f.done - f.lastDoneObserved >= 0, "FlusherSeqInv", () -> "done went back from " + f.lastDoneObserved + " to " + f.done);
        f.lastDoneObserved = f.done;
        inv((f.next - 1) - f.done >= 0 && f.signal >= 0, "FlusherSeqInv",
                () -> "next " + f.next + " done " + f.done + " signal " + f.signal);
        int prevSeq = f.done;
        boolean open = false;
        int runningGroups = 0;
        int i = 0;
        for (HammerFlushGroup g : f.flushGroupList) {
            int ps = prevSeq;
            inv(g.seq - ps > 0 && f.next - g.seq > 0, "FlusherSeqInv",
                    () -> "group " + g + " outside (" + ps + ", " + f.next + ")");
            if (g == f.nextFlushGroup) open = true;
            boolean o = open;
            inv(o ? (!g.closed && !g.running) : g.closed, "FlusherSeqInv",
                    () -> "group " + g + " on the wrong side of next_flush_group " + f.nextFlushGroup);
            if (g.running) {
                runningGroups++;
                int idx = i;
                inv(idx == 0 && g.closed, "FlusherSeqInv", () -> "running group " + g + " is not the closed head");
            }
            inv(g != f.fillFlushGroup || !g.running, "FlusherSeqInv", () -> "fill_flush_group is running: " + g);
            prevSeq = g.seq;
            i++;
        }
        int rg = runningGroups;
        inv(rg <= 1, "FlusherSeqInv", () -> rg + " groups running");
        inv(f.nextFlushGroup == null || f.flushGroupList.contains(f.nextFlushGroup), "FlusherSeqInv",
                () -> "next_flush_group not on the list");
        inv(f.finalizeWant >= 0, "FinalizeInv", () -> "finalize_want " + f.finalizeWant);
    }

    private void checkUndo() {
        long size = undo.size;
        long usedOndisk = Math.floorMod(undo.next - undo.ondiskFirst, size);
        long usedIncore = Math.floorMod(undo.next - undo.first, size);
        inv(usedIncore <= usedOndisk, "FinalizeInv",
                () -> "FIFO order broken: on-disk first " + undo.ondiskFirst + ", in-core first " + undo.first + ", next " + undo.next);
        inv(undo.nextSeq - undo.firstSeq >= 0, "FinalizeInv", () -> "seq first " + undo.firstSeq + " after next " + undo.nextSeq);
        for (Map.Entry<Long, Integer> e : undo.history.entrySet()) {
            inv(e.getValue() >= undo.historyEpoch, "UndoHistorySpanInv", () -> "the UNDO history still names " + e.getKey()
                    + ", recorded before snapshot " + e.getValue() + ": its UNDO is outside the span [first, next)");
        }
    }

    private static void inv(boolean ok, String name, java.util.function.Supplier<String> detail) {
        if (!ok) throw new IllegalStateException(name + ": " + detail.get());
    }
}
