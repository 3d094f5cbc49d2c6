package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Sleepq;

import java.util.Arrays;

/**
 * The initial state every HAMMER JCStress test here starts from: a freshly formatted and
 * mounted small volume on an in-memory loopback device with inline completion (a write is on
 * the device before bawrite returns), the real buffer cache, and the DATA buffer that holds the
 * first small write. Plus the kernel's side of the races, written on the cache's public API
 * the way vfs_bio.c does it, and the arbiter's verdict on the final state.
 *
 * <p>Not a test itself; JCStress builds one per sample in each test's {@code @State}.
 */
final class HammerRig {
    /** Bytes of the DATA buffer the races write into: chunk 1 of the buffer, untouched by key 0. */
    static final int X = 2000, Y = 2001;
    /** How long a widened window waits for the other actor, at most. */
    static final long WINDOW_NANOS = 5_000_000L;

    final HammerMount hmp;
    final long dataOffset;
    /** The DATA buffer's structure, kept even if the race disassociates and frees it. */
    HammerBuffer io;
    /** Set at the end of a race's setup: hooks act only from then on (the setup's own calls pass them). */
    volatile boolean armed;
    /** Set by the kernel actor once it has made its one attempt; widened windows wait for it. */
    volatile boolean kernelDone;
    /** Set by the other (frontend or flusher) actor once it is done; widened windows wait for it. */
    volatile boolean otherDone;

    HammerRig(HammerMutations m, HammerHooks hooks) {
        this(m, hooks, new HammerOptions());
    }

