// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import java.util.HashMap;
import java.util.Map;

/**
 * Stand-in (outside seed): the pager's callers, reduced to what exercises it, as in
 * shared/reference/uvm_vnode.md §6.2. {@link #mmap} is uvm_mmap (open, attach, close),
 * {@link #fork} is a map-entry copy ({@code uvn_reference}), {@link #munmap} is uvm_unmap
 * ({@code uvn_detach}), {@link #fault} is uvm_fault's object-page path (LOCKED get, then the
 * slow get, the RELEASED check, unbusy, activate, pmap_enter), {@link #store}/{@link #load} go
 * through the MMU, {@link #msync} is uvm_map_clean (flush CLEANIT[|SYNCIO], then VOP_FSYNC, the
 * durability point of this toy FS), {@link #truncate} is ffs_truncate (size, setsize, uncache
 * under the vnode lock), {@link #pageout} is one pagedaemon pageout of an inactive page.
 *
 * <p>Results: 0 (VM_PAGER_OK) or a pager error code.
 */
public final class UvmFaultClient {
    private final VnodeLayer layer;

    public UvmFaultClient(VnodeLayer layer) { this.layer = layer; }

    /** One map entry of a file: its own pmap entries (page pointers validated by the page's prot). */
    public static final class Mapping {
        public final Vnode vp;
        public final boolean writable;
        private boolean unmapped;
        final Map<Long, VmPage> pmap = new HashMap<>();
        /** The mapper thread of this mapping in a UvmVnode trace ({@link UvmTrace}); null when not traced. */
        String traceThread;

        Mapping(Vnode vp, boolean writable) {
            this.vp = vp;
            this.writable = writable;
        }

        public boolean unmapped() { return unmapped; }
    }

    /** uvm_mmap of a file: vget (open), uvn_attach, vrele (close). Null if the attach failed. */
    public Mapping mmap(Vnode vp, boolean writable) {
        vp.vgetExternal();
        try {
            UvmVnode u = vp.uvn.attach(writable);
            Mapping m = u == null ? null : new Mapping(vp, writable);
            UvmTrace tr = layer.trace;
            if (tr != null && tr.traces(vp)) {
                String t = tr.newMapper();
                if (m != null) m.traceThread = t;
                traceEnd(tr, tr.event("Attach", t).bool("w", writable), vp);
                if (m == null && tr.unmapped(t)) traceEnd(tr, tr.event("MapperQuit", t), vp);
            }
            return m;
        } finally {
            vp.vreleExternal();
        }
    }

    /** A copied map entry (fork): uvn_reference. */
    public Mapping fork(Mapping m) {
        checkMapped(m);
        m.vp.uvn.reference();
        Mapping f = new Mapping(m.vp, m.writable);
        UvmTrace tr = layer.trace;
        if (tr != null && m.traceThread != null) {
            f.traceThread = m.traceThread;
            tr.forked(m.traceThread);
            traceEnd(tr, tr.event("Reference", m.traceThread), m.vp);
        }
        return f;
    }

    /** uvm_unmap: drops this entry's pmap entries and its reference (uvn_detach). */
    public void munmap(Mapping m) {
        checkMapped(m);
        m.unmapped = true;
        m.pmap.clear();
        m.vp.uvn.detach();
        UvmTrace tr = layer.trace;
        if (tr != null && m.traceThread != null) {
            traceEnd(tr, tr.event("Detach", m.traceThread), m.vp);
            if (tr.unmapped(m.traceThread)) traceEnd(tr, tr.event("MapperQuit", m.traceThread), m.vp);
        }
    }

    /**
     * Ends a trace event with the object's state after the operation, under the object lock
     * (taken if the operation returned without it).
     */
    private static void traceEnd(UvmTrace tr, dev.bioref.trace.TraceLog.Event e, Vnode vp) {
        UvmVnode u = vp.uvn;
        boolean mine = u.lockedByMe();
        if (!mine) u.lock();
        try {
            tr.end(e, u);
        } finally {
            if (!mine) u.unlock();
        }
    }

