// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.Clock;
import dev.bioref.trace.TraceLog;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The simulated block device every bioref layer runs on: a disk with 512-byte sectors, a
 * volatile write cache and asynchronous completions.
 *
 * <p>Interface:
 * <ul>
 *   <li>To issue I/O, build a {@link Request} and call {@link #submit}; the callback runs once
 *       when it completes, on the thread the {@link Completer} chooses. {@link #execute} does
 *       the same and waits.</li>
 *   <li>A completed WRITE is visible to READ at once but survives a crash only after a FLUSH
 *       submitted after it completes, or at once if it was FUA.</li>
 *   <li>{@link #crash()} throws away what is not durable, as power loss would; the device
 *       carries on from its durable image. {@link #crash(CrashPolicy)} lets a chosen subset
 *       of the cached writes land, whole or torn at a sector boundary.</li>
 *   <li>To test crash consistency, call {@link #startLog()} before the workload, {@link #mark}
 *       at interesting points, and enumerate every image a crash could leave with
 *       {@link CrashStates}.</li>
 *   <li>To inject faults (EIO, latent sector errors, torn, lost and misdirected writes), build
 *       the device with a seeded {@link FaultPlan}; {@link #faults()} records what was injected.</li>
 *   <li>Bad requests (misaligned, out of range, empty, null buffer, after close) throw an
 *       exception that names the bad value, and change nothing.</li>
 * </ul>
 *
 * <p>A request takes effect when it completes, not when it is submitted; the completion
 * sequence number orders the effects. A FLUSH remembers the last completion number at its
 * submission and, when it completes, makes durable every cached write up to that number.
 * The full semantics, the fault model and the crash-state count are in proofs-notes/device.md.
 */
public final class LoopbackDevice implements AutoCloseable {
    public static final int SECTOR_SIZE = 512;

    private final Backend backend;           // the durable image; guarded by lock
    private final Completer completer;
    private final Clock clock;
    private final Object lock = new Object();

    /** Completed, not yet durable writes in completion order; guarded by lock. */
    private final List<CachedWrite> cache = new ArrayList<>();
    /** Latest visible content of each cached sector (what READ sees above the backend); guarded by lock. */
    private final TreeMap<Long, byte[]> overlay = new TreeMap<>();

    private long completionSeq;   // last completion number handed out; guarded by lock
    private long generation;      // bumped by crash(): completions of older requests are lost; guarded by lock
    private boolean closed;       // guarded by lock
    private final DeviceStats.Counters counters = new DeviceStats.Counters(); // guarded by lock
    private final FaultInjector faults;      // consulted under lock at every completion
    private WriteLog log;                    // null until startLog(); guarded by lock
    private final EnumSet<Mutation> mutations = EnumSet.noneOf(Mutation.class);   // guarded by lock
    private TraceLog trace;                  // null (off) unless traceTo(); guarded by lock
    private long traceIds;                   // request ids handed out for the trace; guarded by lock

    // Ghost state: not part of a disk, only what the device has promised, kept to check the
    // invariants of specs/.../LoopbackDevice.tla (its ghost variables written, flushedUpTo,
    // latest). Sparse maps over the sectors ever touched; all guarded by lock.
    private final Map<Long, Long> mediaSeq = new HashMap<>();     // sector -> completion number of the write the media holds (absent: none)
    private final Map<Long, Long> promisedSeq = new HashMap<>();  // sector -> newest write promised durable (FUA, or covered by a completed FLUSH)
    private final Map<Long, Long> latestSeq = new HashMap<>();    // sector -> newest write a READ must return (absent: the media's)
    private final List<CachedWrite> unpromised = new ArrayList<>(); // completed OK non-FUA writes of this generation no FLUSH has covered yet
    private final BitSet tookEffect = new BitSet();               // completion numbers of writes that took effect (OK or torn)
    private boolean mediaFaulted;             // a lost or misdirected write was injected: the media no longer keeps the promises

    /**
     * Deliberate bugs, each the Java twin of a mutant constant of LoopbackDevice.tla, off unless
     * a test turns one on to show that {@link #checkInvariants()} and the model tests catch it.
     */
    public enum Mutation {
        /** TLA+ {@code FlushSkipsCache}: a FLUSH completes OK without writing the cache back. */
        FLUSH_SKIPS_CACHE,
        /** TLA+ {@code FuaKeepsStaleCache}: a FUA write does not cut its sectors out of older cached writes. */
        FUA_KEEPS_STALE_CACHE
    }

    /**
     * One completed write (or discard) sitting in the volatile cache. {@code lost}: an injected
     * lost write, never reaches the media; {@code mediaOffset}: where it lands on the media
     * (differs from {@code offset} for an injected misdirected write).
     */
    record CachedWrite(long seq, long offset, byte[] data, boolean lost, long mediaOffset) { }

    public LoopbackDevice(Backend backend, Completer completer, Clock clock) {
        this(backend, completer, clock, FaultPlan.none());
    }

    public LoopbackDevice(Backend backend, Completer completer, Clock clock, FaultPlan faultPlan) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.completer = Objects.requireNonNull(completer, "completer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.faults = Objects.requireNonNull(faultPlan, "faultPlan").newInjector();
        if (backend.capacity() <= 0 || backend.capacity() % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("backend capacity is not a positive multiple of "
                    + SECTOR_SIZE + ": " + backend.capacity());
        }
    }

    /** A device with a seeded fault plan, in memory, completing inline. */
    public static LoopbackDevice inMemory(long capacity, FaultPlan faultPlan) {
        return new LoopbackDevice(new MemoryBackend(capacity), new InlineCompleter(), Clock.SYSTEM, faultPlan);
    }

    /** An in-memory device of {@code capacity} bytes with inline completion: the deterministic default. */
    public static LoopbackDevice inMemory(long capacity) {
        return new LoopbackDevice(new MemoryBackend(capacity), new InlineCompleter(), Clock.SYSTEM);
    }

    public long capacity() { return backend.capacity(); }

    public long sectors() { return backend.capacity() / SECTOR_SIZE; }

    public Completer completer() { return completer; }

    public Clock clock() { return clock; }

    /**
     * True once an injected lost or misdirected write broke the media's promises (what a read
     * returns after the FLUSH is no longer the newest acknowledged write): checks that compare
     * with the media are void from then on (proofs-notes/faults.md).
     */
    public boolean mediaFaulted() {
        synchronized (lock) { return mediaFaulted; }
    }

    /** The faults injected so far (empty unless the device was built with a {@link FaultPlan}). */
    public FaultInjector faults() { return faults; }

    // ------------------------------------------------------------------ submission

    /**
     * Submits {@code request}; {@code callback} runs once when it completes. Throws, and changes
     * nothing, if the request is malformed or the device is closed.
     */
    public void submit(Request request, Callback callback) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(callback, "callback");
        validate(request);
        final byte[] payload = request.op() == Op.WRITE ? request.buffer().clone() : null;
        final long barrier;
        final long gen;
        final long traceId;
        synchronized (lock) {
            if (closed) throw new IllegalStateException("device is closed: cannot submit " + request);
            barrier = completionSeq;
            gen = generation;
            counters.submitted(request, clock.nanoTime());
            traceId = trace != null ? traceSubmit(request) : 0;
        }
        completer.schedule(() -> complete(request, payload, barrier, gen, callback, traceId));
    }

    /** Submits {@code request} and waits for it; returns its completion. */
    public Completion execute(Request request) {
        CompletableFuture<Completion> done = new CompletableFuture<>();
        submit(request, done::complete);
        completer.await(done);
        return done.join();
    }

    private void validate(Request r) {
        if (r.op() == Op.FLUSH) return;
        long off = r.offset();
        int len = r.length();
        if (off < 0) throw new IllegalArgumentException(r.op() + ": negative offset " + off);
        if (off % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException(r.op() + ": offset " + off + " is not a multiple of " + SECTOR_SIZE);
        }
        if (len <= 0) throw new IllegalArgumentException(r.op() + ": length must be positive, was " + len);
        if (len % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException(r.op() + ": length " + len + " is not a multiple of " + SECTOR_SIZE);
        }
        if (off > capacity() - len) {
            throw new IllegalArgumentException(r.op() + ": range [" + off + ", " + (off + len)
                    + ") is beyond the device's capacity " + capacity());
        }
    }

    // ------------------------------------------------------------------ completion

    private void complete(Request r, byte[] payload, long barrier, long gen, Callback callback, long traceId) {
        Completion c;
        synchronized (lock) {
            long seq = completionSeq + 1;
            Status status;
            FaultInjector.Decision fault = null;
            if (gen != generation) {
                status = Status.EIO;        // submitted before a crash: lost with it
            } else {
                fault = faults.decide(r, seq, capacity());
                status = apply(r, payload, barrier, seq, fault);
            }
            completionSeq = seq;
            c = new Completion(r, status, seq);
            counters.completed(r, status, clock.nanoTime());
            if (trace != null && traceId != 0) traceComplete(r, traceId, seq, fault);
        }
        callback.done(c);
    }

    /** Applies a request that completes as number {@code seq} to the device state. Called with lock held. */
    private Status apply(Request r, byte[] payload, long barrier, long seq, FaultInjector.Decision fault) {
        if (fault.kind() == FaultPlan.Kind.EIO) return Status.EIO;    // failed: no effect at all
        switch (r.op()) {
            case READ -> readVisible(r.offset(), r.buffer(), 0, r.length());
            case WRITE -> {
                byte[] data = payload;
                if (fault.kind() == FaultPlan.Kind.TORN_WRITE) {
                    data = java.util.Arrays.copyOf(payload, fault.sectorsLanded() * SECTOR_SIZE);
                    if (data.length == 0) return Status.EIO;
                }
                boolean lost = fault.kind() == FaultPlan.Kind.LOST_WRITE;
                long media = fault.kind() == FaultPlan.Kind.MISDIRECTED_WRITE ? fault.targetOffset() : r.offset();
                if (lost || media != r.offset()) mediaFaulted = true;
                boolean ok = fault.kind() != FaultPlan.Kind.TORN_WRITE;
                CachedWrite w = new CachedWrite(seq, r.offset(), data, lost, media);
                if (r.fua()) {
                    durableWrite(w);
                    if (ok) ghostPromise(w);
                } else {
                    cacheWrite(w);
                    if (ok) unpromised.add(w);
                }
                faults.written(r.offset(), data.length);
                if (log != null) log.append(LogEntry.write(seq, r.offset(), data, r.fua()));
                if (fault.kind() == FaultPlan.Kind.TORN_WRITE) return Status.EIO;
            }
            case DISCARD -> {
                byte[] zeros = new byte[r.length()];
                CachedWrite w = new CachedWrite(seq, r.offset(), zeros, false, r.offset());
                cacheWrite(w);
                unpromised.add(w);
                faults.rewritten(r.offset(), r.length());
                if (log != null) log.append(LogEntry.write(seq, r.offset(), zeros, false));
            }
            case FLUSH -> {
                if (!mutations.contains(Mutation.FLUSH_SKIPS_CACHE)) {
                    flushUpTo(barrier);   // commit point: every write completed before this FLUSH was submitted is now durable
                }
                for (Iterator<CachedWrite> it = unpromised.iterator(); it.hasNext(); ) {
                    CachedWrite w = it.next();
                    if (w.seq() <= barrier) {
                        ghostPromise(w);
                        it.remove();
                    }
                }
                if (log != null) log.append(LogEntry.flush(seq, barrier));
            }
        }
        return Status.OK;
    }

    private void readVisible(long off, byte[] dst, int dstOff, int len) {
        backend.read(off, dst, dstOff, len);
        long first = off / SECTOR_SIZE;
        long last = (off + len) / SECTOR_SIZE;       // exclusive
        for (Map.Entry<Long, byte[]> e : overlay.subMap(first, true, last, false).entrySet()) {
            int at = (int) ((e.getKey() - first) * SECTOR_SIZE);
            System.arraycopy(e.getValue(), 0, dst, dstOff + at, SECTOR_SIZE);
        }
    }

    private void cacheWrite(CachedWrite w) {
        ghostTookEffect(w);
        cache.add(w);
        for (int i = 0; i < w.data().length; i += SECTOR_SIZE) {
            byte[] sector = new byte[SECTOR_SIZE];
            System.arraycopy(w.data(), i, sector, 0, SECTOR_SIZE);
            overlay.put((w.offset() + i) / SECTOR_SIZE, sector);
        }
    }

    /** Puts a write on the media, where an injected fault says it lands (or nowhere, if lost). */
    private void toMedia(CachedWrite w, int len) {
        if (w.lost()) return;
        backend.write(w.mediaOffset(), w.data(), 0, len);
        for (int i = 0; i < len; i += SECTOR_SIZE) mediaSeq.put((w.mediaOffset() + i) / SECTOR_SIZE, w.seq());
    }

    private void ghostTookEffect(CachedWrite w) {
        tookEffect.set(Math.toIntExact(w.seq()));
        for (int i = 0; i < w.data().length; i += SECTOR_SIZE) latestSeq.put((w.offset() + i) / SECTOR_SIZE, w.seq());
    }

    private void ghostPromise(CachedWrite w) {
        for (int i = 0; i < w.data().length; i += SECTOR_SIZE) promisedSeq.merge((w.offset() + i) / SECTOR_SIZE, w.seq(), Math::max);
    }

    /** A FUA write: durable now; it also replaces what the cache shows for those sectors. */
    private void durableWrite(CachedWrite fua) {
        long off = fua.offset();
        byte[] data = fua.data();
        ghostTookEffect(fua);
        toMedia(fua, data.length);   // commit point: a FUA write is durable at completion
        if (mutations.contains(Mutation.FUA_KEEPS_STALE_CACHE)) return;
        // Older cached writes to these sectors must not later overwrite the FUA data when flushed,
        // nor resurface after a crash: cut the FUA range out of them.
        for (int i = 0; i < data.length; i += SECTOR_SIZE) {
            overlay.remove((off + i) / SECTOR_SIZE);
        }
        List<CachedWrite> kept = new ArrayList<>();
        for (CachedWrite w : cache) kept.addAll(minus(w, off, data.length));
        cache.clear();
        cache.addAll(kept);
    }

    private static List<CachedWrite> minus(CachedWrite w, long off, int len) {
        long wEnd = w.offset() + w.data().length;
        long end = off + len;
        if (wEnd <= off || w.offset() >= end) return List.of(w);
        List<CachedWrite> parts = new ArrayList<>(2);
        if (w.offset() < off) {
            byte[] head = new byte[(int) (off - w.offset())];
            System.arraycopy(w.data(), 0, head, 0, head.length);
            parts.add(new CachedWrite(w.seq(), w.offset(), head, w.lost(), w.mediaOffset()));
        }
        if (wEnd > end) {
            byte[] tail = new byte[(int) (wEnd - end)];
            System.arraycopy(w.data(), (int) (end - w.offset()), tail, 0, tail.length);
            parts.add(new CachedWrite(w.seq(), end, tail, w.lost(), w.mediaOffset() + (end - w.offset())));
        }
        return parts;
    }

    /** Makes every cached write with completion number at most {@code barrier} durable, in order. */
    private void flushUpTo(long barrier) {
        for (Iterator<CachedWrite> it = cache.iterator(); it.hasNext(); ) {
            CachedWrite w = it.next();
            if (w.seq() > barrier) continue;
            toMedia(w, w.data().length);
            it.remove();
        }
        rebuildOverlay();
    }

    private void rebuildOverlay() {
        overlay.clear();
        for (CachedWrite w : cache) {
            for (int i = 0; i < w.data().length; i += SECTOR_SIZE) {
                byte[] sector = new byte[SECTOR_SIZE];
                System.arraycopy(w.data(), i, sector, 0, SECTOR_SIZE);
                overlay.put((w.offset() + i) / SECTOR_SIZE, sector);
            }
        }
    }

    // ------------------------------------------------------------------ crash and inspection

    /**
     * Power loss: every write that is not durable is dropped, requests still in flight are lost
     * (they complete with EIO), and the device continues from its durable image.
     */
    public void crash() {
        crash(CrashPolicy.dropAll());
    }

    /**
     * Power loss where {@code policy} decides, for each write still in the volatile cache, how
     * many of its leading sectors reached the media; the landed parts are applied in completion
     * order, everything else is lost, requests in flight complete with EIO, and a running
     * {@link WriteLog} stops. If the policy answers out of range, nothing changes.
     */
    public void crash(CrashPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        synchronized (lock) {
            if (closed) throw new IllegalStateException("device is closed: cannot crash");
            mountedBy = null;     // power loss ends every mount
            int[] landed = new int[cache.size()];
            for (int i = 0; i < landed.length; i++) {
                CachedWrite w = cache.get(i);
                PendingWrite p = new PendingWrite(w.seq(), w.offset(), w.data().length);
                landed[i] = policy.sectorsLanded(p);
                if (landed[i] < 0 || landed[i] > p.sectors()) {
                    throw new IllegalArgumentException("crash policy: sectors landed for " + p + " must be in [0, "
                            + p.sectors() + "], was " + landed[i]);
                }
            }
            long[] cache0 = new long[landed.length];
            for (int i = 0; i < landed.length; i++) {
                cache0[i] = cache.get(i).seq();
                if (landed[i] > 0) toMedia(cache.get(i), landed[i] * SECTOR_SIZE);
            }
            cache.clear();
            overlay.clear();
            unpromised.clear();          // a FLUSH after the crash promises nothing about what it dropped
            latestSeq.clear();           // a READ now returns what the media holds
            generation++;
            counters.crashes++;
            if (trace != null) {
                long[] seqs = new long[landed.length];
                int n = 0;
                for (int i = 0; i < landed.length; i++) if (landed[i] > 0) seqs[n++] = cache0[i];
                trace.event("Crash").num("generation", generation).nums("landed", java.util.Arrays.copyOf(seqs, n)).end();
            }
            if (log != null) {
                log.stop();
                log = null;
            }
        }
    }

    /** The writes in the volatile cache now, in completion order: what a {@link CrashPolicy} chooses from. */
    public List<PendingWrite> pendingWrites() {
        synchronized (lock) {
            List<PendingWrite> out = new ArrayList<>(cache.size());
            for (CachedWrite w : cache) out.add(new PendingWrite(w.seq(), w.offset(), w.data().length));
            return out;
        }
    }

    /**
     * Starts recording a {@link WriteLog} from the current durable image; writes already in the
     * volatile cache are its first entries. Replaces (and stops) a log already running.
     */
    public WriteLog startLog() {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("device is closed: cannot start a write log");
            byte[] image = new byte[Math.toIntExact(capacity())];
            backend.read(0, image, 0, image.length);
            if (log != null) log.stop();
            log = new WriteLog(image);
            for (CachedWrite w : cache) log.append(LogEntry.write(w.seq(), w.offset(), w.data(), false));
            return log;
        }
    }

    /** Inserts a named mark into the running write log, between the completions before and after it. */
    public void mark(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("mark name must not be blank: '" + name + "'");
        synchronized (lock) {
            if (closed) throw new IllegalStateException("device is closed: cannot mark \"" + name + "\" in its write log");
            if (log == null) throw new IllegalStateException("no write log is running: call startLog() before mark(\"" + name + "\")");
            log.append(LogEntry.mark(completionSeq, name));
        }
    }

    // ------------------------------------------------------------------ trace events

    /**
     * Logs this device's steps to {@code log} as events of LoopbackDevice.tla's actions
     * (proofs-notes/traces.md), or stops logging if {@code log} is null. Each event is written
     * under the device lock, in the critical section that makes the step atomic. Requests are
     * numbered for the trace from 1 in submission order. What the spec does not model (READ,
     * DISCARD, a WRITE of more than one sector, an injected fault) is logged as an
     * {@code Unmodelled} event, which trace validation rejects.
     */
    public void traceTo(TraceLog log) {
        synchronized (lock) {
            if (log != null && !log.spec().equals("LoopbackDevice")) {
                throw new IllegalArgumentException("a LoopbackDevice trace must be for spec LoopbackDevice, was " + log.spec());
            }
            trace = log;
        }
    }

    /** LoopbackDevice.tla SubmitWrite / SubmitFlush; returns the request's trace id (0: not modelled). Lock held. */
    private long traceSubmit(Request r) {
        if (r.op() == Op.FLUSH) {
            trace.event("SubmitFlush").num("id", ++traceIds).end();
            return traceIds;
        }
        if (r.op() == Op.WRITE && r.length() == SECTOR_SIZE) {
            trace.event("SubmitWrite").num("id", ++traceIds).num("sector", r.offset() / SECTOR_SIZE).bool("fua", r.fua()).end();
            return traceIds;
        }
        trace.event("Unmodelled").str("op", r.op() + " of " + r.length() / SECTOR_SIZE + " sectors at sector " + r.offset() / SECTOR_SIZE).end();
        return 0;
    }

    /** LoopbackDevice.tla CompleteLost / CompleteWrite / CompleteFua / CompleteFlush, after the step. Lock held. */
    private void traceComplete(Request r, long id, long seq, FaultInjector.Decision fault) {
        if (fault != null && !fault.none()) {
            trace.event("Unmodelled").str("op", "completion of request " + id + " with injected fault " + fault.kind()).end();
            return;
        }
        String action = fault == null ? "CompleteLost" : r.op() == Op.FLUSH ? "CompleteFlush" : r.fua() ? "CompleteFua" : "CompleteWrite";
        TraceLog.Event e = trace.event(action).num("id", id).num("completionSeq", seq);
        if (fault != null) {
            long[][] rows = new long[cache.size()][];
            for (int i = 0; i < rows.length; i++) rows[i] = new long[] {cache.get(i).seq(), cache.get(i).offset() / SECTOR_SIZE};
            e.records("cache", CACHE_FIELDS, rows);
        }
        e.end();
    }

    private static final String[] CACHE_FIELDS = {"seq", "sector"};

    /** Turns on a deliberate bug, for mutation tests only; see {@link Mutation}. */
    public void enableMutation(Mutation m) {
        synchronized (lock) { mutations.add(Objects.requireNonNull(m, "mutation")); }
    }

    /**
     * Checks the device's invariants, named as in LoopbackDevice.tla and proofs-notes; throws
     * IllegalStateException naming the first violated one and the values involved.
     * DurabilityInv, NoPhantomDataInv and ReadSeesLatestInv are promises about the media, which
     * an injected lost or misdirected write breaks on purpose; after one they are not checked.
     */
    public void checkInvariants() {
        synchronized (lock) {
            long sectors = sectors();
            // TypeInv: every cached piece is sector-aligned, non-empty and inside the device
            for (CachedWrite w : cache) {
                if (w.offset() % SECTOR_SIZE != 0 || w.data().length == 0 || w.data().length % SECTOR_SIZE != 0
                        || w.offset() < 0 || w.offset() + w.data().length > capacity()) {
                    throw violated("TypeInv", "cached write seq " + w.seq() + " at offset " + w.offset() + " length " + w.data().length);
                }
            }
            for (long s : overlay.keySet()) {
                if (s < 0 || s >= sectors) throw violated("TypeInv", "overlay sector " + s + " outside 0.." + (sectors - 1));
            }
            // CacheOrderInv: completion order, none newer than completionSeq; equal numbers only for
            // the disjoint pieces a FUA write cut one write into
            for (int i = 0; i < cache.size(); i++) {
                CachedWrite w = cache.get(i);
                if (w.seq() > completionSeq) throw violated("CacheOrderInv", "cached seq " + w.seq() + " > completionSeq " + completionSeq);
                if (i > 0) {
                    CachedWrite p = cache.get(i - 1);
                    if (p.seq() > w.seq() || (p.seq() == w.seq() && p.offset() + p.data().length > w.offset())) {
                        throw violated("CacheOrderInv", "cache entry " + (i - 1) + " seq " + p.seq() + " before entry " + i + " seq " + w.seq());
                    }
                }
            }
            if (mediaFaulted) return;
            // ReadSeesLatestInv: a READ of each sector returns the newest write to it (what the
            // overlay shows is the newest cached piece's data, else the media's)
            java.util.Set<Long> touched = new java.util.HashSet<>(latestSeq.keySet());
            touched.addAll(overlay.keySet());
            for (CachedWrite w : cache) for (int i = 0; i < w.data().length; i += SECTOR_SIZE) touched.add((w.offset() + i) / SECTOR_SIZE);
            for (long s : touched) {
                CachedWrite newest = null;
                for (CachedWrite w : cache) {
                    if (w.offset() / SECTOR_SIZE <= s && s < (w.offset() + w.data().length) / SECTOR_SIZE) newest = w;
                }
                long visible = newest != null ? newest.seq() : mediaSeq.getOrDefault(s, 0L);
                long latest = latestSeq.getOrDefault(s, mediaSeq.getOrDefault(s, 0L));
                if (visible != latest) {
                    throw violated("ReadSeesLatestInv", "sector " + s + " reads write #" + visible + " but the newest is #" + latest);
                }
                byte[] shown = overlay.get(s);
                if ((newest == null) != (shown == null) || (newest != null && !java.util.Arrays.equals(shown, 0, SECTOR_SIZE,
                        newest.data(), (int) (s * SECTOR_SIZE - newest.offset()), (int) (s * SECTOR_SIZE - newest.offset()) + SECTOR_SIZE))) {
                    throw violated("ReadSeesLatestInv", "sector " + s + ": the overlay does not show cached write #"
                            + (newest == null ? "none" : newest.seq()));
                }
            }
            // DurabilityInv: the media holds the newest promised write to each sector, or a newer one
            for (Map.Entry<Long, Long> e : promisedSeq.entrySet()) {
                long onMedia = mediaSeq.getOrDefault(e.getKey(), 0L);
                if (onMedia < e.getValue()) {
                    throw violated("DurabilityInv", "sector " + e.getKey() + " holds write #" + onMedia
                            + " on the media but write #" + e.getValue() + " was promised durable");
                }
            }
            // NoPhantomDataInv: the media holds only data of writes that took effect
            for (Map.Entry<Long, Long> e : mediaSeq.entrySet()) {
                if (!tookEffect.get(Math.toIntExact(e.getValue()))) {
                    throw violated("NoPhantomDataInv", "sector " + e.getKey() + " holds write #" + e.getValue() + ", which never took effect");
                }
            }
        }
    }

    private static IllegalStateException violated(String inv, String detail) {
        return new IllegalStateException(inv + " violated: " + detail);
    }

    /** The bytes a READ would return now, without issuing one (for tests and checkers). */
    public byte[] peekVisible(long offset, int length) {
        validate(Request.read(offset, new byte[Math.max(length, 0)]));
        byte[] out = new byte[length];
        synchronized (lock) { readVisible(offset, out, 0, length); }
        return out;
    }

    /** The bytes that would survive a crash now (for tests and checkers). */
    public byte[] peekDurable(long offset, int length) {
        validate(Request.read(offset, new byte[Math.max(length, 0)]));
        byte[] out = new byte[length];
        synchronized (lock) { backend.read(offset, out, 0, length); }
        return out;
    }

    /** How many completed writes are waiting in the volatile cache for a FLUSH. */
    public int cachedWrites() {
        synchronized (lock) { return cache.size(); }
    }

    public DeviceStats stats() {
        synchronized (lock) { return counters.snapshot(); }
    }

    /** True once {@link #close} ran: every later request is refused. */
    public boolean isClosed() {
        synchronized (lock) { return closed; }
    }

    private Object mountedBy;     // the file system mounted on this device, or null; guarded by lock

    /**
     * A file system claims the device for its mount; a second claim while the first holds is
     * refused (two mounts of one device would each cache and write the same blocks, and one
     * loses the other's writes). Released by {@link #unclaim} (unmount) and by a crash.
     */
    public void claim(Object owner) {
        Objects.requireNonNull(owner, "owner");
        synchronized (lock) {
            if (closed) throw new IllegalStateException("device is closed: cannot mount it");
            if (mountedBy != null && mountedBy != owner) {
                throw new IllegalStateException("device is already mounted (" + mountedBy + "): a second mount of one"
                        + " device is refused; unmount, abandon or crash the first");
            }
            mountedBy = owner;
        }
    }

    /** Ends {@code owner}'s claim (no-op if it holds none). */
    public void unclaim(Object owner) {
        synchronized (lock) {
            if (mountedBy == owner) mountedBy = null;
        }
    }

    @Override public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
        }
        completer.close();
        synchronized (lock) { backend.close(); }
    }
}
