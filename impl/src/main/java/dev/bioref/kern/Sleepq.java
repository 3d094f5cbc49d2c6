// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * tsleep / wakeup on arbitrary channel objects, with the kernel's interlock protocol so that
 * no wakeup is ever lost:
 * <pre>
 *   long t = Sleepq.tsleep_interlock(chan);   // register first
 *   if (conditionStillHolds()) Sleepq.tsleep(chan, t, "wmesg", timeout);   // returns at once if
 *                                                                          // a wakeup came after t
 * </pre>
 * A wakeup that lands between the interlock and the sleep makes the sleep return at once.
 * Channels are hashed onto a fixed set of buckets, each with a generation counter; a wakeup
 * on any channel of a bucket bumps it. So a sleeper can wake spuriously (as in the kernel,
 * every caller rechecks its condition), but never misses its own wakeup.
 *
 * <p>While a thread sleeps its LWKT tokens are released and then reacquired; sleeping with a
 * spinlock held is refused with a {@link Panic}. Timeouts are real time (they are safety
 * nets in the seed: 1 s or 1 tick); deterministic tests step the code so that it never needs
 * to sleep.
 */
public final class Sleepq {
    private Sleepq() { }

    private static final int NBUCKETS = 64;
    private static final Bucket[] BUCKETS = new Bucket[NBUCKETS];
    static {
        for (int i = 0; i < NBUCKETS; i++) BUCKETS[i] = new Bucket();
    }

    private static final class Bucket {
        long generation;   // guarded by this
    }

    /** One kernel tick, used by the seed's "sleep one tick" backoffs (hz = 100). */
    public static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** One second: the seed's {@code hz} timeout. */
    public static final long HZ_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static Bucket bucket(Object chan) {
        int h = System.identityHashCode(chan);
        h ^= (h >>> 16);
        return BUCKETS[(h & 0x7fffffff) % NBUCKETS];
    }

    // kern_synch.c tsleep_interlock()
    public static long tsleep_interlock(Object chan) {
        Scheduler sched = Scheduler.current();
        if (sched != null) return sched.interlock(chan);   // under the seeded scheduler: per channel
        Bucket b = bucket(chan);
        synchronized (b) { return b.generation; }
    }