    HammerRig(HammerMutations m, HammerHooks hooks, HammerOptions o) {
        o.geometry = new HammerOndisk.Geometry(8, 1, 8, 4);
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());   // inline completer
        HammerMount.format(dev, o);
        hmp = HammerMount.mount(dev, o, m, hooks);
        dataOffset = hmp.geometry.dataBase();
    }

    /** REL-DIRTY DATA: one small write (key 0); release bdwrite'd the buffer; refs 0, B_DELWRI. */
    HammerRig relDirty() {
        hmp.put(0, bytes(100, 1));
        HammerBuffer b = io = hmp.bufferAt(dataOffset);
        check(b.modified && b.released && b.lock.refCount() == 0 && b.bp.anyFlags(Buf.B_DELWRI), "REL-DIRTY", b);
        return this;
    }

    /** REL-CLEAN DATA: the write made durable by sync; refs 0, bp on the CLEAN queue. */
    HammerRig relClean() {
        relDirty();
        hmp.sync();
        HammerBuffer b = io = hmp.bufferAt(dataOffset);
        check(!b.modified && b.released && b.lock.refCount() == 0 && b.bp != null, "REL-CLEAN", b);
        return this;
    }

    /** The DATA buffer structure of the initial state (also after the race freed it). */
    HammerBuffer io() { return io; }

    private static void check(boolean ok, String state, Object io) {
        if (!ok) throw new IllegalStateException("HammerRig: could not build the " + state + " state: " + io);
    }

    static byte[] bytes(int len, int fill) {
        byte[] v = new byte[len];
        Arrays.fill(v, (byte) fill);
        return v;
    }

    /* --------------- the frontend (fs_token held, as every HAMMER caller) --------------- */

    interface FsOp { void run(HammerBuffer b); }

    /** get_buffer, modify(1), {@code body}, modify_done, rel_buffer, all under fs_token. */
    void frontendModify(FsOp body) {
        hmp.fsToken.gettoken();
        try {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, dataOffset, false);
            b.modify(1);
            body.run(b);
            b.modifyDone();
            hmp.relBuffer(b, false);
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /**
     * A blocking point inside a caller's window (a page fault in the copy, a buffer wait):
     * sleeps, releasing the tokens as LWKT does, until {@code done} is set or
     * {@link #WINDOW_NANOS} pass. It only makes the race's window wide enough for sanity mode
     * to land in it; it decides nothing.
     */
    static void blockUntil(java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + WINDOW_NANOS;
        Object chan = new Object();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) Sleepq.tsleep(chan, "jcwin", 200_000L);
    }

    /* --------------- the kernel, on the cache's API --------------- */

    /**
     * One buf_daemon/flushbufqueues visit of the DATA bp (vfs_bio.c flushbufqueues(), L2335):
     * lock it without blocking, skip it unless it is a delayed write on the DIRTY queue, take it
     * off the queue, ask io_checkwrite; if refused release it (dirty, or parked by B_LOCKED),
     * else write it (inline completion: done when bawrite returns). Returns -1 skipped (bp busy
     * or not a delayed write on DIRTY), 0 written, 1 refused.
     */
    int bufDaemonVisit(Buf bp) {
        if (bp == null || !bp.b_lock().tryLock()) return -1;
        if (!bp.hasFlags(Buf.B_DELWRI) || bp.b_qindex() != Buf.BQUEUE_DIRTY) {
            bp.b_lock().unlock();
            return -1;
        }
        hmp.cache.bremfree(bp);
        if (!bp.dep_isEmpty() && hmp.bioops.io_checkwrite(bp) != 0) {
            hmp.cache.brelse(bp);
            return 1;
        }
        hmp.cache.bawrite(bp);
        return 0;
    }

    /**
     * getnewbuf's reuse of a clean bp (vfs_bio.c getnewbuf(), L1933 and L2024): lock it without
     * blocking, only from the CLEAN queue, take it off, call io_deallocate; if HAMMER refused
     * (B_LOCKED) park it, else destroy it. Returns -1 skipped, 0 destroyed, 1 refused.
     */
    int getnewbufReuse(Buf bp) {
        if (bp == null || !bp.b_lock().tryLock()) return -1;
        if (bp.b_qindex() != Buf.BQUEUE_CLEAN || bp.anyFlags(Buf.B_LOCKED)) {
            bp.b_lock().unlock();
            return -1;
        }
        hmp.cache.bremfree(bp);
        if (!bp.dep_isEmpty()) hmp.bioops.io_deallocate(bp);
        if (bp.anyFlags(Buf.B_LOCKED)) {
            hmp.cache.bqrelse(bp);
            return 1;
        }
        bp.setFlags(Buf.B_INVAL | Buf.B_NOCACHE);
        hmp.cache.brelse(bp);
        return 0;
    }

    /**
     * brelse's deallocate of a delayed-write bp under memory pressure (vfs_bio.c brelse(),
     * L1309 and L1347): lock without blocking, only from the DIRTY queue, io_deallocate; refused
     * parks it, accepted destroys it. Returns -1 skipped, 0 destroyed, 1 refused.
     */
    int brelseDeallocate(Buf bp) {
        if (bp == null || !bp.b_lock().tryLock()) return -1;
        if (bp.b_qindex() != Buf.BQUEUE_DIRTY || bp.anyFlags(Buf.B_LOCKED)) {
            bp.b_lock().unlock();
            return -1;
        }
        hmp.cache.bremfree(bp);
        hmp.bioops.io_deallocate(bp);
        if (bp.anyFlags(Buf.B_LOCKED)) {
            hmp.cache.bqrelse(bp);
            return 1;
        }
        bp.setFlags(Buf.B_INVAL | Buf.B_NOCACHE);
        hmp.cache.brelse(bp);
        return 0;
    }

    /* --------------- the arbiter's verdict --------------- */

    /** 0: every invariant holds; 1: NoLostModificationInv fails (a modification is untracked); 2: another fails. */
    int verdict() {
        try {
            hmp.checkInvariants();
            HammerBuffer b = io;
            // NoLostModificationInv on the structure itself, also if the race disassociated it
            if (b != null && !b.modified && !b.running && b.memVer != b.diskVer) return 1;
            return 0;
        } catch (IllegalStateException e) {
            String msg = String.valueOf(e.getMessage());
            return msg.startsWith("NoLostModificationInv") || msg.startsWith("NoDisassociateModifiedInv") ? 1 : 2;
        } catch (RuntimeException e) {
            return 2;
        }
    }

    /** The device's current bytes at {@code off} of the DATA buffer (what a read would return). */
    int deviceByte(int off) {
        byte[] b = new byte[LoopbackDevice.SECTOR_SIZE];
        long pos = dataOffset + off;
        long sector = pos - pos % LoopbackDevice.SECTOR_SIZE;
        dev.bioref.device.Completion c = hmp.device().execute(dev.bioref.device.Request.read(sector, b));
        if (!c.ok()) return -9;
        return b[(int) (pos - sector)];
    }
}
