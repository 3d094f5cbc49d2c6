// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.device.Completer;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Sleepq;

import java.util.Arrays;

/**
 * The initial state every HAMMER JCStress test here starts from: a freshly formatted and
 * mounted small volume on an in-memory loopback device with inline completion (a write is on
 * the device before bawrite returns), the real buffer cache, and the DATA buffer that holds the
 * first small write. Plus the kernel's side of the races: the port's own per-buffer steps of
 * flushbufqueues and getnewbuf aimed at the DATA bp (no second copy of vfs_bio.c here), one
 * documented non-seed reclaimer, and the arbiter's verdict on the final state.
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
        this(m, hooks, o, null);
    }

    /**
     * The same initial volume on a device completing through {@code completer} (a race whose
     * actor is the I/O completion holds completions; null: inline).
     */
    HammerRig(HammerMutations m, HammerHooks hooks, HammerOptions o, Completer completer) {
        o.geometry = new HammerOndisk.Geometry(8, 1, 8, 4);
        LoopbackDevice dev = completer == null ? LoopbackDevice.inMemory(o.geometry.size())   // inline completer
                : new LoopbackDevice(new MemoryBackend(o.geometry.size()), completer, Clock.SYSTEM);
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
    void frontendModify(FsOp body) { frontendModify(body, null); }

    /**
     * As {@link #frontendModify(FsOp)}, running {@code afterRef} (a blocking point, or null)
     * between taking the ref and entering modify: the frontend then holds a ref but not yet
     * modify_refs.
     */
    void frontendModify(FsOp body, Runnable afterRef) {
        hmp.fsToken.gettoken();
        try {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, dataOffset, false);
            if (afterRef != null) afterRef.run();
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

    /* --------------- the kernel: the port's own per-buffer steps --------------- */

    /**
     * One buf_daemon visit of the DATA bp: the port's {@link dev.bioref.buf.BufCache#flushbufqueuesVisit}
     * (the normal daemon's queue), i.e. flushbufqueues' own per-buffer step aimed at {@code bp}:
     * skipped unless it is an unlocked delayed write on DIRTY; else taken off the queue and
     * io_checkwrite asked; refused: brelse'd (dirty, or parked on LOCKED by B_LOCKED); accepted:
     * written (inline completion: done when it returns). Returns -1 skipped, 0 written, 1
     * refused (never 2, deferred: HAMMER's io_countdeps is 0).
     */
    int bufDaemonVisit(Buf bp) {
        return bp == null ? BufCache.STEP_SKIPPED : hmp.cache.flushbufqueuesVisit(bp, false);
    }

    /**
     * getnewbuf reusing the DATA bp: the port's {@link dev.bioref.buf.BufCache#getnewbufReclaim},
     * i.e. getnewbuf's own per-buffer step aimed at {@code bp}: skipped unless it is an unlocked
     * bp on CLEAN without holds; else taken off the queue and io_deallocate asked; refused
     * (B_LOCKED): parked on LOCKED; accepted: the header is stripped and destroyed to EMPTY.
     * Returns -1 skipped, 0 destroyed, 1 refused.
     */
    int getnewbufReuse(Buf bp) {
        return bp == null ? BufCache.STEP_SKIPPED : hmp.cache.getnewbufReclaim(bp);
    }

    /**
     * A reclaimer that deallocates the delayed-write DATA bp: NOT a path of vfs_bio.c, which
     * calls io_deallocate on a delayed write only in brelse's destroy path (B_INVAL, L1309),
     * where a refusal breaks the hidden contract of reference §10.17 (the port then panics in
     * vfs_vmio_release), and never under memory pressure (L1345 keeps B_DELWRI buffers). It asks
     * first and parks on refusal, the way getnewbuf treats a CLEAN bp, so that HAMMER's "should
     * never occur" refusal of a modified io (§2.6 (7)) can be exercised at all. Every kernel
     * step is the port's: lock without blocking from DIRTY, {@code bremfree},
     * {@code buf_deallocate}, then {@code bqrelse} (B_LOCKED: LOCKED queue) or brelse with
     * B_INVAL|B_NOCACHE (the destroy path). Returns -1 skipped, 0 destroyed, 1 refused.
     */
    int brelseDeallocate(Buf bp) {
        if (bp == null || !bp.b_lock().tryLock()) return BufCache.STEP_SKIPPED;
        if (bp.b_qindex() != Buf.BQUEUE_DIRTY || bp.anyFlags(Buf.B_LOCKED) || bp.dep_isEmpty()) {
            bp.b_lock().unlock();
            return BufCache.STEP_SKIPPED;
        }
        hmp.cache.bremfree(bp);
        hmp.cache.buf_deallocate(bp);
        if (bp.anyFlags(Buf.B_LOCKED)) {
            hmp.cache.bqrelse(bp);
            return BufCache.STEP_REFUSED;
        }
        bp.setFlags(Buf.B_INVAL | Buf.B_NOCACHE);
        hmp.cache.brelse(bp);
        return BufCache.STEP_DONE;
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
