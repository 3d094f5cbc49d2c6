// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The rig of every wait-site test (proofs-notes/waits.md). One {@link Scenario} is one waiter
 * against one waker on one wait site, built fresh per attempt. {@link #held} holds the waker
 * back until the waiter is asleep at the site's wmesg and stays asleep, then runs the waker and
 * classifies what happened:
 * <ul>
 *   <li>{@link Outcome#EARLY}: the waiter returned (or threw) while the waker was held back: the
 *       "does not wait" bug;</li>
 *   <li>{@link Outcome#LOST}: the waiter's last sleep ended by the watchdog after the waker's
 *       wakeup call had returned: the wakeup was lost (exact, as in the JCStress twins'
 *       WaitRig: a wakeup issued before the expiry bumps the bucket generation under the same
 *       lock, so the sleep would have returned 0);</li>
 *   <li>{@link Outcome#WOKEN}: the waiter slept and was woken; correct.</li>
 * </ul>
 * A waiter that does not return within 10 s after the waker ran fails with the sleepers named.
 * {@link #window} parks the waiter inside tsleep after its tokens are released and before it
 * blocks ({@link PausePoint#TSLEEP_TOKENS_RELEASED}), runs the whole waker there, and lets it
 * go: the wakeup must not be lost even when it lands in that window. {@link #race} runs the two
 * free, with seeded spurious wakeups and seeded delays.
 */
public final class WaitProbe {
    private WaitProbe() { }

    /** Watchdog bound on the waiter's sleeps (a lost wakeup costs this much per attempt). */
    public static final long BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How long the waker is held back after the waiter fell asleep: it must stay asleep. */
    public static final long HOLD_MILLIS = 20;

    /** One waiter, one waker, on one wait site. */
    public interface Scenario {
        /** The wait (runs on the waiter thread). */
        void waitFor();
        /** The wmesg the waiter sleeps on at this site. */
        String wmesg();
        /** The event plus its wakeup (runs on the test thread). */
        void wake();
        /** The condition the waiter waits for holds now. */
        boolean done();
        /** Releases what the scenario holds after a correct run (checks invariants). */
        default void cleanup() { }
        /** Best-effort cleanup after a mutant broke the protocol (errors ignored). */
        default void abandon() { }
        /** The waker must run on the thread that built the scenario (it releases a lock that thread holds). */
        default boolean wakeOnBuilder() { return false; }
    }

    /** What one attempt showed. */
    public enum Outcome { WOKEN, EARLY, LOST }

    private static final class Waiter extends Thread {
        final Scenario s;
        volatile Sleepq.Watchdog dog;
        volatile Throwable failure;
        volatile boolean returned;

        Waiter(Scenario s) {
            super("waiter(" + s.wmesg() + ")");
            this.s = s;
            setDaemon(true);
        }

        @Override public void run() {
            Sleepq.Watchdog d = Sleepq.armWatchdog(BOUND_NANOS, true);
            try {
                s.waitFor();
                returned = true;
            } catch (Throwable t) {
                failure = t;
            } finally {
                Sleepq.disarmWatchdog();
                dog = d;
            }
        }
    }

    /** Holds the waker back until the waiter sleeps at the site; see the class comment. */
    public static Outcome held(Scenario s) throws InterruptedException {
        Waiter w = new Waiter(s);
        w.start();
        if (!awaitAsleep(w, s.wmesg())) {
            w.join(10_000);
            s.abandon();
            return Outcome.EARLY;
        }
        Thread.sleep(HOLD_MILLIS);
        if (!w.isAlive() || s.done()) {   // it must still be waiting, its condition still false
            w.join(10_000);
            s.abandon();
            return Outcome.EARLY;
        }
        return finish(s, w);
    }

    /**
     * Parks the waiter at {@link PausePoint#TSLEEP_TOKENS_RELEASED} of its first sleep at the
     * site, runs the whole waker there, then lets the waiter block: the sleep must return at
     * once (the interlock ticket predates the wakeup).
     */
    public static Outcome window(Scenario s) throws InterruptedException {
        CountDownLatch parked = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        Waiter[] wr = new Waiter[1];
        Pause.install(p -> {
            if (p != PausePoint.TSLEEP_TOKENS_RELEASED || Thread.currentThread() != wr[0] || parked.getCount() == 0
                    || !s.wmesg().equals(Sleepq.sleepingOn(Thread.currentThread()))) return;
            parked.countDown();
            try {
                if (!go.await(10, TimeUnit.SECONDS)) throw new AssertionError("window: never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Waiter w = new Waiter(s);
            wr[0] = w;
            w.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (parked.getCount() != 0) {
                if (!w.isAlive()) {
                    s.abandon();
                    return Outcome.EARLY;
                }
                if (System.nanoTime() > deadline) throw new AssertionError("window: the waiter never reached tsleep at " + s.wmesg());
                Thread.sleep(1);
            }
            if (s.done()) {
                go.countDown();
                w.join(10_000);
                s.abandon();
                return Outcome.EARLY;
            }
            s.wake();
            long wokenAt = System.nanoTime();
            go.countDown();
            return verdict(s, w, wokenAt);
        } finally {
            Pause.clear();
        }
    }

    /**
     * Parks the waiter at the site's own pause point (between its interlock and its sleep, see
     * {@link PausePoint}), runs the waker on a helper thread meanwhile (it may block on a token
     * the waiter still holds there: then the token closes the window, as in the seed), lets the
     * waiter go and joins both. The wakeup must not be lost either way.
     */
    public static Outcome windowAt(Scenario s, PausePoint point) throws InterruptedException {
        CountDownLatch parked = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        Waiter[] wr = new Waiter[1];
        Pause.install(p -> {
            if (p != point || Thread.currentThread() != wr[0] || parked.getCount() == 0) return;
            parked.countDown();
            try {
                if (!go.await(10, TimeUnit.SECONDS)) throw new AssertionError("windowAt: never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Waiter w = new Waiter(s);
            wr[0] = w;
            w.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (parked.getCount() != 0) {
                if (!w.isAlive()) {
                    s.abandon();
                    return Outcome.EARLY;
                }
                if (System.nanoTime() > deadline) throw new AssertionError("windowAt: the waiter never reached " + point);
                Thread.sleep(1);
            }
            if (s.wakeOnBuilder()) {            // no token is held in these windows: wake right here
                s.wake();
                long at = System.nanoTime();
                go.countDown();
                return verdict(s, w, at);
            }
            Throwable[] wakeFailure = new Throwable[1];
            long[] wokenAt = new long[1];
            Thread waker = new Thread(() -> {
                try {
                    s.wake();
                    wokenAt[0] = System.nanoTime();
                } catch (Throwable t) {
                    wakeFailure[0] = t;
                }
            }, "waker(" + s.wmesg() + ")");
            waker.start();
            waker.join(200);                     // done, or blocked on what the parked waiter holds
            go.countDown();
            waker.join(10_000);
            if (waker.isAlive()) throw new AssertionError("windowAt: the waker at " + point + " did not finish; sleepers " + Sleepq.sleeping());
            if (wakeFailure[0] != null) throw new AssertionError("windowAt: the waker failed", wakeFailure[0]);
            return verdict(s, w, wokenAt[0]);
        } finally {
            Pause.clear();
        }
    }

    /**
     * {@code n} free-running rounds: the waker after a seeded delay of 0-2 ms, with seeded
     * spurious wakeups (1 in 3 sleeps). Returns the number of rounds whose wakeup was lost or
     * whose waiter returned early (0 for a correct site); the seed is in every message.
     */
    public static int race(java.util.function.Supplier<Scenario> make, int n, long seed) throws InterruptedException {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        int bad = 0;
        Sleepq.seedSpuriousWakeups(seed, 3);
        try {
            for (int i = 0; i < n; i++) {
                Scenario s = make.get();
                Waiter w = new Waiter(s);
                w.start();
                long spin = rnd.nextLong(2_000_000L);
                long until = System.nanoTime() + spin;
                while (System.nanoTime() < until) Thread.onSpinWait();
                if (!w.isAlive() && !s.done()) {   // returned without its condition: early
                    bad++;
                    // say why: an early return and a waiter that threw look alike here (waits.md §10.2)
                    System.err.println("race at " + s.wmesg() + ", round " + i + ": EARLY (returned " + w.returned
                            + ", failure " + w.failure + "); replay: -Dbioref.waits.seed=" + seed);
                    s.abandon();
                    continue;
                }
                s.wake();
                long wokenAt = System.nanoTime();
                Outcome o = verdict(s, w, wokenAt);
                if (o != Outcome.WOKEN) {
                    bad++;
                    System.err.println("race at " + s.wmesg() + ", round " + i + ": " + o + " (failure " + w.failure
                            + "); replay: -Dbioref.waits.seed=" + seed);
                }
            }
        } finally {
            Sleepq.stopSpuriousWakeups();
        }
        return bad;
    }

    /**
     * Seeded spurious wakeups (every sleep returns at once, for {@code millis}) while the waker is
     * held back: a wait loop that re-checks its condition keeps waiting; one that trusts its
     * wakeup returns, which is reported as {@link Outcome#EARLY}. Then the waker runs as usual.
     * The {@code millis} count from the first injected wakeup, so a waiter that a loaded machine
     * starts late still meets them (bounded at 10 s: then "never slept").
     */
    public static Outcome spurious(Scenario s, long seed, long millis) throws InterruptedException {
        Waiter w = new Waiter(s);
        Sleepq.seedSpuriousWakeups(seed, 1);
        long injected;
        try {
            w.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Sleepq.spuriousWakeupsInjected() == 0 && w.isAlive() && !s.done() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(millis);
        } finally {
            injected = Sleepq.stopSpuriousWakeups();
        }
        if (!w.isAlive() || s.done()) {
            w.join(10_000);
            s.abandon();
            return Outcome.EARLY;
        }
        if (injected == 0) throw new AssertionError("spurious: the waiter at " + s.wmesg() + " never slept");
        return finish(s, w);
    }

    private static Outcome finish(Scenario s, Waiter w) throws InterruptedException {
        s.wake();
        return verdict(s, w, System.nanoTime());
    }

    private static Outcome verdict(Scenario s, Waiter w, long wokenAt) throws InterruptedException {
        w.join(10_000);
        if (w.isAlive()) {
            throw new AssertionError("the waiter at " + s.wmesg() + " did not return within 10 s after its waker ran; sleepers: "
                    + Sleepq.sleeping());
        }
        if (w.failure != null) {
            s.abandon();
            return Outcome.EARLY;
        }
        if (!s.done()) throw new AssertionError("the waiter at " + s.wmesg() + " returned with its condition false");
        Sleepq.Watchdog d = w.dog;
        boolean lost = d.lastExpired && wokenAt - d.expiredAt < 0;
        if (lost) {
            s.abandon();
            return Outcome.LOST;
        }
        s.cleanup();
        return Outcome.WOKEN;
    }

    private static boolean awaitAsleep(Waiter w, String wmesg) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!wmesg.equals(Sleepq.sleepingOn(w))) {
            if (!w.isAlive()) return false;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the waiter never slept at " + wmesg + "; it is " + w.getState() + " in " + Sleepq.sleepingOn(w));
            }
            Thread.sleep(1);
        }
        return true;
    }
}