    /** An operation on the traced vnode that UvmVnode.tla does not model. */
    private void traceUnmodelled(Vnode vp, String op) {
        UvmTrace tr = layer.trace;
        if (tr != null && tr.traces(vp)) tr.unmodelled(op);
    }

    private static void checkMapped(Mapping m) {
        if (m.unmapped) throw new IllegalStateException("mapping of vnode " + m.vp.fileId + " already unmapped");
    }

    private static void checkOffset(long off, int len) {
        if (off < 0 || len < 0 || (off % VmPage.PAGE_SIZE) + len > VmPage.PAGE_SIZE) {
            throw new IllegalArgumentException("access [" + off + ", +" + len + ") is negative or crosses a page");
        }
    }

    /** uvm_fault on an object page; the page ends up resident, unbusy and mapped. */
    public int fault(Mapping m, long off, boolean write) {
        checkMapped(m);
        if (write && !m.writable) throw new IllegalArgumentException("write fault on a read-only mapping of vnode " + m.vp.fileId);
        long pgoff = off - off % VmPage.PAGE_SIZE;
        UvmVnode u = m.vp.uvn;
        u.lock();
        VmPage[] pps = {null};
        int[] n = {0};
        boolean missing = false;                             // trace: the page was read in (the spec's Fault)
        int r = u.get(pgoff, pps, n, 0, UvmVnode.PGO_LOCKED);
        VmPage pg;
        if (r == UvmVnode.VM_PAGER_OK && pps[0] != null) {
            pg = pps[0];
            u.unlock();
        } else {
            pps[0] = null;
            r = u.get(pgoff, pps, n, 0, 0);                  // returns unlocked
            if (r != UvmVnode.VM_PAGER_OK) {
                // past EOF (BAD) nothing changed: not logged (the spec's pages are the file's)
                if (r != UvmVnode.VM_PAGER_BAD) traceFault(m, pgoff);
                return r;
            }
            pg = pps[0];
            missing = true;
        }
        layer.sched.pause("fault.busy", u);                  // the fault holds a busy page, object unlocked
        u.lock();
        if (pg.isReleased() && !layer.guards.ownerIgnoresReleased) {   // the object was flushed with FREE meanwhile
            if ((pg.flags & VmPage.PG_WANTED) != 0) layer.sched.wakeup(pg);
            pg.flags &= ~VmPage.PG_WANTED;
            if (u.releasepg(pg)) u.unlock();
            if (missing) traceFault(m, pgoff);
            return UvmVnode.VM_PAGER_ERROR;
        }
        if ((pg.flags & VmPage.PG_WANTED) != 0) layer.sched.wakeup(pg);
        pg.flags &= ~(VmPage.PG_WANTED | VmPage.PG_BUSY);
        pg.owner = null;
        pg.ownerTag = null;
        layer.pageq.pageqLock.lock();
        if (pg.wireCount == 0) layer.pageq.pageactivate(pg);
        layer.pageq.pageqLock.unlock();
        pg.pmapEnter(write ? VmPage.Prot.WRITE : VmPage.Prot.READ);
        if (missing) traceFault(m, pgoff);
        u.unlock();
        m.pmap.put(pgoff, pg);
        return UvmVnode.VM_PAGER_OK;
    }

    /** Trace point of a fault that read the page in (the spec's Fault; a resident page's fault is part of Store). */
    private void traceFault(Mapping m, long pgoff) {
        UvmTrace tr = layer.trace;
        if (tr != null && m.traceThread != null) traceEnd(tr, tr.event("Fault", m.traceThread).num("o", pgoff / VmPage.PAGE_SIZE), m.vp);
    }

