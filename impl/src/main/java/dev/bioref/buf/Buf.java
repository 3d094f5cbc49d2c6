// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.BufLock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A buffer header (struct buf). There are exactly nbuf of them for the life of a
 * {@link BufCache}. A header is either owned (its lock is held by a thread or by the kernel,
 * and it is on no queue) or free (on one of the queues LOCKED, CLEAN, DIRTY, DIRTY_HW, EMPTY,
 * normally unlocked).
 *
 * <p>Guards, one line each, as in the kernel:
 * <ul>
 *   <li>b_flags: the lock owner, except getnewbuf's B_AGE (per-CPU spinlock only, L1957);
 *       atomic (CAS) so that exception cannot lose an owner's update (deviation, see notes).</li>
 *   <li>b_cmd, b_bcount, b_bufsize, b_data, b_error, b_resid, the bio chain, b_dep, b_ops:
 *       the lock owner; while b_cmd != DONE also the I/O completion path.</li>
 *   <li>b_vp, b_loffset: the lock owner, plus the vnode's v_token for the tree insert/remove.
 *       Volatile: read without the lock as hints (findblk, getblk recheck).</li>
 *   <li>b_qindex and the queue links: the per-CPU spinlock of b_qcpu.</li>
 *   <li>b_refs: atomic.</li>
 *   <li>b_runningbufspace: the issuer (set) and biodone (zeroed), each while it acts for the owner.</li>
 * </ul>
 */
public final class Buf {
    // ---- b_flags bits (sys/buf.h names; values are this port's own)
    public static final int B_AGE = 1;             // second chance used up on CLEAN (getnewbuf)
    public static final int B_NEEDCOMMIT = 1 << 1; // NFS; kept as an inert bit
    public static final int B_NOTMETA = 1 << 2;    // hint only
    public static final int B_DIRECT = 1 << 3;     // hint only; cleared by brelse
    public static final int B_DEFERRED = 1 << 4;   // the daemon deferred it once (io_countdeps)
    public static final int B_CACHE = 1 << 5;      // contents valid for b_bcount bytes
    public static final int B_HASHED = 1 << 6;     // in the vnode's hash tree
    public static final int B_DELWRI = 1 << 7;     // delayed write: newer than the disk
    public static final int B_BNOCLIP = 1 << 8;    // device may not clip b_bcount
    public static final int B_KVABIO = 1 << 9;     // VM/KVA: inert in the port
    public static final int B_EINTR = 1 << 10;     // I/O interrupted
    public static final int B_ERROR = 1 << 11;     // last I/O failed; b_error holds the errno
    public static final int B_IOISSUED = 1 << 12;  // vn_strategy ran on this buffer
    public static final int B_INVAL = 1 << 13;     // contents garbage: brelse destroys it
    public static final int B_LOCKED = 1 << 14;    // pinned by the filesystem: LOCKED queue
    public static final int B_NOCACHE = 1 << 15;   // destroy on release; discards a pending write
    public static final int B_MARKER = 1 << 16;    // flushbufqueues scan marker
    public static final int B_RAM = 1 << 17;      // read-ahead mark (getcacheblk refuses it)
    public static final int B_RELBUF = 1 << 18;    // release the memory on release
    public static final int B_HEAVY = 1 << 19;     // heavy-weight: DIRTY_HW, hw daemon, hw counters
    public static final int B_VMIO = 1 << 20;      // backed by memory (always set when sized)
    public static final int B_VNCLEAN = 1 << 21;   // on the vnode's clean tree
    public static final int B_VNDIRTY = 1 << 22;   // on the vnode's dirty tree
    public static final int B_CLUSTER = 1 << 23;   // never on a cache buffer (brelse asserts)
    public static final int B_PAGING = 1 << 24;    // never on a cache buffer (brelse asserts)

    // ---- b_qindex values (enum bufq_type, L72)
    public static final int BQUEUE_NONE = 0;
    public static final int BQUEUE_LOCKED = 1;
    public static final int BQUEUE_CLEAN = 2;
    public static final int BQUEUE_DIRTY = 3;
    public static final int BQUEUE_DIRTY_HW = 4;
    public static final int BQUEUE_EMPTY = 5;
    public static final int BUFFER_QUEUES = 6;

