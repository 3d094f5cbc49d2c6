// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.device.Completer;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.device.SeededCompleter;
import dev.bioref.device.Status;
import dev.bioref.device.ThreadCompleter;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Panic;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * dm-bufio: Linux device-mapper's buffered block I/O (seed {@code dm-bufio.c}, GPL-2.0; this is a
 * behavioural re-implementation, see package-info), over the {@link LoopbackDevice}.
 *
 * <p>Interface:
 * <ul>
 *   <li>Make one {@code DmBufio} (the module: a global cache-size budget shared by all clients,
 *       the client list, the global cleanup and the aging work). Make a {@link Client} per device
 *       and block size with {@link #clientCreate}; {@link Client#destroy} when done (no holds).</li>
 *   <li>To use a block, call {@link Client#read} (reads it if needed), {@link Client#new_} (a
 *       block you will overwrite whole: no read), {@link Client#get} (only if cached; never waits
 *       for I/O) or {@link Client#prefetch} (start reads, hold nothing). You then hold the
 *       {@link Buffer}: a reference count, not a lock. Other holders share the same bytes.</li>
 *   <li>To change a block: change {@link Buffer#data()}, <em>then</em> call
 *       {@link Client#markBufferDirty} or {@link Client#markPartialBufferDirty} while holding it.
 *       Give it back with {@link Client#release}; do not touch it afterwards.</li>
 *   <li>Dirty buffers are written later (watermark, eviction, {@link Client#writeDirtyBuffersAsync}).
 *       Only {@link Client#writeDirtyBuffers} makes data durable: it writes every dirty buffer,
 *       waits, sends a FLUSH, and returns 0, the first write error any write of this client hit
 *       since the last call (reported once), or the FLUSH's error. Errors are negative errnos.</li>
 *   <li>{@link Client#forget}/{@link Client#forgetBuffers} drop idle clean buffers (a hint);
 *       {@link Client#issueFlush}/{@link Client#issueDiscard} go to the device directly;
 *       {@link Client#releaseMove} moves or copies a held buffer to another block.</li>
 *   <li>Memory: {@link Client#shrinkCount}/{@link Client#shrinkScan} (with the allocation
 *       context's may-do-I/O flag), {@link #cleanupOldBuffers} (aging, injectable clock) and
 *       {@link #globalCleanup} (down to the global budget) free unheld buffers.</li>
 *   <li>{@link Client#checkInvariants()} and {@link #checkInvariants()} check the named clauses of
 *       {@link DmBufioInvariants} when no thread is inside a call.</li>
 *   <li>Completion: the device's {@link Completer} decides when I/O completes. Use
 *       {@link DeviceMode#INLINE} (inside submit), {@link DeviceMode#HELPING} (held until a
 *       thread about to wait on a buffer bit runs pending completions itself: deterministic,
 *       no device thread), {@link DeviceMode#ASYNC} (a completion thread); a
 *       {@link dev.bioref.device.GateCompleter} keeps chosen I/O in flight for a test.</li>
 * </ul>
 * Misuse (a bad block size or range, releasing a buffer not held, a call with the client mutex
 * already held) throws an exception naming the bad value and changes nothing. A seed BUG_ON
 * throws {@link Panic} with the values involved.
 */
public final class DmBufio {
    // ---- constants (reference §1.1)
    public static final int LIST_CLEAN = 0;
    public static final int LIST_DIRTY = 1;
    /** State bits (L120-L122). */
    public static final int B_READING = 1, B_WRITING = 2, B_DIRTY = 4;
    static final int NF_FRESH = 0, NF_READ = 1, NF_GET = 2, NF_PREFETCH = 3;
    public static final int DM_BUFIO_MIN_BUFFERS = 8;
    public static final int DM_BUFIO_WRITEBACK_RATIO = 3;
    public static final int DM_BUFIO_LOW_WATERMARK_RATIO = 16;
    public static final int DM_BUFIO_WRITE_ALIGN = 4096;
    public static final long DM_BUFIO_DEFAULT_AGE_NANOS = TimeUnit.SECONDS.toNanos(300);
    public static final long DM_BUFIO_WORK_TIMER_NANOS = TimeUnit.SECONDS.toNanos(30);
    public static final long DM_BUFIO_DEFAULT_RETAIN_BYTES = 256 * 1024;
    /** Linux's EIO, returned negated as the kernel does. */
    public static final int EIO = 5;

    /** How the device completes I/O; notes §9b. */
    public enum DeviceMode {
        /** Completion inside submit, on the submitter's thread. */
        INLINE,
        /** Held by a {@link SeededCompleter}; a thread about to wait on a bit runs held completions. */
        HELPING,
        /** A completion thread, racing the submitter like an interrupt. */
        ASYNC;

        /** A fresh completer for this mode ({@code seed} orders HELPING's completions). */
        public Completer newCompleter(long seed) {
            return switch (this) {
                case INLINE -> new InlineCompleter();
                case HELPING -> new SeededCompleter(seed);
                case ASYNC -> new ThreadCompleter("bufio-completion");
            };
        }
    }

    /** Module tunables (module parameters of the seed), small and deterministic for tests. */
    public static final class Params {
        /** dm_bufio_cache_size: the global soft budget in bytes over linked buffers of all clients. */
        public long cacheSizeBytes = 64L << 20;
        /** dm_bufio_max_age. */
        public long maxAgeNanos = DM_BUFIO_DEFAULT_AGE_NANOS;
        /** dm_bufio_retain_bytes: aging and the shrinker keep at least this much per client. */
        public long retainBytes = DM_BUFIO_DEFAULT_RETAIN_BYTES;
        /** jiffies. */
        public Clock clock = Clock.SYSTEM;
        /** __check_watermark on buffer creation and aging (off for the residency Lincheck suite, §9b). */
        public boolean watermarkWriteback = true;
        /** cache_size_latch == 1 debug mode: never allocate, run on the reserve and stealing. */
        public boolean noAllocation;
        /** A wait (bit or free buffer) longer than this throws with a diagnosis: a hang is a failure. */
        public long waitTimeoutNanos = TimeUnit.SECONDS.toNanos(60);
        /** Ghost checks for I14/I15 compare with the device; off for benchmarks. */
        public boolean ghostChecks = true;
        /**
         * I15 checks only blocks unlinked (or copied to) since the last check, not every block ever
         * marked: the device changes an absent block only through those steps. For long simulations.
         */
        public boolean incrementalGhostCheck;
    }

    /** One client's configuration (the arguments of dm_bufio_client_create and the port's capacity). */
    public static final class ClientOptions {
        public int blockSize = 4096;
        /** Buffers preallocated as the reserve (forward progress). */
        public int reserved;
        public int auxSize;
        /** Buffers this client may have at most, the reserve included: "allocation fails" at capacity. */
        public int capacity = 1024;
        /** Called on every buffer the allocator returns, under the mutex, before it is linked. */
        public Consumer<Buffer> allocCallback;
        /** Called just before every write with the block it is written to. */
        public WriteCallback writeCallback;

        public ClientOptions blockSize(int v) { blockSize = v; return this; }
        public ClientOptions reserved(int v) { reserved = v; return this; }
        public ClientOptions capacity(int v) { capacity = v; return this; }
        public ClientOptions auxSize(int v) { auxSize = v; return this; }
    }

    /** write_callback; the port passes the target block explicitly (deviation §8.2). */
    @FunctionalInterface
    public interface WriteCallback { void beforeWrite(Buffer b, long targetBlock); }

    /** A failed read returned to a caller (ERR_PTR). */
    public static final class IoError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int errno;
        IoError(long block, int errno) {
            super("dm-bufio: I/O error " + errno + " on block " + block);
            this.errno = errno;
        }
        /** The negative errno. */
        public int errno() { return errno; }
    }

    // ================================================================== module state

    final Params params;
    final BufioMutations mut;
    final BufioQuirks quirks;
    /** dm_bufio_clients_lock: the client list and the global cleanup. Lock order: this → client mutex → globalLock. */
    final ReentrantLock clientsLock = new ReentrantLock();
    final List<Client> allClients = new CopyOnWriteArrayList<>();
    /** global_spinlock: guards globalQueue, currentAllocated, peakAllocated. */
    final Object globalLock = new Object();
    /** global_queue (CLOCK): first = oldest. guarded by globalLock. */
    final LinkedHashSet<Buffer> globalQueue = new LinkedHashSet<>();
    long currentAllocated;   // guarded by globalLock
    long peakAllocated;      // guarded by globalLock
    /** The global replacement work was queued (adjust_total_allocated over budget). */
    volatile boolean globalCleanupPending;

    public DmBufio() { this(new Params(), BufioMutations.none(), BufioQuirks.none()); }

    public DmBufio(Params params, BufioMutations mutations, BufioQuirks quirks) {
        this.params = Objects.requireNonNull(params, "params");
        this.mut = Objects.requireNonNull(mutations, "mutations");
        this.quirks = Objects.requireNonNull(quirks, "quirks");
        if (params.cacheSizeBytes <= 0) throw new IllegalArgumentException("cacheSizeBytes must be > 0, was " + params.cacheSizeBytes);
        if (params.maxAgeNanos < 0) throw new IllegalArgumentException("maxAgeNanos must be >= 0, was " + params.maxAgeNanos);
        if (params.retainBytes < 0) throw new IllegalArgumentException("retainBytes must be >= 0, was " + params.retainBytes);
        if (params.waitTimeoutNanos <= 0) throw new IllegalArgumentException("waitTimeoutNanos must be > 0, was " + params.waitTimeoutNanos);
        Objects.requireNonNull(params.clock, "params.clock");
    }

    public Params params() { return params; }
    public BufioMutations mutations() { return mut; }
    public BufioQuirks quirks() { return quirks; }

    /** Bytes of linked buffers over all clients (dm_bufio_current_allocated). */
    public long currentAllocated() { synchronized (globalLock) { return currentAllocated; } }

    public long peakAllocated() { synchronized (globalLock) { return peakAllocated; } }

    public boolean globalCleanupPending() { return globalCleanupPending; }

    public List<Client> clients() { return List.copyOf(allClients); }

    // dm-bufio.c dm_bufio_client_create(), L1717 (behaviour)
    /** The kernel's argument list; capacity from {@link ClientOptions} defaults. */
    public Client clientCreate(LoopbackDevice dev, int blockSize, int reserved, int auxSize,
                               Consumer<Buffer> allocCallback, WriteCallback writeCallback) {
        ClientOptions o = new ClientOptions();
        o.blockSize = blockSize; o.reserved = reserved; o.auxSize = auxSize;
        o.allocCallback = allocCallback; o.writeCallback = writeCallback;
        return clientCreate(dev, o);
    }

    /** Builds a client; throws IllegalArgumentException naming a bad value, and creates nothing. */
    public Client clientCreate(LoopbackDevice dev, ClientOptions o) {
        Objects.requireNonNull(dev, "dev");
        Objects.requireNonNull(o, "options");
        if (o.blockSize <= 0 || o.blockSize % LoopbackDevice.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("dm_bufio_client_create: block_size must be a non-zero multiple of "
                    + LoopbackDevice.SECTOR_SIZE + ", was " + o.blockSize);
        }
        if (o.reserved < 0) throw new IllegalArgumentException("dm_bufio_client_create: reserved must be >= 0, was " + o.reserved);
        if (o.auxSize < 0) throw new IllegalArgumentException("dm_bufio_client_create: aux_size must be >= 0, was " + o.auxSize);
        if (o.capacity < Math.max(1, o.reserved)) {
            throw new IllegalArgumentException("dm_bufio_client_create: capacity " + o.capacity
                    + " must be >= max(1, reserved=" + o.reserved + ")");
        }
        Client c = new Client(this, dev, o);
        clientsLock.lock();
        try {
            allClients.add(c);     // join dm_bufio_all_clients; __cache_size_refresh is a no-op in the port
        } finally {
            clientsLock.unlock();
        }
        return c;
    }

    // ---- adjust_total_allocated(), L320 (behaviour). Called with the client mutex held.
    void adjustTotalAllocated(Buffer b, boolean unlink) {
        synchronized (globalLock) {
            long diff = unlink ? -b.c.blockSize : b.c.blockSize;
            currentAllocated += diff;
            if (currentAllocated > peakAllocated) peakAllocated = currentAllocated;
            b.accessed = true;
            if (!unlink) {
                globalQueue.add(b);
                if (currentAllocated > params.cacheSizeBytes) globalCleanupPending = true;  // queue_work(global_cleanup)
            } else {
                globalQueue.remove(b);
            }
        }
    }

    /**
     * The global replacement work: evicts the oldest not-recently-accessed unheld buffers of any
     * client (CLOCK second chance) until the linked bytes are at most size − size/16. May write
     * dirty buffers. Returns how many it freed. Must not be called with a client mutex held.
     */
    // dm-bufio.c do_global_cleanup(), L1939 (behaviour)
    public int globalCleanup() {
        for (Client c : allClients) {
            if (c.lock.isHeldByCurrentThread()) {
                throw new DmBufioInvariants.Violation("MutexNotReentrantInv",
                        "globalCleanup called with the mutex of " + c + " held (lock order: clients lock first)");
            }
        }
        int freed = 0;
        clientsLock.lock();
        try {
            globalCleanupPending = false;
            long size = params.cacheSizeBytes;
            long threshold = size - size / DM_BUFIO_LOW_WATERMARK_RATIO;
            long loops;
            synchronized (globalLock) { loops = 2L * globalQueue.size(); }
            for (;;) {
                Buffer b;
                Client c;
                boolean locked;
                synchronized (globalLock) {
                    if (currentAllocated <= threshold || loops-- <= 0 || globalQueue.isEmpty()) break;
                    b = globalQueue.iterator().next();      // the oldest
                    if (b.accessed) {                         // second chance
                        b.accessed = false;
                        globalQueue.remove(b);
                        globalQueue.add(b);
                        continue;
                    }
                    c = b.c;
                    locked = c.lock.tryLock();               // inverted order: only trylock under the spinlock (L1980)
                }
                if (!locked) {
                    c.lock.lock();                            // back off: block the legal way, then look again
                    c.lock.unlock();
                    continue;
                }
                try {
                    if (b.linked && c.tryEvictBuffer(b, true)) {
                        freed++;
                    } else {
                        synchronized (globalLock) {
                            if (globalQueue.remove(b)) globalQueue.add(b);
                        }
                    }
                } finally {
                    c.lock.unlock();
                }
            }
        } finally {
            clientsLock.unlock();
        }
        return freed;
    }

    /** The 30-second work: evict buffers older than maxAge from every client (clean only, no I/O but watermark writes). */
    // dm-bufio.c __evict_old_buffers(), L1906; cleanup_old_buffers(), L2007 (behaviour)
    public int cleanupOldBuffers() {
        int freed = 0;
        clientsLock.lock();
        try {
            for (Client c : allClients) freed += c.evictOldBuffers(params.maxAgeNanos);
        } finally {
            clientsLock.unlock();
        }
        return freed;
    }

    /** Checks every client and {@code GlobalAccountingInv}; no thread may be inside a call. */
    public void checkInvariants() {
        clientsLock.lock();
        try {
            long sum = 0;
            Set<Buffer> linked = new HashSet<>();
            for (Client c : allClients) {
                c.checkInvariants();
                c.lock.lock();
                try {
                    for (Buffer b : c.tree.values()) {
                        sum += c.blockSize;
                        linked.add(b);
                    }
                } finally {
                    c.lock.unlock();
                }
            }
            synchronized (globalLock) {
                if (sum != currentAllocated) {
                    throw new DmBufioInvariants.Violation("GlobalAccountingInv", "current allocated " + currentAllocated
                            + " bytes but linked buffers of all clients sum to " + sum);
                }
                Set<Buffer> q = new HashSet<>();
                q.addAll(globalQueue);
                if (!q.equals(linked)) {
                    throw new DmBufioInvariants.Violation("GlobalAccountingInv", "global queue holds " + q.size()
                            + " buffers, " + linked.size() + " are linked");
                }
            }
        } finally {
            clientsLock.unlock();
        }
    }

    // ---- dm_bufio_in_request(): a thread-local "inside bio submission" flag
    private static final ThreadLocal<Boolean> IN_REQUEST = ThreadLocal.withInitial(() -> false);

    /** Marks the calling thread as inside bio submission (or not): blocking calls then throw. */
    public static void setInRequest(boolean inRequest) { IN_REQUEST.set(inRequest); }

    static void notInRequest(String api) {
        if (IN_REQUEST.get()) throw new Panic("BUG_ON(dm_bufio_in_request()): " + api + " may wait for I/O inside bio submission");
    }

    // ================================================================== buffer

    /** struct dm_buffer: one cached block. A hold is a reference, not a lock. */
    public static final class Buffer {
        final Client c;
        final int id;
        /** The block; changed only by __link_buffer under the client mutex; read unlocked by getBlockNumber. */
        volatile long block = -1;
        /** block_size bytes: owned by the holders and the I/O in flight; no dm-bufio lock protects them. */
        final byte[] data;
        final byte[] aux;
        /** READING/WRITING/DIRTY; set under the mutex, READING and WRITING cleared by completion (atomic). */
        final AtomicInteger state = new AtomicInteger();
        /** Outstanding holds; guarded by the client mutex. */
        int holdCount;
        int listMode;               // guarded by the client mutex
        boolean linked;             // in the tree and an LRU list; guarded by the client mutex
        boolean inReserve;          // guarded by the client mutex
        /** Status of the last read / write; written by completion before it clears the bit (published by it). */
        int readError, writeError;
        /** CLOCK bit: written under globalLock or, benignly racy, under the client mutex (L540). */
        volatile boolean accessed;
        long lastAccessed;          // guarded by the client mutex
        int dirtyStart, dirtyEnd;   // guarded by the client mutex; meaningful while DIRTY
        int writeStart, writeEnd;   // copy taken at write start; guarded by the client mutex
        /** Bumped on every free: a stale handle or a waiter can tell that the buffer was recycled. */
        int freeEpoch;
        final Object bitWait = new Object();
        // ghost (invariant checks)
        long markVer;               // version of the last mark dirty; guarded by the client mutex
        long writeVer;              // version the write in flight carries
        long writeBlock;            // block the write in flight goes to
        boolean freshUnwritten;     // linked by new() and not yet fully marked dirty
        boolean wroteSinceDirty;    // a write completed since the buffer was last relinked to DIRTY by a mark

        Buffer(Client c, int id) {
            this.c = c;
            this.id = id;
            this.data = new byte[c.blockSize];
            this.aux = new byte[c.auxSize];
        }

        /** dm_bufio_get_block_data: the bytes, shared by all holders. */
        // dm-bufio.c dm_bufio_get_block_data(), L1552 (behaviour)
        public byte[] data() { return data; }
        /** dm_bufio_get_block_number (read without the lock; fixed while linked, deviation §8.2). */
        public long blockNumber() { return block; }
        /** dm_bufio_get_aux_data: aux_size bytes dm-bufio never touches (not zeroed on reuse). */
        public byte[] aux() { return aux; }
        public Client client() { return c; }
        /** The state bits now (B_READING | B_WRITING | B_DIRTY). */
        public int state() { return state.get(); }
        /** The hold count (read without the mutex: for tests and diagnostics). */
        public int holdCount() { return holdCount; }
        public int readError() { return readError; }
        public int writeError() { return writeError; }

        @Override public String toString() {
            int s = state.get();
            return "buf#" + id + "[block=" + block + " hold=" + holdCount + " state="
                    + ((s & B_READING) != 0 ? "R" : "") + ((s & B_WRITING) != 0 ? "W" : "") + ((s & B_DIRTY) != 0 ? "D" : "")
                    + " list=" + (listMode == LIST_CLEAN ? "CLEAN" : "DIRTY") + (linked ? "" : " unlinked") + "]";
        }
    }

    /** A caller-local list of writes to submit once the mutex is dropped (write_list). */
    static final class WriteList {
        // A HashSet, not an IdentityHashMap-backed set (Buffer keeps Object's identity equals): Lincheck 3.7's
        // model checker fails with an NPE after any run that iterates an IdentityHashMap (proofs-notes/bufio.md).
        private static final ThreadLocal<Set<Buffer>> PENDING =
                ThreadLocal.withInitial(() -> new HashSet<>());
        final List<Buffer> list = new ArrayList<>();

        void add(Buffer b) {
            list.add(b);
            PENDING.get().add(b);
        }

        boolean isEmpty() { return list.isEmpty(); }

        /** Buffers on the calling thread's unsubmitted write lists. */
        static Set<Buffer> pending() { return PENDING.get(); }

        // dm-bufio.c __flush_write_list(), L762 (behaviour): submit with no lock held
        void submit() {
            List<Buffer> todo = new ArrayList<>(list);
            list.clear();
            for (Buffer b : todo) {
                PENDING.get().remove(b);
                b.c.submitWrite(b);
            }
        }
    }

    // ================================================================== client

    /** struct dm_bufio_client: one device, one block size, one mutex. */
    public static final class Client {
        final DmBufio m;
        final LoopbackDevice dev;
        final int blockSize;
        final int auxSize;
        final int reserved;
        final int capacity;
        final Consumer<Buffer> allocCallback;
        final WriteCallback writeCallback;
        /** The client mutex (non-recursive in the kernel: re-entry is refused). */
        final ReentrantLock lock = new ReentrantLock();
        /** free_buffer_wait: a buffer was released (hold 0) or freed. */
        final Condition freeBufferWait = lock.newCondition();
        /** lru[CLEAN], lru[DIRTY]: first = least recently linked/accessed; guarded by lock. */
        @SuppressWarnings("unchecked")
        final LinkedHashSet<Buffer>[] lru = new LinkedHashSet[] {new LinkedHashSet<>(), new LinkedHashSet<>()};
        /** n_buffers: written under lock, read without it by shrinkCount. */
        final AtomicIntegerArray nBuffers = new AtomicIntegerArray(2);
        /** buffer_tree; guarded by lock. */
        final TreeMap<Long, Buffer> tree = new TreeMap<>();
        /** reserved_buffers and need_reserved_buffers; guarded by lock. */
        final ArrayDeque<Buffer> reservedBuffers = new ArrayDeque<>();
        int needReservedBuffers;
        /** Buffer objects alive (reserve + linked + in hand): the "memory" capacity bounds it. */
        final AtomicInteger allocated = new AtomicInteger();
        private int nextId;
        /** minimum_buffers: stored, never read (dead in the seed, §8.10). */
        volatile int minimumBuffers = DM_BUFIO_MIN_BUFFERS;
        /** start: sector offset added to every I/O; set before use, without the lock. */
        volatile long start;
        /** async_write_error: the first write error since the last write_dirty_buffers (negative errno). */
        final AtomicInteger asyncWriteError = new AtomicInteger();
        /** need_shrink. */
        final AtomicLong needShrink = new AtomicLong();
        volatile boolean destroyed;
        final DmBufioInvariants.Ghost ghost = new DmBufioInvariants.Ghost();

        // ---- test seams (null outside tests)
        /** Runs while the sleeping allocation has dropped the mutex. */
        public volatile Runnable allocWindow;
        /** The non-blocking allocation (GFP_NOWAIT) fails: forces the lock-dropping path. */
        public volatile boolean failNonBlockingAlloc;
        /** The sleeping allocation (GFP_NOIO) fails too. */
        public volatile boolean failSleepingAlloc;
        /** Runs in pass 2 of write_dirty_buffers after it dropped the mutex, before it waits for WRITING. */
        public volatile Consumer<Buffer> pass2Window;
        /** Runs in write completion between its read and its store of the state (only with nonAtomicDirtyClear). */
        public volatile Consumer<Buffer> completionWindow;
        /** Runs in write_dirty_buffers' error report between its load and its store of the latch (only with nonAtomicErrorXchg). */
        public volatile Runnable xchgWindow;

        private static final ThreadLocal<Boolean> IN_GET = ThreadLocal.withInitial(() -> false);
        private static final ThreadLocal<Boolean> NO_IO = ThreadLocal.withInitial(() -> false);

        // ---- trace validation (proofs-notes/traces.md, "DmBufio"): null = off, one null check per log point
        private volatile dev.bioref.trace.TraceLog trace;
        /** The block the traced read is allocating for (its al_steal event names it); guarded by lock. */
        private long traceReadBlock = -1;

        /**
         * Logs this client's steps as DmBufio.tla trace events to {@code log} (null: off), starting
         * with an {@code Init} event (capacity and reserve: the spec's Bufs and R). Call it before
         * the client's first operation; the trace is meant for one calling thread (events are
         * logged under the mutex or at the bit operation, which orders one thread's steps).
         */
        public void traceTo(dev.bioref.trace.TraceLog log) {
            trace = log;
            if (log != null) log.event("Init").num("capacity", capacity).num("reserved", reserved).end();
        }

        private void traceUnmodelled(String op) {
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event("Unmodelled").str("op", op).end();
        }

        Client(DmBufio m, LoopbackDevice dev, ClientOptions o) {
            this.m = m;
            this.dev = dev;
            this.blockSize = o.blockSize;
            this.auxSize = o.auxSize;
            this.reserved = o.reserved;
            this.capacity = o.capacity;
            this.allocCallback = o.allocCallback;
            this.writeCallback = o.writeCallback;
            // preallocate the reserve (L1792-L1800); alloc_callback is not called on these
            for (int i = 0; i < reserved; i++) {
                Buffer b = newBuffer();
                b.inReserve = true;
                reservedBuffers.push(b);
            }
            needReservedBuffers = 0;
        }

        private Buffer newBuffer() {
            allocated.incrementAndGet();
            return new Buffer(this, nextIdAtomic.getAndIncrement());
        }
        private final AtomicInteger nextIdAtomic = new AtomicInteger();

        @Override public String toString() { return "client(bs=" + blockSize + ", dev=" + dev.capacity() + "B)"; }

        public DmBufio module() { return m; }
        public LoopbackDevice device() { return dev; }
        public BufioMutations mutations() { return m.mut; }

        // ------------------------------------------------------------ locking

        // dm-bufio.c dm_bufio_lock(), L166 (behaviour)
        void lockClient() {
            if (lock.isHeldByCurrentThread()) {
                throw new DmBufioInvariants.Violation("MutexNotReentrantInv", "the client mutex of " + this
                        + " is already held by " + Thread.currentThread().getName());
            }
            Set<Buffer> pending = WriteList.pending();
            if (!pending.isEmpty()) {
                String what = pending.toString();
                int n = pending.size();
                pending.clear();     // the caller's list is abandoned with the exception
                throw new DmBufioInvariants.Violation("NoSelfDeadlockInv", "taking the client mutex with "
                        + n + " unsubmitted write(s) of this thread: " + what);
            }
            lock.lock();
        }

        void unlockClient() { lock.unlock(); }

        /** Unlocks if this thread holds the mutex (cleanup after an exception). */
        private void unlockIfHeld() { if (lock.isHeldByCurrentThread()) lock.unlock(); }

        private void live(String api) {
            if (destroyed) throw new IllegalStateException(api + ": client was destroyed");
        }

        // ------------------------------------------------------------ tree and lists

        long blockToOffset(long block) {
            return block * (long) blockSize + start * LoopbackDevice.SECTOR_SIZE;
        }

        // dm-bufio.c __find(), L251 (behaviour)
        Buffer find(long block) { return tree.get(block); }

        // dm-bufio.c __find_next(), L268 (behaviour)
        Buffer findNext(long block) {
            Map.Entry<Long, Buffer> e = tree.ceilingEntry(block);
            return e == null ? null : e.getValue();
        }

        // dm-bufio.c __link_buffer(), L503 (behaviour)
        void linkBuffer(Buffer b, long block, int mode) {
            Buffer other = tree.get(block);
            if (other != null && other != b) {
                throw new DmBufioInvariants.Violation("NoDuplicateInv", "BUG: __insert: block " + block
                        + " is already cached by " + other + ", linking " + b);
            }
            nBuffers.incrementAndGet(mode);
            b.block = block;
            b.listMode = mode;
            lru[mode].add(b);
            tree.put(block, b);
            b.linked = true;
            b.lastAccessed = m.params.clock.nanoTime();
            ghost.touched.add(b);
            m.adjustTotalAllocated(b, false);
        }

        // dm-bufio.c __unlink_buffer(), L520 (behaviour)
        void unlinkBuffer(Buffer b) {
            if (nBuffers.get(b.listMode) == 0) {
                throw new Panic("BUG_ON(!c->n_buffers[b->list_mode]): list " + b.listMode + " count is 0 unlinking " + b);
            }
            nBuffers.decrementAndGet(b.listMode);
            if (ghost.view.containsKey(b.block)) ghost.recheck.add(b.block);
            tree.remove(b.block);
            lru[b.listMode].remove(b);
            b.linked = false;
            m.adjustTotalAllocated(b, true);
        }

        // dm-bufio.c __relink_lru(), L536 (behaviour)
        void relinkLru(Buffer b, int mode) {
            b.accessed = true;
            nBuffers.decrementAndGet(b.listMode);
            nBuffers.incrementAndGet(mode);
            lru[b.listMode].remove(b);
            b.listMode = mode;
            lru[mode].add(b);
            b.lastAccessed = m.params.clock.nanoTime();
        }

        /** Snapshot of lru[mode] from the least recent (the seed's reverse walk from the tail). */
        List<Buffer> oldestFirst(int mode) { return new ArrayList<>(lru[mode]); }

        // ------------------------------------------------------------ allocation

        private Buffer tryAllocate(boolean sleeping) {
            if (sleeping ? failSleepingAlloc : failNonBlockingAlloc) return null;
            for (;;) {
                int n = allocated.get();
                if (n >= capacity) return null;
                if (allocated.compareAndSet(n, n + 1)) return new Buffer(this, nextIdAtomic.getAndIncrement());
            }
        }

        // dm-bufio.c __alloc_buffer_wait_no_callback(), L862 (behaviour)
        private Buffer allocBufferWaitNoCallback(int nf) {
            boolean triedNoio = false;
            for (;;) {
                if (!m.params.noAllocation) {
                    Buffer b = tryAllocate(false);            // non-sleeping attempt under the mutex
                    if (b != null) return b;
                }
                if (nf == NF_PREFETCH) return null;           // prefetch never steals nor waits
                if (!m.params.noAllocation && !triedNoio) {
                    triedNoio = true;
                    unlockClient();                            // lock drop: another thread may link our block
                    Buffer b;
                    try {
                        Runnable w = allocWindow;
                        if (w != null) w.run();
                        b = tryAllocate(true);
                    } finally {
                        lockClient();
                    }
                    if (b != null) return b;
                }
                if (!reservedBuffers.isEmpty()) {
                    Buffer b = reservedBuffers.pop();
                    b.inReserve = false;
                    needReservedBuffers++;
                    return b;
                }
                Buffer b = getUnclaimedBuffer();
                if (b != null) return b;
                waitForFreeBuffer();
            }
        }

        // dm-bufio.c __alloc_buffer_wait(), L916 (behaviour)
        private Buffer allocBufferWait(int nf) {
            Buffer b = allocBufferWaitNoCallback(nf);
            if (b != null && allocCallback != null) allocCallback.accept(b);
            return b;
        }

        // dm-bufio.c __free_buffer_wake(), L932 (behaviour)
        void freeBufferWake(Buffer b) {
            ghost.discarding(b);
            b.freeEpoch++;
            b.holdCount = 0;
            if (needReservedBuffers > 0) {
                b.inReserve = true;
                reservedBuffers.push(b);
                needReservedBuffers--;
            } else {
                allocated.decrementAndGet();              // free_buffer
            }
            freeBufferWait.signalAll();
        }

        // dm-bufio.c __wait_for_free_buffer(), L834 (behaviour)
        private void waitForFreeBuffer() {
            try {
                if (freeBufferWait.awaitNanos(m.params.waitTimeoutNanos) <= 0) {
                    throw new IllegalStateException("__wait_for_free_buffer: no buffer was released or freed within "
                            + TimeUnit.NANOSECONDS.toMillis(m.params.waitTimeoutNanos) + " ms; " + tree.size()
                            + " linked, all held: " + heldSummary());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("__wait_for_free_buffer interrupted", e);
            }
        }

        private String heldSummary() {
            StringBuilder sb = new StringBuilder();
            int n = 0;
            for (Buffer b : tree.values()) {
                if (b.holdCount > 0 && n++ < 8) sb.append(b).append(' ');
            }
            return sb.toString();
        }

        // dm-bufio.c __get_unclaimed_buffer(), L797 (behaviour)
        private Buffer getUnclaimedBuffer() {
            for (Buffer b : oldestFirst(LIST_CLEAN)) {
                int s = b.state.get();
                if ((s & (B_WRITING | B_DIRTY)) != 0) {
                    throw new Panic("BUG_ON(test_bit(B_WRITING|B_DIRTY)) on the CLEAN list: " + b);
                }
                if (b.holdCount == 0 || m.mut.stealIgnoresHold) {
                    stolen(b);
                    return b;
                }
            }
            for (Buffer b : oldestFirst(LIST_DIRTY)) {
                if ((b.state.get() & B_READING) != 0) throw new Panic("BUG_ON(test_bit(B_READING)) on the DIRTY list: " + b);
                if (b.holdCount == 0 || m.mut.stealIgnoresHold) {
                    stolen(b);
                    return b;
                }
            }
            return null;
        }

        private void stolen(Buffer b) {
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event("al_steal").num("b", traceReadBlock).num("victim", b.block).end();
            makeBufferClean(b);
            unlinkBuffer(b);
            ghost.discarding(b);
            if (b.holdCount > 0) {
                ghost.record("HolderSeesItsBlockInv", "a holder of block " + b.block + " will see its buffer reused: " + b);
            }
            b.freeEpoch++;
        }

        // dm-bufio.c __make_buffer_clean(), L781 (behaviour)
        void makeBufferClean(Buffer b) {
            if (b.holdCount != 0 && !m.mut.stealIgnoresHold) {
                throw new Panic("BUG_ON(b->hold_count): __make_buffer_clean of " + b);
            }
            if (b.state.get() == 0) return;
            waitOnBit(b, B_READING);
            writeDirtyBuffer(b, null);
            waitOnBit(b, B_WRITING);
        }

        // ------------------------------------------------------------ bit waits

        // wait_on_bit_io(), as used by dm-bufio (behaviour): sleep until the bit is clear
        void waitOnBit(Buffer b, int bit) {
            if ((b.state.get() & bit) == 0) return;          // fast path: acquire load (volatile)
            if (IN_GET.get()) {
                ghost.record("GetNeverWaitsForIoInv", "get waited on bit " + bit + " of " + b);
                throw new DmBufioInvariants.Violation("GetNeverWaitsForIoInv", "get would wait on bit " + bit + " of " + b);
            }
            if (bit == B_WRITING && WriteList.pending().contains(b)) {
                throw new DmBufioInvariants.Violation("NoSelfDeadlockInv", "waiting for WRITING of " + b
                        + ", whose write is on this thread's own unsubmitted write list");
            }
            if (NO_IO.get()) ghost.record("ShrinkNoIoInv", "an eviction with mayDoIo=false waited for I/O on " + b);
            long deadline = System.nanoTime() + m.params.waitTimeoutNanos;
            Completer comp = dev.completer();
            while ((b.state.get() & bit) != 0) {
                if (comp instanceof SeededCompleter s && s.completeOne()) continue;   // HELPING mode
                synchronized (b.bitWait) {
                    if ((b.state.get() & bit) != 0) {
                        try {
                            b.bitWait.wait(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("wait_on_bit interrupted on " + b, e);
                        }
                    }
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("wait_on_bit: bit " + bit + " of " + b + " still set after "
                            + TimeUnit.NANOSECONDS.toMillis(m.params.waitTimeoutNanos) + " ms (completer " + comp + ")");
                }
            }
        }

        // wait_on_bit_lock_io(B_WRITING) (behaviour): wait until clear, then set it atomically
        void waitOnBitLock(Buffer b, int bit) {
            while ((b.state.getAndUpdate(v -> v | (bit)) & bit) != 0) waitOnBit(b, bit);
        }

        private void wakeBit(Buffer b) {
            synchronized (b.bitWait) { b.bitWait.notifyAll(); }
        }

        // ------------------------------------------------------------ I/O

        // dm-bufio.c submit_io() for READ, L672 (behaviour)
        void submitRead(Buffer b) {
            long block = b.block;
            ghost.ioStart(block);
            dev.submit(Request.read(blockToOffset(block), b.data), comp -> readEndio(b, block, comp.status()));
        }

        /** Submits b's write of [writeStart, writeEnd) widened to 4 KiB, to b.writeBlock. */
        // dm-bufio.c submit_io() for WRITE, L672-L697 (behaviour)
        void submitWrite(Buffer b) {
            long target = b.writeBlock;
            if (NO_IO.get()) ghost.record("ShrinkNoIoInv", "an eviction with mayDoIo=false wrote " + b);
            if (writeCallback != null) writeCallback.beforeWrite(b, target);
            int from = b.writeStart / DM_BUFIO_WRITE_ALIGN * DM_BUFIO_WRITE_ALIGN;
            int to = Math.min((b.writeEnd + DM_BUFIO_WRITE_ALIGN - 1) / DM_BUFIO_WRITE_ALIGN * DM_BUFIO_WRITE_ALIGN, blockSize);
            if (to <= from) {     // only the stale range of moveStaleRange: nothing to write
                writeEndio(b, target, 0, false);
                return;
            }
            byte[] payload = Arrays.copyOfRange(b.data, from, to);
            ghost.ioStart(target);
            dev.submit(Request.write(blockToOffset(target) + from, payload),
                    comp -> writeEndio(b, target, comp.status() == Status.OK ? 0 : -EIO, true));
        }

        // dm-bufio.c read_endio(), L1054 (behaviour): completion context, no mutex
        private void readEndio(Buffer b, long block, Status status) {
            ghost.ioEnd(block);
            b.readError = status == Status.OK ? 0 : -EIO;
            ghost.touched.add(b);
            int old = b.state.getAndUpdate(v -> v & (~B_READING));     // release: publishes readError and data
            if ((old & B_READING) == 0) throw new Panic("BUG_ON(!test_bit(B_READING)) in read_endio of " + b);
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event("CompleteRead").num("b", block).bool("ok", status == Status.OK).end();
            wakeBit(b);
        }

        // dm-bufio.c write_endio(), L716 (behaviour): completion context, no mutex
        private void writeEndio(Buffer b, long target, int error, boolean counted) {
            if (counted) ghost.ioEnd(target);
            b.writeError = error;
            ghost.touched.add(b);
            if (error != 0) {
                ghost.writeFailed(target);
                asyncWriteError.compareAndSet(0, error);        // first error wins
                ghost.latched();
            } else {
                ghost.written(target, b.writeVer);
            }
            if ((b.state.get() & B_WRITING) == 0) throw new Panic("BUG_ON(!test_bit(B_WRITING)) in write_endio of " + b);
            if (m.mut.completionClearsDirty) {
                b.state.getAndUpdate(v -> v & (~(B_WRITING | B_DIRTY)));
            } else if (m.mut.nonAtomicDirtyClear) {
                int s = b.state.get();
                Consumer<Buffer> w = completionWindow;
                if (w != null) w.accept(b);
                b.state.set(s & ~B_WRITING);
            } else {
                b.state.getAndUpdate(v -> v & (~B_WRITING));
            }
            b.wroteSinceDirty = true;       // ghost (LazyCleanInv): a write to it completed
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event("CompleteWrite").num("b", target).bool("ok", error == 0).num("state", b.state.get()).end();
            wakeBit(b);
        }

        // dm-bufio.c __write_dirty_buffer(), L744 (behaviour)
        void writeDirtyBuffer(Buffer b, WriteList wl) {
            if ((b.state.get() & B_DIRTY) == 0) return;
            b.state.getAndUpdate(v -> v & (~B_DIRTY));      // DIRTY cleared under the mutex before the write: a re-dirty survives
            if (m.mut.writeNoWaitWriting) b.state.getAndUpdate(v -> v | (B_WRITING));
            else waitOnBitLock(b, B_WRITING);         // WRITING is the per-buffer write lock
            b.writeStart = b.dirtyStart;
            b.writeEnd = b.dirtyEnd;
            b.writeVer = b.markVer;
            b.writeBlock = b.block;
            if (wl == null) submitWrite(b); else wl.add(b);
        }

        // dm-bufio.c __write_dirty_buffers_async(), L946 (behaviour)
        void writeDirtyBuffersAsyncLocked(boolean noWait, WriteList wl) {
            for (Buffer b : oldestFirst(LIST_DIRTY)) {
                if (!b.linked || b.listMode != LIST_DIRTY) continue;
                int s = b.state.get();
                if ((s & B_READING) != 0) throw new Panic("BUG_ON(test_bit(B_READING)) on the DIRTY list: " + b);
                if ((s & (B_DIRTY | B_WRITING)) == 0) {
                    relinkLru(b, LIST_CLEAN);
                    continue;
                }
                if (noWait && (s & B_WRITING) != 0) return;
                writeDirtyBuffer(b, wl);
            }
        }

        // dm-bufio.c __check_watermark(), L973 (behaviour)
        void checkWatermark(WriteList wl) {
            if (m.params.watermarkWriteback && nBuffers.get(LIST_DIRTY) > nBuffers.get(LIST_CLEAN) * DM_BUFIO_WRITEBACK_RATIO) {
                writeDirtyBuffersAsyncLocked(true, wl);
            }
        }

        // ------------------------------------------------------------ lookup

        private record Got(Buffer b, boolean needSubmit) { }

        // dm-bufio.c __bufio_new(), L984 (behaviour)
        private Got bufioNew(long block, int nf, WriteList wl) {
            Buffer b = find(block);
            if (b != null) return foundBuffer(b, nf);
            if (nf == NF_GET) return null;
            traceReadBlock = block;
            Buffer nb = allocBufferWait(nf);          // may drop the mutex
            if (nb == null) return null;
            if (!m.mut.noRecheckAfterAlloc) {
                b = find(block);                       // the recheck: someone may have linked it meanwhile
                if (b != null) {
                    freeBufferWake(nb);
                    dev.bioref.trace.TraceLog t = trace;
                    if (t != null && nf == NF_READ) t.event("rd_got").num("b", block).bool("found", true).nums("queued", new long[0]).end();
                    return foundBuffer(b, nf);
                }
            }
            int queuedBefore = wl.list.size();
            checkWatermark(wl);
            nb.holdCount = 1;
            nb.readError = 0;
            nb.writeError = 0;
            nb.wroteSinceDirty = false;
            nb.freshUnwritten = false;
            linkBuffer(nb, block, LIST_CLEAN);
            if (nf == NF_FRESH) {
                nb.state.set(0);
                if (!m.quirks.seedNewUnchecked) {
                    Arrays.fill(nb.data, (byte) 0);    // deviation §8.6: no stale data leaks from a recycled buffer
                    nb.freshUnwritten = true;
                }
                return new Got(nb, false);
            }
            nb.state.set(B_READING);
            dev.bioref.trace.TraceLog t = trace;
            if (t != null && nf == NF_READ) {
                long[] q = wl.list.subList(queuedBefore, wl.list.size()).stream().mapToLong(x -> x.block).toArray();
                t.event("rd_got").num("b", block).bool("found", false).nums("queued", q).end();
            }
            return new Got(nb, true);
        }

        private Got foundBuffer(Buffer b, int nf) {
            if (nf == NF_PREFETCH) return null;
            if (nf == NF_GET && (b.state.get() & B_READING) != 0 && !m.mut.getIgnoresReading) return null;   // get never waits for a read
            b.holdCount++;
            relinkLru(b, (b.state.get() & (B_DIRTY | B_WRITING)) != 0 ? LIST_DIRTY : LIST_CLEAN);
            return new Got(b, false);
        }

        // dm-bufio.c new_read(), L1073 (behaviour)
        private Buffer newRead(long block, int nf, String api) {
            live(api);
            if (block < 0) throw new IllegalArgumentException(api + ": negative block " + block);
            if (nf != NF_GET) notInRequest(api);
            WriteList wl = new WriteList();
            Got g;
            lockClient();
            try {
                g = bufioNew(block, nf, wl);
            } finally {
                unlockIfHeld();
            }
            wl.submit();
            if (g == null) return null;
            Buffer b = g.b();
            if (g.needSubmit()) submitRead(b);
            waitOnBit(b, B_READING);
            dev.bioref.trace.TraceLog t = trace;
            if (t != null && nf == NF_READ) t.event("rd_wait").num("b", block).bool("ok", b.readError == 0).end();
            if (b.readError != 0) {
                int e = b.readError;
                release(b);
                throw new IoError(block, e);
            }
            return b;
        }

        private void checkBlock(String api, long block) {
            long blocks = getDeviceSize();
            if (block < 0 || block >= blocks) {
                throw new IllegalArgumentException(api + ": block " + block + " is outside the device's " + blocks + " blocks");
            }
        }

        /** dm_bufio_read: the block's data, held; throws {@link IoError} if the read failed. */
        // dm-bufio.c dm_bufio_read(), L1119 (behaviour)
        public Buffer read(long block) {
            checkBlock("dm_bufio_read", block);
            return newRead(block, NF_READ, "dm_bufio_read");
        }

        /**
         * dm_bufio_new: a held buffer for a block the caller will overwrite whole and mark dirty;
         * no read. If the block is cached, its current contents (as read). Zero-filled (deviation §8.6).
         */
        // dm-bufio.c dm_bufio_new(), L1128 (behaviour)
        public Buffer new_(long block) {
            checkBlock("dm_bufio_new", block);
            traceUnmodelled("dm_bufio_new");
            return newRead(block, NF_FRESH, "dm_bufio_new");
        }

        /** dm_bufio_get: the cached block, held, or null if not cached or still being read. Never waits for I/O. */
        // dm-bufio.c dm_bufio_get(), L1112 (behaviour)
        public Buffer get(long block) {
            checkBlock("dm_bufio_get", block);
            traceUnmodelled("dm_bufio_get");
            IN_GET.set(true);
            try {
                return newRead(block, NF_GET, "dm_bufio_get");
            } finally {
                IN_GET.set(false);
            }
        }

        /** dm_bufio_prefetch: start reading [block, block + n) that is not cached; holds nothing, never waits for buffers. */
        // dm-bufio.c dm_bufio_prefetch(), L1137 (behaviour)
        public void prefetch(long block, long n) {
            live("dm_bufio_prefetch");
            notInRequest("dm_bufio_prefetch");
            traceUnmodelled("dm_bufio_prefetch");
            if (n < 0) throw new IllegalArgumentException("dm_bufio_prefetch: negative count " + n);
            if (n > 0) {
                checkBlock("dm_bufio_prefetch", block);
                checkBlock("dm_bufio_prefetch", block + n - 1);
            }
            WriteList wl = new WriteList();
            lockClient();
            try {
                for (; n > 0; n--, block++) {
                    Got g = bufioNew(block, NF_PREFETCH, wl);
                    if (!wl.isEmpty()) {
                        unlockClient();
                        wl.submit();
                        lockClient();
                    }
                    if (g != null) {
                        unlockClient();
                        if (g.needSubmit()) submitRead(g.b());
                        release(g.b());
                        lockClient();
                    }
                }
            } finally {
                unlockIfHeld();
            }
        }

        /** dm_bufio_release: drop one hold. The last hold frees a buffer that carries an I/O error. */
        // dm-bufio.c dm_bufio_release(), L1183 (behaviour)
        public void release(Buffer b) {
            Objects.requireNonNull(b, "buffer");
            if (b.c != this) throw new IllegalArgumentException("dm_bufio_release: " + b + " belongs to another client");
            lockClient();
            try {
                if (b.holdCount <= 0 || !b.linked) {
                    throw new Panic("BUG_ON(!b->hold_count): dm_bufio_release of " + b + " (not held)");
                }
                if (b.holdCount == 1 && b.freshUnwritten && m.params.ghostChecks) {
                    throw new IllegalStateException("dm_bufio_release: " + b + " came from new() and was not "
                            + "overwritten and marked dirty over its whole block (notes §8.6); nothing changed");
                }
                b.holdCount--;
                ghost.touched.add(b);
                long block = b.block;
                boolean freed = false;
                if (b.holdCount == 0) {
                    freeBufferWait.signalAll();
                    if ((b.readError != 0 || b.writeError != 0) && b.state.get() == 0) {
                        unlinkBuffer(b);                    // no point caching an invalid buffer
                        freeBufferWake(b);
                        freed = true;
                    }
                }
                dev.bioref.trace.TraceLog t = trace;
                if (t != null) t.event("release").num("b", block).num("hold", b.holdCount).bool("freed", freed).end();
            } finally {
                unlockIfHeld();
            }
        }

        /** dm_bufio_mark_partial_buffer_dirty: bytes [start, end) changed; the caller holds b and changed them first. */
        // dm-bufio.c dm_bufio_mark_partial_buffer_dirty(), L1213 (behaviour)
        public void markPartialBufferDirty(Buffer b, int start, int end) {
            Objects.requireNonNull(b, "buffer");
            if (start >= end || end > blockSize || start < 0) {
                throw new IllegalArgumentException("BUG_ON(start >= end || end > block_size): start=" + start
                        + " end=" + end + " block_size=" + blockSize);
            }
            if (b.c != this) throw new IllegalArgumentException("mark dirty: " + b + " belongs to another client");
            lockClient();
            try {
                if (!b.linked || b.holdCount <= 0) {
                    throw new IllegalStateException("mark dirty: " + b + " is not held by anyone (port check, notes §3)");
                }
                if ((b.state.get() & B_READING) != 0) throw new Panic("BUG_ON(test_bit(B_READING)): mark dirty of " + b);
                if ((b.state.getAndUpdate(v -> v | (B_DIRTY)) & B_DIRTY) == 0) {
                    b.dirtyStart = start;
                    b.dirtyEnd = end;
                    b.wroteSinceDirty = false;
                    relinkLru(b, LIST_DIRTY);
                } else {
                    b.dirtyStart = Math.min(b.dirtyStart, start);
                    b.dirtyEnd = Math.max(b.dirtyEnd, end);
                }
                if (b.dirtyStart == 0 && b.dirtyEnd == blockSize) b.freshUnwritten = false;
                b.markVer = ghost.nextVersion();
                ghost.touched.add(b);
                dev.bioref.trace.TraceLog t = trace;
                if (t != null) t.event("mark_buffer_dirty").num("b", b.block).num("state", b.state.get()).end();
                if (m.params.ghostChecks) ghost.marked(b.block, b.data);
            } finally {
                unlockIfHeld();
            }
        }

        /** dm_bufio_mark_buffer_dirty: the whole block changed. */
        // dm-bufio.c dm_bufio_mark_buffer_dirty(), L1240 (behaviour)
        public void markBufferDirty(Buffer b) { markPartialBufferDirty(b, 0, blockSize); }

        /** dm_bufio_write_dirty_buffers_async: start writing every dirty buffer; reports nothing. */
        // dm-bufio.c dm_bufio_write_dirty_buffers_async(), L1246 (behaviour)
        public void writeDirtyBuffersAsync() {
            live("dm_bufio_write_dirty_buffers_async");
            notInRequest("dm_bufio_write_dirty_buffers_async");
            WriteList wl = new WriteList();
            lockClient();
            try {
                writeDirtyBuffersAsyncLocked(false, wl);
            } finally {
                unlockIfHeld();
            }
            wl.submit();
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event("wdb_submit").end();
        }

        /**
         * dm_bufio_write_dirty_buffers: write every dirty buffer, wait, FLUSH. Returns 0, the first
         * write error of this client since the last call (reported once), or the FLUSH's error.
         */
        // dm-bufio.c dm_bufio_write_dirty_buffers(), L1266 (behaviour)
        public int writeDirtyBuffers() {
            live("dm_bufio_write_dirty_buffers");
            notInRequest("dm_bufio_write_dirty_buffers");
            WriteList wl = new WriteList();
            Map<Long, Long> snap;
            lockClient();
            try {
                snap = ghost.snapshotDirty(lru[LIST_DIRTY]);          // FlushDurabilityInv: what must be durable
                writeDirtyBuffersAsyncLocked(false, wl);              // pass 1: DIRTY → WRITING, queued
                unlockClient();
                if (!m.mut.lockWithPendingWrites) wl.submit();        // submit before anything waits on them
                lockClient();
                pass2();
                freeBufferWait.signalAll();
            } finally {
                unlockIfHeld();
            }
            wl.submit();
            int a = xchgAsyncWriteError();
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event("wdb_flush").bool("err", a != 0).end();
            int f = issueFlush();          // sent even when a != 0 (§8.9)
            if (a == 0 && f == 0 && m.params.ghostChecks) ghost.checkFlushDurability(snap);   // commit point
            return a != 0 ? a : f;
        }

        /**
         * The report step of write_dirty_buffers: takes the latched first async write error and
         * resets the latch to 0 in one atomic exchange, so a write failing concurrently is either
         * returned now or left latched for the next caller (JCStress J9, ErrorLatchVsXchg).
         */
        // dm-bufio.c dm_bufio_write_dirty_buffers(), L1329 (behaviour)
        int xchgAsyncWriteError() {
            ghost.resetFailedSinceXchg();
            int a;
            if (m.mut.nonAtomicErrorXchg) {
                a = asyncWriteError.get();
                Runnable w = xchgWindow;
                if (w != null) w.run();
                asyncWriteError.set(0);
            } else {
                a = asyncWriteError.getAndSet(0);
            }
            if (a != 0) ghost.reported();
            return a;
        }

        // dm-bufio.c dm_bufio_write_dirty_buffers() pass 2, L1280-L1326 (behaviour)
        private void pass2() {
            long processed = 0;
            again:
            for (;;) {
                for (Buffer b : oldestFirst(LIST_DIRTY)) {
                    if (!b.linked || b.listMode != LIST_DIRTY) continue;
                    boolean dropped = false;
                    if (processed < nBuffers.get(LIST_DIRTY)) processed++;     // saturating, never reset
                    if ((b.state.get() & B_READING) != 0) throw new Panic("BUG_ON(test_bit(B_READING)) in pass 2: " + b);
                    if ((b.state.get() & B_WRITING) != 0) {
                        if (processed < nBuffers.get(LIST_DIRTY)) {
                            boolean pin = !m.mut.noPinInPass2;
                            int epoch = b.freeEpoch;
                            if (pin) b.holdCount++;            // the pin: nobody may free b while we wait unlocked
                            unlockClient();
                            try {
                                Consumer<Buffer> w = pass2Window;
                                if (w != null) w.accept(b);
                                waitOnBit(b, B_WRITING);
                            } finally {
                                lockClient();
                            }
                            if (pin) b.holdCount--;
                            if (b.freeEpoch != epoch || !b.linked) {
                                ghost.record("NoFreeWhileHeldInv", "pass 2's buffer was freed during its unlocked wait: " + b);
                                continue again;
                            }
                            dropped = true;
                        } else {
                            waitOnBit(b, B_WRITING);           // saturated: wait holding the mutex
                        }
                    }
                    if ((b.state.get() & (B_DIRTY | B_WRITING)) == 0 && b.linked && b.listMode == LIST_DIRTY) {
                        relinkLru(b, LIST_CLEAN);
                    }
                    if (dropped) continue again;
                }
                return;
            }
        }

        /** dm_bufio_issue_flush: a synchronous empty FLUSH; 0 or -EIO. */
        // dm-bufio.c dm_bufio_issue_flush(), L1341 (behaviour)
        public int issueFlush() {
            live("dm_bufio_issue_flush");
            notInRequest("dm_bufio_issue_flush");
            return dev.execute(Request.flush()).ok() ? 0 : -EIO;
        }

        /** dm_bufio_issue_discard: a synchronous DISCARD; does not touch cached buffers (forget them first). */
        // dm-bufio.c dm_bufio_issue_discard(), L1365 (behaviour)
        public int issueDiscard(long block, long count) {
            live("dm_bufio_issue_discard");
            notInRequest("dm_bufio_issue_discard");
            if (count <= 0) throw new IllegalArgumentException("dm_bufio_issue_discard: count must be > 0, was " + count);
            checkBlock("dm_bufio_issue_discard", block);
            checkBlock("dm_bufio_issue_discard", block + count - 1);
            long bytes = count * blockSize;
            if (m.quirks.seedDiscardCountAddsStart) bytes += start * LoopbackDevice.SECTOR_SIZE;   // §8.5 seed
            long off = blockToOffset(block);
            if (bytes > Integer.MAX_VALUE || off + bytes > dev.capacity()) {
                throw new IllegalArgumentException("dm_bufio_issue_discard: [" + off + ", " + (off + bytes)
                        + ") is beyond the device's " + dev.capacity() + " bytes");
            }
            long blocksCovered = (bytes + blockSize - 1) / blockSize;
            for (long x = block; x < block + blocksCovered; x++) ghost.tainted.add(x);
            return dev.execute(Request.discard(off, (int) bytes)).ok() ? 0 : -EIO;
        }

        /**
         * dm_bufio_release_move: release b and move it to newBlock (only holder: b becomes newBlock,
         * dirty) or copy its data there (shared: b stays, newBlock gets b's whole block). Optional API
         * (removed in Linux 6.4); deviations §8.1-§8.3.
         */
        // dm-bufio.c dm_bufio_release_move(), L1398 (behaviour)
        public void releaseMove(Buffer b, long newBlock) {
            Objects.requireNonNull(b, "buffer");
            live("dm_bufio_release_move");
            notInRequest("dm_bufio_release_move");
            traceUnmodelled("dm_bufio_release_move");
            checkBlock("dm_bufio_release_move", newBlock);
            if (newBlock == b.block) {
                throw new IllegalArgumentException("dm_bufio_release_move: new block " + newBlock
                        + " is the buffer's own block (the seed would wait forever, §8.3)");
            }
            lockClient();
            try {
                if (!b.linked || b.holdCount <= 0) throw new Panic("BUG_ON(!b->hold_count): release_move of " + b);
                if ((b.state.get() & B_READING) != 0) throw new Panic("BUG_ON(test_bit(B_READING)): release_move of " + b);
                for (;;) {
                    Buffer v = find(newBlock);
                    if (v == null) break;
                    if (v.holdCount > 0) {
                        waitForFreeBuffer();
                        continue;
                    }
                    makeBufferClean(v);       // may write v pointlessly; the seed flags this itself (dm_bufio_release_move(), L1416)
                    unlinkBuffer(v);
                    freeBufferWake(v);
                }
                writeDirtyBuffer(b, null);     // b's dirty range to the OLD block first
                if (b.holdCount == 1) {
                    waitOnBit(b, B_WRITING);
                    b.state.getAndUpdate(v -> v | (B_DIRTY));
                    b.dirtyStart = 0;
                    b.dirtyEnd = blockSize;
                    unlinkBuffer(b);
                    linkBuffer(b, newBlock, LIST_DIRTY);
                    b.wroteSinceDirty = false;
                    b.markVer = ghost.nextVersion();
                    if (m.params.ghostChecks) ghost.marked(newBlock, b.data);
                } else {
                    waitOnBitLock(b, B_WRITING);
                    if (!m.mut.moveStaleRange) {   // deviation §8.1: copy the whole block
                        b.writeStart = 0;
                        b.writeEnd = blockSize;
                    }
                    b.writeBlock = newBlock;        // deviation §8.2: b.block stays; the target is passed on
                    b.writeVer = ghost.nextVersion();
                    if (m.params.ghostChecks) ghost.marked(newBlock, b.data);
                    ghost.recheck.add(newBlock);
                    submitWrite(b);
                    waitOnBit(b, B_WRITING);        // synchronous, holding the mutex
                }
            } finally {
                unlockIfHeld();
            }
            release(b);
        }

        /** dm_bufio_forget: drop the block from the cache if it is idle and clean; a hint otherwise. */
        // dm-bufio.c dm_bufio_forget(), L1476 (behaviour)
        public void forget(long block) {
            live("dm_bufio_forget");
            lockClient();
            try {
                Buffer b = find(block);
                if (b != null) forgetBuffer(b);
                else if (trace != null) trace.event("forget").num("b", block).bool("freed", false).end();
            } finally {
                unlockIfHeld();
            }
        }

        // dm-bufio.c forget_buffer_locked(), L1462 (behaviour)
        private boolean forgetBuffer(Buffer b) {
            dev.bioref.trace.TraceLog t = trace;
            long block = b.block;
            if (b.holdCount == 0 && (b.state.get() == 0 || m.mut.forgetDropsDirty)) {
                unlinkBuffer(b);
                freeBufferWake(b);
                if (t != null) t.event("forget").num("b", block).bool("freed", true).end();
                return true;
            }
            if (t != null) t.event("forget").num("b", b.block).bool("freed", false).end();
            return false;
        }

        /** dm_bufio_forget_buffers: forget every idle clean cached block in [block, block + n) (bound-checked, §8.4). */
        // dm-bufio.c dm_bufio_forget_buffers(), L1490 (behaviour)
        public void forgetBuffers(long block, long n) {
            live("dm_bufio_forget_buffers");
            if (n < 0) throw new IllegalArgumentException("dm_bufio_forget_buffers: negative count " + n);
            long end = block + n;
            while (block < end) {
                Buffer b;
                lockClient();
                try {
                    b = findNext(block);
                    if (b != null && (b.block < end || m.quirks.seedForgetBuffersOverrun)) {
                        block = b.block + 1;
                        forgetBuffer(b);
                    } else {
                        b = null;
                    }
                } finally {
                    unlockIfHeld();
                }
                if (b == null) break;
            }
        }

        /** dm_bufio_set_minimum_buffers: stored, never read (as in the seed, §8.10). */
        // dm-bufio.c dm_bufio_set_minimum_buffers(), L1513 (behaviour)
        public void setMinimumBuffers(int n) { minimumBuffers = n; }

        public int minimumBuffers() { return minimumBuffers; }

        /** dm_bufio_set_sector_offset: call before any I/O. */
        // dm-bufio.c dm_bufio_set_sector_offset(), L1885 (behaviour)
        public void setSectorOffset(long sectors) {
            if (sectors < 0) throw new IllegalArgumentException("dm_bufio_set_sector_offset: negative " + sectors);
            start = sectors;
        }

        // dm-bufio.c dm_bufio_get_block_size(), L1519 (behaviour)
        public int getBlockSize() { return blockSize; }

        /** Blocks on the device after the sector offset (0 if the offset is beyond it). */
        // dm-bufio.c dm_bufio_get_device_size(), L1525 (behaviour)
        public long getDeviceSize() {
            long sectors = dev.sectors() - start;
            if (sectors < 0) return 0;
            return sectors / (blockSize / LoopbackDevice.SECTOR_SIZE);
        }

        // ------------------------------------------------------------ memory pressure

        long retainBuffers() {
            long r = m.params.retainBytes / blockSize;
            return r;
        }

        /** shrink count_objects: lockless estimate of what a scan could free. */
        // dm-bufio.c dm_bufio_shrink_count(), L1693 (behaviour)
        public long shrinkCount() {
            long count = (long) nBuffers.get(LIST_CLEAN) + nBuffers.get(LIST_DIRTY);
            long r = retainBuffers();
            count = count <= r ? 0 : count - r;
            long need = needShrink.get();
            return count <= need ? 0 : count - need;
        }

        /**
         * shrink scan_objects: ask for {@code nrToScan} buffers back. The port scans at once in
         * the caller (deviation: the seed defers to a work item and claims success), with the
         * allocation context's {@code mayDoIo}: without it the mutex is only try-locked and only
         * idle clean buffers are freed. Returns how many were freed.
         */
        // dm-bufio.c dm_bufio_shrink_scan(), L1682, __scan(), L1649 (behaviour)
        public long shrinkScan(long nrToScan, boolean mayDoIo) {
            live("shrink");
            if (nrToScan < 0) throw new IllegalArgumentException("shrink scan: negative nr_to_scan " + nrToScan);
            if (lock.isHeldByCurrentThread()) {
                throw new DmBufioInvariants.Violation("MutexNotReentrantInv", "shrink scan with the client mutex held");
            }
            needShrink.addAndGet(nrToScan);
            if (mayDoIo) {
                lockClient();
            } else if (!WriteList.pending().isEmpty() || !lock.tryLock()) {
                return 0;
            }
            try {
                return scan(mayDoIo);
            } finally {
                unlockIfHeld();
            }
        }

        // dm-bufio.c __scan(), L1649 (behaviour)
        private long scan(boolean mayDoIo) {
            long freed = 0;
            long retain = retainBuffers();
            for (int mode = LIST_CLEAN; mode <= LIST_DIRTY; mode++) {
                for (Buffer b : oldestFirst(mode)) {
                    if (needShrink.get() <= 0) return freed;
                    if ((long) nBuffers.get(LIST_CLEAN) + nBuffers.get(LIST_DIRTY) <= retain) return freed;
                    if (!b.linked) continue;
                    if (tryEvictBuffer(b, mayDoIo)) {
                        needShrink.decrementAndGet();
                        freed++;
                    }
                }
            }
            return freed;
        }

        // dm-bufio.c __try_evict_buffer(), L1620 (behaviour). Mutex held.
        boolean tryEvictBuffer(Buffer b, boolean mayDoIo) {
            if (!mayDoIo && !m.mut.shrinkIgnoresNoIo && b.state.get() != 0) return false;   // no I/O allowed
            if (b.holdCount > 0) return false;
            dev.bioref.trace.TraceLog t0 = trace;
            if (t0 != null && mayDoIo) t0.event("shrink").num("b", b.block).end();
            boolean prev = NO_IO.get();
            NO_IO.set(!mayDoIo);
            try {
                makeBufferClean(b);        // may write; a failed write does not prevent the free
            } finally {
                NO_IO.set(prev);
            }
            long block = b.block;
            unlinkBuffer(b);
            freeBufferWake(b);
            dev.bioref.trace.TraceLog t = trace;
            if (t != null) t.event(mayDoIo ? "sh_clean" : "shrink_noio").num("b", block).end();
            return true;
        }

        // dm-bufio.c __evict_old_buffers(), L1906 (behaviour)
        int evictOldBuffers(long ageNanos) {
            if (destroyed) return 0;
            int freed = 0;
            WriteList wl = new WriteList();
            lockClient();
            try {
                checkWatermark(wl);
                if (!wl.isEmpty()) {
                    unlockClient();
                    wl.submit();
                    lockClient();
                }
                long retain = retainBuffers();
                long count = (long) nBuffers.get(LIST_CLEAN) + nBuffers.get(LIST_DIRTY);
                long now = m.params.clock.nanoTime();
                for (Buffer b : oldestFirst(LIST_CLEAN)) {
                    if (count <= retain) break;
                    if (now - b.lastAccessed < ageNanos) break;     // the list is ordered by last access
                    if (tryEvictBuffer(b, false)) {
                        count--;
                        freed++;
                    }
                }
            } finally {
                unlockIfHeld();
            }
            return freed;
        }

        // ------------------------------------------------------------ destroy

        /**
         * dm_bufio_client_destroy: write dirty buffers (async), wait for all I/O, free everything.
         * Throws, changing nothing, if a buffer is still held (the seed's leak report and BUG).
         * The latched write error is dropped and no FLUSH is sent, as in the seed.
         */
        // dm-bufio.c dm_bufio_client_destroy(), L1843, drop_buffers(), L1570 (behaviour)
        public void destroy() {
            live("dm_bufio_client_destroy");
            WriteList wl = new WriteList();
            lockClient();
            try {
                List<Buffer> leaks = new ArrayList<>();
                for (Buffer b : tree.values()) if (b.holdCount > 0) leaks.add(b);
                if (!leaks.isEmpty()) {
                    throw new IllegalStateException("dm_bufio_client_destroy: " + leaks.size()
                            + " buffer(s) still held (leaked): " + leaks);
                }
                writeDirtyBuffersAsyncLocked(false, wl);
                unlockClient();
                wl.submit();
                lockClient();
                Buffer b;
                while ((b = getUnclaimedBuffer()) != null) freeBufferWake(b);
                if (!tree.isEmpty() || needReservedBuffers != 0 || nBuffers.get(0) != 0 || nBuffers.get(1) != 0) {
                    throw new DmBufioInvariants.Violation("DestroyEmptyInv", "after drop_buffers: " + tree.size()
                            + " linked, shortfall " + needReservedBuffers + ", counts " + nBuffers);
                }
                while (!reservedBuffers.isEmpty()) {
                    reservedBuffers.pop();
                    allocated.decrementAndGet();
                }
                destroyed = true;
            } finally {
                unlockIfHeld();
            }
            m.clientsLock.lock();
            try {
                m.allClients.remove(this);
            } finally {
                m.clientsLock.unlock();
            }
        }

        public boolean isDestroyed() { return destroyed; }

        // ------------------------------------------------------------ inspection

        /** Linked buffers now (for tests). */
        public int cachedBuffers() {
            lock.lock();
            try { return tree.size(); } finally { lock.unlock(); }
        }

        /** n_buffers[mode] (lockless read, as shrink_count does). */
        public int nBuffers(int mode) { return nBuffers.get(mode); }

        /** True if the block is linked now (does not change LRU order). */
        public boolean isCached(long block) {
            lock.lock();
            try { return tree.containsKey(block); } finally { lock.unlock(); }
        }

        /** The latched write error without consuming it. */
        public int peekAsyncWriteError() { return asyncWriteError.get(); }

        /** Writes of this client that completed with an error, ever (diagnostics). */
        public long failedWrites() { return ghost.writesFailed.get(); }

        /** Failed writes not yet reported by a write_dirty_buffers (the ghost of ErrorNotLostInv). */
        public long unreportedWriteFailures() { return ghost.unreported.get(); }

        /** True if the last write to {@code block} failed and none succeeded since: its disk data is not promised. */
        public boolean writeFailedFor(long block) { return ghost.tainted.contains(block); }

        /** Buffer objects alive for this client (reserve included). */
        public int allocatedBuffers() { return allocated.get(); }

        public int reservedFree() {
            lock.lock();
            try { return reservedBuffers.size(); } finally { lock.unlock(); }
        }

        /** Runs every clause of {@link DmBufioInvariants}; throws a Violation naming the first that fails. */
        public void checkInvariants() {
            if (lock.isHeldByCurrentThread()) {
                throw new DmBufioInvariants.Violation("MutexNotReentrantInv", "checkInvariants with the client mutex held");
            }
            lock.lock();
            try {
                DmBufioInvariants.check(this);
            } finally {
                lock.unlock();
            }
        }
    }
}
