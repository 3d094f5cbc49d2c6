// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Pause;
import dev.bioref.kern.PausePoint;
import dev.bioref.kern.Sleepq;

/**
 * struct hammer_io and the per-io half of hammer_io.c: the layer that lets HAMMER keep its
 * structures attached to kernel buffers while deciding itself when meta-data may be written.
 *
 * <p>Interface (callers hold fs_token and a ref on the io):
 * <ul>
 *   <li>Load with {@link #read} or {@link #newBuffer} (the ref-interlock load path).</li>
 *   <li>To change the buffer: {@link #modify}, change {@code bp.b_data()}, {@link #modifyDone}.
 *       Meta-data changes go through {@link HammerMount#modifyBuffer}, which records the UNDO.</li>
 *   <li>To write it: {@link #writeInterlock}, {@link #flush}, {@link #doneInterlock} (DATA, UNDO,
 *       VOLUME), or {@link #flush} alone for META under the exclusive sync lock.</li>
 *   <li>On the last ref, {@link HammerMount#relBuffer} calls {@link #release}, which decides
 *       what the kernel may now do with the bp, and brelse's what it returns.</li>
 * </ul>
 *
 * <p>The fields are split by protection domain exactly as the seed splits its bitfield words
 * (notes §1.1, race R10): fs-domain fields and io_token-domain fields are separate variables.
 */
public class HammerIo {
    final HammerMount hmp;
    final HammerIoType type;          // immutable
    final long offset;                // device byte offset: the mod-tree key; immutable
    final int bytes;                  // buffer size; immutable
    final HammerLock lock = new HammerLock();   // refs/interlock + lockval

    volatile Buf bp;                  // associated buffer; set on the load path (interlock + fs_token), cleared by disassociate (bp lock + interlock)

    // ---- fs_token domain (or interlock with no refs, notes §2.6 (8))
    volatile boolean released;        // HAMMER handed bp back to the kernel and must regetblk to touch it
    volatile boolean modified;        // bp newer than the media; on the type's mod tree (HAMMER's only dirty bit)
    volatile boolean reclaim;         // destroy the bp when disassociated
    volatile boolean waitdep;         // release must wait for a running write
    volatile boolean gencrc;          // a delayed CRC is pending: clear_modify finalises it before any write
    volatile int modifyRefs;          // threads between modify and modify_done; -1 = write interlock held
    volatile boolean waitmod;         // someone sleeps on modifyRefs

    // ---- io_token domain
    volatile boolean running;         // a HAMMER-tracked write is in flight; on the iorun list
    volatile boolean waiting;         // a thread sleeps in wait()
    volatile boolean ioerror;         // a write failed; holds one persistent ref
    volatile HammerModTree modRoot;   // which mod tree holds the io, or null
    HammerIo iorunPrev, iorunNext;    // iorun list links; guarded by io_token
    boolean onIorun;                  // guarded by io_token

    HammerIo(HammerMount hmp, HammerIoType type, long offset, int bytes) {
        this.hmp = hmp;
        this.type = type;
        this.offset = offset;
        this.bytes = bytes;
    }

    public HammerIoType type() { return type; }
    public long offset() { return offset; }
    public int bytes() { return bytes; }
    public Buf bp() { return bp; }
    public boolean released() { return released; }
    public boolean modified() { return modified; }
    public boolean running() { return running; }
    public boolean ioerror() { return ioerror; }
    public int modifyRefs() { return modifyRefs; }
    public HammerLock lock() { return lock; }

    /** The buffer's bytes; only meaningful while HAMMER owns the bp (modify window or load). */
    public byte[] data() {
        Buf b = bp;
        Panic.KKASSERT(b != null, () -> "hammer_io: data() of unassociated " + this);
        return b.b_data();
    }

    // ------------------------------------------------------------------ association