    /**
     * kern_synch.c tsleep() with PINTERLOCKED: sleeps on {@code chan} until a wakeup issued after
     * {@code ticket} was taken, or until {@code timeoutNanos} (0 = forever) pass.
     * Returns 0 when woken, {@link Errno#EWOULDBLOCK} on timeout, {@link Errno#EINTR} if the
     * Java thread was interrupted (the PCATCH analogue; the interrupt status is kept).
     */
    public static int tsleep(Object chan, long ticket, String wmesg, long timeoutNanos) {
        if (Spinlock.heldCount() != 0) {
            throw new Panic("tsleep(\"" + wmesg + "\"): sleeping with " + Spinlock.heldCount() + " spinlock(s) held");
        }
        Bucket b = bucket(chan);
        Watchdog w = WATCHDOG.get();
        boolean untimed = timeoutNanos == 0;
        boolean bounded = w != null && (timeoutNanos == 0 || w.boundTimed);
        if (w != null) {
            w.sleeps++;
            w.lastExpired = false;
        }
        // only an expiry the bound caused is recorded: a timed sleep shorter than the bound (a
        // 1-tick backoff nap) that runs out was not cut short, and woke nobody's waiter late
        // (waits.md §10.2: it made the B4 race report LOST)
        boolean cutByBound = bounded && (timeoutNanos == 0 || timeoutNanos > w.boundNanos);
        if (bounded) timeoutNanos = timeoutNanos == 0 ? w.boundNanos : Math.min(timeoutNanos, w.boundNanos);
        List<Token.Hold> tokens = Token.releaseAllForSleep();
        Thread me = Thread.currentThread();
        try {
            SLEEPERS.put(me, new Sleeper(me, chan, wmesg, System.nanoTime(), System.currentTimeMillis(), timeoutNanos));
            Pause.at(PausePoint.TSLEEP_TOKENS_RELEASED);
            if (spuriousNow()) return 0;   // test seam: a seeded spurious wakeup (off in production)
            Scheduler sched = Scheduler.current();
            if (sched != null) {   // under the seeded scheduler: block there, never on a monitor
                if (KernMutations.tsleepSkipsWakeup) ticket = sched.interlock(chan);   // mutation: forget the interlock
                return sched.sleep(chan, ticket, wmesg, timeoutNanos);
            }
            if (KernMutations.tsleepSkipsWakeup) {
                synchronized (b) { ticket = b.generation; }   // mutation: forget the interlock
            }
            long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
            synchronized (b) {
                while (b.generation == ticket) {
                    if (Thread.currentThread().isInterrupted()) return Errno.EINTR;
                    try {
                        if (timeoutNanos > 0) {
                            long left = deadline - System.nanoTime();
                            if (left <= 0) {
                                if (cutByBound) {
                                    w.expiries++;
                                    w.lastExpired = true;
                                    w.expiredAt = System.nanoTime();   // no wakeup on chan's bucket until now
                                    // an untimed sleep has no timeout to report: its expiry is a
                                    // spurious wakeup to the caller, which re-checks its condition
                                    if (untimed) return 0;
                                }
                                return Errno.EWOULDBLOCK;
                            }
                            TimeUnit.NANOSECONDS.timedWait(b, left);
                        } else {
                            b.wait();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Errno.EINTR;
                    }
                }
                return 0;
            }
        } finally {
            SLEEPERS.remove(me);
            Token.reacquireAll(tokens);
        }
    }

    // ------------------------------------------------------------------ test seams (additive)

    /** A snapshot of the threads asleep in tsleep, with their wmesg (for quiescence checks and waits tests; see {@link #sleepers}). */
    public static java.util.Map<Thread, String> sleeping() {
        java.util.Map<Thread, String> m = new java.util.HashMap<>();
        for (Sleeper s : SLEEPERS.values()) m.put(s.thread(), s.wmesg());
        return java.util.Map.copyOf(m);
    }

    /** The wmesg {@code t} sleeps on now, or null. */
    public static String sleepingOn(Thread t) {
        Sleeper s = SLEEPERS.get(t);
        return s == null ? null : s.wmesg();
    }

    /** Seeded spurious wakeups; null (production) means none. Guarded by itself. */
    private static volatile java.util.SplittableRandom spurious;
    private static volatile int spuriousOneIn;
    private static final java.util.concurrent.atomic.AtomicLong SPURIOUS_INJECTED = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Test seam, not a kernel facility: from now on, each tsleep returns 0 at once, without a
     * wakeup, with probability 1/{@code oneIn}, drawn from a generator seeded with {@code seed}
     * (tokens are still released and reacquired). Every wait loop of the port must then re-check
     * its condition; the kernel allows such wakeups (shared sleep queues, signals).
     */
    public static void seedSpuriousWakeups(long seed, int oneIn) {
        if (oneIn < 1) throw new IllegalArgumentException("seedSpuriousWakeups: oneIn " + oneIn);
        spuriousOneIn = oneIn;
        spurious = new java.util.SplittableRandom(seed);
    }

    /** Stops injecting spurious wakeups; returns how many were injected since the last call. */
    public static long stopSpuriousWakeups() {
        spurious = null;
        return SPURIOUS_INJECTED.getAndSet(0);
    }

    /** How many spurious wakeups were injected since the last {@link #stopSpuriousWakeups} (test seam; does not reset). */
    public static long spuriousWakeupsInjected() { return SPURIOUS_INJECTED.get(); }

    /** True if spurious wakeups are being injected (the quiescence check requires none after a test). */
    public static boolean spuriousWakeupsOn() { return spurious != null; }

    private static boolean spuriousNow() {
        java.util.SplittableRandom r = spurious;
        if (r == null) return false;
        boolean fire;
        synchronized (r) { fire = r.nextInt(spuriousOneIn) == 0; }
        if (fire) SPURIOUS_INJECTED.incrementAndGet();
        return fire;
    }

    /**
     * Test seam, not a kernel facility: a watchdog on the calling thread's sleeps, for the
     * ordinary-mode JCStress twins of the Mode.Termination wait tests (JCStress's sanity mode
     * runs no samples of a Termination test). While armed, a {@link #tsleep} without timeout on
     * this thread is bounded by {@code boundNanos}; an expiry returns 0 (EWOULDBLOCK for a timed
     * sleep), so the caller's loop re-checks its condition as after a spurious wakeup (a caller
     * that passed no timeout never sees EWOULDBLOCK, as in the kernel). If the condition is
     * then satisfied the loop returns with {@link #lastExpired} set: the event came, but its
     * wakeup did not (a lost wakeup, which would have hung without the watchdog). Counts are
     * plain fields: only the owning thread touches them.
     */
    public static final class Watchdog {
        final long boundNanos;
        /** tsleep calls on this thread while armed (whether they blocked or returned at once). */
        public int sleeps;
        /** Untimed sleeps that ran to the bound. */
        public int expiries;
        /** The most recent tsleep ended by the bound, not by a wakeup. */
        public boolean lastExpired;
        /**
         * System.nanoTime() of the last expiry, read under the bucket lock after the sleep saw no
         * wakeup: any wakeup of the channel is issued after this instant. So an event whose
         * wakeup-issuing code had returned before {@code expiredAt} did not wake this sleeper.
         */
        public long expiredAt;

        /**
         * Timed sleeps are bounded too (by the smaller of their timeout and the bound) and their
         * expiries recorded: for waits whose only sleep is a timed safety net, such as
         * bd_wait's hz sleep (vfs_bio.c L484), which a test raises far above the bound.
         */
        final boolean boundTimed;

        Watchdog(long boundNanos, boolean boundTimed) {
            this.boundNanos = boundNanos;
            this.boundTimed = boundTimed;
        }
    }

    private static final ThreadLocal<Watchdog> WATCHDOG = new ThreadLocal<>();

    /** Arms a fresh {@link Watchdog} on the calling thread (test seam). */
    public static Watchdog armWatchdog(long boundNanos) { return armWatchdog(boundNanos, false); }

    /** The same; with {@code boundTimed} timed sleeps are bounded and recorded as well ({@link Watchdog#boundTimed}). */
    public static Watchdog armWatchdog(long boundNanos, boolean boundTimed) {
        if (boundNanos <= 0) throw new IllegalArgumentException("armWatchdog: bound " + boundNanos);
        Watchdog w = new Watchdog(boundNanos, boundTimed);
        WATCHDOG.set(w);
        return w;
    }

    /** The calling thread's armed watchdog, or null (test seam). */
    public static Watchdog currentWatchdog() { return WATCHDOG.get(); }

    /** Disarms the calling thread's watchdog; returns it (null if none was armed). */
    public static Watchdog disarmWatchdog() {
        Watchdog w = WATCHDOG.get();
        WATCHDOG.remove();
        return w;
    }

    /** tsleep() without a prior interlock: sleeps until the next wakeup or the timeout. */
    public static int tsleep(Object chan, String wmesg, long timeoutNanos) {
        return tsleep(chan, tsleep_interlock(chan), wmesg, timeoutNanos);
    }

    // kern_synch.c wakeup()
    public static void wakeup(Object chan) {
        Bucket b = bucket(chan);
        synchronized (b) {
            b.generation++;
            b.notifyAll();
        }
        Scheduler.wakeupAll(chan);   // sleepers under a seeded scheduler (none in production)
    }

    // ------------------------------------------------------------------ sleeper dump (diagnosis of hangs)

    /**
     * One thread asleep in {@link #tsleep}: on which channel, with which wait message, since
     * when (System.nanoTime() and wall-clock millis), and with which timeout (0 = forever).
     */
    public record Sleeper(Thread thread, Object chan, String wmesg, long sinceNanos, long sinceMillis, long timeoutNanos) {
        /** The first frame outside Sleepq: the kernel routine that waits (what the sleeper waits for). */
        public String waiter() {
            return firstPortFrame(thread.getStackTrace());
        }

        /** One line: thread, wait message, channel, time asleep, timeout, waiting routine. */
        public String describe() {
            long ms = (System.nanoTime() - sinceNanos) / 1_000_000;
            return "\"" + thread.getName() + "\" asleep on \"" + wmesg + "\" channel "
                    + chan.getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(chan))
                    + " since " + java.time.Instant.ofEpochMilli(sinceMillis) + " (" + ms + " ms)"
                    + (timeoutNanos > 0 ? ", timeout " + timeoutNanos / 1_000_000 + " ms" : ", no timeout")
                    + ", in " + waiter();
        }
    }