    /** Number of BIO layers per buffer (NBUF_BIO). */
    public static final int NBUF_BIO = 6;

    // The fields of struct buf the port keeps, each with its meaning and its guard (summary above).
    final int b_index;                 // position in the header pool; immutable
    int b_qcpu;                        // per-CPU queue bucket, fixed for life (L637); only a marker's moves, by the daemon that owns it
    final int b_kvasize;               // MAXBSIZE for every header (L640), the unit of dirtykvaspace; immutable
    final BufLock b_lock;              // the buffer lock: its holder (a thread, or KERNPROC for the I/O path) owns the buffer
    final AtomicInteger b_flags = new AtomicInteger();   // B_* bits; the lock owner, except getnewbuf's B_AGE (spinlock, L1957); CAS
    volatile BufCmd b_cmd = BufCmd.DONE;   // the I/O in progress, DONE when none; the owner sets it, biodone clears it
    final AtomicInteger b_refs = new AtomicInteger();    // bqhold holds: keep a released buffer from being recycled; atomic
    volatile int b_qindex = BQUEUE_NONE;   // the queue it is on (NONE while owned); bufpcpu[b_qcpu].spin, read unlocked as a hint
    Buf fl_prev;                       // queue links; guarded by bufpcpu[b_qcpu].spin
    Buf fl_next;                       // queue links; guarded by bufpcpu[b_qcpu].spin
    volatile Vnode b_vp;               // the vnode it caches a block of, or null; the owner, plus v_token for the tree insert/remove
    volatile long b_loffset = Bio.NOOFFSET;   // byte offset of the block in b_vp; same guard as b_vp (read unlocked as a hint)
    volatile int b_bcount;             // valid bytes of the block; the owner (and the I/O path while b_cmd != DONE)
    volatile int b_bufsize;            // bytes of memory allocated (allocbuf); the owner
    volatile long b_runningbufspace;   // bytes this buffer's write counts in runningbufspace; the issuer sets, biodone zeroes
    volatile int b_error;              // errno of the last failed I/O (with B_ERROR); the owner and the I/O path
    volatile int b_resid;              // bytes the last I/O did not transfer; the owner and the I/O path
    volatile byte[] b_data = new byte[0];   // the contents (b_bufsize long); the owner and the I/O path
    final Bio[] b_bio_array = new Bio[NBUF_BIO];   // the bio layers (NBUF_BIO); the array is immutable, each bio the owner's
    final Bio b_bio1;                  // layer 1: the logical I/O the filesystem issues; immutable reference
    final Bio b_bio2;                  // layer 2: the device I/O vn_strategy pushes; immutable reference
    private final List<Object> b_dep = new ArrayList<>();   // a filesystem's dependencies (HAMMER's io); the lock owner
    volatile BioOps b_ops;             // the hooks of the filesystem that hung b_dep; the lock owner
    // trace validation (issue 15), not in the seed: the spec action the next release or bawrite of
    // this buffer is logged as (null: its own name) and, for biodone_write, whether the I/O failed;
    // the lock owner (the completion path while KERNPROC)
    String traceAs;
    boolean traceFail;

    Buf(int index, int qcpu, int kvasize) {
        this.b_index = index;
        this.b_qcpu = qcpu;
        this.b_kvasize = kvasize;
        this.b_lock = new BufLock("buf" + index);
        for (int i = 0; i < NBUF_BIO; i++) b_bio_array[i] = new Bio(this, i);
        b_bio1 = b_bio_array[0];
        b_bio2 = b_bio_array[1];
    }