    // hammer_io.c hammer_io_disassociate(), L122
    void disassociate() {
        Buf b = bp;
        Panic.KKASSERT(b != null, () -> "hammer_io_disassociate: no bp on " + this);
        Panic.KKASSERT(released, () -> "hammer_io_disassociate: io not released (caller must own the bp) " + this);
        Panic.KKASSERT(!modified, () -> "hammer_io_disassociate: io is modified " + this);
        Panic.KKASSERT(!b.dep_isEmpty() && b.b_dep().get(0) == this,
                () -> "hammer_io_disassociate: b_dep of " + b + " does not start with " + this);
        Panic.KKASSERT(type != HammerIoType.DUMMY, "hammer_io_disassociate: bad io type DUMMY");
        hmp.kern.buf_dep_init(b);
        bp = null;
        if (b.anyFlags(Buf.B_LOCKED)) {
            b.clearFlags(Buf.B_LOCKED);
            hmp.countIoLocked.decrementAndGet();
        }
        if (reclaim) {
            b.setFlags(Buf.B_NOCACHE | Buf.B_RELBUF);
            reclaim = false;
        }
        hmp.stats.disassociations.incrementAndGet();
    }

    // hammer_io.c hammer_io_read(), L300
    int read() {
        if (bp != null) return 0;
        Buf b = hmp.kern.bread(offset, bytes);
        int error = b.anyFlags(Buf.B_ERROR) ? (b.b_error() != 0 ? b.b_error() : Errno.EIO) : 0;
        associate(b);
        Panic.KKASSERT(!modified && !running && !waiting, () -> "hammer_io_read: associating a busy io " + this);
        released = false;
        return error;
    }

    // hammer_io.c hammer_io_new(), L393
    int newBuffer() {
        Buf b = bp;
        if (b == null) {
            b = hmp.kern.getblk(offset, bytes);
            associate(b);
            released = false;
            Panic.KKASSERT(!running, () -> "hammer_io_new: running io " + this);
            waiting = false;
            if (hmp.ioTrace != null) hmp.ioTrace.step(this, "Load");
        } else if (released) {
            if (hmp.ioTrace != null) hmp.ioTrace.unmodelled(this, "hammer_io_new on a released bp (regetblk before modify)");
            hmp.kern.regetblk(b);
            b.b_lock().kernproc();
            released = false;
        }
        modify(0);
        hmp.kern.vfs_bio_clrbuf(bp);
        memVer++;
        // modify(0) without modify_done: the spec's Mutate and ModifyDone (modify_refs is not logged)
        if (hmp.ioTrace != null) {
            hmp.ioTrace.step(this, "Mutate");
            hmp.ioTrace.step(this, "ModifyDone");
        }
        return 0;
    }

    /** Links the io into the bp's b_dep and hands the bp lock to the kernel (BUF_KERNPROC). */
    private void associate(Buf b) {
        b.set_b_ops(hmp.bioops);
        Panic.KKASSERT(b.dep_isEmpty(), () -> "hammer_io: b_dep of " + b + " not empty on association of " + this);
        b.dep_add(this);
        bp = b;
        b.b_lock().kernproc();
    }

    // ------------------------------------------------------------------ release

