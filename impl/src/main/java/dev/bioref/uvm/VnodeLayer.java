// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Panic;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stand-in (outside seed): the vnode layer and the kernel around the pager, for one mount:
 * {@code nfiles} vnodes over one loopback device, the page queues, the scheduler, the
 * rough-edge switches and uvm_vnode.c's globals ({@link UvmVnode.Globals}).
 *
 * <p>Interface: {@link #vnode(int)} gives file i's vnode; {@link #recycle} is
 * {@code getnewvnode} reusing a vnode from the free list (vclean: vnode lock, terminate, new
 * generation); {@link #forceUnmount} is {@code vgone} of an active vnode (terminate with refs &gt; 0,
 * then deadfs); {@link UvmVnode#sync} is {@code uvm_vnp_sync}. {@link #checkInvariants()} checks
 * every uvn and the globals; {@link #flaws()} lists the action properties that broke.
 */
public final class VnodeLayer {
    public final LoopbackDevice device;
    public final UvmSched sched;
    public final VmPageQueues pageq;
    public final UvmRoughEdges re;
    /** Guard mutation switches (all off in both modes; see {@link UvmGuards}). */
    public final UvmGuards guards = new UvmGuards();
    public final UvmVnode.Globals globals;
    private final List<Vnode> vnodes = new ArrayList<>();
    private final List<UvmFlaw> flaws = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong versionClock = new AtomicLong();
    /** When set, a broken action property throws at once instead of only being recorded. */
    public volatile boolean throwOnFlaw;
    /** Trace events of one vnode for spec UvmVnode (proofs-notes/traces.md); null (off) by default. */
    public volatile UvmTrace trace;

    public VnodeLayer(UvmRoughEdges re, int nfiles, int maxPagesPerFile, int frames, int pagerMapSlots) {
        this.re = Objects.requireNonNull(re, "re").copy();
        if (nfiles <= 0) throw new IllegalArgumentException("nfiles must be positive: " + nfiles);
        if (maxPagesPerFile <= 0) throw new IllegalArgumentException("maxPagesPerFile must be positive: " + maxPagesPerFile);
        this.sched = new UvmSched();
        this.pageq = new VmPageQueues(sched, frames, pagerMapSlots);
        long fileMax = (long) maxPagesPerFile * VmPage.PAGE_SIZE;
        this.device = LoopbackDevice.inMemory(nfiles * fileMax);
        this.globals = new UvmVnode.Globals(sched);
        for (int i = 0; i < nfiles; i++) vnodes.add(new Vnode(this, i, i * fileMax, fileMax));
    }

    /** A small default: 4 files of 32 pages, 256 frames, 8 pager-map slots. */
    public VnodeLayer(UvmMode mode) { this(mode.roughEdges(), 4, 32, 256, 8); }

    public Vnode vnode(int i) {
        if (i < 0 || i >= vnodes.size()) throw new IllegalArgumentException("no vnode " + i + " (have " + vnodes.size() + ")");
        return vnodes.get(i);
    }

    public int nvnodes() { return vnodes.size(); }

    // vfs_subr.c getnewvnode() -> vclean(): reuse a vnode from the free list
    public boolean recycle(Vnode vp) {
        synchronized (vp) {
            if (vp.usecount() != 0 || !vp.onFreeList()) return false;
        }
        vp.vnLock();
        try {
            synchronized (vp) { vp.vxlock = true; }
            vp.uvn.terminate();        // uvm_vnp_terminate() with refs == 0
            sched.pause("vclean.afterTerminate", vp.uvn);
            vp.bumpGeneration();
            traceSystem("Recycle", vp);
        } finally {
            synchronized (vp) { vp.vxlock = false; }
            vp.vopUnlock();
        }
        return true;
    }

    // vfs_subr.c vgone() of an active vnode (forced unmount): terminate with refs > 0, then deadfs
    public void forceUnmount(Vnode vp) {
        vp.vnLock();
        try {
            synchronized (vp) { vp.vxlock = true; }
            vp.uvn.terminate();
            sched.pause("vclean.afterTerminate", vp.uvn);
            synchronized (vp) { vp.dead = true; }
            vp.bumpGeneration();
            traceSystem("ForceUnmount", vp);
        } finally {
            synchronized (vp) { vp.vxlock = false; }
            vp.vopUnlock();
        }
    }

    /** Trace point of recycle / forceUnmount: under the vnode lock, before the unlock; the object lock taken to read its state. */
    private void traceSystem(String action, Vnode vp) {
        UvmTrace tr = trace;
        if (tr == null || !tr.traces(vp)) return;
        vp.uvn.lock();
        try {
            tr.end(tr.event(action, "s1"), vp.uvn);
        } finally {
            vp.uvn.unlock();
        }
    }

    void flaw(String inv, String detail) {
        UvmFlaw f = new UvmFlaw(inv, detail);
        flaws.add(f);
        if (throwOnFlaw) throw f;
    }

    /** A page freed after its write failed: the kernel's printf "changes may be lost" (D2 counts it as reported). */
    public record LossReport(int fileId, long pageOffset, String message) { }

    private final List<LossReport> losses = Collections.synchronizedList(new ArrayList<>());

    void reportLoss(Vnode vp, long pageOffset, String message) { losses.add(new LossReport(vp.fileId, pageOffset, message)); }

    /** The loss reports since the last call, oldest first (and forgets them). */
    public List<LossReport> drainLossReports() {
        synchronized (losses) {
            List<LossReport> l = new ArrayList<>(losses);
            losses.clear();
            return l;
        }
    }

    /** Broken action properties recorded so far (empty when none). */
    public List<UvmFlaw> flaws() {
        synchronized (flaws) { return new ArrayList<>(flaws); }
    }

    public void clearFlaws() { flaws.clear(); }

    /** Every uvn's invariants and the globals' (at rest). Throws {@link UvmFlaw} naming the clause. */
    public void checkInvariants() {
        synchronized (flaws) {
            if (!flaws.isEmpty()) throw flaws.get(0);
        }
        for (Vnode vp : vnodes) vp.uvn.checkInvariants();
        globals.checkInvariants(this);
    }

    void require(boolean c, String what) { if (!c) throw new Panic(what); }
}