    /** The first frame outside Sleepq and the JDK, as Class.method(File:line); "?" if none. */
    public static String firstPortFrame(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            String c = e.getClassName();
            if (!c.startsWith(Sleepq.class.getName()) && !c.equals(Scheduler.class.getName()) && !c.startsWith("java.") && !c.startsWith("jdk.")) {
                return c + "." + e.getMethodName() + "(" + e.getFileName() + ":" + e.getLineNumber() + ")";
            }
        }
        return "?";
    }

    private static final java.util.concurrent.ConcurrentHashMap<Thread, Sleeper> SLEEPERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Every thread asleep in {@link #tsleep} now, longest asleep first. */
    public static List<Sleeper> sleepers() {
        List<Sleeper> l = new java.util.ArrayList<>(SLEEPERS.values());
        l.sort(java.util.Comparator.comparingLong(Sleeper::sinceNanos));
        return l;
    }

    /** {@link #sleepers()}, one line each ("no sleepers" if none). */
    public static String describeSleepers() {
        List<Sleeper> l = sleepers();
        if (l.isEmpty()) return "  no thread is asleep in Sleepq.tsleep\n";
        StringBuilder b = new StringBuilder();
        for (Sleeper s : l) b.append("  ").append(s.describe()).append('\n');
        return b.toString();
    }
}