    // hammer_io.c hammer_io_release(), L517
    Buf release(boolean flush) {
        Buf b = bp;
        HammerIoTrace tr = hmp.ioTrace;
        if (tr != null) tr.step(this, "RelStart");
        if (b == null) return null;

        // Honour the dirty state: the kernel asked for this bp earlier (B_LOCKED) or the caller flushes.
        if (modified) {
            if (flush) {
                flush(false);
            } else if (b.anyFlags(Buf.B_LOCKED)) {
                switch (type) {
                    case DATA_BUFFER -> flush(false);
                    case UNDO_BUFFER -> flush(hmp.undo.reclaim(this));
                    default -> { }   // META/VOLUME: only the flusher may write them
                }
            }
        }
        if (waitdep && running) {
            if (tr != null) tr.unmodelled(this, "release waits for a running write (waitdep)");
            waitIo();
        }

        b = bp;
        if (b == null) return null;
        if ((flush || reclaim) && !modified && !running) {
            // (a) dispose of the bp now
            if (released) {
                hmp.kern.regetblk(b);
                b.b_lock().kernproc();
            } else {
                released = true;
            }
            disassociate();
            if (tr != null) tr.step(this, "RelDispose");
            return b;
        }
        if (modified) {
            // (b) still dirty: DATA/UNDO go to the kernel as delayed writes; META/VOLUME stay owned
            if ((type == HammerIoType.DATA_BUFFER || type == HammerIoType.UNDO_BUFFER
                    || hmp.mutations.releaseBdwritesMeta) && !released) {
                released = true;
                if (tr != null) tr.step(this, "RelDispose");
                hmp.kern.bdwrite(b);
            } else if (tr != null) {
                tr.step(this, "RelDispose");
            }
            return null;
        }
        if (!released) {
            // (c) clean and owned
            released = true;
            if (b.anyFlags(Buf.B_LOCKED) || reclaim) disassociate();
            if (tr != null) tr.step(this, "RelDispose");
            return b;
        }
        // (d) clean and already released
        if (!running) {
            hmp.kern.regetblk(b);
            b.b_lock().kernproc();
            if (b.anyFlags(Buf.B_LOCKED) || reclaim) disassociate();
            if (tr != null) tr.step(this, "RelDispose");
            return b;
        }
        if (tr != null) tr.step(this, "RelDispose");
        return null;   // the completion deals with it
    }

    // ------------------------------------------------------------------ writing

    // hammer_io.c hammer_io_flush(), L666
    void flush(boolean reclaimIt) {
        HammerIoTrace tr = hmp.ioTrace;
        if (!modified) {
            if (tr != null) tr.step(this, "FlushBegin");
            return;
        }
        Buf b = bp;
        Panic.KKASSERT(b != null, () -> "hammer_io_flush: modified io without bp " + this);
        Panic.KKASSERT(modifyRefs <= 0 || hmp.mutations.flushWithoutInterlock,
                () -> "hammer_io_flush: modify_refs " + modifyRefs + " > 0 (no write interlock) on " + this);
        // Secure the bp: released stays set because bawrite hands it straight to the kernel.
        if (released) {
            // regetblk blocks while the kernel's write of the bp runs (the spec's bpLock = "K" after
            // CheckwriteStart): FlushBegin, then FlushSecure when it wakes (no scheduling point between
            // this test and regetblk's lock attempt). A kernel thread that holds the bp lock but has not
            // yet decided in io_checkwrite is, in the spec, not holding it yet (Checkwrite takes the lock
            // and decides in one step; it refuses here, as we hold a ref or the interlock), so that wait
            // is logged as one FlushBegin after regetblk (proofs-notes/traces.md, "Threaded traces").
            boolean blocks = tr != null && running && b.b_lock().isLocked();
            if (blocks) tr.step(this, "FlushBegin");
            hmp.kern.regetblk(b);
            b.b_lock().kernproc();
            Panic.KKASSERT(released && bp == b, () -> "hammer_io_flush: bp changed under regetblk " + this);
            if (tr != null) tr.step(this, blocks ? "FlushSecure" : "FlushBegin");
        } else {
            released = true;
            if (tr != null) tr.step(this, "FlushBegin");
        }
        if (reclaimIt) {
            reclaim = true;
            if (!b.anyFlags(Buf.B_LOCKED)) {
                b.setFlags(Buf.B_LOCKED);
                hmp.countIoLocked.incrementAndGet();
            }
        }
        // Clear modified BEFORE the write (race R2): a later change must regetblk, which waits for this write.
        if (!hmp.mutations.clearAfterWrite) clearModifyRef();
        hmp.ioToken.gettoken();
        try {
            running = true;
            hmp.ioRunningSpace.addAndGet(bytes);
            hmp.iorunAppend(this);
            inflightVer = memVer;
            if (tr != null) tr.flushIssue(this);
        } finally {
            hmp.ioToken.reltoken();
        }
        hmp.noteWrite(this);
        hmp.kern.bawrite(b);
        hmp.hooks.afterBawrite(this);
        if (hmp.mutations.clearAfterWrite) {
            clearModifyRef();
            if (tr != null) tr.step(this, "FlushClear");
        }
        hmp.flushMark();
    }

