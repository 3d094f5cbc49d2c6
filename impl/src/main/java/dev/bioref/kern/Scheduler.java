// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A seeded deterministic scheduler for the simulation's threads (a simulation seam in the style
 * of FoundationDB's deterministic simulation, not a kernel facility). The threads registered with
 * one scheduler run one at a time: the one that holds the baton runs; it hands the baton on only
 * at a scheduling point, and the next thread is drawn from a generator seeded with the schedule
 * seed. So one (workload, schedule seed) pair gives one interleaving, and a failing run replays.
 *
 * <p>Interface: {@link #adopt} registers the calling thread and gives it the baton; a
 * {@link Kthread} started by a registered thread is registered with the same scheduler; the
 * kernel primitives call in at their scheduling points, and only for a registered thread:
 * <ul>
 *   <li>{@link Sleepq}: tsleep_interlock takes a per-channel ticket, tsleep blocks here (never on
 *       a Java monitor), wakeup makes the channel's sleepers runnable; a timed sleep expires in
 *       virtual time, only when no thread can run otherwise;</li>
 *   <li>{@link Token}: every gettoken is a scheduling point, and a contended one blocks here until
 *       a token is released;</li>
 *   <li>{@link Pause#at}: every named lock-drop window is a scheduling point (skipped while the
 *       thread holds a spinlock).</li>
 * </ul>
 * Blocking is scheduler-aware, so no thread blocks holding the baton. If every registered thread
 * is blocked and none has a timeout, the run is deadlocked: the scheduler records a report naming
 * every thread and what it waits on (channel and wait message, as {@link Sleepq#sleepers()} has
 * them), and from then on every scheduling call of a registered thread throws {@link Deadlock},
 * so the threads unwind instead of hanging. Port logic is unchanged: the hooks are in the kernel
 * primitives only.
 *
 * <p>Thread-safety: the scheduler's state is guarded by {@code this}; the baton is handed with
 * {@link LockSupport#unpark}.
 */
public final class Scheduler {

    /** Thrown to a registered thread once its scheduler found every thread blocked. */
    public static final class Deadlock extends RuntimeException {
        public Deadlock(String report) { super(report); }
    }

    /** One registered thread. Guarded by the scheduler. */
    private static final class T {
        final Thread th;
        final int order;
        boolean blocked;
        Object chan;            // the channel it sleeps on, or null
        String wmesg;           // what it waits for, in words
        long deadline = Long.MAX_VALUE;   // virtual nanos; MAX_VALUE = no timeout
        boolean timedOut;
        List<Thread> joining;   // awaitExit: the threads it waits for

        T(Thread th, int order) {
            this.th = th;
            this.order = order;
        }
    }

    /** After this many timeouts in a row, with no thread woken otherwise, the run is a livelock. */
    static final int LIVELOCK_TIMEOUTS = 10_000;

    private static final ThreadLocal<Scheduler> MINE = new ThreadLocal<>();
    private static final CopyOnWriteArrayList<Scheduler> ACTIVE = new CopyOnWriteArrayList<>();

    private final long seed;
    private final SplittableRandom rng;
    private final List<T> threads = new ArrayList<>();                // registered, in order; guarded by this
    private final Map<Thread, T> byThread = new IdentityHashMap<>();   // guarded by this
    private final Map<Object, Long> gens = new IdentityHashMap<>();    // per-channel wakeup generation; guarded by this
    private T current;                 // holds the baton; guarded by this
    private int registered;            // guarded by this
    private long now;                  // virtual time, nanos; guarded by this
    private long switches, points, timeouts;   // guarded by this
    private int timeoutsInARow;        // guarded by this
    private volatile String deadlock;  // the report, once every thread was found blocked

    /** A scheduler whose choices are drawn from {@code seed}. */
    public Scheduler(long seed) {
        this.seed = seed;
        this.rng = new SplittableRandom(seed);
        ACTIVE.add(this);
    }

    /** The scheduler of the calling thread, or null if it is not registered (production: always null). */
    static Scheduler current() {
        return ACTIVE.isEmpty() ? null : MINE.get();
    }

    // ------------------------------------------------------------------ registration

    /** Registers the calling thread and gives it the baton (no other thread may hold it yet). */
    public synchronized void adopt() {
        if (current != null) throw new IllegalStateException("Scheduler.adopt: " + current.th.getName() + " holds the baton");
        if (MINE.get() != null) throw new IllegalStateException("Scheduler.adopt: " + Thread.currentThread().getName() + " is registered already");
        T t = new T(Thread.currentThread(), registered++);
        threads.add(t);
        byThread.put(t.th, t);
        current = t;
        MINE.set(this);
    }

    /** The calling (adopted) thread leaves; the scheduler is retired when it was the last one. */
    public void leave() {
        exit();
    }

    /** Registers {@code th}, started by a registered thread, as runnable (it waits for the baton in {@link #firstTurn}). */
    synchronized void register(Thread th) {
        T t = new T(th, registered++);
        threads.add(t);
        byThread.put(th, t);
    }

    /** Called by a registered {@link Kthread} when it starts to run: waits until it is given the baton. */
    void firstTurn() {
        MINE.set(this);
        T me;
        synchronized (this) { me = byThread.get(Thread.currentThread()); }
        awaitTurn(me);
    }

    /** The calling thread ends: it is removed, and the baton goes on. Never throws. */
    void exit() {
        synchronized (this) {
            T me = byThread.remove(Thread.currentThread());
            MINE.remove();
            if (me == null) return;
            threads.remove(me);
            for (T t : threads) {
                if (t.joining != null && t.joining.contains(me.th) && allExited(t.joining)) unblock(t);
            }
            notifyAll();   // awaitUnwound
            if (threads.isEmpty()) {
                ACTIVE.remove(this);
                current = null;
                return;
            }
            if (current == me && deadlock == null) passBaton();
            else if (current == me) current = null;
        }
    }

    private boolean allExited(List<Thread> ts) {
        for (Thread t : ts) if (byThread.containsKey(t)) return false;
        return true;
    }

    // ------------------------------------------------------------------ scheduling points

    /** A scheduling point: the baton may go to another runnable thread (drawn from the seed). */
    void point() {
        T me;
        synchronized (this) {
            checkAlive();
            me = byThread.get(Thread.currentThread());
            points++;
            passBaton();
        }
        awaitTurn(me);
    }

    /** tsleep_interlock under the scheduler: the channel's wakeup generation. */
    synchronized long interlock(Object chan) {
        Long g = gens.get(chan);
        if (g == null) {
            gens.put(chan, 0L);
            return 0L;
        }
        return g;
    }

    /**
     * tsleep under the scheduler: returns 0 at once if {@code chan} was woken since
     * {@code ticket}; else blocks until it is (0) or the timeout expires in virtual time
     * ({@link Errno#EWOULDBLOCK}).
     */
    int sleep(Object chan, long ticket, String wmesg, long timeoutNanos) {
        T me;
        synchronized (this) {
            checkAlive();
            Long g = gens.get(chan);
            if (g == null || g != ticket) return 0;
            me = byThread.get(Thread.currentThread());
            me.blocked = true;
            me.chan = chan;
            me.wmesg = wmesg;
            me.deadline = timeoutNanos > 0 ? now + timeoutNanos : Long.MAX_VALUE;
            me.timedOut = false;
            passBaton();
        }
        awaitTurn(me);
        synchronized (this) {
            return me.timedOut ? Errno.EWOULDBLOCK : 0;
        }
    }

    /** wakeup under the scheduler: every thread asleep on {@code chan} becomes runnable. Never blocks nor throws. */
    synchronized void wakeup(Object chan) {
        Long g = gens.get(chan);
        if (g == null) return;   // nobody ever interlocked on it
        gens.put(chan, g + 1);
        for (T t : threads) {
            if (t.blocked && t.chan == chan) {
                unblock(t);
                timeoutsInARow = 0;
            }
        }
    }

    /** Blocks the calling (registered) thread until every thread of {@code ts} has exited. */
    public void awaitExit(List<Thread> ts) {
        T me;
        synchronized (this) {
            checkAlive();
            if (allExited(ts)) return;
            me = byThread.get(Thread.currentThread());
            me.blocked = true;
            me.joining = List.copyOf(ts);
            me.wmesg = "the exit of " + names(ts);
            passBaton();
        }
        awaitTurn(me);
    }

    /** wakeup of every active scheduler (for {@link Sleepq#wakeup} and token releases). */
    static void wakeupAll(Object chan) {
        for (Scheduler s : ACTIVE) s.wakeup(chan);
    }

    // ------------------------------------------------------------------ the baton

    private void unblock(T t) {
        t.blocked = false;
        t.chan = null;
        t.joining = null;
        t.deadline = Long.MAX_VALUE;
    }

    private void checkAlive() {
        String d = deadlock;
        if (d != null) throw new Deadlock(d);
        if (byThread.get(Thread.currentThread()) != current) {
            throw new IllegalStateException("Scheduler: " + Thread.currentThread().getName() + " runs without the baton (held by "
                    + (current == null ? "nobody" : current.th.getName()) + ")");
        }
    }

    /** Chooses who runs next (maybe the caller) and hands it the baton. Caller holds this. */
    private void passBaton() {
        List<T> runnable = new ArrayList<>(threads.size());
        for (T t : threads) if (!t.blocked) runnable.add(t);
        if (runnable.isEmpty()) {
            T first = null;
            for (T t : threads) if (t.blocked && t.deadline != Long.MAX_VALUE && (first == null || t.deadline < first.deadline)) first = t;
            if (first == null || ++timeoutsInARow > LIVELOCK_TIMEOUTS) {
                deadlock = report(first == null ? "deadlock under the seeded scheduler: every thread is blocked and none has a timeout"
                        : "livelock under the seeded scheduler: " + LIVELOCK_TIMEOUTS + " timeouts in a row and no thread woken");
                current = null;
                for (T t : threads) LockSupport.unpark(t.th);
                return;
            }
            now = Math.max(now, first.deadline);
            unblock(first);
            first.timedOut = true;
            timeouts++;
            runnable.add(first);
        }
        T next = runnable.size() == 1 ? runnable.get(0) : runnable.get(rng.nextInt(runnable.size()));
        if (next != current) switches++;
        current = next;
        if (next.th != Thread.currentThread()) LockSupport.unpark(next.th);
    }

    private void awaitTurn(T me) {
        for (;;) {
            synchronized (this) {
                if (deadlock != null) throw new Deadlock(deadlock);
                if (current == me) return;
            }
            LockSupport.park(this);
        }
    }

    private String report(String headline) {
        StringBuilder b = new StringBuilder(headline).append(" (schedule ").append(seed).append(", after ")
                .append(points).append(" scheduling points):");
        for (T t : threads) {
            b.append("\n    \"").append(t.th.getName()).append("\" ");
            if (!t.blocked) b.append("runnable");
            else if (t.joining != null) b.append("waits for ").append(t.wmesg);
            else b.append("asleep on \"").append(t.wmesg).append("\" (").append(t.chan.getClass().getSimpleName()).append(")")
                    .append(t.deadline == Long.MAX_VALUE ? "" : " with a timeout").append(", in ").append(waiter(t.th));
        }
        b.append("\n  sleepers of the kernel sleep queue (Sleepq.sleepers()):\n").append(Sleepq.describeSleepers());
        return b.toString();
    }

    /** The first frame of {@code th} outside the kernel primitives and the JDK: the routine that waits. */
    private static String waiter(Thread th) {
        for (StackTraceElement e : th.getStackTrace()) {
            String c = e.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.equals(Scheduler.class.getName())
                    || c.equals(Sleepq.class.getName()) || c.equals(Token.class.getName()) || c.equals(BufLock.class.getName())) continue;
            return c + "." + e.getMethodName() + "(" + e.getFileName() + ":" + e.getLineNumber() + ")";
        }
        return "?";
    }

    private static String names(List<Thread> ts) {
        List<String> n = new ArrayList<>();
        for (Thread t : ts) n.add("\"" + t.getName() + "\"");
        return String.join(", ", n);
    }

    // ------------------------------------------------------------------ for reports and tests

    /** The deadlock report, or null while none was found. */
    public String deadlock() { return deadlock; }

    /** The schedule seed. */
    public long seed() { return seed; }

    /** How many times the baton went to another thread. */
    public synchronized long switches() { return switches; }

    /** How many timed sleeps expired in virtual time. */
    public synchronized long timeouts() { return timeouts; }

    /** One line for hang reports: who holds the baton, who is blocked on what. */
    public synchronized String describe() {
        StringBuilder b = new StringBuilder("scheduler (schedule " + seed + "): baton held by "
                + (current == null ? "nobody" : "\"" + current.th.getName() + "\""));
        for (T t : threads) {
            b.append("; \"").append(t.th.getName()).append("\" ").append(!t.blocked ? "runnable" : "waits for " + t.wmesg);
        }
        return b.toString();
    }

    /** {@link #describe()} of every active scheduler, or "" if none. */
    public static String describeActive() {
        StringBuilder b = new StringBuilder();
        for (Scheduler s : ACTIVE) b.append(s.describe()).append('\n');
        return b.toString();
    }

    /**
     * After a deadlock, by a thread that has left: waits up to {@code millis} until every
     * registered thread has unwound (each scheduling call throws {@link Deadlock}); returns the
     * names of those still registered (empty when all are gone).
     */
    public synchronized List<String> awaitUnwound(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!threads.isEmpty()) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) break;
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<String> n = new ArrayList<>();
        for (T t : threads) n.add(t.th.getName());
        return n;
    }
}
