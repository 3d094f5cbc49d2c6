// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.buf.Params;
import dev.bioref.buf.VfsSubr;
import dev.bioref.buf.Vnode;
import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;
import dev.bioref.kern.Token;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;

/**
 * struct hammer_mount (hammer.h) and the mount-level functions of hammer_io.c, in seed order:
 * hammer_io_wait_all, hammer_io_inval, the hammer_modify_* wrappers, direct I/O,
 * hammer_io_flush_mark/flush_sync and hammer_io_limit_backlog. The rest of hammer_io.c is in
 * {@link HammerIo} (the per-io functions, L122-L1011) and {@link HammerBioOps} (the bioops
 * table, L1058-L1381), each also in seed order. Besides: stand-ins for hammer_ondisk.c's buffer
 * lookup and the port's bookkeeping (transactions, header image, snapshots), which port no seed
 * and are marked so. The frontend is {@link HammerFrontend}, the invariants
 * {@link HammerInvariants}.
 *
 * <p>A minimal HAMMER filesystem on top of the I/O layer and the flusher: a key → value store
 * whose index lives in META buffers, whose values live in DATA buffers (or large blocks written
 * by direct I/O), and whose meta-data is protected by the UNDO FIFO.
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
    // ---- configuration and the layers below; immutable after mount
    final HammerOptions options;         // limits and the flusher's thread count
    final HammerMutations mutations;     // guard switches (all off outside must-fail tests)
    final HammerIoTrace ioTrace;         // HammerIoProtocol trace events, or null (off)
    final HammerHooks hooks;             // the simulation's and tests' observation points
    final LoopbackDevice dev;            // the volume's device
    final BufCache cache;                // the kernel buffer cache HAMMER's ios ride on
    final HammerKern kern;               // the kernel calls HAMMER makes on that cache (getblk, bread, bdwrite, ...)
    final HammerOndisk.Geometry geometry;   // the volume's zones (undo, meta, data, large)
    final int version;                   // volume version (3 or 4: finalize's header write differs)
    HammerRecovery.Result lastRecovery;  // what mount's recovery replayed; written once by mount

    final Token fsToken = new Token("hammer.fs_token");   // hmp->fs_token: the frontend, the flusher and every fs-domain field
    final Token ioToken = new Token("hammer.io_token");   // hmp->io_token: the io_token-domain fields, taken inside fs_token

    // ---- I/O layer state (io_token unless noted)
    final HammerModTree voluRoot = new HammerModTree("volu_root");
    final HammerModTree metaRoot = new HammerModTree("meta_root");
    final HammerModTree undoRoot = new HammerModTree("undo_root");
    final HammerModTree dataRoot = new HammerModTree("data_root");
    final HammerModTree loseRoot = new HammerModTree("lose_root");
    HammerIo iorunHead, iorunTail;       // hmp->iorun_list: running writes (and wait_all's dummies) in issue order
    final AtomicLong ioRunningSpace = new AtomicLong();   // hmp->io_running_space: bytes of running writes; atomic
    long lockedDirtySpace;               // hmp->locked_dirty_space: bytes on the volume and meta mod trees
    final AtomicInteger countIoLocked = new AtomicInteger();   // hammer_count_io_locked: bps HAMMER set B_LOCKED on; atomic
    volatile boolean ioRunningWakeup;    // hmp->io_running_wakeup: someone sleeps in limit_backlog
    final Object ioRunningWakeupChan = new Object();   // the channel limit_backlog sleeps on; immutable
    volatile boolean needFlush;          // HAMMER_VOLF_NEEDFLUSH: writes issued since the last device cache flush
    final HammerBioOps bioops;           // the hooks the buffer cache calls; immutable

    // ---- structures (fs_token)
    final HammerVolume rootVolume;       // the volume header's io; the reference is immutable
    final TreeMap<Long, HammerBuffer> buffers = new TreeMap<>();   // hammer buffers by device offset (the seed's buffer RB tree)
    final HammerUndo undo;               // the UNDO FIFO; the reference is immutable
    final HammerFlusher flusher;         // the flusher; the reference is immutable
    final HammerAllocator allocator;     // data zone allocation and delayed frees
    final HammerLock syncLock = new HammerLock();   // hmp->sync_lock: shared by record commits, exclusive in finalize; its own lock
    final HammerFrontend frontend;       // the key-value frontend and inode stand-ins; immutable
    final HammerInvariants invariants = new HammerInvariants(this);   // the checker; immutable
    long nextTid;                        // the next transaction id
    long flushTid1, flushTid2;           // hmp->flush_tid1/2: the tids of the last two flush cycles
    volatile boolean undoDirty;          // HMNT_UNDO_DIRTY: UNDO was generated since the last finalize
    volatile boolean criticalError;      // HAMMER_MOUNT_CRITICAL_ERROR: read-only from now on; set once, never cleared
    volatile String criticalReason;      // why, written once before criticalError is set
    volatile int ronly;                  // hmp->ronly: 2 after a critical error
    volatile Throwable masterFailure;    // the flusher master's unexpected exception, if any; written once

    // ---- the logical index the meta buffers hold, and the durability bookkeeping (fs_token)
    final TreeMap<Integer, HammerOndisk.Slot> committed = new TreeMap<>();
    int snapshots;                       // final finalizes that took a snapshot
    int undoFirstCycle;                  // snapshot the in-core first_offset belongs to
    private int headerImageFirstCycle;   // snapshot the header image's first_offset belongs to
    private int headerIssuedCycle;       // ... in the last header write issued
    private long headerIssuedFirst;      // the first_offset that last header write carried
    volatile int durableFloor;           // every recovery now returns to this snapshot or a later one

    // ---- ghost state for invariants and observation; written by the paths named, read by HammerInvariants
    volatile boolean kernelWroteMeta;    // checkwrite let the kernel write a VOLUME/META bp (MetaNeverKernelWrittenInv)
    volatile boolean lostModification;   // a modified io lost its bp (NoDisassociateModifiedInv)
    final HammerStats stats = new HammerStats();   // counters; atomic
    final List<String> log = new ArrayList<>();   // the first 100 notable events; guarded by its own monitor

    private HammerMount(LoopbackDevice dev, HammerOptions options, HammerMutations mutations, HammerHooks hooks,
                        HammerOndisk.Header h) {
        this.dev = dev;
        this.options = options;
        this.mutations = mutations;
        this.hooks = hooks;
        this.ioTrace = options.ioTrace;
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
        // The header mount read is on the device and names snapshot 0's first_offset: it is the
        // "last header write" until finalize issues one. Without this a first final cycle that
        // finds first_offset unchanged (no UNDO since mount, so no header write) could never move
        // the durable floor past 0 (proofs-notes/hammer.md §3, "After a mount").
        this.headerIssuedFirst = h.undoFirst();
        this.frontend = new HammerFrontend(this, options.inodes);    // before the flusher, which calls it
        this.flusher = new HammerFlusher(this);
        this.allocator = new HammerAllocator(geometry);
        // vol0_next_tid holds the last tid a flush used (fl:L764 raises it to trans->tid), so the
        // first transaction of this mount takes the one after it (deviation H5: the port reused it)
        this.nextTid = h.nextTid() + 1;
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
        if (options == null) throw new IllegalArgumentException("mount: options must not be null");
        if (mutations == null) throw new IllegalArgumentException("mount: mutations must not be null (HammerMutations.none())");
        if (hooks == null) throw new IllegalArgumentException("mount: hooks must not be null (HammerHooks.NONE)");
        Object claim = new Object() {
            @Override public String toString() { return "a HAMMER mount made at " + java.time.Instant.now(); }
        };
        dev.claim(claim);           // a second mount of one device is refused before recovery writes anything
        HammerMount hmp;
        try {
            HammerRecovery.Result r = HammerRecovery.recover(dev);
            HammerOndisk.Header h = HammerOndisk.decodeHeader(HammerRecovery.read(dev, 0, BUFSIZE));
            hmp = new HammerMount(dev, options, mutations, hooks, h);
            hmp.lastRecovery = r;
            hmp.deviceClaim = claim;
        } catch (RuntimeException | Error e) {
            dev.unclaim(claim);
            throw e;
        }
        hmp.fsToken.gettoken();
        try {
            hmp.rootVolume.lock.refInterlock();
            int error = hmp.rootVolume.read();
            hmp.rootVolume.lock.refInterlockDone();
            if (error != 0) throw new IllegalStateException("mount: reading the volume header failed: " + Errno.name(error));
            hmp.loadIndex();
            hmp.finalSnapshotLocked();    // snapshot 0: the state recovery produced
            hmp.flusher.create(options.flusherThreads);
        } catch (RuntimeException | Error e) {
            // a mount that fails here (the header read or a meta block of the index) ends as a
            // mount that never was: the device is free for the next mount (port bug until
            // session 8, proofs-notes/deviations.md H3)
            hmp.unmounted = "never mounted (" + e.getMessage() + ")";
            dev.unclaim(claim);
            throw e;
        } finally {
            hmp.fsToken.reltoken();
        }
        return hmp;
    }

    public HammerRecovery.Result lastRecovery() { return lastRecovery; }

    private Object deviceClaim;      // this mount's claim on dev (LoopbackDevice.claim); written once by mount()

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

    // ================================================================== frontend (HammerFrontend; no seed)

    /**
     * Stores {@code value} (1..BUFSIZE bytes) under {@code key}; durable once a later
     * {@link #sync()} returns, or once the flush cycle after the one that wrote it has completed.
     * Not after {@link #fsync} alone: see there.
     */
    public void put(int key, byte[] value) { checkMounted("put"); frontend.put(key, value); }

    /** Removes {@code key}. */
    public void delete(int key) { checkMounted("delete"); frontend.delete(key); }

    /** The current value of {@code key}, or null. */
    public byte[] get(int key) { checkMounted("get"); return frontend.get(key); }

    /**
     * Flushes the inode holding {@code key} and waits for its flush group. A crash before the
     * next cycle still undoes the group (no REDO in the port): for durability call
     * {@link #sync()} (proofs-notes/hammer.md, "fsync and durability").
     */
    public void fsync(int key) { checkMounted("fsync"); frontend.fsync(key); }

    /**
     * Queues every dirty inode, flushes, and keeps flushing until the snapshot holding all of it
     * is the floor of every possible recovery. Returns that snapshot's number (the acknowledgement).
     */
    public int sync() { checkMounted("sync"); return frontend.sync(); }

    /**
     * The barrier sync and unmount add after the flusher's last cycle, to make its header write
     * durable. Port addition (the seed's sync only waits for the flusher), taken under
     * finalize_lock like every barrier of hammer_flusher_finalize (fl:L634-635): unlocked, it
     * could run inside another thread's finalize between that finalize's UNDO writes and its
     * barrier 1, clear NEEDFLUSH (io:L1967) with a FLUSH that does not cover those writes, and so
     * make that barrier flush nothing (port bug, proofs-notes/concurrency-finalize.md §3).
     */
    void headerBarrier() {
        flusher.finalizeLock.lockEx();
        try {
            waitAll(true);
            if (flusher.ftrace != null) flusher.ftrace.barrier(flusher, "HeaderBarrier", durableFloor);
        } finally {
            flusher.finalizeLock.unlock();
        }
    }

    private volatile String unmounted;    // null while mounted; then how it ended ("unmounted by close()", "abandoned"); written once

    /** Misuse after the mount ended: a clear exception, nothing changed. */
    private void checkMounted(String op) {
        String u = unmounted;
        if (u != null) throw new IllegalStateException(op + ": the mount was " + u + "; mount the device again");
    }

    /**
     * Flushes until the flusher has no work (hammer_flush_dirty) and stops the flusher threads.
     * A second close, or a close after {@link #abandon}, does nothing.
     */
    @Override public void close() {
        if (unmounted != null) return;
        unmounted = "unmounted by close()";
        fsToken.gettoken();
        try {
            if (!criticalError) {
                // unmount queues every dirty inode first (the VFS reclaims them), then flushes until idle
                frontend.queueDirtyInodes();
                flusher.flushDirty(-1);
                headerBarrier();     // the last header write (v4 does not wait for it in finalize) is durable here
            }
            flusher.destroy();
        } finally {
            fsToken.reltoken();
            dev.unclaim(deviceClaim);
        }
    }

    /**
     * Throws the mount away without flushing, as a crash does: the flusher threads stop after the
     * step they are in. The caller then crashes the device and mounts again.
     */
    public void abandon() {
        if (unmounted != null) return;
        unmounted = "abandoned";
        fsToken.gettoken();
        try {
            flusher.abandon = true;
            flusher.destroy();
        } finally {
            fsToken.reltoken();
            dev.unclaim(deviceClaim);
        }
    }

    // ================================================================== hammer_io.c: the mount-level functions, in seed order

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
                    if (iorunHead == dummy || mutations.waitAllSkipsWait) break;
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

    // hammer_io.c hammer_io_inval(), L447
    int inval(long zone2Offset) {
        ioToken.gettoken();
        try {
            Buf bp = kern.findblk(zone2Offset);
            if (bp == null) return 0;       // the seed getblk's it to reach VM pages; the port has none
            kern.bremfree(bp);
            if (!bp.dep_isEmpty()) {
                if (!mutations.invalKeepsBufferLocked) kern.bqrelse(bp);
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

    // hammer_io.c hammer_modify_volume_done(), L898
    void modifyVolumeDone() { rootVolume.modifyDone(); }

    // hammer_io.c hammer_modify_buffer_done(), L904
    void modifyBufferDone(HammerBuffer b) { b.modifyDone(); }

    /** hammer_modify_volume_noundo (hammer.h). */
    void modifyVolumeNoundo() { rootVolume.modify(1); }

    // hammer_io.c hammer_io_direct_write(), L1668 (the buffer-aligned, full-block case)
    void directWrite(HammerRecord rec, long dataOff, byte[] value) {
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
                if ((rec.gflags & HammerRecord.DIRECT_IO) == 0 || mutations.directWaitSkipsWait) break;
                rec.gflags |= HammerRecord.DIRECT_WAIT;
                Sleepq.tsleep(rec, t, "hmdiow", 0);
            }
        } finally {
            ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_flush_mark(), L1958
    void flushMark() { needFlush = true; }

    // hammer_io.c hammer_io_flush_sync(), L1967
    void flushSync() {
        if (!needFlush) return;
        needFlush = false;
        if (mutations.barrierWithoutCacheFlush) return;
        Completion c;
        try {
            c = dev.execute(Request.flush());
        } catch (IllegalStateException e) {
            if (!dev.isClosed()) throw e;
            // the device went away under the mount: the flush fails as a device error does (as
            // Vnode.strategy fails a closed device's I/O with ENXIO), not by unwinding the caller
            criticalError("device cache flush failed: " + e.getMessage());
            return;
        }
        if (!c.ok()) criticalError("device cache flush failed: " + c.status());
    }

    // hammer_io.c hammer_io_limit_backlog(), L2000
    void limitBacklog() {
        while (ioRunningSpace.get() > options.limitRunningIo) {
            long t = Sleepq.tsleep_interlock(ioRunningWakeupChan);
            ioRunningWakeup = true;
            if (ioRunningSpace.get() <= options.limitRunningIo || mutations.limitBacklogSkipsWait) break;
            Sleepq.tsleep(ioRunningWakeupChan, t, "hmiobk", Sleepq.HZ_NANOS / 10);
        }
    }

    // the iorun list: TAILQ_INSERT_TAIL/TAILQ_REMOVE on hmp->iorun_list (io:L211-219, L743, L1143, L1360)

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

    HammerIo firstOf(HammerModTree tree) {
        ioToken.gettoken();
        try {
            return tree.first();    // quirk Q4 fixed: the seed peeks RB_FIRST without io_token
        } finally {
            ioToken.reltoken();
        }
    }

    // ================================================================== buffers: hammer_ondisk.c stand-ins (no seed)

    /** hammer_get_buffer stand-in: find or create the buffer, ref it, and load it on the 0→1 ref. */
    HammerBuffer getBuffer(HammerIoType type, long offset, boolean isnew) {
        HammerBuffer b = buffers.get(offset);
        if (b == null) {
            b = new HammerBuffer(this, type, offset);
            buffers.put(offset, b);
        }
        HammerBuffer fb = b;
        Panic.KKASSERT(b.type == type, () -> "hammer_get_buffer: buffer at " + offset + " is " + fb.type + ", wanted " + type);
        // The Ref is logged where the ref is counted; if the interlock is busy that is before the
        // wait (the spec's Ref to RefWait), and the return from the wait is RefWait.
        boolean[] waited = {false};
        boolean mustLoad = ioTrace == null ? b.lock.refInterlock()
                : b.lock.refInterlock(() -> { waited[0] = true; ioTrace.step(fb, "Ref"); });
        if (ioTrace != null) ioTrace.step(b, waited[0] ? "RefWait" : "Ref");
        // Only now, holding a ref, take it off the lose tree: a buffer with a ref cannot become
        // loose again, while before the ref the kernel could still free it and leave it there
        // (hammer_get_buffer's order; an earlier port did this first: concurrency-hammer.md F2).
        takeOffLoseTree(b);
        if (mustLoad) {
            int error = isnew ? b.newBuffer() : b.read();
            if (!isnew && ioTrace != null) ioTrace.step(b, "Load");
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
            if (ioTrace != null) {
                ioTrace.step(b, "Rel");
                if (flush) ioTrace.unmodelled(b, "hammer_rel_buffer with flush = 1");
            }
            bp = b.release(flush);
            if (b.bp == null && b.lock.refCount() == 0 && !b.modified) {
                b.clearModlist();
                buffers.remove(b.offset, b);
            }
            b.lock.relInterlockDone();
            // hammer_rel_buffer puts the interlock, then brelse's a still-associated bp (RelBrelse)
            if (ioTrace != null) ioTrace.step(b, bp != null && b.bp == bp ? "RelBrelse" : "RelDone");
        } else if (ioTrace != null) {
            ioTrace.step(b, "Rel");
        }
        if (bp != null) kern.brelse(bp);
    }

    // ================================================================== port bookkeeping (no seed): transactions, the sync lock, header image, snapshots

    HammerTransaction startTransaction() { return new HammerTransaction(nextTid++); }

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

    private ByteBuffer header() { return HammerOndisk.le(rootVolume.data()); }

    /** Finalize step 5: copy the in-core blockmap (the allocation rotors) into the header image. */
    void copyBlockmapToHeader() {
        header().putLong(HammerOndisk.H_DATA_NEXT, allocator.chunkRotor);
        header().putLong(HammerOndisk.H_LARGE_NEXT, allocator.largeRotor);
        HammerOndisk.setBlockmapCrc(rootVolume.data());
    }

    long headerUndoFirst() { return header().getLong(HammerOndisk.H_UNDO_FIRST); }

    /** The header image's UNDO sequence numbers {first, next} (trace events of HammerFinalizeCrash only). */
    long[] headerUndoSeqs() {
        ByteBuffer h = header();
        return new long[] {h.getLong(HammerOndisk.H_UNDO_FIRST_SEQ), h.getLong(HammerOndisk.H_UNDO_NEXT_SEQ)};
    }

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

    /**
     * Finalize step 7 found the header's first_offset already right: no UNDO was appended since, so
     * the same first_offset also recovers to snapshot {@code firstCycle}, and so does the last header
     * write if it carried that first_offset.
     */
    void headerFirstUnchanged(int firstCycle) {
        headerImageFirstCycle = firstCycle;
        if (headerIssuedFirst == headerUndoFirst()) headerIssuedCycle = firstCycle;
    }

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
    public int bufDaemonStep() { checkMounted("bufDaemonStep"); return cache.bufDaemonStep(false); }

    /** The device vnode the mount's buffers live on (tests install fault filters on it). */
    public Vnode devvp() { return kern.devvp; }

    /** The kernel writes every delayed-write bp of the device (vfsync: checkwrite, then write). */
    public int kernelSync() { checkMounted("kernelSync"); return VfsSubr.vfsync(kern.devvp, false); }

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
     * Checks every named invariant (proofs-notes/invariants.md) of the I/O layer and the flusher
     * ({@link HammerInvariants}); throws {@link IllegalStateException} whose message starts with
     * the invariant's name. Call it when no HAMMER operation is in progress.
     */
    public void checkInvariants() { invariants.check(); }

}