    private void clearModifyRef() {
        lock.ref();
        clearModify(false);
        lock.rel();
    }

    // ------------------------------------------------------------------ modification

    // hammer_io.c hammer_io_modify(), L770
    void modify(int count) {
        for (;;) {
            long t = Sleepq.tsleep_interlock(this);
            if (modifyRefs >= 0 || hmp.mutations.modifySkipsWait) break;
            waitmod = true;
            Pause.at(PausePoint.HAMMERIO_MODIFY_INTERLOCKED);
            Sleepq.tsleep(this, t, "hmrmod", 0);
        }
        Panic.KKASSERT(lock.isActive() && bp != null, () -> "hammer_io_modify: io not active or no bp " + this);
        modifyRefs += count;
        HammerIoTrace tr = hmp.ioTrace;
        if (tr != null) tr.step(this, "ModBegin");
        if (modified && !released) return;   // HAMMER already owns a dirty bp

        lock.lockEx();
        if (tr != null) tr.step(this, "LockEx");
        boolean early = hmp.mutations.setModifiedAfterReget;
        if (early && !modified) {
            // mutation: mark dirty before the bp is re-acquired (notes §2.6 (2)) and not after
            setModlist();
            modified = true;
        }
        if (early && tr != null) tr.step(this, "SetMod");
        if (released) {
            hmp.hooks.beforeReget(this);
            hmp.kern.regetblk(bp);
            bp.b_lock().kernproc();
            released = false;
        }
        if (tr != null) tr.step(this, "Reget");
        if (!early && !modified) {
            setModlist();
            modified = true;
        }
        if (!early && tr != null) tr.step(this, "SetMod");
        lock.unlock();
    }

    // hammer_io.c hammer_io_modify_done(), L808
    void modifyDone() {
        Panic.KKASSERT(modifyRefs > 0, () -> "hammer_io_modify_done: modify_refs " + modifyRefs + " on " + this);
        memVer++;
        if (hmp.ioTrace != null) hmp.ioTrace.step(this, "Mutate");
        --modifyRefs;
        if (hmp.ioTrace != null) hmp.ioTrace.step(this, "ModifyDone");
        if (modifyRefs == 0 && waitmod) {
            waitmod = false;
            if (!hmp.mutations.modifyDoneSkipsWakeup) Sleepq.wakeup(this);
        }
    }