    // ---- accessors (the kernel's field names)
    public int b_index() { return b_index; }
    public int b_flags() { return b_flags.get(); }
    /** b_flags |= mask. The caller must own the buffer (or act for it on the I/O path). */
    public void setFlags(int mask) { b_flags.updateAndGet(f -> f | mask); }
    /** b_flags &= ~mask. The caller must own the buffer (or act for it on the I/O path). */
    public void clearFlags(int mask) { b_flags.updateAndGet(f -> f & ~mask); }
    /** True if every bit of {@code mask} is set. */
    public boolean hasFlags(int mask) { return (b_flags.get() & mask) == mask; }
    /** True if any bit of {@code mask} is set. */
    public boolean anyFlags(int mask) { return (b_flags.get() & mask) != 0; }
    public BufCmd b_cmd() { return b_cmd; }
    /** Sets b_cmd; owner only, before starting I/O. */
    public void set_b_cmd(BufCmd cmd) { this.b_cmd = cmd; }
    public BufLock b_lock() { return b_lock; }
    public int b_refs() { return b_refs.get(); }
    public int b_qindex() { return b_qindex; }
    public int b_qcpu() { return b_qcpu; }
    public Vnode b_vp() { return b_vp; }
    public long b_loffset() { return b_loffset; }
    public int b_bcount() { return b_bcount; }
    public int b_bufsize() { return b_bufsize; }
    public int b_kvasize() { return b_kvasize; }
    public long b_runningbufspace() { return b_runningbufspace; }
    public int b_error() { return b_error; }
    public void set_b_error(int error) { this.b_error = error; }
    public int b_resid() { return b_resid; }
    public void set_b_resid(int resid) { this.b_resid = resid; }
    /** The buffer's memory, b_bufsize bytes; valid for b_bcount bytes when B_CACHE is set. */
    public byte[] b_data() { return b_data; }
    public Bio b_bio1() { return b_bio1; }
    public Bio b_bio2() { return b_bio2; }
    public Bio b_bio(int i) { return b_bio_array[i]; }
    public BioOps b_ops() { return b_ops; }
    /** Installs the filesystem's hook vector; owner only. */
    public void set_b_ops(BioOps ops) { this.b_ops = ops; }

    // ---- b_dep: the filesystem's dependency list (LIST_HEAD workitem)
    /** An unmodifiable view of b_dep. */
    public List<Object> b_dep() { return Collections.unmodifiableList(b_dep); }
    public boolean dep_isEmpty() { return b_dep.isEmpty(); }
    /** LIST_INSERT_HEAD(&bp->b_dep, ...); owner only. */
    public void dep_add(Object dep) { b_dep.add(0, dep); }
    /** LIST_REMOVE; owner only. Returns true if it was present. */
    public boolean dep_remove(Object dep) { return b_dep.remove(dep); }
    void dep_clear() { b_dep.clear(); }

    /** Symbolic b_flags, for messages. */
    public static String flagNames(int flags) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"AGE", "NEEDCOMMIT", "NOTMETA", "DIRECT", "DEFERRED", "CACHE", "HASHED", "DELWRI",
            "BNOCLIP", "KVABIO", "EINTR", "ERROR", "IOISSUED", "INVAL", "LOCKED", "NOCACHE", "MARKER", "RAM",
            "RELBUF", "HEAVY", "VMIO", "VNCLEAN", "VNDIRTY", "CLUSTER", "PAGING"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                if (sb.length() > 0) sb.append('|');
                sb.append(names[i]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    public static String queueName(int q) {
        return switch (q) {
            case BQUEUE_NONE -> "NONE";
            case BQUEUE_LOCKED -> "LOCKED";
            case BQUEUE_CLEAN -> "CLEAN";
            case BQUEUE_DIRTY -> "DIRTY";
            case BQUEUE_DIRTY_HW -> "DIRTY_HW";
            case BQUEUE_EMPTY -> "EMPTY";
            default -> "q" + q;
        };
    }

    @Override public String toString() {
        Vnode vp = b_vp;
        return "buf" + b_index + "[" + (vp == null ? "-" : vp.name() + "@" + b_loffset)
                + " flags=" + flagNames(b_flags.get()) + " cmd=" + b_cmd + " q=" + queueName(b_qindex)
                + " bcount=" + b_bcount + " bufsize=" + b_bufsize + " refs=" + b_refs.get()
                + " lock=" + b_lock.owner() + "]";
    }
}