    /** A user store through the mapping; faults as needed. */
    public int store(Mapping m, long off, byte[] bytes) {
        checkMapped(m);
        checkOffset(off, bytes.length);
        long pgoff = off - off % VmPage.PAGE_SIZE;
        for (int tries = 0; tries < 8; tries++) {
            VmPage pg = m.pmap.get(pgoff);
            if (pg != null && pg.userStore((int) (off - pgoff), bytes, layer.versionClock.incrementAndGet())) {
                UvmTrace tr = layer.trace;
                if (tr != null && m.traceThread != null) {
                    traceEnd(tr, tr.event("Store", m.traceThread).num("o", pgoff / VmPage.PAGE_SIZE), m.vp);
                }
                return 0;
            }
            int r = fault(m, off, true);
            if (r != UvmVnode.VM_PAGER_OK) return r;
        }
        return UvmVnode.VM_PAGER_AGAIN;
    }

    /** A user load through the mapping; faults as needed. Null with {@code err[0]} set on a fault error. */
    public byte[] load(Mapping m, long off, int len, int[] err) {
        checkMapped(m);
        checkOffset(off, len);
        long pgoff = off - off % VmPage.PAGE_SIZE;
        for (int tries = 0; tries < 8; tries++) {
            VmPage pg = m.pmap.get(pgoff);
            byte[] b = pg == null ? null : pg.userLoad((int) (off - pgoff), len);
            if (b != null) return b;
            int r = fault(m, off, false);
            if (r != UvmVnode.VM_PAGER_OK) {
                if (err != null) err[0] = r;
                return null;
            }
        }
        if (err != null) err[0] = UvmVnode.VM_PAGER_AGAIN;
        return null;
    }

    /** uvm_map_clean: flush CLEANIT [| SYNCIO] over [lo, hi); with sync, VOP_FSYNC after a TRUE flush. */
    public boolean msync(Mapping m, long lo, long hi, boolean sync) {
        checkMapped(m);
        UvmVnode u = m.vp.uvn;
        u.lock();
        boolean ok = u.flush(lo, hi, UvmVnode.PGO_CLEANIT | (sync ? UvmVnode.PGO_SYNCIO : 0));
        UvmTrace tr = layer.trace;
        if (tr != null && m.traceThread != null) {
            long first = Math.max(0, lo) / VmPage.PAGE_SIZE, last = (hi - 1) / VmPage.PAGE_SIZE;
            long[] range = java.util.stream.LongStream.rangeClosed(first, last).toArray();
            traceEnd(tr, tr.event("Msync", m.traceThread).nums("range", range).bool("sync", sync), m.vp);
        }
        if (u.lockedByMe()) u.unlock();
        if (ok && sync) ok = m.vp.vopFsync() == 0;           // durability point of the toy FS
        return ok;
    }

    /** ffs_truncate / ftruncate: the FS size, then uvm_vnp_setsize and uvm_vnp_uncache, under the vnode lock. */
    public boolean truncate(Vnode vp, long n) {
        traceUnmodelled(vp, "truncate");
        vp.vgetExternal();
        vp.vnLock();
        try {
            vp.fsSetSize(n);
            vp.uvn.setsize(n);
            return vp.uvn.uncache();
        } finally {
            vp.vopUnlock();
            vp.vreleExternal();
        }
    }

    /** The file grows (write(2) past EOF, ftruncate up) without uncache: the FS size, then setsize. */
    public void grow(Vnode vp, long n) {
        vp.vgetExternal();
        vp.vnLock();
        try {
            if (n < vp.fsSize()) throw new IllegalArgumentException("grow to " + n + " below the size " + vp.fsSize());
            if ((vp.uvn.flags() & UvmVnode.UVM_VNODE_VALID) != 0) traceUnmodelled(vp, "grow");   // else setsize changes nothing
            vp.fsSetSize(n);
            vp.uvn.setsize(n);
        } finally {
            vp.vopUnlock();
            vp.vreleExternal();
        }
    }