    // hammer_io.c hammer_io_write_interlock(), L829
    void writeInterlock() {
        hmp.ioToken.gettoken();
        try {
            for (;;) {
                long t = Sleepq.tsleep_interlock(this);
                if (modifyRefs == 0 || hmp.mutations.writeInterlockSkipsWait) break;
                waitmod = true;
                Pause.at(PausePoint.HAMMERIO_WRITE_INTERLOCK_INTERLOCKED);
                Sleepq.tsleep(this, t, "hmrmw1", 0);
            }
            modifyRefs = -1;
            if (hmp.ioTrace != null) hmp.ioTrace.step(this, "WriteInterlock");
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_done_interlock(), L843
    void doneInterlock() {
        Panic.KKASSERT(modifyRefs == -1, () -> "hammer_io_done_interlock: modify_refs " + modifyRefs + " on " + this);
        modifyRefs = 0;
        if (hmp.ioTrace != null) hmp.ioTrace.step(this, "DoneInterlock");
        if (waitmod) {
            waitmod = false;
            if (!hmp.mutations.doneInterlockSkipsWakeup) Sleepq.wakeup(this);
        }
    }

    // hammer_io.c hammer_io_clear_modify(), L923
    void clearModify(boolean inval) {
        if (!modified) return;
        hmp.ioToken.gettoken();
        try {
            if (!modified) return;
            Panic.KKASSERT(modRoot != null, () -> "hammer_io_clear_modify: modified io on no mod tree " + this);
            if (modRoot == hmp.voluRoot || modRoot == hmp.metaRoot) hmp.lockedDirtySpace -= bytes;
            modRoot.remove(this);
            modRoot = null;
            modified = false;
        } finally {
            hmp.ioToken.reltoken();
        }
        if (gencrc) {
            gencrc = false;
            if (!inval) finalizeCrc();
        }
        Panic.KKASSERT(lock.isActive(), () -> "hammer_io_clear_modify: caller holds no ref on " + this);
    }

    /** The delayed CRC (B-tree node CRCs in HAMMER): the port's meta blocks carry one block CRC. */
    void finalizeCrc() {
        if (type == HammerIoType.META_BUFFER && bp != null) HammerOndisk.setMetaCrc(bp.b_data());
    }

    // hammer_io.c hammer_io_clear_modlist(), L994
    void clearModlist() {
        Panic.KKASSERT(!modified, () -> "hammer_io_clear_modlist: modified io " + this);
        if (modRoot != null) {
            hmp.ioToken.gettoken();
            try {
                if (modRoot != null) {
                    Panic.KKASSERT(modRoot == hmp.loseRoot, () -> "hammer_io_clear_modlist: io on " + modRoot + ", not lose " + this);
                    modRoot.remove(this);
                    modRoot = null;
                }
            } finally {
                hmp.ioToken.reltoken();
            }
        }
    }

    // hammer_io.c hammer_io_set_modlist(), L1011
    void setModlist() {
        hmp.ioToken.gettoken();
        try {
            Panic.KKASSERT(modRoot == null, () -> "hammer_io_set_modlist: io already on " + modRoot + ": " + this);
            HammerModTree tree = switch (type) {
                case VOLUME -> hmp.voluRoot;
                case META_BUFFER -> hmp.metaRoot;
                case UNDO_BUFFER -> hmp.undoRoot;
                case DATA_BUFFER -> hmp.dataRoot;
                case DUMMY -> throw new Panic("hammer_io_set_modlist: bad io type DUMMY");
            };
            if (tree == hmp.voluRoot || tree == hmp.metaRoot) hmp.lockedDirtySpace += bytes;
            modRoot = tree;
            if (!tree.insert(this)) throw new Panic("hammer_io_set_modlist: duplicate entry at " + offset + " in " + tree);
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // ------------------------------------------------------------------ waiting and errors

    // hammer_io.c hammer_io_wait(), L166
    void waitIo() {
        if (!running) return;
        hmp.ioToken.gettoken();
        try {
            for (;;) {
                long t = Sleepq.tsleep_interlock(this);
                if (!running || hmp.mutations.waitIoSkipsWait) break;
                waiting = true;
                Pause.at(PausePoint.HAMMERIO_WAIT_INTERLOCKED);
                if (running) Sleepq.tsleep(this, t, "hmrflw", hmp.options.ioWaitTimeoutNanos);
                if (hmp.mutations.waitIoSkipsRecheck) break;   // mutation: trust the wakeup, do not re-check running
            }
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_clear_error(), L234
    void clearError() {
        hmp.ioToken.gettoken();
        try {
            if (ioerror) {
                ioerror = false;
                lock.rel();
                Panic.KKASSERT(lock.isActive(), () -> "hammer_io_clear_error: caller holds no ref on " + this);
            }
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // ------------------------------------------------------------------ ghost state for NoLostModificationInv

    long memVer;       // bumped by every completed modification; guarded like modified
    long inflightVer;  // memVer captured when a write was issued; io_token
    long diskVer;      // version the media holds; io_token (complete)

    @Override public String toString() {
        return "hammer_io(" + type + "@" + offset + ", bp=" + (bp == null ? "null" : "set") + ", released=" + released
                + ", modified=" + modified + ", running=" + running + ", modify_refs=" + modifyRefs + ", refs=0x"
                + Integer.toHexString(lock.refs.get()) + ", mod_root=" + modRoot + ")";
    }
}
