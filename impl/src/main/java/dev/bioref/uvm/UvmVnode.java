// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The UVM vnode pager: a port of NetBSD {@code uvm_vnode.c} rev 1.9 (1998-03-11, "ROUGH
 * DRAFT"), one object per vnode, embedded in it ({@code v_uvm}). Seed:
 * shared/seeds/001_d880d2a46d928c77.txt; each method cites its function and line.
 *
 * <p>Interface (the pager-ops vector, L118-133, and the uvm_vnp_* entry points):
 * <ul>
 *   <li>To map a file, call {@link #attach} (it may sleep); each further map entry calls
 *       {@link #reference}; each unmap calls {@link #detach}. At the last detach the object
 *       persists (pages cached, vnode reference dropped) unless {@link #uncache} cleared
 *       CANPERSIST, in which case it is flushed and freed.</li>
 *   <li>{@link #get} finds or reads pages for the fault routine: PGO_LOCKED never sleeps and
 *       returns with the object locked; otherwise it returns unlocked. The caller unbusies the
 *       pages, and frees a PG_RELEASED one through {@link #releasepg}.</li>
 *   <li>{@link #flush} (object locked) cleans, deactivates or frees a range by its PGO_ flags;
 *       it sleeps only with PGO_CLEANIT. {@link #put} and {@link #io} are its I/O path.</li>
 *   <li>The vnode layer calls {@link #terminate} before recycling a vnode or at a forced unmount,
 *       {@link #setsize} when the file size changes, {@link #uncache} to stop caching, and
 *       {@link Globals#sync} ({@code uvm_vnp_sync}) at sync(2).</li>
 * </ul>
 * All I/O is synchronous (no PEND): the PEND branches of the seed are checks that throw (RE-21).
 * The rough edges of shared/reference/uvm_vnode.md §5 are kept or fixed by the switches of
 * {@link UvmRoughEdges}; proofs-notes/uvm.md lists each with its witness test.
 */
public final class UvmVnode {
    // u_flags (uvm_vnode.h 1998, outside seed)
    public static final int UVM_VNODE_VALID = 0x001;
    public static final int UVM_VNODE_CANPERSIST = 0x002;
    public static final int UVM_VNODE_ALOCK = 0x004;
    public static final int UVM_VNODE_DYING = 0x008;
    public static final int UVM_VNODE_RELKILL = 0x010;
    public static final int UVM_VNODE_WANTED = 0x020;
    public static final int UVM_VNODE_VNISLOCKED = 0x040;
    public static final int UVM_VNODE_IOSYNC = 0x080;
    public static final int UVM_VNODE_IOSYNCWANTED = 0x100;
    public static final int UVM_VNODE_WRITEABLE = 0x200;
    public static final int UVM_VNODE_BLOCKED = UVM_VNODE_ALOCK | UVM_VNODE_DYING | UVM_VNODE_RELKILL;

    // PGO_ flags (uvm_pager.h 1998, outside seed)
    public static final int PGO_CLEANIT = 0x001;
    public static final int PGO_SYNCIO = 0x002;
    public static final int PGO_DEACTIVATE = 0x004;
    public static final int PGO_FREE = 0x008;
    public static final int PGO_ALLPAGES = 0x010;
    public static final int PGO_DOACTCLUST = 0x020;
    public static final int PGO_LOCKED = 0x040;
    public static final int PGO_PDFREECLUST = 0x080;

    // pager results (uvm_pager.h 1998)
    public static final int VM_PAGER_OK = 0;
    public static final int VM_PAGER_BAD = 1;
    public static final int VM_PAGER_FAIL = 2;
    public static final int VM_PAGER_PEND = 3;
    public static final int VM_PAGER_ERROR = 4;
    public static final int VM_PAGER_AGAIN = 5;
    public static final int VM_PAGER_UNLOCK = 6;

    public static final int UIO_READ = 0;
    public static final int UIO_WRITE = 1;
    public static final VmPage PGO_DONTCARE = new VmPage(null, -1, -1);

    static final int PAGE_SIZE = VmPage.PAGE_SIZE;
    static final int UVN_HASH_PENALTY = 4;                   // L798
    static final int MAXBSIZE = 64 * 1024;
    static final int MAXCLUSTER = MAXBSIZE / PAGE_SIZE;      // L808
    static final long SIZE_CLAMP_32 = 0x1_0000_0000L - PAGE_SIZE;   // (vm_offset_t)-PAGE_SIZE on 32-bit, L248

    final Vnode vp;
    private final VnodeLayer layer;
    private final UvmRoughEdges re;
    private final UvmSched sched;
    /** u_obj.vmobjlock: guards every field below and every page's flags. */
    final SimpleLock vmobjlock;

    int u_flags;                 // UVM_VNODE_*; [O] (unlocked reads in io and sync, as in the seed)
    int uo_refs;                 // VM references; [O]
    int uo_npages;               // resident pages; [O]
    int u_nio;                   // threads inside uvn_io's I/O section; [O]
    long u_size;                 // the VM's copy of the file size; [O] (unlocked read in io: RE-10)
    private VmPage memqHead, memqTail;                   // memq, new pages at the tail; [O]
    private final Map<Long, VmPage> hash = new HashMap<>(); // the object/offset page hash; [O]
    UvmVnode wlNext, wlPrev;     // u_wlist links; guarded by uvn_wl_lock (but see RE-11)
    boolean onSyncq;             // u_syncq membership; guarded by uvn_sync_lock

    // sleep channels (wakeup(uvn), wakeup(&u_nio), wakeup(&u_flags))
    private final Object nioChan = new Object();
    private final Object flagsChan = new Object();
    private final Object pagesChan = new Object();   // RE-7 fix: "pages drained"

    // ghosts; [O]
    private long gen;                    // the vnode generation this uvn's state belongs to (O12)
    private final Set<Thread> inIo = new HashSet<>();        // G5
    private int drainers;                // threads in flush's iosync or terminate's wait (G7)
    private int gateWaiters;             // threads parked at the IOSYNC gate in uvn_io
    private long shrinkTo = -1;          // during setsize's flush: the new EOF (D2)
    private boolean killInProgress;      // a kill path holds the uvn's VREF (O11)

    UvmVnode(Vnode vp) {
        this.vp = vp;
        this.layer = vp.layer;
        this.re = layer.re;
        this.sched = layer.sched;
        this.vmobjlock = new SimpleLock("vmobjlock(vnode " + vp.fileId + ")", sched);
    }

    // ------------------------------------------------------------------ small helpers

    private boolean has(int f) { return (u_flags & f) != 0; }

    private void lockObj() { vmobjlock.lock(); }

    private void unlockObj() { vmobjlock.unlock(); }

    /** UVM_UNLOCK_AND_WAIT(chan, &vmobjlock): unlocks, sleeps, returns unlocked (callers relock). */
    private void unlockAndWait(Object chan, String wmesg, java.util.function.Supplier<String> what,
                               java.util.function.Supplier<Thread> holder) {
        long t = sched.interlock(chan);
        unlockObj();
        sched.sleep(chan, t, wmesg, what, holder);
    }

    private static long truncPage(long x) { return x - Math.floorMod(x, PAGE_SIZE); }

    private static long roundPage(long x) { return truncPage(x + PAGE_SIZE - 1); }

    private String state() {
        return "vnode " + vp.fileId + " flags=" + flagNames(u_flags) + " refs=" + uo_refs + " npages=" + uo_npages
                + " nio=" + u_nio + " size=" + u_size;
    }

    public static String flagNames(int f) {
        String[] n = {"VALID", "CANPERSIST", "ALOCK", "DYING", "RELKILL", "WANTED", "VNISLOCKED", "IOSYNC",
            "IOSYNCWANTED", "WRITEABLE"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n.length; i++) if ((f & (1 << i)) != 0) sb.append(sb.length() == 0 ? "" : "|").append(n[i]);
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private void pageOwn(VmPage pg, String tag) {
        if (pg.owner != null) throw new Panic("uvm_page_own: page already owned by " + pg.owner.getName() + ": " + pg);
        pg.owner = Thread.currentThread();
        pg.ownerTag = tag;
    }

    private void pageUnown(VmPage pg) {
        if (pg.owner == null) throw new Panic("uvm_page_own: unbusying a page nobody owns: " + pg);
        pg.owner = null;
        pg.ownerTag = null;
    }

    private boolean ghostDirty(VmPage pg) {
        return pg.dataVersion() > vp.diskVersion(pg.offset);
    }

    // ------------------------------------------------------------------ memq (uvm_page.c, outside seed)

    // uvm_page.c uvm_pageinsert(): append at the memq tail (uvn_flush relies on it, L760-764)
    void pageinsert(VmPage pg) {
        if (hash.containsKey(pg.offset)) throw new Panic("uvm_pageinsert: page already at offset 0x" + Long.toHexString(pg.offset));
        pg.listqPrev = memqTail;
        pg.listqNext = null;
        if (memqTail == null) memqHead = pg; else memqTail.listqNext = pg;
        memqTail = pg;
        hash.put(pg.offset, pg);
        pg.flags |= VmPage.PG_TABLED;
        pg.version++;
        uo_npages++;
    }

    // uvm_page.c uvm_pageremove()
    void pageremove(VmPage pg) {
        if (pg.listqPrev == null) memqHead = pg.listqNext; else pg.listqPrev.listqNext = pg.listqNext;
        if (pg.listqNext == null) memqTail = pg.listqPrev; else pg.listqNext.listqPrev = pg.listqPrev;
        pg.listqNext = pg.listqPrev = null;
        hash.remove(pg.offset);
        pg.flags &= ~VmPage.PG_TABLED;
        pg.uobject = null;
        pg.version++;
        uo_npages--;
    }

    /** Ghost check (outside seed): a busy page freed by a thread that does not own it; guard {@code flushFreesBusy}. */
    void freedUnderOwner(VmPage pg) {
        layer.flaw("PgBusyHasOwnerInv", "page off=" + pg.offset + " of vnode " + vp.fileId + " freed by "
                + Thread.currentThread().getName() + " while busy, owned by " + SimpleLock.nameOf(pg.owner));
    }

    /** The resident pages, for a trace event (object locked). */
    List<VmPage> tracePages() { return new java.util.ArrayList<>(hash.values()); }

    // uvm_page.c uvm_pagelookup()
    VmPage pagelookup(long off) { return hash.get(off); }

    // ------------------------------------------------------------------ attach / reference / detach

    /** uvn_attach: returns this object with one more reference, or null if VOP_GETATTR failed. */
    // uvm_vnode.c uvn_attach(), L171
    public UvmVnode attach(boolean writeAccess) {
        lockObj();
        while (!layer.guards.attachIgnoresBlocked && has(UVM_VNODE_BLOCKED)) {   // L188-195
            u_flags |= UVM_VNODE_WANTED;
            unlockAndWait(this, "uvn_attach", this::state, () -> null);
            lockObj();
        }
        if (has(UVM_VNODE_VALID)) {                                        // L203-228
            if (uo_refs == 0) {
                vrefUvn();                                             // L206-207: regain the uvn's vnode ref
            }
            noResurrection("attach");
            uo_refs++;
            if (writeAccess && !has(UVM_VNODE_WRITEABLE)) {
                layer.globals.wlInsert(this);
                u_flags |= UVM_VNODE_WRITEABLE;
            }
            unlockObj();
            return this;
        }
        u_flags = UVM_VNODE_ALOCK;                                          // L238: assigned, not OR'd
        long attachGen = vp.generation();
        unlockObj();
        long[] attr = vp.vopGetattr();                                     // L241 (XXX curproc credentials, RE-29)
        sched.pause("attach.getattr", this);                               // GETATTR sleeps: the ALOCK window
        long size = attr[1];
        if (re.re25SizeClampedTo32Bits && size > SIZE_CLAMP_32) size = SIZE_CLAMP_32;   // L247-254
        lockObj();                                                          // L257
        if (attr[0] == 0 && !re.nf1AttachDuringVclean && (vp.inVclean() || vp.isDead())) {
            attr[0] = Errno.EIO;                                            // N1 fix: fail as GETATTR would on deadfs
        }
        if (attr[0] != 0) {                                                // L259-266
            if (has(UVM_VNODE_WANTED)) sched.wakeup(this);
            u_flags = 0;
            unlockObj();
            return null;
        }
        memqHead = memqTail = null;                                        // L271-278
        uo_npages = 0;
        uo_refs = 1;
        int oldflags = u_flags;
        u_flags = UVM_VNODE_VALID | UVM_VNODE_CANPERSIST;
        u_nio = 0;
        u_size = size;
        gen = attachGen;
        if (writeAccess) {                                                 // L281-286
            layer.globals.wlInsert(this);
            u_flags |= UVM_VNODE_WRITEABLE;
        }
        vrefUvn();                                                      // L293
        unlockObj();
        if ((oldflags & UVM_VNODE_WANTED) != 0) sched.wakeup(this);        // L295-296, after the unlock (RE-24)
        return this;
    }

    /** uvn_reference: one more reference from a caller that already holds one. */
    // uvm_vnode.c uvn_reference(), L316
    public void reference() {
        lockObj();
        try {
            if (!has(UVM_VNODE_VALID)) {                                  // L326-330 (DIAGNOSTIC P1)
                throw new Panic("uvn_reference: invalid state, " + state());
            }
            if (!re.re23ReferenceChecksOnlyValid && uo_refs < 1) {        // RE-23 fix
                throw new Panic("uvn_reference: caller holds no reference, " + state());
            }
            uo_refs++;
        } finally {
            unlockObj();
        }
    }

    /** uvn_detach: drops one reference; the last one persists or kills the object. */
    // uvm_vnode.c uvn_detach(), L348
    public void detach() {
        lockObj();
        if (uo_refs <= 0) {
            unlockObj();
            throw new Panic("uvn_detach: no reference to drop, " + state());
        }
        uo_refs--;                                                          // L359
        if (uo_refs > 0) {
            unlockObj();
            return;
        }
        // L377: VTEXT cleared (not modelled: no executables)
        if (has(UVM_VNODE_CANPERSIST)) {                                   // L384-391: persist
            flush(0, 0, PGO_DEACTIVATE | PGO_ALLPAGES);
            if (re.re13VreleUnderObjectLock) {
                sched.pause("detach.vreleUnderLock", this);               // L387: vrele holding the simple lock (RE-13)
                vreleUvn();
                unlockObj();
            } else {
                unlockObj();
                vreleUvn();
            }
            return;
        }
        if (!re.nf3DetachKillsDuringTerminate && has(UVM_VNODE_DYING)) {
            unlockObj();                                                    // N3 fix: terminate is killing it
            return;
        }
        u_flags |= UVM_VNODE_DYING;                                        // L399
        killInProgress = true;
        flush(0, 0, PGO_CLEANIT | PGO_FREE | PGO_ALLPAGES);               // L411
        if (uo_npages > 0) {                                               // L427-441: pages busy elsewhere
            u_flags |= UVM_VNODE_RELKILL;                                  // the last releasepg kills (no vrele: RE-6)
            unlockObj();
            return;
        }
        killObjectLocked("uvn_detach");
        int oldflags = u_flags;
        u_flags = 0;                                                       // L457-459
        killInProgress = false;
        unlockObj();
        if ((oldflags & UVM_VNODE_WANTED) != 0) sched.wakeup(this);        // L462-463
        vreleUvn();                                                     // L468
    }

    /** The common part of the kill paths: off the wlist, memq must be empty (P2, P8). */
    private void killObjectLocked(String who) {
        if (has(UVM_VNODE_WRITEABLE)) layer.globals.wlRemove(this, true);   // L447-451, L622-626, L685-689
        if (memqHead != null || uo_npages != 0) {                          // L453-455, L691-692
            throw new Panic(who + ": vnode's object still has pages, " + state() + " memq head " + memqHead);
        }
    }

    // ------------------------------------------------------------------ terminate / releasepg

    /** uvm_vnp_terminate: called with the vnode locked before a recycle or at a forced unmount. */
    // uvm_vnode.c uvm_vnp_terminate(), L503
    public void terminate() {
        if (!vp.lockedByMe()) throw new Panic("uvm_vnp_terminate: vnode " + vp.fileId + " not locked by the caller");
        lockObj();
        if (!re.re1AttachWindowIgnored) waitWhileAttaching("uvn_term");   // RE-1 fix
        if (!has(UVM_VNODE_VALID)) {                                       // L513-520 (includes ALOCK: RE-1)
            unlockObj();
            return;
        }
        boolean tookOverKill = has(UVM_VNODE_RELKILL);
        if (tookOverKill) u_flags &= ~UVM_VNODE_RELKILL;                   // L548-549
        u_flags |= UVM_VNODE_DYING | UVM_VNODE_VNISLOCKED;                 // L564
        flush(0, 0, PGO_CLEANIT | PGO_FREE | PGO_ALLPAGES, true);          // L566
        drainers++;
        try {
            while (!layer.guards.terminateSkipsWait && uo_npages != 0) {   // L573-593
                for (VmPage pg = memqHead; pg != null; pg = pg.listqNext) {
                    if (!pg.isBusy()) throw new Panic("uvm_vnp_terminate: detected unbusy pg " + pg + ", " + state());  // P3
                }
                if (re.re7TerminateWaitsOnNio) {
                    if (u_nio == 0) throw new Panic("uvm_vnp_terminate: no I/O to wait for?, " + state());  // P4 (RE-7)
                    u_flags |= UVM_VNODE_IOSYNC;
                    unlockAndWait(nioChan, "uvn_term", this::state, this::someBusyOwner);
                } else {
                    unlockAndWait(pagesChan, "uvn_term", this::state, this::someBusyOwner);   // RE-7 fix
                }
                sched.pause("term.woken", this);
                lockObj();
            }
        } finally {
            drainers--;
        }
        int oldflags = u_flags;
        boolean dropVref = false;
        if (uo_refs > 0) {                                                 // L603-611: forced unmount, ZOMBIE
            u_flags &= ~(UVM_VNODE_DYING | UVM_VNODE_VNISLOCKED | UVM_VNODE_WANTED | UVM_VNODE_CANPERSIST);
            if (!re.re8TerminateLeaksIosync && has(UVM_VNODE_IOSYNC | UVM_VNODE_IOSYNCWANTED)) {   // RE-8 fix
                if (has(UVM_VNODE_IOSYNCWANTED)) sched.wakeup(flagsChan);
                u_flags &= ~(UVM_VNODE_IOSYNC | UVM_VNODE_IOSYNCWANTED);
            }
        } else {                                                            // L613-628
            if (has(UVM_VNODE_IOSYNCWANTED)) {
                throw new Panic("uvm_vnp_terminate: io sync wanted bit set, " + state());   // P5
            }
            killObjectLocked("uvm_vnp_terminate");
            u_flags = 0;
            // the VREF was dropped at persist time (L615-617) -- but not after a cancelled RELKILL (RE-6)
            dropVref = tookOverKill ? !re.re6RelkillLeaksVref
                    : !re.nf3DetachKillsDuringTerminate && vrefHeld;        // N3 fix: an active object's VREF
            killInProgress = false;
        }
        gen = vp.generation() + 1;      // ghost: this generation is disposed of; the caller starts the next
        if ((oldflags & UVM_VNODE_WANTED) != 0) sched.wakeup(this);        // L630-631
        unlockObj();
        if (dropVref) vreleUvn();
    }

    /** The uvn's own vnode reference (VREF/vget/vrele by the pager), with a flag that says it is held. */
    private boolean vrefHeld;   // [O] where taken; read by terminate's fixes

    private void vrefUvn() { vp.vref(true); vrefHeld = true; }

    private void vgetUvn() { vp.vget(true); vrefHeld = true; }

    private void vreleUvn() { vrefHeld = false; vp.vrele(true); }

    private Thread someBusyOwner() {
        for (VmPage pg = memqHead; pg != null; pg = pg.listqNext) if (pg.owner != null) return pg.owner;
        return null;
    }

    /** RE-1 fix: wait while an attach is inside VOP_GETATTR (object locked on entry and exit). */
    private void waitWhileAttaching(String wmesg) {
        while (has(UVM_VNODE_ALOCK)) {
            u_flags |= UVM_VNODE_WANTED;
            unlockAndWait(this, wmesg, this::state, () -> null);
            lockObj();
        }
    }

    /**
     * uvn_releasepg: frees a PG_RELEASED page for its owner. Object locked on entry; returns
     * true with it still locked, or false when the page was the last of a RELKILL object, which
     * is then killed and unlocked.
     */
    // uvm_vnode.c uvn_releasepg(), L656
    public boolean releasepg(VmPage pg) {
        if (!vmobjlock.held()) throw new Panic("uvn_releasepg: object not locked, " + pg);
        if (!pg.isReleased()) throw new Panic("uvn_releasepg: page not released! " + pg);   // P6
        pg.pmapPageProtect(VmPage.Prot.NONE);                              // L669
        if (ghostDirty(pg) && pg.offset < u_size) {                         // N2: a dirty page is dropped
            String what = "released dirty page off=" + pg.offset + " of vnode " + vp.fileId + " freed by releasepg";
            if (re.nf2ReleasedDirtyDroppedSilently) layer.flaw("PagerNoSilentLossInv", what + ", nobody reports it (N2)");
            else layer.reportLoss(vp, pg.offset, what + ": changes may be lost");
        }
        layer.pageq.pageqLock.lock();                                       // L670-675
        layer.pageq.pagefree(pg);
        layer.pageq.pageqLock.unlock();
        if (!re.re7TerminateWaitsOnNio) sched.wakeup(pagesChan);           // RE-7 fix
        if (has(UVM_VNODE_RELKILL)) {                                      // L680-702
            if (uo_refs != 0) throw new Panic("uvn_releasepg: kill flag set on referenced object! " + state());  // P7
            if (uo_npages == 0) {
                killObjectLocked("uvn_releasepg");
                if (has(UVM_VNODE_WANTED)) sched.wakeup(this);
                u_flags = 0;
                killInProgress = false;                                    // RE-6: the uvn's VREF is never dropped
                unlockObj();
                if (!re.re6RelkillLeaksVref) vreleUvn();               // RE-6 fix
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ flush

    /** uvn_flush with the object locked (returns locked, except RE-15). */
    // uvm_vnode.c uvn_flush(), L801
    public boolean flush(long start, long stop, int flags) {
        return flush(start, stop, flags, false);
    }

    private boolean flush(long start, long stop, int flags, boolean vnIsLocked) {
        if (!vmobjlock.held()) throw new Panic("uvn_flush: object not locked, " + state());
        boolean byList;
        if ((flags & PGO_ALLPAGES) != 0) {                                 // L822-825
            start = 0;
            stop = roundPage(u_size);
            byList = true;
        } else {
            start = truncPage(start);                                      // L827
            stop = roundPage(stop);
            if (stop > roundPage(u_size)) {                                 // L829-831 "(fixed)" but not clamped: RE-17
                if (!re.re17FlushStopNotClamped) stop = Math.max(start, roundPage(u_size));
            }
            byList = uo_npages <= ((stop - start) / PAGE_SIZE) * UVN_HASH_PENALTY;   // L833-834
        }
        // D1 ghost: the dirty pages in range at the start
        Map<VmPage, Long> snap = new LinkedHashMap<>();
        boolean syncClean = (flags & (PGO_CLEANIT | PGO_SYNCIO)) == (PGO_CLEANIT | PGO_SYNCIO);
        if (syncClean) {
            for (VmPage pg = memqHead; pg != null; pg = pg.listqNext) {
                if (pg.offset >= start && pg.offset < stop && !pg.isReleased() && ghostDirty(pg)) snap.put(pg, pg.dataVersion());
            }
        }
        if ((flags & PGO_CLEANIT) != 0) {                                  // L852-870
            for (VmPage pg = memqHead; pg != null; pg = pg.listqNext) {
                if (pg.offset >= start && pg.offset < stop) pg.flags &= ~VmPage.PG_CLEANCHK;
            }
        }
        boolean retval = true;
        boolean needIosync = false;
        List<VmPage> busySeen = new ArrayList<>();
        VmPageQueues pq = layer.pageq;
        pq.pageqLock.lock();                                                // L887
        long curoff = start;
        VmPage pp = byList ? memqHead : null;
        while (true) {                                                      // L887-1190
            if (byList) {
                if (pp == null) break;
                if (pp.offset < start || pp.offset >= stop) { pp = pp.listqNext; continue; }
            } else {
                if (curoff >= stop) break;
                pp = pagelookup(curoff);
                curoff += PAGE_SIZE;                                        // L910: advanced before the body
                if (pp == null) continue;
            }
            boolean needsClean;                                             // L930-951: classify
            if ((flags & PGO_CLEANIT) == 0 || pp.isBusy()) {
                needsClean = false;
                if (pp.isBusy() && (flags & (PGO_CLEANIT | PGO_SYNCIO)) == (PGO_CLEANIT | PGO_SYNCIO)) {
                    needIosync = true;
                    busySeen.add(pp);
                }
            } else {
                if (pp.isClean() && (flags & PGO_FREE) != 0 && pp.pqueue == VmPage.Queue.ACTIVE) {
                    pp.pmapPageProtect(VmPage.Prot.NONE);                  // L941-944
                }
                if (!layer.guards.flushIgnoresModified && pp.isClean() && pp.pmapIsModified()) pp.flags &= ~VmPage.PG_CLEAN;   // L945-947
                pp.flags |= VmPage.PG_CLEANCHK;
                needsClean = !pp.isClean();
            }
            if (!needsClean) {                                              // L956-987
                VmPage ppnext = byList ? pp.listqNext : null;
                if ((flags & PGO_DEACTIVATE) != 0) {
                    if (pp.pqueue != VmPage.Queue.INACTIVE && pp.wireCount == 0) {   // L966-972
                        pp.pmapPageProtect(VmPage.Prot.NONE);
                        pq.pagedeactivate(pp);
                    }
                } else if ((flags & PGO_FREE) != 0) {                      // L974-983
                    if (pp.isBusy() && !layer.guards.flushFreesBusy) {
                        pp.flags |= VmPage.PG_RELEASED;
                    } else if (pp.wireCount > 0 && !re.re27FreeIgnoresWiring && shrinkTo < 0) {
                        // RE-27 fix: a non-truncating FREE leaves wired pages
                    } else {
                        checkFreeLoss(pp, flags);
                        pp.pmapPageProtect(VmPage.Prot.NONE);
                        pq.pagefree(pp);
                    }
                }
                pp = ppnext;
                continue;
            }
            // L998-1008: clean it. We own pp now.
            pp.flags |= VmPage.PG_BUSY;
            pageOwn(pp, "flush");
            if (!layer.guards.flushSkipsWriteProtect) pp.pmapPageProtect(VmPage.Prot.READ);   // L1000: user stores now fault
            long ppVersion = pp.version;
            VmPage[] ppsp;
            int result;
            while (true) {
                UvmPager.PutResult pr = UvmPager.put(this, pp, flags | PGO_DOACTCLUST, start, stop, vnIsLocked);
                if (pr.result() == VM_PAGER_AGAIN) sched.pause("flush.again", this);
                lockObj();                                                  // L1020-1021
                pq.pageqLock.lock();
                ppsp = pr.pages();
                result = pr.result();
                if (result != VM_PAGER_AGAIN) break;
                if ((flags & PGO_SYNCIO) != 0) {                            // L1039-1040 (P9)
                    throw new Panic("uvn_flush: PGO_SYNCIO return 'try again' error (impossible), " + state());
                }
                flags |= PGO_SYNCIO;                                        // L1030-1044: for the rest of this flush
                if (!re.re18AgainRetrySkipsRevalidation && (pp.isReleased() || pp.offset >= u_size)) {
                    result = VM_PAGER_BAD;                                  // RE-18 fix: do not re-cluster a dead page
                    break;
                }
            }
            if (result == VM_PAGER_PEND) throw new Panic("uvn_flush: PEND from synchronous uvn_io (dead code, RE-21)");
            // L1089-1188: finish every cluster page, pp last
            VmPage ppnext = null;
            for (int lcv = 0; lcv <= ppsp.length; lcv++) {
                VmPage ptmp;
                if (lcv < ppsp.length) {
                    if (ppsp[lcv] == pp) continue;
                    ptmp = ppsp[lcv];
                } else {
                    ptmp = pp;
                    if (byList) {                                           // L1103-1108
                        ppnext = (pp.version == ppVersion) ? pp.listqNext : memqHead;
                    }
                }
                if ((ptmp.flags & VmPage.PG_WANTED) != 0) sched.wakeup(ptmp);    // L1130-1135
                ptmp.flags &= ~(VmPage.PG_WANTED | VmPage.PG_BUSY);
                pageUnown(ptmp);
                if (ptmp.isReleased() && !layer.guards.ownerIgnoresReleased) {   // L1136-1141
                    pq.pageqLock.unlock();
                    if (!releasepg(ptmp)) {
                        if (re.re15FlushReturnsUnlocked) return true;       // object killed, returns unlocked (RE-15)
                        throw new Panic("uvn_flush: releasepg killed the object under a flush (RE-15), vnode " + vp.fileId);
                    }
                    pq.pageqLock.lock();
                    continue;
                }
                if (result != VM_PAGER_OK && !re.re3MarksCleanOnWriteError) {
                    retval = false;                                          // RE-3 fix: stays dirty, error returned
                } else {
                    if (result != VM_PAGER_OK && (flags & PGO_FREE) == 0 && ghostDirty(ptmp)) {
                        layer.flaw("PagerNoSilentLossInv", "page off=" + ptmp.offset + " of vnode " + vp.fileId
                                + " marked clean after a failed write (result " + result + "), flush returns TRUE (RE-3)");
                    } else if (result == VM_PAGER_OK && ghostDirty(ptmp) && ptmp.offset < Math.min(u_size, vp.fsSize())) {
                        // the bound is the smaller of u_size and the file system's size: a truncate sets the
                        // FS size (dropping the device's blocks past it) before its uvm_vnp_setsize can take
                        // the object lock this flush holds, so in that window a page past the new EOF is
                        // legitimately gone, not lost (found by JCStress SetsizeVsIo, proofs-notes/uvm.md)
                        layer.flaw("PagerNoSilentLossInv", "page off=" + ptmp.offset + " of vnode " + vp.fileId
                                + " marked clean but the device holds version " + vp.diskVersion(ptmp.offset)
                                + " < " + ptmp.dataVersion() + " (short write, RE-4)");
                    }
                    ptmp.flags |= VmPage.PG_CLEAN | VmPage.PG_CLEANCHK;    // L1147-1150
                    if ((flags & PGO_FREE) == 0) ptmp.pmapClearModify();
                }
                if ((flags & PGO_DEACTIVATE) != 0) {                       // L1158-1164
                    VmPage tested = re.re16FinishChecksWrongPage ? pp : ptmp;
                    if (tested.pqueue != VmPage.Queue.INACTIVE && tested.wireCount == 0) {
                        ptmp.pmapPageProtect(VmPage.Prot.NONE);
                        pq.pagedeactivate(ptmp);
                    }
                } else if ((flags & PGO_FREE) != 0) {                      // L1166-1185
                    if (result != VM_PAGER_OK) {                            // L1172-1181: "changes may be lost"
                        retval = false;
                        if (ghostDirty(ptmp)) layer.reportLoss(vp, ptmp.offset, "uvn_flush: obj=" + vp.fileId + " offset=0x"
                                + Long.toHexString(ptmp.offset) + ": error during pageout, changes may be lost (result " + result + ")");
                    }
                    ptmp.pmapPageProtect(VmPage.Prot.NONE);
                    pq.pagefree(ptmp);
                }
            }
            if (!byList) ppnext = null;                                      // the hash scan looks up curoff
            pp = ppnext;
        }
        pq.pageqLock.unlock();
        if (needIosync) {                                                   // L1200-1212
            drainers++;
            try {
                while (u_nio != 0) {
                    u_flags |= UVM_VNODE_IOSYNC;
                    unlockAndWait(nioChan, "uvn_flush", this::state, () -> inIo.isEmpty() ? null : inIo.iterator().next());
                    sched.pause("flush.iosyncWoken", this);
                    lockObj();
                }
            } finally {
                drainers--;
            }
            if (has(UVM_VNODE_IOSYNCWANTED)) sched.wakeup(flagsChan);
            u_flags &= ~(UVM_VNODE_IOSYNC | UVM_VNODE_IOSYNCWANTED);
            if (waitForBusySeen(busySeen) && !recleanBusySeen(busySeen, flags, vnIsLocked)) retval = false;   // RE-2 / RE-22 fixes
        }
        if (syncClean && retval) checkFlushSyncPost(snap);
        return retval;
    }

    /**
     * RE-2 and RE-22 fixes, part 2: a page the flush waited for may still be dirty (a fault owner
     * does not write it); clean it now, one page at a time, at most a few rounds.
     */
    private boolean recleanBusySeen(List<VmPage> busySeen, int flags, boolean vnIsLocked) {
        boolean ok = true;
        for (VmPage pg : busySeen) {
            if (pg.uobject != this || pg.isReleased()) continue;
            if (pg.isClean() && !pg.pmapIsModified() && !pg.isBusy()) continue;
            if (recleanDepth >= 3) return false;
            recleanDepth++;
            try {
                ok &= flush(pg.offset, pg.offset + PAGE_SIZE, flags & ~PGO_ALLPAGES, vnIsLocked);
            } finally {
                recleanDepth--;
            }
        }
        return ok;
    }

    private int recleanDepth;   // [O]

    /** RE-2 and RE-22 fixes: wait until each busy page seen is unbusied (PG_WANTED), object locked. True if it waited. */
    private boolean waitForBusySeen(List<VmPage> busySeen) {
        boolean waited = false;
        for (VmPage pg : busySeen) {
            while (pg.uobject == this && pg.isBusy() && pg.owner != Thread.currentThread()) {
                boolean pager = "flush".equals(pg.ownerTag) || "pageout".equals(pg.ownerTag);
                if (pager ? re.re2IosyncWaitsOnlyForNio : re.re22IosyncIgnoresFaultBusyPages) break;
                pg.flags |= VmPage.PG_WANTED;
                Thread owner = pg.owner;
                unlockAndWait(pg, "uvn_flush_busy", pg::toString, () -> owner);
                lockObj();
                waited = true;
            }
        }
        return waited;
    }

    private void checkFlushSyncPost(Map<VmPage, Long> snap) {
        for (Map.Entry<VmPage, Long> e : snap.entrySet()) {
            VmPage pg = e.getKey();
            if (pg.offset >= u_size) continue;                              // truncated meanwhile
            long disk = vp.diskVersion(pg.offset);
            if (disk < e.getValue()) {
                layer.flaw("FlushSyncPostInv", "CLEANIT|SYNCIO flush of vnode " + vp.fileId + " returned TRUE but page off="
                        + pg.offset + " dirty at its start (version " + e.getValue() + ") is on the device at version " + disk
                        + (pg.uobject == this ? " (" + pg + ")" : " (page gone)"));
            }
        }
    }

    private void checkFreeLoss(VmPage pp, int flags) {
        long bound = Math.min(shrinkTo >= 0 ? shrinkTo : u_size, vp.fsSize());   // FS size: see uvn_flush's RE-4 check
        if (!pp.isClean() || pp.pmapIsModified()) {
            if (pp.offset < bound && ghostDirty(pp)) {
                layer.flaw("PagerNoSilentLossInv", "dirty page off=" + pp.offset + " of vnode " + vp.fileId
                        + " freed with bytes below " + (shrinkTo >= 0 ? "the new EOF " : "EOF ") + bound
                        + (shrinkTo >= 0 ? " (setsize frees from trunc_page, RE-5)" : ""));
            }
        }
    }

    // ------------------------------------------------------------------ cluster / put / get / asyncget

    /** uvn_cluster: the range a pageout around {@code offset} may cover: {lo, hi}. */
    // uvm_vnode.c uvn_cluster(), L1230
    long[] cluster(long offset) {
        if (offset >= u_size) {                                             // L1238-1239 (P10)
            throw new Panic("uvn_cluster: offset out of range: offset=" + offset + " u_size=" + u_size + ", vnode " + vp.fileId);
        }
        long lo = offset;                                                   // no backward clustering
        long hi = Math.min(offset + MAXBSIZE, roundPage(u_size));          // L1244-1246
        return new long[] {lo, hi};
    }

    /** uvn_put: writes busy pages; object locked on entry, unlocked on return. */
    // uvm_vnode.c uvn_put(), L1263
    int put(VmPage[] pps, int flags, boolean vnIsLocked) {
        return io(pps, flags, UIO_WRITE, vnIsLocked);                       // L1270-1273
    }

    /**
     * uvn_get. {@code pps[i]} null = wanted, {@link #PGO_DONTCARE} = skip. With PGO_LOCKED it never
     * sleeps and returns with the object locked ({@code npagesOut[0]} = pages found); otherwise it
     * returns unlocked (RE-19). Pages returned are BUSY and owned by the caller.
     */
    // uvm_vnode.c uvn_get(), L1290
    public int get(long offset, VmPage[] pps, int[] npagesOut, int centeridx, int flags) {
        if (!vmobjlock.held()) throw new Panic("uvn_get: object not locked, " + state());
        int npages = pps.length;
        if ((flags & PGO_LOCKED) != 0) {                                    // L1309-1379
            boolean done = true;
            int gotpages = 0;
            for (int lcv = 0; lcv < npages; lcv++) {
                if (pps[lcv] == PGO_DONTCARE) continue;                     // L1330
                long current = offset + (long) lcv * PAGE_SIZE;
                VmPage ptmp = pagelookup(current);
                if (ptmp == null || ptmp.isBusy() || ptmp.isReleased()) {  // L1337-1343
                    if (lcv == centeridx || (flags & PGO_ALLPAGES) != 0) done = false;
                    continue;
                }
                ptmp.flags |= VmPage.PG_BUSY;                               // L1349-1352
                pageOwn(ptmp, "fault");
                pps[lcv] = ptmp;
                gotpages++;
            }
            npagesOut[0] = gotpages;
            return done ? VM_PAGER_OK : VM_PAGER_UNLOCK;                    // L1373-1378
        }
        List<VmPage> filledHere = new ArrayList<>();
        for (int lcv = 0; lcv < npages; lcv++) {                            // L1390-1525
            if ((flags & PGO_ALLPAGES) == 0 && lcv != centeridx) continue;
            if (pps[lcv] != null) continue;                                 // L1395-1397 (filled, or DONTCARE)
            long current = offset + (long) lcv * PAGE_SIZE;
            VmPage ptmp = null;
            while (pps[lcv] == null) {                                      // L1415-1461
                if (!re.re20GetIgnoresDying && (!has(UVM_VNODE_VALID) || has(UVM_VNODE_DYING))) {
                    return getError(filledHere, VM_PAGER_ERROR);            // RE-20 fix
                }
                ptmp = pagelookup(current);
                if (ptmp == null) {
                    ptmp = layer.pageq.pagealloc(this, current);            // L1421-1434
                    if (ptmp == null) {
                        unlockObj();
                        layer.pageq.uvmWait("uvn_getpage");
                        lockObj();
                        continue;
                    }
                    ptmp.ownerTag = "read";
                    break;                                                  // a fresh placeholder, slot still empty
                }
                if (ptmp.isBusy() || ptmp.isReleased()) {                  // L1444-1450
                    ptmp.flags |= VmPage.PG_WANTED;
                    VmPage w = ptmp;
                    Thread owner = w.owner;
                    unlockAndWait(w, "uvn_get", w::toString, () -> owner);
                    lockObj();
                    continue;
                }
                ptmp.flags |= VmPage.PG_BUSY;                               // L1458-1460
                pageOwn(ptmp, "fault");
                pps[lcv] = ptmp;
                filledHere.add(ptmp);
            }
            if (pps[lcv] != null) continue;
            int result = io(new VmPage[] {ptmp}, PGO_SYNCIO, UIO_READ, false);   // L1478-1479
            lockObj();                                                      // L1488
            if (result != VM_PAGER_OK) {                                    // L1489-1501
                if ((ptmp.flags & VmPage.PG_WANTED) != 0) sched.wakeup(ptmp);
                ptmp.flags &= ~(VmPage.PG_WANTED | VmPage.PG_BUSY);
                pageUnown(ptmp);
                layer.pageq.pageqLock.lock();
                layer.pageq.pagefree(ptmp);
                layer.pageq.pageqLock.unlock();
                return getError(filledHere, result);
            }
            ptmp.flags &= ~VmPage.PG_FAKE;                                  // L1514-1516
            ptmp.pmapClearModify();
            ptmp.ownerTag = "fault";
            pps[lcv] = ptmp;
            filledHere.add(ptmp);
        }
        unlockObj();                                                        // L1524-1525
        return VM_PAGER_OK;
    }

    /** The slow get's error return: unlocks; RE-19 fix unbusies the slots this call filled. */
    private int getError(List<VmPage> filledHere, int result) {
        if (!re.re19GetErrorLeavesSlotsBusy) {
            for (VmPage pg : filledHere) {
                if ((pg.flags & VmPage.PG_WANTED) != 0) sched.wakeup(pg);
                pg.flags &= ~(VmPage.PG_WANTED | VmPage.PG_BUSY);
                pageUnown(pg);
            }
        }
        unlockObj();
        return result;
    }

    /** uvn_asyncget: a stub in the seed; it does nothing and succeeds. */
    // uvm_vnode.c uvn_asyncget(), L1537
    public int asyncget(long offset, int npages) {
        return VM_PAGER_OK;                                                 // L1543-1547 ("uvn_asyncget called")
    }

    // ------------------------------------------------------------------ io

    /** uvn_io: synchronous read or write of busy, consecutive pages. Object locked on entry, unlocked on return. */
    // uvm_vnode.c uvn_io(), L1561
    int io(VmPage[] pps, int flags, int rw, boolean vnIsLockedParam) {
        if (!vmobjlock.held()) throw new Panic("uvn_io: object not locked, " + state());
        for (int i = 0; i < pps.length; i++) {
            if (!pps[i].isBusy()) throw new Panic("uvn_io: page not busy " + pps[i]);
            if (pps[i].offset != pps[0].offset + (long) i * PAGE_SIZE) throw new Panic("uvn_io: pages not consecutive");
        }
        boolean waitok = (flags & PGO_SYNCIO) != 0;                         // L1579
        long fileOffset = pps[0].offset;                                    // L1581
        while (has(UVM_VNODE_IOSYNC)) {                                     // L1587-1597: the IOSYNC gate
            if (!waitok) {
                unlockObj();
                return VM_PAGER_AGAIN;
            }
            u_flags |= UVM_VNODE_IOSYNCWANTED;
            gateWaiters++;
            try {
                unlockAndWait(flagsChan, "uvn_iosync", this::state, () -> null);
            } finally {
                lockObj();
                gateWaiters--;
            }
        }
        if (fileOffset >= u_size) {                                         // L1603-1610
            unlockObj();
            return VM_PAGER_BAD;
        }
        boolean mapped = layer.pageq.pagermapin(false);                    // L1616-1621
        if (!mapped && !waitok) {
            unlockObj();
            return VM_PAGER_AGAIN;
        }
        u_nio++;                                                            // L1629-1630
        inIo.add(Thread.currentThread());
        long sizeSnap = u_size;
        unlockObj();
        // from here no object lock is held; the pages are BUSY and ours
        if (!mapped) layer.pageq.pagermapin(true);                         // L1632-1634
        sched.pause("io.unlocked", this);
        int npages = pps.length;
        int wanted = npages * PAGE_SIZE;                                    // L1646-1649
        long sz = re.re10UnlockedSizeReadInIo ? u_size : sizeSnap;          // unlocked read (RE-10)
        if (fileOffset + wanted > sz) wanted = (int) (sz - fileOffset);     // may go negative under a shrink
        byte[] buf = new byte[npages * PAGE_SIZE];
        long[] versions = new long[npages];
        if (rw == UIO_WRITE) {
            for (int i = 0; i < npages; i++) {
                synchronized (pps[i]) {
                    System.arraycopy(pps[i].data, 0, buf, i * PAGE_SIZE, PAGE_SIZE);
                    versions[i] = pps[i].dataVersion;
                    pps[i].inWrite = true;
                    if (pps[i].prot == VmPage.Prot.WRITE) {
                        layer.flaw("WriteProtectDuringIoInv", "page off=" + pps[i].offset + " writable during its write");
                    }
                }
            }
        }
        boolean vnIsLocked = re.re9VnIsLockedIsObjectFlag ? has(UVM_VNODE_VNISLOCKED) : vnIsLockedParam;  // L1665 (unlocked read)
        sched.pause("io.beforeVnLock", this);
        if (!vnIsLocked) {                                                  // L1665-1666
            if (re.re9VnIsLockedIsObjectFlag) {
                vp.vnLock();
            } else {
                vnIsLocked = vnLockOrBorrow();                              // RE-9 fix
            }
        }
        if (!re.re10UnlockedSizeReadInIo) {
            // RE-10 fix: under the vnode lock, clip against the size as it is now
            lockObj();
            long now = u_size;
            unlockObj();
            if (fileOffset + wanted > now) wanted = (int) Math.max(0, now - fileOffset);
        }
        int[] r = rw == UIO_READ ? vp.vopRead(fileOffset, wanted, buf)     // L1669-1672
                : vp.vopWrite(fileOffset, wanted, buf, versions);
        boolean unlockNow = re.re9VnIsLockedIsObjectFlag ? !has(UVM_VNODE_VNISLOCKED) : !vnIsLocked;   // L1674 (re-read; fix: the snapshot)
        if (unlockNow) vp.vopUnlock();
        int error = r[0];
        int resid = r[1];
        if (error == 0) {                                                   // L1686-1694
            int got = wanted - resid;
            if (wanted > 0 && got == 0) {
                error = Errno.EIO;                                          // XXX at L1690
            } else if (rw == UIO_READ && got < npages * PAGE_SIZE) {
                if (!re.re4ShortTransferIsSuccess && got < wanted) {
                    error = Errno.EIO;                                      // RE-4 fix: short read not at EOF
                } else {
                    java.util.Arrays.fill(buf, Math.max(got, 0), npages * PAGE_SIZE, (byte) 0);   // zero-fill
                }
            } else if (rw == UIO_WRITE && got < wanted && !re.re4ShortTransferIsSuccess) {
                error = Errno.EIO;                                          // RE-4 fix: a short write is an error
            }
        }
        if (rw == UIO_READ && error == 0) {
            for (int i = 0; i < npages; i++) {
                synchronized (pps[i]) {
                    System.arraycopy(buf, i * PAGE_SIZE, pps[i].data, 0, PAGE_SIZE);
                    pps[i].dataVersion = vp.diskVersion(pps[i].offset);
                }
                long eofInPage = sz - pps[i].offset;                        // D3
                if (eofInPage < PAGE_SIZE) {
                    byte[] d = pps[i].snapshot();
                    for (int b = (int) Math.max(0, eofInPage); b < PAGE_SIZE; b++) {
                        if (d[b] != 0) {
                            layer.flaw("ReadZeroFillInv", "page off=" + pps[i].offset + " byte " + b + " past EOF " + sz + " is " + d[b]);
                            break;
                        }
                    }
                }
            }
        }
        if (rw == UIO_WRITE) {
            for (VmPage p : pps) synchronized (p) { p.inWrite = false; }
        }
        layer.pageq.pagermapout();                                          // L1699
        lockObj();                                                          // L1705-1712
        UvmTrace tr = layer.trace;
        if (tr != null && rw == UIO_WRITE && error != 0 && tr.traces(vp)) tr.writeFailed(pps);
        u_nio--;
        inIo.remove(Thread.currentThread());
        if (has(UVM_VNODE_IOSYNC) && u_nio == 0) sched.wakeup(nioChan);
        unlockObj();
        return error == 0 ? VM_PAGER_OK : VM_PAGER_ERROR;                   // L1720-1723
    }

    /**
     * RE-9 fix: take the vnode lock, unless a terminator holds it and has set VNISLOCKED (it then
     * waits for our busy pages, so we borrow its lock). Returns true if borrowed (do not unlock).
     */
    private boolean vnLockOrBorrow() {
        long start = System.nanoTime();
        while (!vp.tryVnLock()) {
            lockObj();
            boolean borrow = has(UVM_VNODE_VNISLOCKED);
            unlockObj();
            if (borrow) return true;
            sched.checkBound(start, "vn_lock", "vnode " + vp.fileId + " lock held by " + SimpleLock.nameOf(vp.lockOwner()),
                    vp::lockOwner);
            vp.awaitLockChange(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
        }
        return false;
    }

    // ------------------------------------------------------------------ uncache / setsize

    /** uvm_vnp_uncache: stop caching; true if no active uvn is left. The vnode must be locked by the caller. */
    // uvm_vnode.c uvm_vnp_uncache(), L1763
    public boolean uncache() {
        if (!vp.lockedByMe()) {                                             // L1800-1828 (DEBUG P11)
            throw new Panic("uvm_vnp_uncache: vnode " + vp.fileId + " not locked by " + Thread.currentThread().getName());
        }
        lockObj();
        if (!re.re1AttachWindowIgnored) waitWhileAttaching("uvn_uncache");   // RE-1 fix
        if (!has(UVM_VNODE_VALID) || has(UVM_VNODE_BLOCKED)) {             // L1772-1777 (ALOCK too: RE-1)
            unlockObj();
            return true;
        }
        u_flags &= ~UVM_VNODE_CANPERSIST;                                   // L1784
        if (uo_refs > 0) {
            unlockObj();
            return false;
        }
        vrefUvn();                                                      // L1795-1797
        noResurrection("uncache");
        uo_refs++;
        unlockObj();
        vp.vopUnlock();                                                     // L1840: avoid deadlock against I/O
        try {
            detach();                                                       // L1841
        } finally {
            vp.vnLock();                                                    // L1842
        }
        return true;
    }

    /** uvm_vnp_setsize: the file system changed the file's size. */
    // uvm_vnode.c uvm_vnp_setsize(), L1870
    public void setsize(long newsize) {
        if (newsize < 0) throw new IllegalArgumentException("uvm_vnp_setsize: negative size " + newsize);
        lockObj();
        try {
            sched.pause("setsize.locked", this);
            if (!re.re1AttachWindowIgnored) waitWhileAttaching("uvn_setsize");   // RE-1 fix
            if (!has(UVM_VNODE_VALID)) return;                               // L1880: dropped while not VALID (RE-1)
            if (re.re25SizeClampedTo32Bits && newsize > SIZE_CLAMP_32) newsize = SIZE_CLAMP_32;   // L1887-1893
            if (newsize < u_size) {                                          // L1900-1903
                long from = re.re5TruncateFreesEofPage ? newsize : roundPage(newsize);
                shrinkTo = newsize;
                try {
                    flush(from, u_size, PGO_FREE);
                } finally {
                    shrinkTo = -1;
                }
                if (!re.re5TruncateFreesEofPage) zeroTail(newsize);          // RE-5 fix
            }
            u_size = newsize;                                                // L1904
        } finally {
            if (vmobjlock.held()) unlockObj();
        }
    }

    /** RE-5 fix: zero the bytes past the new EOF in the page that contains it (if resident and idle). */
    private void zeroTail(long newsize) {
        if (newsize % PAGE_SIZE == 0) return;
        VmPage pg = pagelookup(truncPage(newsize));
        if (pg == null || pg.isBusy()) return;
        synchronized (pg) {
            java.util.Arrays.fill(pg.data, (int) (newsize % PAGE_SIZE), PAGE_SIZE, (byte) 0);
        }
    }

    // ------------------------------------------------------------------ invariants

    /** O9: refs 0 -> 1 only while no BLOCKED bit is set (called just before the increment). */
    private void noResurrection(String who) {
        if (uo_refs == 0 && has(UVM_VNODE_BLOCKED)) {
            layer.flaw("UvnNoResurrectionInv", who + " takes refs 0 -> 1 while " + flagNames(u_flags) + ", vnode " + vp.fileId);
        }
    }

    /** Every §4.2 predicate that holds at rest, each a named clause; throws {@link UvmFlaw}. */
    public void checkInvariants() {
        lockObj();
        try {
            checkInvariantsLocked();
        } finally {
            unlockObj();
        }
    }

    private void inv(boolean c, String name, String detail) {
        if (!c) throw new UvmFlaw(name, detail + " [" + state() + "]");
    }

    private void checkInvariantsLocked() {
        boolean valid = has(UVM_VNODE_VALID);
        inv(uo_refs == 0 || valid, "UvnRefsImplyValidInv", "refs > 0 on an invalid object");
        inv(!(valid && uo_refs == 0 && !has(UVM_VNODE_DYING | UVM_VNODE_RELKILL)) || has(UVM_VNODE_CANPERSIST),
                "UvnPersistImpliesCanPersistInv", "unreferenced valid object without CANPERSIST");
        if (has(UVM_VNODE_ALOCK)) {
            inv(!valid && (u_flags & ~(UVM_VNODE_ALOCK | UVM_VNODE_WANTED)) == 0 && uo_refs == 0 && memqHead == null,
                    "UvnAttachLockInv", "ALOCK with other state");
        }
        if (!valid && !has(UVM_VNODE_ALOCK)) {
            inv(u_flags == 0 && uo_refs == 0 && memqHead == null && u_nio == 0 && !layer.globals.onWlist(this),
                    "UvnFreeIsEmptyInv", "a free object with state (onWlist=" + layer.globals.onWlist(this) + ")");
        }
        inv(!has(UVM_VNODE_DYING) || valid, "UvnDyingImpliesValidInv", "DYING without VALID");
        inv(!has(UVM_VNODE_RELKILL) || (has(UVM_VNODE_DYING) && uo_refs == 0), "UvnRelkillImpliesDyingInv", "RELKILL");
        inv(!has(UVM_VNODE_WANTED) || has(UVM_VNODE_BLOCKED), "UvnWantedImpliesBlockedInv", "WANTED while not blocked");
        inv(has(UVM_VNODE_WRITEABLE) == layer.globals.onWlist(this), "UvnWlistMatchesWriteableInv",
                "WRITEABLE=" + has(UVM_VNODE_WRITEABLE) + " but onWlist=" + layer.globals.onWlist(this));
        inv(!onSyncq || uo_refs >= 1, "UvnSyncQueueHoldsRefInv", "on the sync queue without a reference");
        synchronized (vp) {
            boolean holds = (valid && uo_refs > 0) || killInProgress;
            inv(vp.usecount() == vp.externalRefs + vp.uvnRefs && vp.uvnRefs == (holds ? 1 : 0), "UvnVnodeRefBalanceInv",
                    "vnode usecount=" + vp.usecount() + " external=" + vp.externalRefs + " uvnRefs=" + vp.uvnRefs
                            + " but the uvn should hold " + (holds ? 1 : 0));
        }
        inv(!valid || gen == vp.generation(), "UvnRecycleSafetyInv",
                "valid object of generation " + gen + " on vnode generation " + vp.generation());
        int n = 0;
        VmPage prev = null;
        for (VmPage pg = memqHead; pg != null; prev = pg, pg = pg.listqNext) {
            n++;
            inv(pg.listqPrev == prev && pg.uobject == this && (pg.flags & VmPage.PG_TABLED) != 0 && hash.get(pg.offset) == pg,
                    "UvnNpagesMatchesMemqInv", "memq page not tabled here: " + pg);
            inv(!pg.isReleased() || pg.isBusy(), "PgReleasedImpliesBusyInv", pg.toString());
            inv((pg.flags & VmPage.PG_FAKE) == 0 || pg.isBusy(), "PgFakeImpliesBusyInv", pg.toString());
            inv(pg.isBusy() == (pg.owner != null), "PgBusyHasOwnerInv", pg.toString());
            inv(pg.offset < u_size || pg.isBusy(), "PgNoneBeyondEofInv", pg.toString());
            inv(pg.isBusy() || pg.pqueue != VmPage.Queue.INACTIVE || pg.prot() != VmPage.Prot.WRITE,
                    "PgInactiveUnmappedInv", pg.toString());
            inv(pg.generation == vp.generation(), "UvnRecycleSafetyInv",
                    "page of generation " + pg.generation + " on vnode generation " + vp.generation() + ": " + pg);
        }
        inv(n == uo_npages && hash.size() == n && memqTail == prev, "UvnNpagesMatchesMemqInv",
                "memq has " + n + " pages, hash " + hash.size());
        inv(u_nio == inIo.size() && (u_nio == 0 || uo_npages > 0), "UvnNioCountsIoInv", "threads in io " + inIo.size());
        inv(!has(UVM_VNODE_IOSYNCWANTED) || has(UVM_VNODE_IOSYNC), "UvnIosyncWantedImpliesIosyncInv", "");
        inv(!has(UVM_VNODE_IOSYNC) || drainers > 0, "UvnNoLeakedIosyncInv", "IOSYNC set and nobody drains u_nio");
    }

    // ------------------------------------------------------------------ observers (tests, simulation)

    public int flags() { lockObj(); try { return u_flags; } finally { unlockObj(); } }
    public int refs() { lockObj(); try { return uo_refs; } finally { unlockObj(); } }
    public int npages() { lockObj(); try { return uo_npages; } finally { unlockObj(); } }
    public long size() { lockObj(); try { return u_size; } finally { unlockObj(); } }
    public int nio() { lockObj(); try { return u_nio; } finally { unlockObj(); } }
    public Vnode vnode() { return vp; }

    /** The resident page at {@code off}, or null (object lock taken and dropped). */
    public VmPage lookup(long off) { lockObj(); try { return pagelookup(off); } finally { unlockObj(); } }

    /** Locks the object for a caller of flush/get (the pager-ops contract). */
    public void lock() { lockObj(); }

    public void unlock() { unlockObj(); }

    public boolean lockedByMe() { return vmobjlock.held(); }

    // ------------------------------------------------------------------ globals

    /**
     * uvm_vnode.c's globals (L82-88): {@code uvn_wlist} with {@code uvn_wl_lock}, and
     * {@code uvn_sync_q} with {@code uvn_sync_lock}. The wlist is a LIST_ENTRY-style doubly linked
     * list with a head sentinel, so an unlocked unlink (RE-11) can really corrupt it.
     */
    public static final class Globals {
        final SimpleLock uvnWlLock;
        private final UvmVnode wlHead;              // sentinel
        private final ReentrantLock uvnSyncLock = new ReentrantLock();   // lockmgr: held across sleeps
        private final List<UvmVnode> uvnSyncQ = new ArrayList<>();       // guarded by uvnSyncLock
        private final UvmSched sched;

        Globals(UvmSched sched) {
            this.sched = sched;
            this.uvnWlLock = new SimpleLock("uvn_wl_lock", sched);
            this.wlHead = null;
            this.head = new WlNode();
        }

        private final WlNode head;

        /** The sentinel's links (the list head). */
        private static final class WlNode { UvmVnode next; }

        // LIST_INSERT_HEAD(&uvn_wlist, uvn, u_wlist) under uvn_wl_lock
        void wlInsert(UvmVnode uvn) {
            uvnWlLock.lock();
            try {
                if (onWlistRaw(uvn)) throw new Panic("uvn_attach: uvn already on uvn_wlist, vnode " + uvn.vp.fileId);
                uvn.wlNext = head.next;
                if (head.next != null) head.next.wlPrev = uvn;
                uvn.vp.sched().pause("wlist.insert", uvn);
                head.next = uvn;
                uvn.wlPrev = null;
                uvn.inWlist = true;
            } finally {
                uvnWlLock.unlock();
            }
        }

        // LIST_REMOVE(uvn, u_wlist): with uvn_wl_lock unless the caller is sync's unlink (RE-11)
        void wlRemove(UvmVnode uvn, boolean takeLock) {
            if (takeLock) uvnWlLock.lock();
            try {
                UvmVnode n = uvn.wlNext;
                UvmVnode p = uvn.wlPrev;
                if (n != null) n.wlPrev = p;
                uvn.vp.sched().pause("wlist.remove", uvn);
                if (p == null) head.next = n; else p.wlNext = n;
                uvn.wlNext = uvn.wlPrev = null;
                uvn.inWlist = false;
            } finally {
                if (takeLock) uvnWlLock.unlock();
            }
        }

        boolean onWlist(UvmVnode uvn) {
            return onWlistRaw(uvn);
        }

        private boolean onWlistRaw(UvmVnode uvn) {
            int guard = 0;
            for (UvmVnode u = head.next; u != null && guard < 1_000_000; u = u.wlNext, guard++) if (u == uvn) return true;
            return false;
        }

        /** The uvns on uvn_wlist, head first. */
        public List<UvmVnode> wlist() {
            uvnWlLock.lock();
            try {
                List<UvmVnode> l = new ArrayList<>();
                for (UvmVnode u = head.next; u != null && l.size() < 1_000_000; u = u.wlNext) l.add(u);
                return l;
            } finally {
                uvnWlLock.unlock();
            }
        }

        void checkInvariants(VnodeLayer layer) {
            uvnWlLock.lock();
            try {
                UvmVnode prev = null;
                Set<UvmVnode> seen = new HashSet<>();
                for (UvmVnode u = head.next; u != null; prev = u, u = u.wlNext) {
                    if (!seen.add(u) || u.wlPrev != prev) {
                        throw new UvmFlaw("UvnWlistMatchesWriteableInv", "uvn_wlist is not well formed at vnode " + u.vp.fileId);
                    }
                }
                for (int i = 0; i < layer.nvnodes(); i++) {
                    UvmVnode u = layer.vnode(i).uvn;
                    if (u.inWlist != seen.contains(u)) {
                        throw new UvmFlaw("UvnWlistMatchesWriteableInv", "vnode " + i + " believes it is "
                                + (u.inWlist ? "" : "not ") + "on uvn_wlist but the list " + (seen.contains(u) ? "has" : "lacks") + " it");
                    }
                }
            } finally {
                uvnWlLock.unlock();
            }
        }

        /** uvm_vnp_sync: flush every writeable uvn (mp == NULL: all mounts). */
        // uvm_vnode.c uvm_vnp_sync(), L1926
        public void sync(VnodeLayer layer) {
            UvmRoughEdges re = layer.re;
            lockSyncLock();                                                 // L1937
            try {
                uvnSyncQ.clear();                                           // L1945: re-initialized on every sync
                uvnWlLock.lock();
                for (UvmVnode uvn = head.next; uvn != null; uvn = uvn.wlNext) {   // L1946-1994
                    boolean got = false;
                    long spins = 0;
                    long spinStart = System.nanoTime();
                    final UvmVnode cur = uvn;
                    while ((uvn.u_flags & UVM_VNODE_BLOCKED) == 0) {        // L1955-1958: unlocked read, try-lock spin
                        got = uvn.vmobjlock.tryLock();
                        if (got) break;
                        if (++spins % 1000 == 0) {
                            if (!re.re14SyncTryLockSpin && spins > 100_000) break;   // RE-14 fix: bounded, then skip
                            sched.checkBound(spinStart, "sync_trylock", "object lock of vnode " + uvn.vp.fileId, cur.vmobjlock::owner);
                            Thread.onSpinWait();
                        }
                    }
                    if (!got) continue;                                     // L1974-1978
                    if ((uvn.u_flags & UVM_VNODE_BLOCKED) != 0) {
                        uvn.unlockObj();
                        continue;
                    }
                    if (uvn.uo_refs == 0) {                                  // L1984-1985
                        if (re.re12SyncVrefsFreeVnode) {
                            try {
                                uvn.vrefUvn();                           // RE-12: vref of a vnode that may be free
                            } catch (RuntimeException e) {
                                uvn.unlockObj();
                                throw e;
                            }
                        } else {
                            uvn.vgetUvn();                               // RE-12 fix: vget takes it off the free list
                        }
                    }
                    uvn.noResurrection("uvm_vnp_sync");
                    uvn.uo_refs++;
                    uvn.unlockObj();
                    uvnSyncQ.add(0, uvn);                                    // L1992: head insertion
                    uvn.onSyncq = true;
                }
                uvnWlLock.unlock();                                         // L1994
                for (UvmVnode uvn : new ArrayList<>(uvnSyncQ)) {            // L2002-2028 (snapshot: RE-26)
                    uvn.lockObj();
                    // L2005-2007: DIAGNOSTIC printf if DYING (concurrent forced terminate)
                    uvn.flush(0, 0, PGO_CLEANIT | PGO_ALLPAGES | PGO_DOACTCLUST);
                    if (uvn.uo_refs == 1 && uvn.has(UVM_VNODE_WRITEABLE)) { // L2018-2022
                        uvn.layer.globals.wlRemove(uvn, !re.re11SyncUnlinksWithoutWlLock);   // RE-11
                        uvn.u_flags &= ~UVM_VNODE_WRITEABLE;
                    }
                    uvn.onSyncq = false;
                    uvn.unlockObj();
                    uvn.detach();                                           // L2027
                }
                uvnSyncQ.clear();
            } finally {
                if (uvnWlLock.held()) uvnWlLock.unlock();
                uvnSyncLock.unlock();                                       // L2033
            }
        }

        private void lockSyncLock() {
            try {
                if (!uvnSyncLock.tryLock(sched.deadlockBoundNanos, TimeUnit.NANOSECONDS)) {
                    throw new UvmDeadlock(Thread.currentThread().getName() + " -[uvn_sync_lock]-> held too long");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UvmDeadlock("interrupted waiting for uvn_sync_lock");
            }
        }
    }

    boolean inWlist;   // ghost: this uvn believes it is on uvn_wlist (set with the links)
}
