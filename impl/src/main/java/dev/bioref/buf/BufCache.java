// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.BufLock;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Pause;
import dev.bioref.kern.PausePoint;
import dev.bioref.kern.Sleepq;
import dev.bioref.kern.Spinlock;
import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The DragonFly buffer cache (sys/kern/vfs_bio.c, revision b866b1da) over the loopback device.
 * Ports vfs_bio.c alone, in seed order within each section; the vfs_subr.c and vfs_cluster.c
 * stand-ins it calls are in {@link VfsSubr}, the inspection accessors in {@link BufCacheView},
 * the invariants in {@link BufInvariants}.
 *
 * <p>Interface:
 * <ul>
 *   <li>Make a vnode for a device with {@link #vnode}. Blocks are addressed by byte offset, a
 *       multiple of the vnode's block size, and are at most one block long.</li>
 *   <li>To get a buffer for a block, call {@link #getblk} (contents valid only if B_CACHE is
 *       set) or {@link #bread} (reads it if needed). You then hold the buffer: it is locked
 *       by you and on no queue. Nobody else can get it until you give it back.</li>
 *   <li>Give it back with exactly one of: {@link #brelse} (release; destroys it if B_INVAL,
 *       B_NOCACHE or B_ERROR is set), {@link #bqrelse} (release, keep the contents),
 *       {@link #bdwrite} (mark it dirty and release: the daemons or a sync write it later),
 *       {@link #bawrite} (start writing it and release when the write completes),
 *       {@link #bwrite} (write it, wait, release; returns the error). Do not touch a buffer
 *       after giving it back.</li>
 *   <li>If B_CACHE is clear after getblk you must fill the whole buffer (and then bdwrite/
 *       bwrite/bawrite, which set B_CACHE), read it, or set B_INVAL before releasing it.</li>
 *   <li>{@link #bqhold}/{@link #bqdrop} keep a released buffer from being recycled (not from
 *       being invalidated). {@link #regetblk} takes back a buffer the filesystem parked with
 *       B_LOCKED or dependencies.</li>
 *   <li>Dirty buffers are written by the two buffer daemons ({@link #startDaemons}, or one
 *       deterministic pass with {@link #bufDaemonStep}) or by {@link VfsSubr#vfsync}.</li>
 *   <li>A filesystem hangs dependencies on a buffer (b_dep, b_ops); the cache then calls the
 *       {@link BioOps} hooks at the seed's points.</li>
 *   <li>{@link #checkInvariants()} checks every invariant of the notes (I1-I20) in a quiescent
 *       state: no thread inside a cache call and no I/O in flight.</li>
 * </ul>
 * Misuse (releasing a buffer you do not hold, releasing it twice, a block beyond the device,
 * a bad size) throws an exception naming the bad value and changes nothing. A seed panic or
 * KKASSERT throws {@link Panic} with the seed's wording.
 */
public final class BufCache implements AutoCloseable {
    // findblk flags
    public static final int FINDBLK_TEST = 0x1;
    public static final int FINDBLK_NBLOCK = 0x2;
    public static final int FINDBLK_REF = 0x4;
    // getblk flags
    public static final int GETBLK_PCATCH = 0x1;
    public static final int GETBLK_BHEAVY = 0x2;
    public static final int GETBLK_SZMATCH = 0x4;
    public static final int GETBLK_NOWAIT = 0x8;
    // results of the per-buffer steps of the daemon's and getnewbuf's loops (flushbufqueuesVisit, getnewbufReclaim)
    /** The buffer was busy, or not where the loop would have found it: nothing done. */
    public static final int STEP_SKIPPED = -1;
    /** flushbufqueues: write started, or a B_INVAL buffer destroyed; getnewbuf: header reclaimed. */
    public static final int STEP_DONE = 0;
    /** The filesystem refused (io_checkwrite, or io_deallocate setting B_LOCKED): the buffer was released and kept. */
    public static final int STEP_REFUSED = 1;
    /** flushbufqueues: io_countdeps said wait: put back at the queue's tail with B_DEFERRED. */
    public static final int STEP_DEFERRED = 2;
    /** getnewbuf let go of the header it had reclaimed (flushing hysteresis, or a late hold): destroyed. */
    private static final int STEP_DROPPED = 3;
    // needsbuffer bits
    static final int VFS_BIO_NEED_ANY = 0x1;
    static final int VFS_BIO_NEED_BUFSPACE = 0x2;

    /** One per-CPU bucket (struct bufpcpu, L90): a spinlock and the queues. */
    static final class Bufpcpu {
        final Spinlock spin;
        final BufQueue[] bufqueues = new BufQueue[Buf.BUFFER_QUEUES];

        Bufpcpu(int cpu) {
            spin = new Spinlock("bufpcpu" + cpu);
            for (int q = 0; q < Buf.BUFFER_QUEUES; q++) bufqueues[q] = new BufQueue(q);
        }
    }

    final Params params;
    final BufMutations mut;
    final BufQuirks quirks;
    final int nbuf;
    final int maxbsize;
    final Buf[] buf;
    final Bufpcpu[] bufpcpu;
    final List<Vnode> vnodes = new CopyOnWriteArrayList<>();

    // ---- global counters (§4.1); atomic, no lock
    final AtomicLong bufspace = new AtomicLong();
    final AtomicLong dirtybufcount = new AtomicLong();
    final AtomicLong dirtykvaspace = new AtomicLong();
    final AtomicLong dirtybufspace = new AtomicLong();
    final AtomicLong dirtybufcounthw = new AtomicLong();
    final AtomicLong dirtybufspacehw = new AtomicLong();
    final AtomicLong runningbufspace = new AtomicLong();
    final AtomicLong runningbufcount = new AtomicLong();
    // ---- wait words
    final AtomicInteger needsbuffer = new AtomicInteger();
    final AtomicInteger runningbufreq = new AtomicInteger();
    final AtomicInteger bd_request = new AtomicInteger();
    final AtomicInteger bd_request_hw = new AtomicInteger();
    final AtomicInteger bd_wake_index = new AtomicInteger();
    final AtomicIntegerArray bd_wake_ary;
    private final Object[] bd_wake_chan;
    /** getnewbuf's per-CPU hysteresis flag: deliberately unsynchronised, as in the seed. */
    final boolean[] flushingbufs;

    /** vm_paging_min(): memory is low. Injectable; default never. */
    private volatile BooleanSupplier vm_paging_min = () -> false;
    /** The seed's {@code hz} timeout (1 s) of the daemon and throttle sleeps; tests may shorten it. */
    volatile long hz = Sleepq.HZ_NANOS;

    // ---- daemons
    final Buf marker = newMarker();
    final Buf marker_hw = newMarker();
    private volatile Thread bufdaemon_td;
    private volatile Thread bufdaemonhw_td;
    private volatile boolean daemonsStop;
    private final AtomicLong daemonFlushes = new AtomicLong();

    /**
     * Test seam: runs inside getnewbuf's second-chance update of B_AGE (spinlock held, buffer
     * not locked), so a test can schedule an owner's flag update into that window (§5.5.1).
     * Null outside such tests.
     */
    volatile java.util.function.Consumer<Buf> ageWindow;
    /** Test seam: runs in getnewbuf after its scan found nothing and before it publishes its need (deviation B27). */
    volatile Runnable needsbufferWindow;

    /** Trace validation (issue 15): the sink, null when tracing is off (one null check per step). */
    private volatile TraceLog trace;
    /** The one vnode a trace follows (BufCache.tla models one vnode); steps on others are Unmodelled. */
    private volatile Vnode traceVnode;

    /** Ghost state for the data-safety invariants (I14, I15, I18, I20); see {@link BufInvariants}. */
    final BufInvariants.Ghost ghost = new BufInvariants.Ghost();
    private volatile boolean panicked;
    /** The inspection view (port addition, {@link BufCacheView}); immutable. */
    private final BufCacheView view = new BufCacheView(this);

    /**
     * Turns trace validation on (issue 15, proofs-notes/traces.md "BufCache events"): every step
     * of a BufCache.tla action on a buffer of {@code vp} is logged to {@code log} (spec
     * "BufCache"), under the buffer lock that makes the step atomic. {@code null} turns it off.
     */
    public void traceTo(TraceLog log, Vnode vp) {
        if (log != null && !"BufCache".equals(log.spec())) {
            throw new IllegalArgumentException("traceTo: a BufCache trace must be for spec BufCache, was " + log.spec());
        }
        traceVnode = vp;
        trace = log;
    }

    /** The six flags of BufCache.tla as the trace logs them (bit mask, proofs-notes/traces.md). */
    static long traceFlags(int f) {
        return ((f & Buf.B_DELWRI) != 0 ? 1 : 0) | ((f & Buf.B_CACHE) != 0 ? 2 : 0) | ((f & Buf.B_INVAL) != 0 ? 4 : 0)
                | ((f & Buf.B_LOCKED) != 0 ? 8 : 0) | ((f & Buf.B_ERROR) != 0 ? 16 : 0) | ((f & Buf.B_HASHED) != 0 ? 32 : 0);
    }

    /** Logs a step of {@code action} on bp (header, flags, queue; the block if {@code withBlock}). */
    private void traceStep(TraceLog log, String action, Buf bp, boolean withBlock) {
        if (bp.b_vp != null && bp.b_vp != traceVnode) {
            log.event(TraceSpec.UNMODELLED).str("op", action + " on " + bp.b_vp + " (the trace follows one vnode)").end();
            return;
        }
        TraceLog.Event e = log.event(action).num("h", bp.b_index);
        if (withBlock) e.num("b", bp.b_loffset / bp.b_vp.blksize);
        e.num("flags", traceFlags(bp.b_flags())).str("queue", Buf.queueName(bp.b_qindex)).end();
    }

    /** Logs the release of bp (before its unlock) as bp.traceAs, or {@code action}; clears traceAs. */
    private void traceRelease(Buf bp, String action) {
        String as = bp.traceAs;
        bp.traceAs = null;
        TraceLog log = trace;
        if (log == null) return;
        String a = as != null ? as : action;
        if (a.startsWith(TRACE_UNMODELLED)) {
            log.event(TraceSpec.UNMODELLED).str("op", a.substring(TRACE_UNMODELLED.length())).end();
        } else if (a.equals("biodone_write")) {
            if (bp.b_vp != null && bp.b_vp != traceVnode) {
                traceStep(log, a, bp, false);
                return;
            }
            log.event(a).num("h", bp.b_index).bool("fail", bp.traceFail)
                    .num("flags", traceFlags(bp.b_flags())).str("queue", Buf.queueName(bp.b_qindex)).end();
        } else {
            traceStep(log, a, bp, false);
        }
    }

    /** Marks the next release of bp as a step the spec does not model ({@code op}: what it is). */
    private void traceUnmodelled(Buf bp, String op) {
        if (trace != null) bp.traceAs = TRACE_UNMODELLED + op;
    }

    /** Logs a step the spec does not model at once. */
    private void traceUnmodelledNow(String op) {
        TraceLog log = trace;
        if (log != null) log.event(TraceSpec.UNMODELLED).str("op", op).end();
    }

    /**
     * The filesystem above attached dependencies of {@code kind} ("accept": its hooks let the
     * kernel write and deallocate; "veto": they refuse) to the buffer it holds: BufCache.tla's
     * buf_dep_attach, an action of the filesystem, logged by it through this call.
     */
    public void traceDepAttach(Buf bp, String kind) {
        TraceLog log = trace;
        if (log != null) log.event("buf_dep_attach").num("h", bp.b_index).str("kind", kind).end();
    }

    private static final String TRACE_UNMODELLED = "Unmodelled:";

    /** A cache with {@code params}, no mutations and no seed quirks. */
    public BufCache(Params params) { this(params, BufMutations.none(), BufQuirks.none()); }

    // vfs_bio.c bufinit(), L607
    public BufCache(Params params, BufMutations mutations, BufQuirks quirks) {
        this.params = Objects.requireNonNull(params, "params");
        this.mut = Objects.requireNonNull(mutations, "mutations");
        this.quirks = Objects.requireNonNull(quirks, "quirks");
        params.validate(quirks.seedNegativeLobufspace);
        this.nbuf = params.nbuf();
        this.maxbsize = params.maxbsize();
        this.bufpcpu = new Bufpcpu[params.ncpus()];
        for (int i = 0; i < bufpcpu.length; i++) bufpcpu[i] = new Bufpcpu(i);
        this.flushingbufs = new boolean[params.ncpus()];
        this.bd_wake_ary = new AtomicIntegerArray(params.bdWakeSize());
        this.bd_wake_chan = new Object[params.bdWakeSize()];
        for (int i = 0; i < bd_wake_chan.length; i++) bd_wake_chan[i] = new Object();
        this.buf = new Buf[nbuf];
        int cpu = 0;
        for (int n = 0; n < nbuf; n++) {
            Buf bp = new Buf(n, cpu, maxbsize);
            bp.b_flags.set(Buf.B_INVAL);
            bp.b_cmd = BufCmd.DONE;
            initbufbio(bp);
            bp.b_qindex = Buf.BQUEUE_EMPTY;
            bufpcpu[cpu].bufqueues[Buf.BQUEUE_EMPTY].insertTail(bp);
            buf[n] = bp;
            cpu = (cpu + 1) % bufpcpu.length;
        }
    }

    // vfs_bio.c buf_daemon1(), L2235 (the kmalloc'd B_MARKER header)
    private Buf newMarker() {
        Buf m = new Buf(-1, 0, 0);
        m.b_flags.set(Buf.B_MARKER);
        m.b_qindex = Buf.BQUEUE_NONE;
        return m;
    }

    // ================================================================== vnodes

    /** A block-device vnode over {@code dev} in blocks of {@code blksize} bytes. */
    // port: a block-device vnode (the kernel's come from the VFS; reference §8.2)
    public Vnode vnode(String name, LoopbackDevice dev, int blksize) {
        Objects.requireNonNull(dev, "dev");
        if (blksize <= 0 || blksize % Params.DEV_BSIZE != 0 || blksize > maxbsize) {
            throw new IllegalArgumentException("vnode " + name + ": blksize must be a positive multiple of "
                    + Params.DEV_BSIZE + " and <= MAXBSIZE " + maxbsize + ", was " + blksize);
        }
        Vnode vp = new Vnode(name, this, dev, blksize);
        vnodes.add(vp);
        return vp;
    }

    // ================================================================== wakeups and throttles

    // vfs_bio.c bufspacewakeup(), L228
    void bufspacewakeup() {
        for (;;) {
            int flags = needsbuffer.get();
            if ((flags & VFS_BIO_NEED_BUFSPACE) == 0) break;
            if (needsbuffer.compareAndSet(flags, flags & ~VFS_BIO_NEED_BUFSPACE)) {
                if (!mut.bufspacewakeupSkipsWakeup) Sleepq.wakeup(needsbuffer);
                break;
            }
        }
    }

    // vfs_bio.c runningbufwakeup(), L256
    void runningbufwakeup(Buf bp) {
        long totalspace = bp.b_runningbufspace;
        if (totalspace != 0) {
            runningbufspace.addAndGet(-totalspace);
            runningbufcount.decrementAndGet();
            bp.b_runningbufspace = 0;
            for (;;) {
                int flags = runningbufreq.get();
                if (flags == 0) break;
                if (runningbufreq.compareAndSet(flags, 0)) {
                    if (!mut.runningbufwakeupSkipsWakeup) Sleepq.wakeup(runningbufreq);
                    break;
                }
            }
            bd_signal(totalspace);
        }
    }

    // vfs_bio.c bufcountwakeup(), L293
    void bufcountwakeup() {
        for (;;) {
            int flags = needsbuffer.get();
            if (flags == 0) break;
            if (needsbuffer.compareAndSet(flags, flags & ~VFS_BIO_NEED_ANY)) {
                Sleepq.wakeup(needsbuffer);
                break;
            }
        }
    }

    /**
     * Waits while too many write bytes are in flight. The seed loops while runningbufreq is
     * non-zero, and a waiter's own increment keeps it non-zero until some write completes: with
     * no write in flight it would loop forever (1 s per round). The port stops waiting for the
     * fairness flag when no write is in flight (deviation "waitrunningbufspace self-wait";
     * {@link BufQuirks#seedWaitrunningbufspaceSpin} restores the seed loop).
     */
    // vfs_bio.c waitrunningbufspace(), L323
    public void waitrunningbufspace() {
        long limit = params.hirunningspace() * 4 / 6;
        for (;;) {
            boolean over = runningbufspace.get() > limit;
            int req = runningbufreq.get();
            if (!over && req == 0) return;
            if (!over && !quirks.seedWaitrunningbufspaceSpin && runningbufcount.get() == 0) {
                // nothing in flight will ever clear the fairness flag: clear it and let everyone go
                if (runningbufreq.compareAndSet(req, 0)) Sleepq.wakeup(runningbufreq);
                return;
            }
            long ticket = Sleepq.tsleep_interlock(runningbufreq);
            int flags = runningbufreq.getAndIncrement();
            if (runningbufspace.get() > limit || flags != 0) {
                if (mut.waitrunningbufspaceSkipsWait) return;   // mutation: no throttle
                Sleepq.tsleep(runningbufreq, ticket, "wdrn1", hz);
            }
        }
    }

    // vfs_bio.c buf_dirty_count_severe(), L342
    public boolean buf_dirty_count_severe() {
        return runningbufspace.get() + dirtykvaspace.get() >= params.hidirtybufspace()
                || dirtybufcount.get() >= nbuf / 2;
    }

    // vfs_bio.c buf_runningbufspace_severe(), L353
    public boolean buf_runningbufspace_severe() {
        return runningbufspace.get() >= params.hirunningspace() * 4 / 6;
    }

    // vfs_bio.c bd_speedup(), L390
    public void bd_speedup() {
        long lodirty = params.lodirtybufspace();
        if (dirtykvaspace.get() < lodirty && dirtybufcount.get() < nbuf / 2) return;
        if (bd_request.get() == 0 && (dirtykvaspace.get() > lodirty / 2
                || dirtybufcount.get() - dirtybufcounthw.get() >= nbuf / 2)) {
            if (bd_request.getAndIncrement() == 0 && !mut.bdSpeedupSkipsWakeup) Sleepq.wakeup(bd_request);
        }
        if (bd_request_hw.get() == 0 && (dirtykvaspace.get() > lodirty / 2
                || dirtybufcounthw.get() >= nbuf / 2)) {
            if (bd_request_hw.getAndIncrement() == 0) Sleepq.wakeup(bd_request_hw);
        }
    }

    // vfs_bio.c bd_heatup(), L419
    public long bd_heatup() {
        long lo = params.lodirtybufspace();
        long hi = params.hidirtybufspace();
        long mid1 = lo + (hi - lo) / 2;
        long totalspace = runningbufspace.get() + dirtykvaspace.get();
        if (totalspace >= mid1 || dirtybufcount.get() >= nbuf / 2) {
            bd_speedup();
            long mid2 = mid1 + (hi - mid1) / 2;
            if (totalspace >= mid2) return totalspace - mid2;
        }
        return 0;
    }

    /**
     * The writer throttle: waits for {@code totalspace} bytes' worth of ticket progress, then
     * keeps waiting while running + dirtykva is above hidirtybufspace. Writers typically call
     * {@code bd_wait(bd_heatup())} before dirtying more (the kernel's callers are outside vfs_bio.c).
     */
    // vfs_bio.c bd_wait(), L447
    public void bd_wait(long totalspace) {
        Thread me = Thread.currentThread();
        if (me == bufdaemon_td || me == bufdaemonhw_td) return;
        int mask = params.bdWakeSize() - 1;
        while (totalspace > 0) {
            bd_heatup();
            int i = bd_wake_index.get();
            long cap = runningbufspace.get() + dirtykvaspace.get();
            if (totalspace > cap) totalspace = cap;
            long count = totalspace / maxbsize;
            if (count >= params.bdWakeSize() / 2) count = params.bdWakeSize() / 2;
            i = i + (int) count;
            int mi = i & mask;
            long ticket = Sleepq.tsleep_interlock(bd_wake_chan[mi]);
            bd_wake_ary.incrementAndGet(mi);
            int j = bd_wake_index.get();
            if (i - j >= 0) {
                if (mut.bdWaitSkipsWait) return;   // mutation: no throttle
                Sleepq.tsleep(bd_wake_chan[mi], ticket, "flstik", hz);
            }
            totalspace = runningbufspace.get() + dirtykvaspace.get() - params.hidirtybufspace();
        }
    }

    // vfs_bio.c bd_signal(), L498
    void bd_signal(long totalspace) {
        int mask = params.bdWakeSize() - 1;
        if (totalspace > 0) {
            long max = (long) maxbsize * params.bdWakeSize();
            if (totalspace > max) totalspace = max;
            while (totalspace > 0) {
                int i = bd_wake_index.getAndIncrement() & mask;
                if (bd_wake_ary.getAndSet(i, 0) != 0 && !mut.bdSignalSkipsWakeup) Sleepq.wakeup(bd_wake_chan[i]);   // L508-509
                totalspace -= maxbsize;
            }
        }
    }

    // ================================================================== bio layers

    // vfs_bio.c initbufbio(), L719
    private void initbufbio(Buf bp) {
        bp.b_bio1.bio_prev = null;
        bp.b_bio1.bio_next = bp.b_bio2;
        bp.b_bio1.bio_offset = Bio.NOOFFSET;
        bp.b_bio2.bio_prev = bp.b_bio1;
        bp.b_bio2.bio_next = null;
        bp.b_bio2.bio_offset = Bio.NOOFFSET;
        for (int i = 2; i < Buf.NBUF_BIO; i++) {
            bp.b_bio_array[i].bio_prev = null;
            bp.b_bio_array[i].bio_next = null;
        }
    }

    // vfs_bio.c reinitbufbio(), L743
    private void reinitbufbio(Buf bp) {
        for (Bio bio = bp.b_bio1; bio != null; bio = bio.bio_next) {
            bio.bio_done = null;
            bio.bio_offset = Bio.NOOFFSET;
        }
    }

    /** The next lower layer of {@code bio}, linked in if missing; it must be idle. */
    // vfs_bio.c push_bio(), L768
    public Bio push_bio(Bio bio) {
        Bio nbio = bio.bio_next;
        if (nbio == null) {
            int index = bio.index + 1;
            if (index >= Buf.NBUF_BIO) {
                throw new Panic("push_bio: too many layers " + index + " for bp " + bio.bio_buf);
            }
            nbio = bio.bio_buf.b_bio_array[index];
            bio.bio_next = nbio;
            nbio.bio_prev = bio;
            nbio.bio_next = null;
        }
        Bio chk = nbio;
        Panic.KKASSERT(chk.bio_done == null, () -> "push_bio: layer " + chk + " still in use on " + bio.bio_buf);
        return nbio;
    }

    // vfs_bio.c pop_bio(), L795
    public Bio pop_bio(Bio bio) { return bio.bio_prev; }

    // vfs_bio.c clearbiocache(), L801
    public void clearbiocache(Bio bio) {
        while (bio != null) {
            bio.bio_offset = Bio.NOOFFSET;
            bio = bio.bio_next;
        }
    }

    // ================================================================== queue removal

    // vfs_bio.c _bremfree(), L814
    private void _bremfree(Buf bp) {
        if (bp.b_qindex != Buf.BQUEUE_NONE) {
            Panic.KKASSERT(bp.b_lock.isLocked(), () -> "bremfree: buffer " + bp + " not locked");
            bufpcpu[bp.b_qcpu].bufqueues[bp.b_qindex].remove(bp);
            bp.b_qindex = Buf.BQUEUE_NONE;
        } else {
            if (!bp.b_lock.isLocked()) panic("bremfree: removing a buffer not on a queue: " + bp);
        }
    }

    /** Takes a locked buffer off its free queue (the caller locked it through findblk). */
    // vfs_bio.c bremfree(), L832
    public void bremfree(Buf bp) {
        Bufpcpu pcpu = bufpcpu[bp.b_qcpu];
        pcpu.spin.spin_lock();
        try {
            _bremfree(bp);
        } finally {
            pcpu.spin.spin_unlock();
        }
    }

    // vfs_bio.c bremfree_locked(), L845
    private void bremfree_locked(Buf bp) { _bremfree(bp); }

    // ================================================================== reads

    /**
     * Reads (vp, loffset, size) if it is not cached: {@code bpp[0]} is set to the buffer, which the
     * caller then holds EVEN ON ERROR (and must brelse). Returns 0, or the errno of the read.
     */
    // buf2.h bread() → vfs_bio.c breadnx(), L900
    public int bread(Vnode vp, long loffset, int size, Buf[] bpp) {
        return breadnx(vp, loffset, size, 0, null, null, 0, bpp);
    }

    /** bread plus asynchronous read-ahead of {@code raoffset[i]}/{@code rabsize[i]}, i < cnt. */
    // buf2.h breadn() → vfs_bio.c breadnx(), L900
    public int breadn(Vnode vp, long loffset, int size, long[] raoffset, int[] rabsize, int cnt, Buf[] bpp) {
        return breadnx(vp, loffset, size, 0, raoffset, rabsize, cnt, bpp);
    }

    // vfs_bio.c breadnx(), L900
    int breadnx(Vnode vp, long loffset, int size, int bflags, long[] raoffset, int[] rabsize, int cnt, Buf[] bpp) {
        if (bpp == null || bpp.length < 1) throw new IllegalArgumentException("bread: bpp must hold one buffer");
        bpp[0] = null;
        if (cnt < 0 || (cnt > 0 && (raoffset == null || rabsize == null
                || raoffset.length < cnt || rabsize.length < cnt))) {
            throw new IllegalArgumentException("breadn: read-ahead arrays do not hold cnt=" + cnt + " entries");
        }
        for (int i = 0; i < cnt; i++) checkBlock("breadn", vp, raoffset[i], rabsize[i]);
        checkBlock("bread", vp, loffset, size);
        Buf bp = getblk(vp, loffset, size, 0, 0);
        boolean readwait = false;
        if (!bp.hasFlags(Buf.B_CACHE)) {
            bp.clearFlags(Buf.B_ERROR | Buf.B_EINTR | Buf.B_INVAL | Buf.B_NOTMETA);
            bp.setFlags(bflags);
            bp.b_cmd = BufCmd.READ;
            bp.b_bio1.bio_done = this::biodone_sync;
            bp.b_bio1.bio_flags_set(Bio.BIO_SYNC);
            vfs_busy_pages(vp, bp);
            TraceLog log = trace;
            if (log != null) traceStep(log, "bread", bp, false);   // the READ is issued: BufCache.tla bread
            vn_strategy(vp, bp.b_bio1);
            readwait = true;
        }
        for (int i = 0; i < cnt; i++) {
            if (inmem(vp, raoffset[i])) continue;
            traceUnmodelledNow("breadn read-ahead");
            Buf rabp = getblk(vp, raoffset[i], rabsize[i], 0, 0);
            if (!rabp.hasFlags(Buf.B_CACHE)) {
                rabp.clearFlags(Buf.B_ERROR | Buf.B_EINTR | Buf.B_INVAL | Buf.B_NOTMETA);
                rabp.setFlags(bflags);
                rabp.b_cmd = BufCmd.READ;
                vfs_busy_pages(vp, rabp);
                rabp.b_lock.kernproc();
                vn_strategy(vp, rabp.b_bio1);
            } else {
                brelse(rabp);
            }
        }
        bpp[0] = bp;
        int rv = 0;
        if (readwait) rv = biowait(bp.b_bio1, "biord");
        return rv;
    }

    /**
     * Starts a read of (vp, loffset, size) and returns; {@code func} runs at completion with the
     * bio (in completion context, BIO_DONE clear): it must call {@code bpdone(bp, false)}, clear
     * BIO_DONE|BIO_SYNC and dispose of the buffer. If the block is cached, {@code func} runs at
     * once with BIO_DONE set and must not call bpdone. With {@code func == null} a cached buffer
     * is bqrelse'd and a miss completes and releases itself.
     */
    // vfs_bio.c breadcb(), L859
    public void breadcb(Vnode vp, long loffset, int size, int bflags, BioDone func, Object arg) {
        traceUnmodelledNow("breadcb");
        Buf bp = getblk(vp, loffset, size, 0, 0);
        if (!bp.hasFlags(Buf.B_CACHE)) {
            bp.clearFlags(Buf.B_ERROR | Buf.B_EINTR | Buf.B_INVAL | Buf.B_NOTMETA);
            bp.setFlags(bflags);
            bp.b_cmd = BufCmd.READ;
            bp.b_bio1.bio_done = func;
            bp.b_bio1.bio_caller_info1 = arg;
            vfs_busy_pages(vp, bp);
            bp.b_lock.kernproc();
            vn_strategy(vp, bp.b_bio1);
        } else if (func != null) {
            bp.b_bio1.bio_caller_info1 = arg;
            bp.b_bio1.bio_flags_set(Bio.BIO_DONE);
            func.done(bp.b_bio1);
        } else {
            bqrelse(bp);
        }
    }

    // ================================================================== writes

    /**
     * Writes a held buffer synchronously and releases it; returns 0 or the errno. A failed write
     * leaves the buffer dirty (B_DELWRI|B_ERROR) on the DIRTY queue: nothing is lost.
     */
    // vfs_bio.c bwrite(), L964
    public int bwrite(Buf bp) {
        if (bp.hasFlags(Buf.B_INVAL)) {
            brelse(bp);
            return 0;
        }
        if (!bp.b_lock.ownedByMeOrKernel()) throw new Panic("bwrite: buffer is not busy??? " + bp);
        checkOffQueue("bwrite", bp);
        bp.clearFlags(Buf.B_ERROR | Buf.B_EINTR);
        bp.setFlags(Buf.B_CACHE);
        bp.b_cmd = BufCmd.WRITE;
        bp.b_error = 0;
        bp.b_resid = 0;
        bp.b_bio1.bio_done = this::biodone_sync;
        bp.b_bio1.bio_flags_set(Bio.BIO_SYNC);
        vfs_busy_pages(bp.b_vp, bp);
        bsetrunningbufspace(bp, bp.b_bufsize);
        TraceLog log = trace;
        if (log != null) traceStep(log, "bwrite", bp, false);   // the WRITE is issued; the caller keeps the lock
        vn_strategy(bp.b_vp, bp.b_bio1);
        int error = biowait(bp.b_bio1, "biows");
        brelse(bp);
        return error;
    }

    /** Starts writing a held buffer and gives it away; completion releases it. */
    // vfs_bio.c bawrite(), L1015
    public void bawrite(Buf bp) {
        if (bp.hasFlags(Buf.B_INVAL)) {
            brelse(bp);
            return;
        }
        if (!bp.b_lock.ownedByMeOrKernel()) throw new Panic("bawrite: buffer is not busy??? " + bp);
        checkOffQueue("bawrite", bp);
        bp.clearFlags(Buf.B_ERROR | Buf.B_EINTR);
        bp.setFlags(Buf.B_CACHE);
        bp.b_cmd = BufCmd.WRITE;
        bp.b_error = 0;
        bp.b_resid = 0;
        Panic.KKASSERT(bp.b_bio1.bio_done == null, () -> "bawrite: bio1.bio_done set on " + bp);
        vfs_busy_pages(bp.b_vp, bp);
        bsetrunningbufspace(bp, bp.b_bufsize);
        if (bp.b_lock.ownedByMe()) bp.b_lock.kernproc();
        TraceLog log = trace;
        if (log != null) {   // the WRITE is issued, the lock handed to the completion path
            String as = bp.traceAs;
            bp.traceAs = null;
            traceStep(log, as != null ? as : "bawrite", bp, false);
        }
        vn_strategy(bp.b_vp, bp.b_bio1);
    }

    /**
     * Marks a held, fully valid buffer dirty and releases it; no I/O is started. If the buffer is
     * B_INVAL, it is destroyed instead and the new data discarded (as in the seed).
     */
    // vfs_bio.c bdwrite(), L1061
    public void bdwrite(Buf bp) {
        if (!bp.b_lock.ownedByMeOrKernel()) throw new Panic("bdwrite: buffer is not busy " + bp);
        checkOffQueue("bdwrite", bp);
        if (bp.hasFlags(Buf.B_INVAL)) {
            brelse(bp);
            return;
        }
        bdirty(bp);
        bp.setFlags(Buf.B_CACHE);
        if (bp.b_bio2.bio_offset == Bio.NOOFFSET) {
            bp.b_bio2.bio_offset = bp.b_loffset;   // VOP_BMAP of a device vnode: identity
        }
        if (trace != null) bp.traceAs = "bdwrite";   // the bqrelse below completes BufCache.tla's bdwrite
        bqrelse(bp);
    }

    /** tmpfs's fake write; this port has no VM pages, so it is bdwrite (reference §3.12). */
    // vfs_bio.c buwrite(), L1127
    public void buwrite(Buf bp) { bdwrite(bp); }

    /** Sets B_DELWRI on a held buffer and accounts it; idempotent. */
    // vfs_bio.c bdirty(), L1164
    public void bdirty(Buf bp) {
        Panic.KKASSERT(bp.b_qindex == Buf.BQUEUE_NONE,
                () -> "bdirty: buffer " + bp + " still on queue " + Buf.queueName(bp.b_qindex));
        Panic.KKASSERT(bp.b_vp != null, () -> "bdirty: buffer " + bp + " has no vnode");
        if (bp.hasFlags(Buf.B_NOCACHE)) bp.clearFlags(Buf.B_NOCACHE);   // seed prints a warning
        bp.clearFlags(Buf.B_RELBUF);
        if (!bp.hasFlags(Buf.B_DELWRI)) {
            Vnode vp = bp.b_vp;
            vp.v_token.gettoken();
            try {
                bp.setFlags(Buf.B_DELWRI);
                VfsSubr.reassignbuf(bp);
            } finally {
                vp.v_token.reltoken();
            }
            countDirty(bp, +1);
            bd_heatup();
        }
    }

    /**
     * The dirty accounting of one buffer's B_DELWRI transition, written once: {@code sign} +1 when
     * it becomes dirty (bdirty), -1 when it stops (bundirty, brelse's destroy path). The seed
     * repeats these five atomic adds at each place.
     */
    // vfs_bio.c bdirty(), L1183-1188 / bundirty(), L1231-1236 / brelse(), L1312-1317
    private void countDirty(Buf bp, int sign) {
        dirtybufcount.addAndGet(sign);
        dirtykvaspace.addAndGet(sign * (long) bp.b_kvasize);
        dirtybufspace.addAndGet(sign * (long) bp.b_bufsize);
        if (bp.hasFlags(Buf.B_HEAVY)) {
            dirtybufcounthw.addAndGet(sign);
            dirtybufspacehw.addAndGet(sign * (long) bp.b_bufsize);
        }
    }

    /** Makes a held buffer heavy-weight (flushed by the hw daemon through DIRTY_HW). */
    // vfs_bio.c bheavy(), L1200
    public void bheavy(Buf bp) {
        if (!bp.hasFlags(Buf.B_HEAVY)) {
            bp.setFlags(Buf.B_HEAVY);
            if (bp.hasFlags(Buf.B_DELWRI)) {
                dirtybufcounthw.incrementAndGet();
                dirtybufspacehw.addAndGet(bp.b_bufsize);
            }
        }
    }

    /** Clears B_DELWRI on a held buffer and unaccounts it (the data is considered on disk or discarded). */
    // vfs_bio.c bundirty(), L1223
    public void bundirty(Buf bp) {
        bundirty(bp, BufInvariants.Ghost.Cause.OWNER);
    }

    // vfs_bio.c bundirty(), L1223 (with the ghost cause of the DELWRI 1→0 transition, I18)
    void bundirty(Buf bp, BufInvariants.Ghost.Cause cause) {
        if (bp.hasFlags(Buf.B_DELWRI)) {
            ghost.delwriCleared(bp, cause);
            Vnode vp = bp.b_vp;
            vp.v_token.gettoken();
            try {
                bp.clearFlags(Buf.B_DELWRI);
                VfsSubr.reassignbuf(bp);
            } finally {
                vp.v_token.reltoken();
            }
            countDirty(bp, -1);
            bd_signal(bp.b_bufsize);
        }
        bp.clearFlags(Buf.B_DEFERRED);
    }

    // vfs_bio.c bsetrunningbufspace(), L1251
    void bsetrunningbufspace(Buf bp, int bytes) {
        bp.b_runningbufspace = bytes;
        if (bytes != 0) {
            runningbufspace.addAndGet(bytes);
            runningbufcount.incrementAndGet();
        }
    }

    // ================================================================== release

    /**
     * Releases a held buffer. Keeps a dirty buffer intact; destroys it (identity and memory)
     * if B_INVAL, B_NOCACHE or B_ERROR is set, or it has no memory; queues it by its flags.
     */
    // vfs_bio.c brelse(), L1268
    public void brelse(Buf bp) {
        checkRelease("brelse", bp);
        int savedFlags = bp.b_flags();
        String traceAction = (savedFlags & Buf.B_INVAL) != 0 ? "binval_brelse" : "brelse";
        Panic.KKASSERT(!bp.anyFlags(Buf.B_CLUSTER | Buf.B_PAGING),
                () -> "brelse: inappropriate B_PAGING or B_CLUSTER bp " + bp);

        // a B_NOCACHE release of a dirty buffer discards the pending write (L1287)
        if (bp.hasFlags(Buf.B_NOCACHE | Buf.B_DELWRI)) bundirty(bp, BufInvariants.Ghost.Cause.NOCACHE);

        if ((bp.b_flags() & (Buf.B_INVAL | Buf.B_DELWRI)) == Buf.B_DELWRI) {
            // leave the dirty buffer intact; B_ERROR and B_NOCACHE are ignored here (L1291)
        } else if (bp.anyFlags(Buf.B_NOCACHE | Buf.B_INVAL | Buf.B_ERROR) || bp.b_bufsize <= 0) {
            // destroy path (L1297)
            bp.setFlags(Buf.B_INVAL);
            if (!bp.dep_isEmpty()) buf_deallocate(bp);
            if (bp.hasFlags(Buf.B_DELWRI)) {
                ghost.delwriCleared(bp, BufInvariants.Ghost.Cause.INVAL);
                countDirty(bp, -1);
                bd_signal(bp.b_bufsize);
            }
            bp.clearFlags(Buf.B_DELWRI | Buf.B_CACHE);
        }

        // B_RELBUF arbitration (L1345)
        if (bp.anyFlags(Buf.B_DELWRI | Buf.B_LOCKED) || bp.b_refs.get() != 0) {
            bp.clearFlags(Buf.B_RELBUF);
        } else if (vm_paging_min.getAsBoolean()) {
            if (!bp.dep_isEmpty()) buf_deallocate(bp);    // can set B_LOCKED
            if (bp.anyFlags(Buf.B_DELWRI | Buf.B_LOCKED)) bp.clearFlags(Buf.B_RELBUF);
            else bp.setFlags(Buf.B_RELBUF);
        }

        bp.b_cmd = BufCmd.DONE;

        // memory rundown (L1383-1523); the VM page work is dropped (reference §8.1)
        if (bp.hasFlags(Buf.B_VMIO)) {
            if (bp.anyFlags(Buf.B_INVAL | Buf.B_RELBUF)) vfs_vmio_release(bp);
        } else {
            if (bp.anyFlags(Buf.B_INVAL | Buf.B_RELBUF)) {
                if (bp.b_bufsize != 0) allocbuf(bp, 0);
                Panic.KKASSERT(bp.dep_isEmpty(), () -> "brelse: b_dep not empty on non-VMIO release " + bp);
                if (bp.b_vp != null) VfsSubr.brelvp(bp);
            }
        }

        if (bp.b_qindex != Buf.BQUEUE_NONE) panic("brelse: free buffer onto another queue??? " + bp);

        Bufpcpu pcpu = bufpcpu[bp.b_qcpu];
        pcpu.spin.spin_lock();
        try {
            if (bp.hasFlags(Buf.B_LOCKED) && !mut.brelseLockedToClean) {
                bp.b_qindex = Buf.BQUEUE_LOCKED;
                pcpu.bufqueues[Buf.BQUEUE_LOCKED].insertTail(bp);
            } else if (bp.b_bufsize == 0) {
                bp.setFlags(Buf.B_INVAL);
                Panic.KKASSERT(bp.b_vp == null, () -> "bp1 " + bp + " flags " + Buf.flagNames(savedFlags)
                        + " unexpectedly still associated!");
                Panic.KKASSERT(!bp.hasFlags(Buf.B_HASHED), () -> "brelse: EMPTY buffer still hashed " + bp);
                bp.b_qindex = Buf.BQUEUE_EMPTY;
                pcpu.bufqueues[Buf.BQUEUE_EMPTY].insertHead(bp);
            } else if (bp.anyFlags(Buf.B_INVAL | Buf.B_NOCACHE | Buf.B_RELBUF)) {
                // dead in an all-VMIO world: rundown zeroed b_bufsize (reference §10.4)
                Panic.KKASSERT(bp.b_vp == null, () -> "bp2 " + bp + " flags " + Buf.flagNames(savedFlags)
                        + " unexpectedly still associated!");
                Panic.KKASSERT(!bp.hasFlags(Buf.B_HASHED), () -> "brelse: junk buffer still hashed " + bp);
                bp.setFlags(Buf.B_INVAL);
                bp.b_qindex = Buf.BQUEUE_CLEAN;
                pcpu.bufqueues[Buf.BQUEUE_CLEAN].insertHead(bp);
            } else {
                int q = switch (bp.b_flags() & (Buf.B_DELWRI | Buf.B_HEAVY)) {
                    case Buf.B_DELWRI -> Buf.BQUEUE_DIRTY;
                    case Buf.B_DELWRI | Buf.B_HEAVY -> Buf.BQUEUE_DIRTY_HW;
                    default -> Buf.BQUEUE_CLEAN;
                };
                bp.b_qindex = q;
                pcpu.bufqueues[q].insertTail(bp);
            }
        } finally {
            pcpu.spin.spin_unlock();
        }

        // unreachable: the destroy path cleared B_DELWRI whenever B_INVAL was set (reference §10.3)
        if (bp.hasFlags(Buf.B_INVAL | Buf.B_DELWRI)) bundirty(bp, BufInvariants.Ghost.Cause.INVAL);

        if (!bp.anyFlags(Buf.B_LOCKED | Buf.B_DELWRI)) bufcountwakeup();
        if (bp.b_bufsize != 0 || bp.b_kvasize != 0) bufspacewakeup();

        bp.clearFlags(Buf.B_NOCACHE | Buf.B_RELBUF | Buf.B_DIRECT);
        if (trace != null || bp.traceAs != null) traceRelease(bp, traceAction);
        bp.b_lock.unlock();
    }

    /**
     * Releases a held buffer keeping its contents (LOCKED, DIRTY/DIRTY_HW or CLEAN tail); under
     * memory pressure a clean buffer is handed to brelse.
     */
    // vfs_bio.c bqrelse(), L1649
    public void bqrelse(Buf bp) {
        checkRelease("bqrelse", bp);
        Panic.KKASSERT(!bp.anyFlags(Buf.B_CLUSTER | Buf.B_PAGING),
                () -> "bqrelse: inappropriate B_PAGING or B_CLUSTER bp " + bp);
        Bufpcpu pcpu = bufpcpu[bp.b_qcpu];
        pcpu.spin.spin_lock();
        boolean spinHeld = true;
        try {
            if (bp.hasFlags(Buf.B_LOCKED)) {
                // the seed's comment says dirty LOCKED buffers go to DIRTY first; the code does not (§10.2)
                bp.b_qindex = Buf.BQUEUE_LOCKED;
                pcpu.bufqueues[Buf.BQUEUE_LOCKED].insertTail(bp);
            } else if (bp.hasFlags(Buf.B_DELWRI)) {
                bp.b_qindex = bp.hasFlags(Buf.B_HEAVY) ? Buf.BQUEUE_DIRTY_HW : Buf.BQUEUE_DIRTY;
                pcpu.bufqueues[bp.b_qindex].insertTail(bp);
            } else if (vm_paging_min.getAsBoolean()) {
                pcpu.spin.spin_unlock();
                spinHeld = false;
                if (bp.traceAs == null) traceUnmodelled(bp, "bqrelse under memory pressure (brelse)");
                brelse(bp);
                return;
            } else {
                bp.b_qindex = Buf.BQUEUE_CLEAN;
                pcpu.bufqueues[Buf.BQUEUE_CLEAN].insertTail(bp);
            }
        } finally {
            if (spinHeld) pcpu.spin.spin_unlock();
        }
        if (!bp.hasFlags(Buf.B_LOCKED) && (bp.hasFlags(Buf.B_INVAL) || !bp.hasFlags(Buf.B_DELWRI))) {
            bufcountwakeup();
        }
        if (bp.b_bufsize != 0 && !bp.hasFlags(Buf.B_DELWRI)) bufspacewakeup();
        bp.clearFlags(Buf.B_NOCACHE | Buf.B_RELBUF);
        if (trace != null || bp.traceAs != null) traceRelease(bp, "bqrelse");
        bp.b_lock.unlock();
    }

    /** Holds a buffer against recycling (not against invalidation). */
    // vfs_bio.c bqhold(), L1735
    public void bqhold(Buf bp) {
        bp.b_refs.incrementAndGet();
        TraceLog log = trace;
        if (log != null) traceHold(log, bp);
    }

    /** A hold on a hashed buffer is BufCache.tla's findblk_ref (the hold findblk(FINDBLK_REF|TEST) takes). */
    private void traceHold(TraceLog log, Buf bp) {
        Vnode vp = bp.b_vp;
        if (vp == null || vp != traceVnode || !bp.hasFlags(Buf.B_HASHED)) {
            log.event(TraceSpec.UNMODELLED).str("op", "a hold on a buffer without identity " + bp).end();
        } else {
            log.event("findblk_ref").num("h", bp.b_index).num("b", bp.b_loffset / vp.blksize).end();
        }
    }

    /** Drops a hold taken with bqhold or FINDBLK_REF. */
    // vfs_bio.c bqdrop(), L1741
    public void bqdrop(Buf bp) {
        bqdrop0(bp);
        TraceLog log = trace;
        if (log != null) log.event("bqdrop").num("h", bp.b_index).end();
    }

    // vfs_bio.c bqdrop(), L1741 (findblk's and getblk's own holds: not logged)
    private void bqdrop0(Buf bp) {
        for (;;) {
            int refs = bp.b_refs.get();
            if (refs <= 0) throw new Panic("bqdrop: b_refs > 0 failed: b_refs=" + refs + " on " + bp);
            if (bp.b_refs.compareAndSet(refs, refs - 1)) return;
        }
    }

    // vfs_bio.c vfs_vmio_release(), L1762 (page work dropped; accounting and brelvp kept)
    private void vfs_vmio_release(Buf bp) {
        if (bp.b_bufsize != 0) {
            bufspace.addAndGet(-bp.b_bufsize);
            bp.b_bufsize = 0;
            bp.b_data = new byte[0];
            bufspacewakeup();
        }
        bp.clearFlags(Buf.B_VMIO);
        if (!bp.dep_isEmpty()) {
            panic("vfs_vmio_release: KKASSERT(LIST_FIRST(&bp->b_dep) == NULL) failed: " + bp.b_dep().size()
                    + " deps kept on " + bp + " (io_deallocate refused on a destroy path, reference §3.15)");
        }
        if (bp.b_vp != null) VfsSubr.brelvp(bp);
    }

    /**
     * Asks the filesystem to drop the dependencies of a buffer the cache wants to get rid of
     * (io_deallocate); the caller holds the buffer and it has dependencies. The filesystem may
     * refuse by setting B_LOCKED and keeping them. The cache calls it from getnewbuf's reuse and
     * from brelse (destroy path and memory pressure); public so that a test can play a kernel
     * path that reaches it.
     */
    // buf2.h buf_deallocate() → b_ops->io_deallocate
    public void buf_deallocate(Buf bp) {
        Panic.KKASSERT(!bp.dep_isEmpty(), () -> "buf_deallocate: no deps on " + bp);
        BioOps ops = bp.b_ops;
        if (ops != null) ops.io_deallocate(bp);
    }

    // ================================================================== lookup and allocation

    /**
     * Looks up (vp, loffset). Without FINDBLK_TEST the result is locked but still on its free
     * queue (the caller must bremfree it, or BUF_UNLOCK it to give it back). With FINDBLK_TEST
     * it is not locked: only a hint, held if FINDBLK_REF.
     */
    // vfs_bio.c findblk(), L2556
    public Buf findblk(Vnode vp, long loffset, int flags) {
        Buf bp = findblk0(vp, loffset, flags);
        TraceLog log = trace;
        if (log != null && bp != null && (flags & FINDBLK_TEST) == 0) {
            traceUnmodelledNow("findblk that locks the buffer (flags " + flags + ")");
        } else if (log != null && bp != null && (flags & FINDBLK_REF) != 0) {
            traceHold(log, bp);
        }
        return bp;
    }

    // vfs_bio.c findblk(), L2556 (getblk's lookup: its hold is dropped again, not logged)
    private Buf findblk0(Vnode vp, long loffset, int flags) {
        int lkflags = BufLock.LK_EXCLUSIVE;
        if ((flags & FINDBLK_NBLOCK) != 0) lkflags |= BufLock.LK_NOWAIT;
        Buf bp;
        for (;;) {
            vp.v_token.gettoken_shared();
            try {
                bp = vp.v_rbhash_tree.get(loffset);
                if (bp == null) return null;
                bp.b_refs.incrementAndGet();   // bqhold
            } finally {
                vp.v_token.reltoken();
            }
            if ((flags & FINDBLK_TEST) != 0) break;
            if (bp.b_lock.ownedByMe()) {
                bqdrop0(bp);
                throw new IllegalStateException("findblk: " + bp + " is already held by " + Thread.currentThread().getName());
            }
            if (bp.b_lock.lock(lkflags) != 0) {
                bqdrop0(bp);
                return null;
            }
            if (bp.b_vp == vp && bp.b_loffset == loffset) break;
            bqdrop0(bp);
            bp.b_lock.unlock();
        }
        if ((flags & FINDBLK_REF) == 0) bqdrop0(bp);
        return bp;
    }

    /** True if (vp, loffset) has a buffer (VM page scan dropped). */
    // vfs_bio.c inmem(), L2489
    public boolean inmem(Vnode vp, long loffset) {
        return findblk(vp, loffset, FINDBLK_TEST) != null;
    }

    /**
     * Returns a held buffer only if it is fully valid: with {@code blksize != 0} through getblk,
     * with 0 through findblk without creating one. Null otherwise.
     */
    // vfs_bio.c getcacheblk(), L2642
    public Buf getcacheblk(Vnode vp, long loffset, int blksize, int blkflags) {
        Buf bp;
        if (blksize != 0) {
            bp = getblk(vp, loffset, blksize, blkflags, 0);
            if (bp != null) {
                if ((bp.b_flags() & (Buf.B_INVAL | Buf.B_CACHE)) == Buf.B_CACHE) {
                    bp.clearFlags(Buf.B_AGE);
                    if (bp.hasFlags(Buf.B_RAM)) {
                        bqrelse(bp);
                        bp = null;
                    }
                } else {
                    brelse(bp);
                    bp = null;
                }
            }
        } else {
            bp = findblk(vp, loffset, (blkflags & GETBLK_NOWAIT) != 0 ? FINDBLK_NBLOCK : 0);
            if (bp != null) {
                if ((bp.b_flags() & (Buf.B_INVAL | Buf.B_CACHE | Buf.B_RAM)) == Buf.B_CACHE) {
                    bp.clearFlags(Buf.B_AGE);
                    bremfree(bp);
                } else {
                    bp.b_lock.unlock();
                    bp = null;
                }
            }
        }
        return bp;
    }

    /**
     * The buffer for (vp, loffset) of {@code size} bytes, held by the caller (locked, on no
     * queue, b_cmd DONE). Found buffers keep their contents (B_CACHE as it was, cleared if
     * B_INVAL); new ones have B_CACHE clear. Returns null only with GETBLK_NOWAIT (busy),
     * GETBLK_SZMATCH (size differs), GETBLK_PCATCH or a timeout (see reference §10.8: also
     * after a wait for a free header that succeeded).
     */
    // vfs_bio.c getblk(), L2729
    public Buf getblk(Vnode vp, long loffset, int size, int blkflags, long slptimeoNanos) {
        if (size > maxbsize) throw new Panic("getblk: size(" + size + ") > MAXBSIZE(" + maxbsize + ")");
        checkBlock("getblk", vp, loffset, size);
        for (;;) {
            Buf bp = findblk0(vp, loffset, FINDBLK_REF | FINDBLK_TEST);
            if (bp != null) {
                if (bp.b_lock.ownedByMe()) {
                    bqdrop0(bp);
                    throw new IllegalStateException("getblk: " + bp + " is already held by "
                            + Thread.currentThread().getName() + " (release it first)");
                }
                if (!bp.b_lock.tryLock()) {
                    if ((blkflags & GETBLK_NOWAIT) != 0) {
                        bqdrop0(bp);
                        return null;
                    }
                    int lkflags = mut.getblkSkipsRecheck ? BufLock.LK_EXCLUSIVE   // mutation: no re-check
                            : BufLock.LK_EXCLUSIVE | BufLock.LK_SLEEPFAIL;
                    if ((blkflags & GETBLK_PCATCH) != 0) lkflags |= BufLock.LK_PCATCH;
                    int error = bp.b_lock.lock(lkflags, "getblk", slptimeoNanos);
                    if (error != 0) {
                        bqdrop0(bp);
                        if (error == Errno.ENOLCK) continue;
                        return null;
                    }
                }
                bqdrop0(bp);
                if (!mut.getblkSkipsRecheck && (bp.b_vp != vp || bp.b_loffset != loffset)) {
                    bp.b_lock.unlock();   // recycled while we slept
                    continue;
                }
                if ((blkflags & GETBLK_SZMATCH) != 0 && size != bp.b_bcount) {
                    bp.b_lock.unlock();
                    return null;
                }
                Buf fbp = bp;
                Panic.KKASSERT(bp.hasFlags(Buf.B_VMIO), () -> "getblk: found buffer not B_VMIO: " + fbp);
                Panic.KKASSERT(bp.b_cmd == BufCmd.DONE, () -> "getblk: found buffer with I/O: " + fbp);
                bp.clearFlags(Buf.B_AGE);
                if (bp.hasFlags(Buf.B_INVAL) && bp.b_bio2.bio_offset != Bio.NOOFFSET) {
                    clearbiocache(bp.b_bio2);   // seed warns: invalid buffer kept a bio_offset cache
                }
                if (bp.hasFlags(Buf.B_INVAL)) bp.clearFlags(Buf.B_CACHE);
                bremfree(bp);

                if (size != bp.b_bcount) {
                    traceUnmodelledNow("getblk of block " + loffset + " with a new size " + size);
                    // size change: write back or drop the old buffer and create a new one (L2852)
                    if (bp.hasFlags(Buf.B_DELWRI)) {
                        bp.setFlags(Buf.B_RELBUF);
                        bwrite(bp);
                    } else if (!bp.dep_isEmpty()) {
                        bp.setFlags(Buf.B_RELBUF);
                        bwrite(bp);
                    } else {
                        bp.setFlags(Buf.B_RELBUF);
                        brelse(bp);
                    }
                    continue;
                }
                Panic.KKASSERT(size <= bp.b_kvasize, () -> "getblk: size " + size + " > b_kvasize " + fbp.b_kvasize);
                Panic.KKASSERT(bp.b_loffset != Bio.NOOFFSET, "getblk: no buffer offset");

                if ((bp.b_flags() & (Buf.B_CACHE | Buf.B_DELWRI)) == Buf.B_DELWRI) {
                    // dirty without valid contents: write it out, scrap it, look again (L2901)
                    bp.setFlags(Buf.B_NOCACHE);
                    traceUnmodelledNow("getblk found a dirty buffer without B_CACHE " + bp);
                    bwrite(bp);
                    continue;
                }
                TraceLog log = trace;
                if (log != null) traceStep(log, "getblk_found", bp, true);
                return bp;
            }

            bp = getnewbuf(blkflags, slptimeoNanos);
            if (bp == null) {
                if ((blkflags & GETBLK_PCATCH) != 0 || slptimeoNanos != 0) return null;
                continue;
            }
            bp.b_loffset = loffset;
            bp.b_bio1.bio_offset = loffset;   // b_loffset is b_bio1.bio_offset in the kernel
            bp.b_bio2.bio_offset = Bio.NOOFFSET;
            if (VfsSubr.bgetvp(vp, bp, size) != 0) {
                traceUnmodelled(bp, "getblk lost the race to create block " + loffset);
                bp.setFlags(Buf.B_INVAL);   // another thread created the block first
                brelse(bp);
                continue;
            }
            bp.setFlags(Buf.B_VMIO | Buf.B_KVABIO);
            Buf nbp = bp;
            Panic.KKASSERT(bp.b_cmd == BufCmd.DONE, () -> "getblk: new buffer with I/O: " + nbp);
            allocbuf(bp, size);
            TraceLog log = trace;
            if (log != null) traceStep(log, "getblk_new", bp, true);
            return bp;
        }
    }

    /** Takes back a buffer the filesystem parked (B_LOCKED or with deps); blocks for the lock. */
    // vfs_bio.c regetblk(), L3001
    public void regetblk(Buf bp) {
        Panic.KKASSERT(bp.hasFlags(Buf.B_LOCKED) || !bp.dep_isEmpty(),
                () -> "regetblk: KKASSERT((bp->b_flags & B_LOCKED) || LIST_FIRST(&bp->b_dep) != NULL) failed: " + bp);
        while (bp.b_lock.lock(BufLock.LK_EXCLUSIVE) != 0) {
            // LK_RETRY: keep trying
        }
        bremfree(bp);
        TraceLog log = trace;   // the filesystem then lifts its veto (clears B_LOCKED): the spec folds that in
        if (log != null) log.event("regetblk").num("h", bp.b_index).end();
    }

    /**
     * A free header: locked, on no queue, without identity, reset; or null after it had to
     * sleep (the caller looks up again). Never starts I/O.
     */
    // vfs_bio.c getnewbuf(), L1885
    Buf getnewbuf(int blkflags, long slptimeoNanos) {
        int mycpu = mycpu();
        int nqcpu = mycpu;
        Buf bp;
        restart:
        for (;;) {
            if (bufspace.get() < params.lobufspace()) flushingbufs[mycpu] = false;
            Bufpcpu pcpu = bufpcpu[nqcpu];
            pcpu.spin.spin_lock();
            int nqindex = Buf.BQUEUE_EMPTY;
            Buf nbp = pcpu.bufqueues[Buf.BQUEUE_EMPTY].first();
            if (nbp == null || flushingbufs[mycpu]) {
                nqindex = Buf.BQUEUE_CLEAN;
                nbp = pcpu.bufqueues[Buf.BQUEUE_CLEAN].first();
            }
            while ((bp = nbp) != null) {
                int qindex = nqindex;
                nbp = BufQueue.next(bp);
                if (qindex == Buf.BQUEUE_CLEAN && !bp.hasFlags(Buf.B_AGE) && nbp != null) {
                    // second chance: age it and move it to the tail, without the buffer lock (L1957)
                    if (quirks.seedUnlockedAgeRmw) {
                        int f = bp.b_flags.get();               // plain load ...
                        java.util.function.Consumer<Buf> w = ageWindow;
                        if (w != null) w.accept(bp);
                        bp.b_flags.set(f | Buf.B_AGE);          // ... and store: can undo an owner's update
                    } else {
                        java.util.function.Consumer<Buf> w = ageWindow;
                        if (w != null) w.accept(bp);
                        bp.setFlags(Buf.B_AGE);                 // CAS: cannot
                    }
                    pcpu.bufqueues[qindex].remove(bp);
                    pcpu.bufqueues[qindex].insertTail(bp);
                    continue;
                }
                if (nbp == null && qindex == Buf.BQUEUE_EMPTY) {
                    nqindex = Buf.BQUEUE_CLEAN;
                    nbp = pcpu.bufqueues[Buf.BQUEUE_CLEAN].first();
                }
                Buf cbp = bp;
                Panic.KKASSERT(bp.b_qindex == qindex,
                        () -> "getnewbuf: inconsistent queue " + Buf.queueName(qindex) + " bp " + cbp);
                Panic.KKASSERT(!bp.hasFlags(Buf.B_DELWRI),
                        () -> "delwri buffer " + cbp + " found in queue " + Buf.queueName(qindex));
                if (bp.b_refs.get() != 0 && !mut.getnewbufIgnoresRefs) continue;
                if (!bp.b_lock.tryLock()) {
                    pcpu.spin.spin_unlock();
                    Sleepq.tsleep(bd_request, "gnbxxx", Sleepq.TICK_NANOS);
                    continue restart;
                }
                if (bp.b_qindex != qindex || (bp.b_refs.get() != 0 && !mut.getnewbufIgnoresRefs)) {
                    pcpu.spin.spin_unlock();
                    bp.b_lock.unlock();
                    continue restart;
                }
                bremfree_locked(bp);
                pcpu.spin.spin_unlock();
                if (getnewbuf_reuse(bp, qindex, blkflags, mycpu) != STEP_DONE) continue restart;
                break;
            }
            if (bp == null) {
                pcpu.spin.spin_unlock();
                nqcpu = (nqcpu + 1) % bufpcpu.length;
                if (nqcpu != mycpu) continue;
                int flags;
                String waitmsg;
                if (bufspace.get() >= params.hibufspace()) {
                    waitmsg = "bufspc";
                    flags = VFS_BIO_NEED_BUFSPACE;
                } else {
                    waitmsg = "newbuf";
                    flags = VFS_BIO_NEED_ANY;
                }
                bd_speedup();
                Runnable w = needsbufferWindow;
                if (w != null) w.run();
                needsbuffer.getAndUpdate(v -> v | flags);
                if (!quirks.seedGetnewbufLostWakeup) {
                    int seen = candidates(mycpu);
                    if (seen == CANDIDATE_FREE) {
                        // A release between the scan above and the bit just set saw no waiter and woke
                        // nobody (the seed's L2177 order): look again instead of sleeping (deviation B27).
                        return null;
                    }
                    if (seen == CANDIDATE_HELD_ONLY) {
                        // Every header the scan could take is held (bqhold), and bqdrop wakes nobody:
                        // sleep one tick, as the scan's "gnbxxx" does, then look again; never a hot
                        // spin, never a sleep that only a release ends (deviation B27, second part).
                        int r = Sleepq.tsleep(needsbuffer, waitmsg, Sleepq.TICK_NANOS);
                        if (r == Errno.EINTR && (blkflags & GETBLK_PCATCH) == 0) Thread.interrupted();
                        return null;
                    }
                }
                if (mut.getnewbufSkipsWait) return null;   // mutation: no sleep, the caller looks up again at once
                while ((needsbuffer.get() & flags) != 0) {
                    long ticket = Sleepq.tsleep_interlock(needsbuffer);
                    if ((needsbuffer.get() & flags) != 0) {
                        if (Sleepq.tsleep(needsbuffer, ticket, waitmsg, slptimeoNanos) != 0) {
                            if ((blkflags & GETBLK_PCATCH) != 0 || slptimeoNanos != 0) return null;
                            Thread.interrupted();   // not interruptible without PCATCH: keep waiting
                        }
                    }
                }
                return null;   // slept successfully: the caller looks up again (reference §10.8)
            }
            ghost.returnedByGetnewbuf(bp);
            return bp;
        }
    }

    /**
     * getnewbuf's reuse of one candidate it has locked and taken off queue {@code qindex} (the
     * bucket spinlock released): asks io_deallocate first and, if the filesystem pinned the
     * buffer (B_LOCKED), parks it on LOCKED with bqrelse; else strips a CLEAN buffer of its
     * memory and vnode and resets the header. Then it may still let go of the header (flushing
     * hysteresis, or a findblk that took a hold before brelvp): B_INVAL and brelse. The loop
     * above and {@link #getnewbufReclaim} both call it. Returns {@link #STEP_DONE} (a free header,
     * still locked by the caller), {@link #STEP_REFUSED} (parked) or {@code STEP_DROPPED}
     * (destroyed to EMPTY); the loop restarts on anything but STEP_DONE.
     */
    // vfs_bio.c getnewbuf(), L2041-2143 (after bremfree_locked, spin unlocked)
    private int getnewbuf_reuse(Buf bp, int qindex, int blkflags, int mycpu) {
        if (!bp.dep_isEmpty()) {
            buf_deallocate(bp);
            if (bp.hasFlags(Buf.B_LOCKED)) {
                if (trace != null) bp.traceAs = "getnewbuf_deallocate_refused";
                bqrelse(bp);     // the filesystem pinned it: park it on LOCKED
                return STEP_REFUSED;
            }
            Panic.KKASSERT(bp.dep_isEmpty(), () -> "getnewbuf: io_deallocate left deps on " + bp);
        }
        if (qindex == Buf.BQUEUE_CLEAN) {
            ghost.recycling(bp);
            if (bp.hasFlags(Buf.B_VMIO)) vfs_vmio_release(bp);
            if (bp.b_vp != null) VfsSubr.brelvp(bp);
        }
        Panic.KKASSERT(bp.b_vp == null, () -> "bp3 " + bp + " qindex " + Buf.queueName(qindex)
                + " unexpectedly still associated!");
        Panic.KKASSERT(!bp.hasFlags(Buf.B_HASHED), () -> "getnewbuf: still hashed " + bp);
        if (bp.b_bufsize != 0) allocbuf(bp, 0);
        if (bp.anyFlags(Buf.B_VNDIRTY | Buf.B_VNCLEAN | Buf.B_HASHED)) {
            VfsSubr.brelvp(bp);    // "getnewbuf: caught bug vp queue"
        }
        bp.b_flags.set(Buf.B_BNOCLIP);
        bp.b_cmd = BufCmd.DONE;
        bp.b_vp = null;
        bp.b_loffset = Bio.NOOFFSET;
        bp.b_error = 0;
        bp.b_resid = 0;
        bp.b_bcount = 0;
        reinitbufbio(bp);
        Panic.KKASSERT(bp.dep_isEmpty(), () -> "getnewbuf: deps after reset on " + bp);
        bp.dep_clear();
        bp.b_ops = null;
        if ((blkflags & GETBLK_BHEAVY) != 0) bp.setFlags(Buf.B_HEAVY);

        if (bufspace.get() >= params.hibufspace()) flushingbufs[mycpu] = true;
        if (bufspace.get() < params.lobufspace()) flushingbufs[mycpu] = false;
        if (flushingbufs[mycpu]) {
            traceUnmodelled(bp, "getnewbuf lets go of header " + bp.b_index + " (flushingbufs)");
            bp.setFlags(Buf.B_INVAL);
            brelse(bp);
            return STEP_DROPPED;
        }
        if (bp.b_refs.get() != 0 && !mut.getnewbufIgnoresRefs) {
            traceUnmodelled(bp, "getnewbuf lets go of header " + bp.b_index + " (a hold raced in)");
            bp.setFlags(Buf.B_INVAL);   // a findblk raced in before brelvp (L2131)
            brelse(bp);
            return STEP_DROPPED;
        }
        return STEP_DONE;
    }

    /**
     * Test seam: getnewbuf's reuse of the one CLEAN buffer {@code bp}, so that a race can aim
     * the reclaimer at a chosen buffer. Under the bucket spinlock it skips the buffer unless it
     * is on CLEAN without holds, takes its lock without blocking (the loop would back off and
     * rescan) and re-checks queue and holds after locking (L2031), as the loop does for its
     * candidate; then it takes it off the queue and runs the loop's own per-buffer step
     * ({@code getnewbuf_reuse}). A header it reclaims is destroyed to EMPTY (B_INVAL and brelse,
     * as getnewbuf itself does when it lets go of one) instead of being returned. The scan, the
     * second-chance aging and the wait for a free header are not involved. Returns
     * {@link #STEP_SKIPPED} (busy, held, or not on CLEAN), {@link #STEP_DONE} (io_deallocate
     * agreed or there were no dependencies: the buffer lost its identity and its header is on
     * EMPTY) or {@link #STEP_REFUSED} (the filesystem set B_LOCKED: parked on LOCKED).
     */
    // vfs_bio.c getnewbuf(), L2003-2039 for one chosen CLEAN buffer, then its per-buffer step
    public int getnewbufReclaim(Buf bp) {
        checkHeader("getnewbufReclaim", bp);
        int qindex = Buf.BQUEUE_CLEAN;
        Bufpcpu pcpu = bufpcpu[bp.b_qcpu];
        pcpu.spin.spin_lock();
        boolean held = bp.b_refs.get() != 0 && !mut.getnewbufIgnoresRefs;
        if (bp.b_qindex != qindex || held || !bp.b_lock.tryLock()) {
            pcpu.spin.spin_unlock();
            return STEP_SKIPPED;
        }
        if (bp.b_qindex != qindex || (bp.b_refs.get() != 0 && !mut.getnewbufIgnoresRefs)) {
            pcpu.spin.spin_unlock();
            bp.b_lock.unlock();
            return STEP_SKIPPED;
        }
        Panic.KKASSERT(!bp.hasFlags(Buf.B_DELWRI),
                () -> "delwri buffer " + bp + " found in queue " + Buf.queueName(qindex));
        bremfree_locked(bp);
        pcpu.spin.spin_unlock();
        int r = getnewbuf_reuse(bp, qindex, 0, mycpu());
        if (r == STEP_REFUSED) return STEP_REFUSED;
        if (r == STEP_DONE) {
            ghost.returnedByGetnewbuf(bp);
            traceUnmodelled(bp, "getnewbufReclaim destroys header " + bp.b_index);
            bp.setFlags(Buf.B_INVAL);
            brelse(bp);
        }
        return STEP_DONE;
    }

    static final int CANDIDATE_NONE = 0, CANDIDATE_HELD_ONLY = 1, CANDIDATE_FREE = 2;

    /**
     * What the queues getnewbuf's scan takes from (EMPTY, unless flushing, and CLEAN) hold now:
     * {@link #CANDIDATE_FREE} a header the scan would try (no b_refs), {@link #CANDIDATE_HELD_ONLY}
     * only headers it skips because they are held, {@link #CANDIDATE_NONE} none (deviation B27).
     */
    private int candidates(int mycpu) {
        int seen = CANDIDATE_NONE;
        for (Bufpcpu pcpu : bufpcpu) {
            pcpu.spin.spin_lock();
            try {
                for (int q : new int[] {Buf.BQUEUE_CLEAN, Buf.BQUEUE_EMPTY}) {
                    if (q == Buf.BQUEUE_EMPTY && flushingbufs[mycpu]) continue;
                    for (Buf bp = pcpu.bufqueues[q].first(); bp != null; bp = BufQueue.next(bp)) {
                        if (bp.b_refs.get() == 0 || mut.getnewbufIgnoresRefs) return CANDIDATE_FREE;
                        seen = CANDIDATE_HELD_ONLY;
                    }
                }
            } finally {
                pcpu.spin.spin_unlock();
            }
        }
        return seen;
    }

    /** Resizes a held buffer's memory to {@code size} bytes (b_bufsize rounded to DEV_BSIZE). */
    // vfs_bio.c allocbuf(), L3029
    public void allocbuf(Buf bp, int size) {
        if (!bp.b_lock.isLocked()) panic("allocbuf: buffer not busy " + bp);
        if (size < 0) throw new IllegalArgumentException("allocbuf: negative size " + size + " for " + bp);
        if (bp.b_kvasize < size) panic("allocbuf: buffer too small: b_kvasize " + bp.b_kvasize + " < size " + size);
        Panic.KKASSERT(bp.hasFlags(Buf.B_VMIO) || size == 0, () -> "allocbuf: buffer not B_VMIO " + bp);
        int newbsize = roundup(size, Params.DEV_BSIZE);
        if (size == 0 || bp.b_bufsize == 0) bp.setFlags(Buf.B_CACHE);
        if (size > bp.b_bcount) bp.clearFlags(Buf.B_CACHE);   // no VM pages: the grown range is not valid
        if (newbsize != bp.b_bufsize) {
            byte[] nd = new byte[newbsize];
            System.arraycopy(bp.b_data, 0, nd, 0, Math.min(bp.b_data.length, newbsize));
            bp.b_data = nd;
        }
        long delta = newbsize - bp.b_bufsize;
        bufspace.addAndGet(delta);
        if (bp.hasFlags(Buf.B_DELWRI)) {
            dirtybufspace.addAndGet(delta);
            if (bp.hasFlags(Buf.B_HEAVY)) dirtybufspacehw.addAndGet(delta);
        }
        bp.b_bufsize = newbsize;
        bp.b_bcount = size;
        bufspacewakeup();
    }

    private static int roundup(int x, int y) { return ((x + y - 1) / y) * y; }

    // ================================================================== I/O start and completion

    // vfs_bio.c vfs_busy_pages(), L3859: only its assertions remain (reference §3.23)
    private void vfs_busy_pages(Vnode vp, Buf bp) {
        Panic.KKASSERT(bp.b_cmd != BufCmd.DONE, () -> "vfs_busy_pages: b_cmd == DONE on " + bp);
        if (bp.b_cmd == BufCmd.READ && bp.hasFlags(Buf.B_CACHE)) {
            ghost.readOverValid(bp);
            panic("vfs_busy_pages: KKASSERT(bp->b_cmd == BUF_CMD_WRITE || (bp->b_flags & B_CACHE) == 0) failed: "
                    + "READ issued on a B_CACHE buffer " + bp);
        }
    }

    /** Issues the buffer's b_cmd on {@code bio} through the vnode (tracks it, sets B_IOISSUED). */
    // vfs_bio.c vn_strategy(), L3348
    public void vn_strategy(Vnode vp, Bio bio) {
        Buf bp = bio.bio_buf;
        Panic.KKASSERT(bp.b_cmd != BufCmd.DONE, () -> "vn_strategy: b_cmd == DONE on " + bp);
        if (bio == bp.b_bio1) vfs_busy_pages(vp, bp);   // port: its assertions guard direct callers too (I20)
        bp.setFlags(Buf.B_IOISSUED);
        BioTrack track = bp.b_cmd == BufCmd.READ ? vp.v_track_read : vp.v_track_write;
        Panic.KKASSERT((bio.bio_flags() & Bio.BIO_DONE) == 0, () -> "vn_strategy: BIO_DONE set on " + bio);
        bio.bio_track = track;
        track.bio_track_ref();
        if (bio.bio_offset == Bio.NOOFFSET) bio.bio_offset = bp.b_loffset;
        vp.strategy(bio);
    }

    /**
     * I/O completion for {@code bio}, from the device (any thread): walks the layers upwards,
     * releasing their tracks; the first layer with a bio_done gets it (cleared) and stops the
     * walk; if none, bpdone(bp, true) finishes and releases an async buffer.
     */
    // vfs_bio.c biodone(), L3720
    public void biodone(Bio bio) {
        Buf bp = bio.bio_buf;
        runningbufwakeup(bp);
        while (bio != null) {
            BioTrack track = bio.bio_track;
            if (track != null) {
                track.bio_track_rel();
                bio.bio_track = null;
            }
            BioDone done = bio.bio_done;
            if (done != null) {
                bio.bio_done = null;
                done.done(bio);
                return;
            }
            bio = bio.bio_prev;
        }
        bpdone(bp, true);
    }

    /** biodone_chain: pass completion to the previous layer, or finish the buffer. */
    // buf2.h biodone_chain()
    public void biodone_chain(Bio bio) {
        if (bio.bio_prev != null) biodone(bio.bio_prev);
        else bpdone(bio.bio_buf, true);
    }

    /** The bio_done of synchronous I/O: finishes the buffer (still locked) and wakes biowait. */
    // vfs_bio.c biodone_sync(), L3770
    public void biodone_sync(Bio bio) {
        Buf bp = bio.bio_buf;
        Panic.KKASSERT(bio == bp.b_bio1, () -> "biodone_sync: not bio1: " + bio);
        bpdone(bp, false);
        for (;;) {
            int flags = bio.bio_flags.get();
            int nflags = (flags | Bio.BIO_DONE) & ~Bio.BIO_WANT;
            if (bio.bio_flags.compareAndSet(flags, nflags)) {
                if ((flags & Bio.BIO_WANT) != 0 && !mut.biodoneSkipsWakeup) Sleepq.wakeup(bio);
                break;
            }
        }
    }

    /** Waits for synchronous I/O on bio1; returns 0, EINTR or the error. The buffer stays held. */
    // vfs_bio.c biowait(), L3293
    public int biowait(Bio bio, String wmesg) { return _biowait(bio, wmesg, 0); }

    /**
     * biowait with a timeout: on timeout returns EWOULDBLOCK while the I/O may still run; the
     * caller must not release the buffer then.
     */
    // vfs_bio.c biowait_timeout(), L3299
    public int biowait_timeout(Bio bio, String wmesg, long timeoutNanos) {
        return _biowait(bio, wmesg, timeoutNanos);
    }

    // vfs_bio.c _biowait(), L3252
    private int _biowait(Bio bio, String wmesg, long to) {
        Buf bp = bio.bio_buf;
        Panic.KKASSERT(bio == bp.b_bio1, () -> "biowait: not bio1: " + bio);
        for (;;) {
            int flags = bio.bio_flags.get();
            if ((flags & Bio.BIO_DONE) != 0 || mut.biowaitSkipsWait) break;
            int nflags = flags | Bio.BIO_WANT;
            long ticket = Sleepq.tsleep_interlock(bio);
            if (bio.bio_flags.compareAndSet(flags, nflags)) {
                Pause.at(PausePoint.BIOWAIT_INTERLOCKED);
                String msg = wmesg != null ? wmesg : (bp.b_cmd == BufCmd.READ ? "biord" : "biowr");
                int error = Sleepq.tsleep(bio, ticket, msg, to);
                if (error != 0) {
                    if (error == Errno.EINTR && to == 0) {
                        Thread.interrupted();   // biowait is not interruptible
                        continue;
                    }
                    return error;
                }
            }
        }
        Panic.KKASSERT(bp.b_cmd == BufCmd.DONE, () -> "biowait: b_cmd != DONE after completion: " + bp);
        bio.bio_flags_clear(Bio.BIO_DONE | Bio.BIO_SYNC);
        if (bp.hasFlags(Buf.B_EINTR)) return Errno.EINTR;
        if (bp.hasFlags(Buf.B_ERROR)) return bp.b_error != 0 ? bp.b_error : Errno.EIO;
        return 0;
    }

    /**
     * The completion core: exactly once per I/O. Sets b_cmd DONE; for a WRITE re-dirties on
     * error or undirties on success; calls io_complete; sets B_CACHE after a good read; with
     * {@code elseit} releases the buffer (brelse on NOCACHE|INVAL|ERROR|RELBUF, else bqrelse).
     */
    // vfs_bio.c bpdone(), L3515
    public void bpdone(Buf bp, boolean elseit) {
        Panic.KKASSERT(bp.b_lock.isLocked(), () -> "bpdone: bp " + bp + " not busy");
        BufCmd cmd = bp.b_cmd;
        Panic.KKASSERT(cmd != BufCmd.DONE, () -> "bpdone: bp " + bp + " already done!");
        bp.b_cmd = BufCmd.DONE;
        if (cmd != BufCmd.READ && cmd != BufCmd.WRITE) {
            traceUnmodelledNow("bpdone of a " + cmd + " on " + bp);
            if (cmd == BufCmd.FREEBLKS) bp.setFlags(Buf.B_NOCACHE);
            if (elseit) brelse(bp);
            return;
        }
        if (cmd == BufCmd.WRITE) {
            if ((bp.b_flags() & (Buf.B_ERROR | Buf.B_INVAL)) == Buf.B_ERROR && !mut.bpdoneNoRedirtyOnError) {
                bp.clearFlags(Buf.B_NOCACHE);   // the write failed: keep the data dirty
                if (bp.b_vp != null) bdirty(bp);
            } else {
                if (bp.b_vp != null) {
                    bundirty(bp, bp.hasFlags(Buf.B_ERROR) && !bp.hasFlags(Buf.B_INVAL)
                            ? BufInvariants.Ghost.Cause.FAILED_WRITE
                            : bp.hasFlags(Buf.B_INVAL) ? BufInvariants.Ghost.Cause.INVAL
                            : BufInvariants.Ghost.Cause.WRITTEN);
                }
            }
        }
        if (!bp.dep_isEmpty()) {
            BioOps ops = bp.b_ops;
            if (ops != null) ops.io_complete(bp);   // buf_complete(), L3571
        }
        if (bp.hasFlags(Buf.B_VMIO) && cmd == BufCmd.READ
                && !bp.anyFlags(Buf.B_INVAL | Buf.B_NOCACHE | Buf.B_ERROR)) {
            bp.setFlags(Buf.B_CACHE);
        }
        TraceLog log = trace;
        if (log != null) {
            if (cmd == BufCmd.READ && !elseit) {   // the reader keeps the lock: BufCache.tla biodone_read
                if (bp.b_vp != null && bp.b_vp != traceVnode) traceStep(log, "biodone_read", bp, false);
                else log.event("biodone_read").num("h", bp.b_index).bool("fail", bp.hasFlags(Buf.B_ERROR))
                        .num("flags", traceFlags(bp.b_flags())).str("queue", Buf.queueName(bp.b_qindex)).end();
            } else if (cmd == BufCmd.READ) {
                traceUnmodelled(bp, "an asynchronous READ completes and releases " + bp);
            } else {   // the release that follows (here, or the bwrite caller's) is BufCache.tla biodone_write
                bp.traceAs = "biodone_write";
                bp.traceFail = bp.hasFlags(Buf.B_ERROR);
            }
        }
        if (elseit) {
            if (bp.anyFlags(Buf.B_NOCACHE | Buf.B_INVAL | Buf.B_ERROR | Buf.B_RELBUF)) brelse(bp);
            else bqrelse(bp);
        }
    }

    /** Zeroes a held buffer whose contents are not valid; clears INVAL|EINTR|ERROR; B_CACHE unchanged. */
    // vfs_bio.c vfs_bio_clrbuf(), L4197
    public void vfs_bio_clrbuf(Buf bp) {
        Panic.KKASSERT(bp.hasFlags(Buf.B_VMIO), () -> "vfs_bio_clrbuf: not B_VMIO " + bp);
        bp.clearFlags(Buf.B_INVAL | Buf.B_EINTR | Buf.B_ERROR);
        if (!bp.hasFlags(Buf.B_CACHE)) java.util.Arrays.fill(bp.b_data, (byte) 0);
        bp.b_resid = 0;
    }

    // ================================================================== daemons

    /**
     * Runs one pass of a buffer daemon's loop body, deterministically, on the calling thread:
     * waitrunningbufspace, then flushbufqueues while the daemon's limit holds. The idle sleep is
     * left out. Returns the number of buffers the pass disposed of or wrote.
     */
    // vfs_bio.c buf_daemon1(), L2229 (one iteration of its for (;;))
    public int bufDaemonStep(boolean hw) {
        Buf m = hw ? marker_hw : marker;
        int q = hw ? Buf.BQUEUE_DIRTY_HW : Buf.BQUEUE_DIRTY;
        int total = 0;
        synchronized (m) {   // the marker belongs to one daemon: a stepping caller and the thread take turns
            waitrunningbufspace();
            long limit = params.lodirtybufspace() / 2;
            while (hw ? buf_daemon_hw_limit(limit) : buf_daemon_limit(limit)) {
                int r = flushbufqueues(m, q);
                total += r;
                if (r == 0) break;
                if (runningbufspace.get() < params.hirunningspace()) continue;
                waitrunningbufspace();
            }
        }
        daemonFlushes.addAndGet(total);
        return total;
    }

    // vfs_bio.c buf_daemon_limit(), L2291
    boolean buf_daemon_limit(long limit) {
        return runningbufspace.get() + dirtykvaspace.get() > limit
                || dirtybufcount.get() - dirtybufcounthw.get() >= nbuf / 2;
    }

    // vfs_bio.c buf_daemon_hw_limit(), L2298
    boolean buf_daemon_hw_limit(long limit) {
        return runningbufspace.get() + dirtykvaspace.get() > limit
                || dirtybufcounthw.get() >= nbuf / 2;
    }

    /**
     * One flushbufqueues call of the normal ({@code hw == false}) or heavy-weight daemon: at most
     * flushperqueue buffers. Unlike {@link #bufDaemonStep} it returns even if the device keeps
     * failing (the seed's daemon would retry forever, reference §7).
     */
    // vfs_bio.c flushbufqueues(), L2335 (one call, with the daemon's own marker)
    public int flushbufqueues(boolean hw) {
        Buf m = hw ? marker_hw : marker;
        synchronized (m) {
            return flushbufqueues(m, hw ? Buf.BQUEUE_DIRTY_HW : Buf.BQUEUE_DIRTY);
        }
    }

    /** Starts the two daemon threads (normal and heavy-weight). */
    // vfs_bio.c buf_daemon(), L2305 and buf_daemon_hw(), L2312
    public synchronized void startDaemons() {
        if (bufdaemon_td != null) throw new IllegalStateException("buffer daemons already started");
        daemonsStop = false;
        bufdaemon_td = new Thread(() -> daemonLoop(false, bd_request), "bufdaemon");
        bufdaemonhw_td = new Thread(() -> daemonLoop(true, bd_request_hw), "bufdaemon_hw");
        bufdaemon_td.setDaemon(true);
        bufdaemonhw_td.setDaemon(true);
        bufdaemon_td.start();
        bufdaemonhw_td.start();
    }

    /** Stops the daemon threads and waits for them. */
    // port: the kernel's daemons never stop (shutdown_kproc); tests and close() need to
    public synchronized void stopDaemons() {
        daemonsStop = true;
        Thread a = bufdaemon_td;
        Thread b = bufdaemonhw_td;
        for (Thread t : new Thread[] {a, b}) {
            if (t == null) continue;
            Sleepq.wakeup(t == a ? bd_request : bd_request_hw);
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        bufdaemon_td = null;
        bufdaemonhw_td = null;
    }

    // vfs_bio.c buf_daemon1(), L2229
    private void daemonLoop(boolean hw, AtomicInteger bd_req) {
        while (!daemonsStop) {
            bufDaemonStep(hw);
            bd_sleep(bd_req);
            Thread.interrupted();
        }
    }

    /**
     * The daemon's sleep between passes: consume the request word; if nobody asked for a pass
     * since the last one, sleep until bd_speedup's wakeup or hz. The interlock comes before the
     * word is read, so a request posted after the read wakes the sleep.
     */
    // vfs_bio.c buf_daemon1(), L2276-2284 (the tsleep_interlock / atomic_swap_int / tsleep tail)
    void bd_sleep(AtomicInteger bd_req) {
        long ticket = Sleepq.tsleep_interlock(bd_req);
        if (bd_req.getAndSet(0) == 0 && !mut.daemonSkipsWait) {
            Pause.at(PausePoint.BUFDAEMON_REQUEST_INTERLOCKED);
            Sleepq.tsleep(bd_req, ticket, "psleep", hz);
        }
    }

    /** Buffers written or disposed of by all daemon passes so far. */
    public long daemonFlushes() { return daemonFlushes.get(); }

    // vfs_bio.c flushbufqueues(), L2335
    int flushbufqueues(Buf marker, int q) {
        int r = 0;
        int loops = params.flushperqueue();
        int lcpu = marker.b_qcpu;
        Panic.KKASSERT(marker.b_qindex == Buf.BQUEUE_NONE, () -> "flushbufqueues: marker queued " + marker);
        Panic.KKASSERT(marker.hasFlags(Buf.B_MARKER), "flushbufqueues: not a marker");
        for (;;) {   // again:
            Bufpcpu pcpu = bufpcpu[marker.b_qcpu];
            pcpu.spin.spin_lock();
            marker.b_qindex = q;
            pcpu.bufqueues[q].insertHead(marker);
            Buf bp = marker;
            boolean stop = false;
            while ((bp = BufQueue.next(bp)) != null) {
                if (bp.hasFlags(Buf.B_MARKER)) continue;
                if (!bp.hasFlags(Buf.B_DELWRI)) continue;   // seed prints "Unexpected clean buffer"
                if (!bp.b_lock.tryLock()) continue;
                Buf cbp = bp;
                Panic.KKASSERT(bp.b_qcpu == marker.b_qcpu && bp.b_qindex == q,
                        () -> "flushbufqueues: " + cbp + " not on queue " + Buf.queueName(q));
                pcpu.bufqueues[q].remove(marker);
                pcpu.bufqueues[q].insertAfter(bp, marker);
                if (!bp.hasFlags(Buf.B_DELWRI)) {
                    pcpu.spin.spin_unlock();
                    bp.b_lock.unlock();
                    pcpu.spin.spin_lock();
                    bp = marker;
                    continue;
                }
                _bremfree(bp);
                pcpu.spin.spin_unlock();
                int done = flushbufqueues_bp(bp, q);
                pcpu.spin.spin_lock();   // doloop: (and the deferred path's re-lock)
                if (done == STEP_DEFERRED) {
                    bp = marker;
                    continue;   // not counted
                }
                ++r;
                if (--loops == 0) {
                    stop = true;
                    break;
                }
                bp = marker;
            }
            pcpu.bufqueues[q].remove(marker);
            marker.b_qindex = Buf.BQUEUE_NONE;
            pcpu.spin.spin_unlock();
            marker.b_qcpu = (marker.b_qcpu + 1) % bufpcpu.length;
            if (!stop && marker.b_qcpu != lcpu) continue;
            return r;
        }
    }

    /**
     * flushbufqueues' work on one buffer it has locked and taken off queue {@code q} (the bucket
     * spinlock released): destroys it if B_INVAL; puts it back at the tail once, B_DEFERRED, if
     * io_countdeps says it still has dependencies; else asks io_checkwrite and, if the
     * filesystem refuses, brelses it (dirty on DIRTY, or parked on LOCKED if the hook set
     * B_LOCKED); else starts its write (the completion releases it). The loop above and
     * {@link #flushbufqueuesVisit} both call it. Returns {@link #STEP_DONE} (written or
     * destroyed), {@link #STEP_REFUSED} or {@link #STEP_DEFERRED} (not counted by the loop).
     */
    // vfs_bio.c flushbufqueues(), L2402-2450 (the seed tests B_INVAL just before dropping the spinlock)
    private int flushbufqueues_bp(Buf bp, int q) {
        if (bp.hasFlags(Buf.B_INVAL)) {
            traceUnmodelled(bp, "flushbufqueues destroys B_INVAL " + bp);
            brelse(bp);
            return STEP_DONE;
        }
        Thread.yield();   // lwkt_yield
        if (!bp.dep_isEmpty() && !bp.hasFlags(Buf.B_DEFERRED) && buf_countdeps(bp, 0) != 0) {
            Bufpcpu pcpu = bufpcpu[bp.b_qcpu];
            pcpu.spin.spin_lock();
            pcpu.bufqueues[q].insertTail(bp);
            bp.b_qindex = q;
            bp.setFlags(Buf.B_DEFERRED);
            pcpu.spin.spin_unlock();
            traceUnmodelledNow("flushbufqueues defers " + bp + " (io_countdeps)");
            bp.b_lock.unlock();
            return STEP_DEFERRED;
        }
        if (trace != null) bp.traceAs = "flushbufqueues";   // its release or its bawrite is the spec's step
        if (!bp.dep_isEmpty() && !mut.daemonSkipsCheckwrite && buf_checkwrite(bp) != 0) {
            brelse(bp);   // the filesystem refused: stays dirty (DIRTY tail, or LOCKED)
            return STEP_REFUSED;
        }
        if (bp.hasFlags(Buf.B_ERROR)) {
            Sleepq.tsleep(bp, "bioer", Sleepq.TICK_NANOS);   // anti-livelock: retry a failed write
            bp.clearFlags(Buf.B_AGE);
            VfsSubr.cluster_awrite(bp);
        } else {
            bp.setFlags(Buf.B_AGE | Buf.B_KVABIO);
            VfsSubr.cluster_awrite(bp);
        }
        return STEP_DONE;
    }

    /**
     * Test seam: one visit of the normal ({@code hw == false}) or heavy-weight daemon to the
     * buffer {@code bp}, so that a race can aim the daemon at a chosen buffer. Under the bucket
     * spinlock it skips the buffer unless it is on the daemon's queue, takes its lock without
     * blocking, and re-checks B_DELWRI, as the loop does for the buffer after its marker; then
     * it takes it off the queue and runs the loop's own per-buffer step
     * ({@code flushbufqueues_bp}). The marker, the per-pass budget and the daemon limits are not
     * involved. Returns {@link #STEP_SKIPPED} (busy, not a delayed write, or on another queue),
     * {@link #STEP_DONE} (write started, or B_INVAL destroyed), {@link #STEP_REFUSED}
     * (io_checkwrite refused: released dirty, on LOCKED if the filesystem set B_LOCKED) or
     * {@link #STEP_DEFERRED}.
     */
    // vfs_bio.c flushbufqueues(), L2375-2397 for one chosen buffer, then its per-buffer step
    public int flushbufqueuesVisit(Buf bp, boolean hw) {
        checkHeader("flushbufqueuesVisit", bp);
        int q = hw ? Buf.BQUEUE_DIRTY_HW : Buf.BQUEUE_DIRTY;
        Bufpcpu pcpu = bufpcpu[bp.b_qcpu];
        pcpu.spin.spin_lock();
        if (bp.b_qindex != q || !bp.hasFlags(Buf.B_DELWRI) || !bp.b_lock.tryLock()) {
            pcpu.spin.spin_unlock();
            return STEP_SKIPPED;
        }
        if (bp.b_qindex != q || !bp.hasFlags(Buf.B_DELWRI)) {   // the re-check after locking (L2385)
            pcpu.spin.spin_unlock();
            bp.b_lock.unlock();
            return STEP_SKIPPED;
        }
        _bremfree(bp);
        pcpu.spin.spin_unlock();
        return flushbufqueues_bp(bp, q);
    }

    // buf2.h buf_countdeps()
    private int buf_countdeps(Buf bp, int n) {
        BioOps ops = bp.b_ops;
        return ops != null ? ops.io_countdeps(bp, n) : 0;
    }

    // buf2.h buf_checkwrite()
    int buf_checkwrite(Buf bp) {
        BioOps ops = bp.b_ops;
        return ops != null ? ops.io_checkwrite(bp) : 0;
    }

    // ================================================================== misc

    /** Injects vm_paging_min() (memory pressure); default never. */
    // port: vm_paging_min() becomes injectable (reference §8.2)
    public void setMemoryPressure(BooleanSupplier vmPagingMin) {
        this.vm_paging_min = Objects.requireNonNull(vmPagingMin, "vmPagingMin");
    }

    /** Shortens the seed's 1 s sleeps (daemon idle, throttles) for tests. */
    // port: the kernel's hz-based timeouts, shortened for tests
    public void setHz(long nanos) {
        if (nanos <= 0) throw new IllegalArgumentException("hz must be > 0 ns, was " + nanos);
        this.hz = nanos;
    }

    /** Calls {@code cb} on every header; sums the non-negative results, stops at a negative one. */
    // vfs_bio.c scan_all_buffers(), L4424
    public int scan_all_buffers(java.util.function.ToIntFunction<Buf> cb) {
        int count = 0;
        for (Buf bp : buf) {
            int error = cb.applyAsInt(bp);
            if (error < 0) {
                count = error;
                break;
            }
            count += error;
        }
        return count;
    }

    // port: mycpu->gd_cpuid, from the thread id (reference §8.2)
    private int mycpu() {
        return (int) (Thread.currentThread().getId() % bufpcpu.length);
    }

    // port: bad-input checks before anything changes (the kernel trusts its callers)
    private void checkBlock(String fn, Vnode vp, long loffset, int size) {
        Objects.requireNonNull(vp, fn + ": vnode is null");
        if (vp.cache != this) throw new IllegalArgumentException(fn + ": " + vp + " belongs to another cache");
        if (size <= 0) throw new IllegalArgumentException(fn + ": size must be positive, was " + size);
        if (loffset < 0) throw new IllegalArgumentException(fn + ": negative offset " + loffset);
        if (loffset % vp.blksize != 0) {
            throw new IllegalArgumentException(fn + ": offset " + loffset + " is not a multiple of the block size "
                    + vp.blksize + " of " + vp.name());
        }
        if (size > vp.blksize) {
            throw new IllegalArgumentException(fn + ": size " + size + " exceeds the block size " + vp.blksize
                    + " of " + vp.name());
        }
        long bufsize = roundup(size, Params.DEV_BSIZE);
        if (loffset > vp.capacity() - bufsize) {
            throw new IllegalArgumentException(fn + ": block [" + loffset + ", " + (loffset + bufsize)
                    + ") is beyond the end of " + vp.name() + " (capacity " + vp.capacity() + ")");
        }
    }

    // port: bad-input check of the test seams flushbufqueuesVisit and getnewbufReclaim
    private void checkHeader(String fn, Buf bp) {
        Objects.requireNonNull(bp, fn + ": buffer is null");
        if (bp.b_index < 0 || bp.b_index >= nbuf || buf[bp.b_index] != bp) {
            throw new IllegalArgumentException(fn + ": " + bp + " is not a header of this cache");
        }
    }

    /** The entry checks of brelse/bqrelse: the caller must hold the buffer, which must be on no queue. */
    // vfs_bio.c brelse(), L1525 / bqrelse(), L1656 panics, checked at entry (deviation "ownership checked at entry")
    private void checkRelease(String fn, Buf bp) {
        Objects.requireNonNull(bp, fn + ": buffer is null");
        if (bp.b_index < 0 || bp.b_index >= nbuf || buf[bp.b_index] != bp) {
            throw new IllegalArgumentException(fn + ": " + bp + " is not a header of this cache");
        }
        if (bp.b_qindex != Buf.BQUEUE_NONE) {
            throw new Panic(fn + ": free buffer onto another queue??? " + bp + " (released twice?)");
        }
        if (!quirks.seedLateOwnershipCheck && !bp.b_lock.ownedByMeOrKernel()) {
            throw new IllegalStateException(fn + ": " + bp + " is not held by " + Thread.currentThread().getName());
        }
    }

    // vfs_bio.c brelse(), L1525: the final release of bwrite/bawrite/bdwrite needs b_qindex == NONE
    private void checkOffQueue(String fn, Buf bp) {
        if (bp.b_qindex != Buf.BQUEUE_NONE) {
            throw new Panic(fn + ": buffer " + bp + " is on queue " + Buf.queueName(bp.b_qindex) + " (not held)");
        }
    }

    // kern_shutdown.c panic(): a Panic, and the cache is marked as after a kernel panic
    private void panic(String msg) {
        panicked = true;
        throw new Panic(msg);
    }

    /** True once a seed panic fired; the structure may then be inconsistent, as after a kernel panic. */
    public boolean panicked() { return panicked; }

    /** The inspection view of this cache (counters, queue lengths, headers) for tests and checkers. */
    // port: inspection, kept out of the port in BufCacheView
    public BufCacheView view() { return view; }

    /**
     * Checks every invariant of the notes (I1-I20, named as in proofs-notes/invariants.md) and
     * throws {@link BufInvariants.Violation} naming the first clause that fails, with the values.
     * Call it only when the cache is quiescent: no thread inside a cache call, no I/O in flight.
     */
    public void checkInvariants() { BufInvariants.check(this); }

    // port: stops the daemon threads
    @Override public void close() {
        stopDaemons();
    }
}
