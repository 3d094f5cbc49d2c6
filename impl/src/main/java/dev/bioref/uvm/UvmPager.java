// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Panic;

import java.util.ArrayList;
import java.util.List;

/**
 * Stand-in (outside seed): the generic pager helpers of uvm_pager.c (1998/99) that
 * {@code uvn_flush} calls: {@code uvm_pager_put}, {@code uvm_mk_pcluster} and
 * {@code uvm_pager_dropcluster}, reduced to what an object pager with synchronous I/O needs.
 */
final class UvmPager {
    private UvmPager() { }

    /** The pages written (still BUSY, pp among them) and the pager's result. */
    record PutResult(VmPage[] pages, int result) { }

    /**
     * uvm_pager.c uvm_pager_put(): object and page queues locked on entry; builds the cluster,
     * unlocks the page queues, writes through {@code uvn_put} (which unlocks the object); on an
     * error drops the cluster and retries pp alone. Returns with nothing locked.
     */
    static PutResult put(UvmVnode uvn, VmPage pp, int flags, long start, long stop, boolean vnIsLocked) {
        VmPage[] ppsp = mkPcluster(uvn, pp, flags, start, stop);
        uvn.vp.layer.pageq.pageqLock.unlock();
        int result = uvn.put(ppsp, flags & UvmVnode.PGO_SYNCIO, vnIsLocked);
        if (result == UvmVnode.VM_PAGER_OK || result == UvmVnode.VM_PAGER_PEND) return new PutResult(ppsp, result);
        if (ppsp.length > 1) {
            uvn.lock();
            dropcluster(uvn, pp, ppsp);
            ppsp = new VmPage[] {pp};
            result = uvn.put(ppsp, flags & UvmVnode.PGO_SYNCIO, vnIsLocked);   // retry pp alone
        }
        return new PutResult(new VmPage[] {pp}, result);
    }

    /** uvm_pager.c uvm_mk_pcluster(): pp plus the dirty, idle, resident pages after it, all BUSY and read-only. */
    static VmPage[] mkPcluster(UvmVnode uvn, VmPage pp, int flags, long start, long stop) {
        long[] lohi = uvn.cluster(pp.offset);                             // pgo_cluster: panics past EOF (RE-18)
        long lo = lohi[0], hi = lohi[1];
        if ((flags & UvmVnode.PGO_ALLPAGES) == 0) {
            lo = Math.max(lo, start);
            hi = Math.min(hi, stop);
        }
        List<VmPage> l = new ArrayList<>();
        l.add(pp);
        if ((hi - lo) / VmPage.PAGE_SIZE > UvmVnode.MAXCLUSTER) return l.toArray(new VmPage[0]);
        for (long off = pp.offset + VmPage.PAGE_SIZE; off < hi; off += VmPage.PAGE_SIZE) {
            VmPage pg = uvn.pagelookup(off);
            if (pg == null || pg.isBusy()) break;
            if ((flags & UvmVnode.PGO_DOACTCLUST) == 0 && pg.pqueue == VmPage.Queue.ACTIVE) break;
            if ((pg.flags & VmPage.PG_CLEANCHK) == 0) {
                if (!uvn.vp.layer.guards.flushIgnoresModified && pg.isClean() && pg.pmapIsModified()) pg.flags &= ~VmPage.PG_CLEAN;
                pg.flags |= VmPage.PG_CLEANCHK;
            }
            if (pg.isClean()) break;
            pg.flags |= VmPage.PG_BUSY;
            if (pg.owner != null) throw new Panic("uvm_mk_pcluster: page already owned " + pg);
            pg.owner = Thread.currentThread();
            pg.ownerTag = "flush";
            if (!uvn.vp.layer.guards.flushSkipsWriteProtect) pg.pmapPageProtect(VmPage.Prot.READ);
            l.add(pg);
        }
        return l.toArray(new VmPage[0]);
    }

    /** uvm_pager.c uvm_pager_dropcluster(): unbusies every page but pp; object locked, stays locked. */
    static void dropcluster(UvmVnode uvn, VmPage pp, VmPage[] ppsp) {
        for (VmPage pg : ppsp) {
            if (pg == pp) continue;
            if ((pg.flags & VmPage.PG_WANTED) != 0) uvn.vp.sched().wakeup(pg);
            pg.flags &= ~(VmPage.PG_WANTED | VmPage.PG_BUSY);
            pg.owner = null;
            pg.ownerTag = null;
            if (pg.isReleased()) {
                pg.flags |= VmPage.PG_BUSY;          // releasepg frees it
                pg.owner = Thread.currentThread();
                if (!uvn.releasepg(pg)) throw new Panic("uvm_pager_dropcluster: object died with active page " + pg);
            }
        }
    }
}