    /** sys_sync's pager part: uvm_vnp_sync(NULL). */
    public void sync() {
        UvmTrace tr = layer.trace;
        if (tr != null && (tr.vp.uvn.flags() & UvmVnode.UVM_VNODE_WRITEABLE) != 0) tr.unmodelled("sync");
        layer.globals.sync(layer);
    }

    /** uvm_fault_wire of one page: fault it in, then wire it. */
    public int wire(Mapping m, long off) {
        traceUnmodelled(m.vp, "wire");
        int r = fault(m, off, false);
        if (r != 0) return r;
        UvmVnode u = m.vp.uvn;
        u.lock();
        try {
            VmPage pg = u.pagelookup(off - off % VmPage.PAGE_SIZE);
            if (pg == null) return UvmVnode.VM_PAGER_ERROR;
            layer.pageq.pageqLock.lock();
            layer.pageq.pagewire(pg);
            layer.pageq.pageqLock.unlock();
            return 0;
        } finally {
            u.unlock();
        }
    }

    /**
     * One pagedaemon pageout of the page at {@code off} if it is resident, idle and inactive or
     * dirty: busy it, write it alone with NOWAIT (uvm_pager_put via pgo_put), then finish like
     * uvmpd_scan: a PG_RELEASED page goes to releasepg (which may complete a RELKILL). Returns
     * the pager result, or -1 if there was nothing to page out.
     */
    public int pageout(Vnode vp, long off) {
        UvmVnode u = vp.uvn;
        u.lock();
        VmPage pg = u.pagelookup(off - off % VmPage.PAGE_SIZE);
        if (pg == null || pg.isBusy() || pg.wireCount > 0) {
            u.unlock();
            return -1;
        }
        if (pg.isClean() && pg.pmapIsModified()) pg.flags &= ~VmPage.PG_CLEAN;
        pg.flags |= VmPage.PG_BUSY;
        pg.owner = Thread.currentThread();
        pg.ownerTag = "pageout";
        pg.pmapPageProtect(VmPage.Prot.NONE);
        int r;
        boolean traced = false;
        if (pg.isClean()) {
            r = UvmVnode.VM_PAGER_OK;
        } else {
            r = u.put(new VmPage[] {pg}, 0, false);          // NOWAIT; unlocks
            layer.sched.pause("pageout.done", u);
            u.lock();
            traced = true;                                   // a clean page's pageout writes nothing: not logged
        }
        if ((pg.flags & VmPage.PG_WANTED) != 0) layer.sched.wakeup(pg);
        pg.flags &= ~(VmPage.PG_WANTED | VmPage.PG_BUSY);
        pg.owner = null;
        pg.ownerTag = null;
        if (pg.isReleased() && !layer.guards.ownerIgnoresReleased) {
            pg.flags |= VmPage.PG_BUSY;
            pg.owner = Thread.currentThread();
            if (!u.releasepg(pg)) {                          // object killed and unlocked
                if (traced) tracePageout(vp, off);
                return r;
            }
            if (traced) tracePageout(vp, off);
            u.unlock();
            return r;
        }
        if (r == UvmVnode.VM_PAGER_OK) {
            pg.flags |= VmPage.PG_CLEAN;
            pg.pmapClearModify();
            layer.pageq.pageqLock.lock();
            layer.pageq.pagedeactivate(pg);
            layer.pageq.pageqLock.unlock();
        }
        if (traced) tracePageout(vp, off);
        u.unlock();
        return r;
    }

    /** Trace point of a pageout that wrote the page (the spec's Pageout), object locked or not. */
    private void tracePageout(Vnode vp, long off) {
        UvmTrace tr = layer.trace;
        if (tr != null && tr.traces(vp)) traceEnd(tr, tr.event("Pageout", "d1").num("o", off / VmPage.PAGE_SIZE), vp);
    }
}
