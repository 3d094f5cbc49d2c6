// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * Stand-in (outside seed): {@code struct vm_page} of vm_page.h 1998 with its pmap state.
 * {@code flags} and {@code version} are guarded by the owning object's lock [O]; {@code pqueue}
 * and {@code wireCount} by the page-queue lock [P]; {@code prot}, {@code modified},
 * {@code data} and the ghost {@code dataVersion} by this object's monitor, which stands in for
 * the MMU (user stores do not take the object lock, as in hardware).
 * Pages are never reused: a freed page is dead, so a stale pointer cannot see a new identity.
 */
public final class VmPage {
    public static final int PAGE_SIZE = 4096;

    public static final int PG_BUSY = 0x0001;
    public static final int PG_WANTED = 0x0002;
    public static final int PG_TABLED = 0x0004;
    public static final int PG_CLEAN = 0x0008;
    public static final int PG_CLEANCHK = 0x0010;
    public static final int PG_RELEASED = 0x0020;
    public static final int PG_FAKE = 0x0040;

    public enum Queue { NONE, ACTIVE, INACTIVE }
    public enum Prot { NONE, READ, WRITE }

    public final long offset;
    UvmVnode uobject;          // owning object while TABLED; [O]
    int flags;                 // PG_*; [O]
    long version;              // bumped on alloc and remove; [O]
    int wireCount;             // [P]
    Queue pqueue = Queue.NONE; // [P]
    VmPage listqNext, listqPrev; // memq links (TAILQ); [O]
    boolean freed;             // uvm_pagefree ran (ghost of "back on the free list"); [O]

    // pmap stand-in, guarded by this
    Prot prot = Prot.NONE;
    boolean modified;
    final byte[] data = new byte[PAGE_SIZE];

    // ghosts
    Thread owner;              // UVM_PAGE_OWN: the thread that holds PG_BUSY; [O]
    String ownerTag;           // what the owner does with it ("fault", "pageout", "read"); [O]
    boolean inWrite;           // its data is being written by uvn_io (D4); guarded by this
    long dataVersion;          // version of the data the page holds; guarded by this
    final long generation;     // the vnode's generation when the page was allocated (O12)

    VmPage(UvmVnode uobject, long offset, long generation) {
        this.uobject = uobject;
        this.offset = offset;
        this.generation = generation;
    }

    public boolean isBusy() { return (flags & PG_BUSY) != 0; }
    public boolean isClean() { return (flags & PG_CLEAN) != 0; }
    public boolean isReleased() { return (flags & PG_RELEASED) != 0; }
    public int flags() { return flags; }
    public int wireCount() { return wireCount; }
    public Queue pqueue() { return pqueue; }
    public synchronized Prot prot() { return prot; }
    public synchronized boolean modified() { return modified; }
    public synchronized long dataVersion() { return dataVersion; }
    public synchronized byte[] snapshot() { return data.clone(); }

    // pmap.c pmap_page_protect(): lowers every mapping of the page to prot (never raises)
    synchronized void pmapPageProtect(Prot p) {
        if (p.ordinal() < prot.ordinal()) prot = p;
    }

    // pmap.c pmap_enter(): the fault maps the page with prot
    synchronized void pmapEnter(Prot p) {
        if (p.ordinal() > prot.ordinal()) prot = p;
    }

    // pmap.c pmap_is_modified()
    synchronized boolean pmapIsModified() { return modified; }

    // pmap.c pmap_clear_modify()
    synchronized void pmapClearModify() { modified = false; }

    /**
     * A user store through a mapping (the MMU): succeeds only while the page is mapped writable;
     * returns false for a protection fault. {@code version} is the new ghost data version.
     */
    synchronized boolean userStore(int pgoff, byte[] bytes, long version) {
        if (prot != Prot.WRITE || freed) return false;
        if (inWrite) throw new UvmFlaw("WriteProtectDuringIoInv", "store into page off=" + offset + " while its write is in flight");
        System.arraycopy(bytes, 0, data, pgoff, bytes.length);
        modified = true;
        dataVersion = version;
        return true;
    }

    /** A user load through a mapping: null for a fault (not mapped). */
    synchronized byte[] userLoad(int pgoff, int len) {
        if (prot == Prot.NONE || freed) return null;
        byte[] b = new byte[len];
        System.arraycopy(data, pgoff, b, 0, len);
        return b;
    }

    @Override public String toString() {
        return "pg[off=0x" + Long.toHexString(offset) + " flags=" + flagNames(flags) + " wire=" + wireCount
                + " q=" + pqueue + " prot=" + prot + " mod=" + modified + " owner="
                + (owner == null ? "-" : owner.getName() + "/" + ownerTag) + " v=" + dataVersion + "]";
    }

    static String flagNames(int f) {
        StringBuilder sb = new StringBuilder();
        String[] n = {"BUSY", "WANTED", "TABLED", "CLEAN", "CLEANCHK", "RELEASED", "FAKE"};
        for (int i = 0; i < n.length; i++) if ((f & (1 << i)) != 0) sb.append(sb.length() == 0 ? "" : "|").append(n[i]);
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
