package dev.bioref.device;

import dev.bioref.kern.Clock;

import java.util.ArrayList;
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
 *       carries on from its durable image.</li>
 *   <li>Bad requests (misaligned, out of range, empty, after close) throw an exception that
 *       names the bad value, and change nothing.</li>
 * </ul>
 *
 * <p>A request takes effect when it completes, not when it is submitted; the completion
 * sequence number orders the effects. A FLUSH remembers the last completion number at its
 * submission and, when it completes, makes durable every cached write up to that number.
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

    /** One completed write (or discard) sitting in the volatile cache. */
    record CachedWrite(long seq, long offset, byte[] data) { }

    public LoopbackDevice(Backend backend, Completer completer, Clock clock) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.completer = Objects.requireNonNull(completer, "completer");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (backend.capacity() <= 0 || backend.capacity() % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("backend capacity is not a positive multiple of "
                    + SECTOR_SIZE + ": " + backend.capacity());
        }
    }

    /** An in-memory device of {@code capacity} bytes with inline completion: the deterministic default. */
    public static LoopbackDevice inMemory(long capacity) {
        return new LoopbackDevice(new MemoryBackend(capacity), new InlineCompleter(), Clock.SYSTEM);
    }

    public long capacity() { return backend.capacity(); }

    public long sectors() { return backend.capacity() / SECTOR_SIZE; }

    public Completer completer() { return completer; }

    public Clock clock() { return clock; }

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
        synchronized (lock) {
            if (closed) throw new IllegalStateException("device is closed: cannot submit " + request);
            barrier = completionSeq;
            gen = generation;
            counters.submitted(request, clock.nanoTime());
        }
        completer.schedule(() -> complete(request, payload, barrier, gen, callback));
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

    private void complete(Request r, byte[] payload, long barrier, long gen, Callback callback) {
        Completion c;
        synchronized (lock) {
            Status status;
            if (gen != generation) {
                status = Status.EIO;        // submitted before a crash: lost with it
            } else {
                status = apply(r, payload, barrier);
            }
            c = new Completion(r, status, ++completionSeq);
            counters.completed(r, status, clock.nanoTime());
        }
        callback.done(c);
    }

    /** Applies a request to the device state. Called with lock held. */
    private Status apply(Request r, byte[] payload, long barrier) {
        switch (r.op()) {
            case READ -> readVisible(r.offset(), r.buffer(), 0, r.length());
            case WRITE -> {
                if (r.fua()) {
                    durableWrite(r.offset(), payload);
                } else {
                    cacheWrite(completionSeq + 1, r.offset(), payload);
                }
            }
            case DISCARD -> cacheWrite(completionSeq + 1, r.offset(), new byte[r.length()]);
            case FLUSH -> flushUpTo(barrier);
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

    private void cacheWrite(long seq, long off, byte[] data) {
        cache.add(new CachedWrite(seq, off, data));
        for (int i = 0; i < data.length; i += SECTOR_SIZE) {
            byte[] sector = new byte[SECTOR_SIZE];
            System.arraycopy(data, i, sector, 0, SECTOR_SIZE);
            overlay.put((off + i) / SECTOR_SIZE, sector);
        }
    }

    /** A FUA write: durable now; it also replaces what the cache shows for those sectors. */
    private void durableWrite(long off, byte[] data) {
        backend.write(off, data, 0, data.length);
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
            parts.add(new CachedWrite(w.seq(), w.offset(), head));
        }
        if (wEnd > end) {
            byte[] tail = new byte[(int) (wEnd - end)];
            System.arraycopy(w.data(), (int) (end - w.offset()), tail, 0, tail.length);
            parts.add(new CachedWrite(w.seq(), end, tail));
        }
        return parts;
    }

    /** Makes every cached write with completion number at most {@code barrier} durable, in order. */
    private void flushUpTo(long barrier) {
        for (Iterator<CachedWrite> it = cache.iterator(); it.hasNext(); ) {
            CachedWrite w = it.next();
            if (w.seq() > barrier) continue;
            backend.write(w.offset(), w.data(), 0, w.data().length);
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
        synchronized (lock) {
            cache.clear();
            overlay.clear();
            generation++;
            counters.crashes++;
        }
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

    @Override public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
        }
        completer.close();
        synchronized (lock) { backend.close(); }
    }
}
