// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Panic;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Stand-in (outside seed): the page queues under {@code uvm_lock_pageq()}, the page allocator
 * ({@code uvm_pagealloc}, {@code uvm_pagefree}, {@code uvm_wait}) with a bounded number of
 * frames, and the pager map's KVA ({@code uvm_pagermapin} with a bounded number of slots).
 * Lock order: object lock, then the page-queue lock.
 */
public final class VmPageQueues {
    final SimpleLock pageqLock;
    private final UvmSched sched;
    final Set<VmPage> active = new LinkedHashSet<>();    // [P]
    final Set<VmPage> inactive = new LinkedHashSet<>();  // [P]
    private int freeFrames;                               // guarded by this
    private int pagerMapFree;                             // guarded by this
    private final Object memoryChan = new Object();       // uvm_wait's channel
    private final Object pagerMapChan = new Object();

    public VmPageQueues(UvmSched sched, int frames, int pagerMapSlots) {
        if (frames <= 0) throw new IllegalArgumentException("frames must be positive: " + frames);
        if (pagerMapSlots <= 0) throw new IllegalArgumentException("pagerMapSlots must be positive: " + pagerMapSlots);
        this.sched = sched;
        this.pageqLock = new SimpleLock("pageq", sched);
        this.freeFrames = frames;
        this.pagerMapFree = pagerMapSlots;
    }

    // uvm_page.c uvm_pagealloc(): a new page is BUSY|CLEAN|FAKE, inserted at the memq tail; null if no frame
    VmPage pagealloc(UvmVnode uobj, long offset) {
        synchronized (this) {
            if (freeFrames == 0) return null;
            freeFrames--;
        }
        VmPage pg = new VmPage(uobj, offset, uobj.vp.generation());
        pg.flags = VmPage.PG_BUSY | VmPage.PG_CLEAN | VmPage.PG_FAKE;
        pg.owner = Thread.currentThread();
        pg.ownerTag = "alloc";
        uobj.pageinsert(pg);
        return pg;
    }

    // uvm_page.c uvm_pagefree(): removes pg from its object and the queues; force-unwires. Caller holds [O] and [P].
    void pagefree(VmPage pg) {
        if (!pageqLock.held()) throw new Panic("uvm_pagefree: page queues not locked, " + pg);
        if (pg.freed) throw new Panic("uvm_pagefree: freeing a free page " + pg);
        if (pg.uobject != null && pg.isBusy() && pg.owner != null && pg.owner != Thread.currentThread()) {
            pg.uobject.freedUnderOwner(pg);                 // ghost check (outside seed): the owner still uses it
        }
        if (pg.uobject != null) pg.uobject.pageremove(pg);
        active.remove(pg);
        inactive.remove(pg);
        pg.pqueue = VmPage.Queue.NONE;
        pg.wireCount = 0;
        pg.flags = 0;
        pg.owner = null;
        synchronized (pg) {
            pg.prot = VmPage.Prot.NONE;
            pg.freed = true;
        }
        synchronized (this) { freeFrames++; }
        sched.wakeup(memoryChan);
    }

    // uvm_page.c uvm_pageactivate()
    void pageactivate(VmPage pg) {
        inactive.remove(pg);
        if (pg.wireCount == 0) {
            active.add(pg);
            pg.pqueue = VmPage.Queue.ACTIVE;
        }
    }

    // uvm_page.c uvm_pagedeactivate(): DIAGNOSTIC "caller did not check wire count"
    void pagedeactivate(VmPage pg) {
        if (pg.wireCount != 0) throw new Panic("uvm_pagedeactivate: caller did not check wire count, " + pg);
        active.remove(pg);
        if (pg.pqueue != VmPage.Queue.INACTIVE) {
            inactive.add(pg);
            pg.pqueue = VmPage.Queue.INACTIVE;
        }
    }

    // uvm_page.c uvm_pagewire()
    void pagewire(VmPage pg) {
        active.remove(pg);
        inactive.remove(pg);
        pg.pqueue = VmPage.Queue.NONE;
        pg.wireCount++;
    }

    // uvm_page.c uvm_pageunwire()
    void pageunwire(VmPage pg) {
        if (pg.wireCount <= 0) throw new Panic("uvm_pageunwire: not wired " + pg);
        if (--pg.wireCount == 0) {
            active.add(pg);
            pg.pqueue = VmPage.Queue.ACTIVE;
        }
    }

    // uvm_page.c uvm_wait(): called with nothing locked; sleeps until a frame is freed
    void uvmWait(String wmesg) {
        long t = sched.interlock(memoryChan);
        synchronized (this) { if (freeFrames > 0) return; }
        sched.sleep(memoryChan, t, wmesg, () -> "a free page frame", () -> null);
    }

    // uvm_pager.c uvm_pagermapin(): false when no KVA is free and !waitok
    boolean pagermapin(boolean waitok) {
        while (true) {
            long t = sched.interlock(pagerMapChan);
            synchronized (this) {
                if (pagerMapFree > 0) {
                    pagerMapFree--;
                    return true;
                }
            }
            if (!waitok) return false;
            sched.sleep(pagerMapChan, t, "pager_map", () -> "pager map KVA", () -> null);
        }
    }

    // uvm_pager.c uvm_pagermapout()
    void pagermapout() {
        synchronized (this) { pagerMapFree++; }
        sched.wakeup(pagerMapChan);
    }

    /** Takes every pager-map slot (test seam: forces mapin(NOWAIT) to fail). Returns how many. */
    public synchronized int exhaustPagerMap() {
        int n = pagerMapFree;
        pagerMapFree = 0;
        return n;
    }

    /** Gives back {@code n} pager-map slots (test seam). */
    public void returnPagerMap(int n) {
        synchronized (this) { pagerMapFree += n; }
        sched.wakeup(pagerMapChan);
    }

    public synchronized int freeFrames() { return freeFrames; }
}
