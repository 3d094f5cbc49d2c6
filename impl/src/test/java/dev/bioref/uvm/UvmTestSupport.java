// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Helpers for the pager tests: a small world, byte patterns, pause points, bounded threads. */
final class UvmTestSupport {
    private UvmTestSupport() { }

    static final int PG = VmPage.PAGE_SIZE;

    /** 3 files of 16 pages, 128 frames, 8 pager-map slots; waits bounded at 2 s. */
    static VnodeLayer world(UvmRoughEdges re) {
        VnodeLayer l = new VnodeLayer(re, 3, 16, 128, 8);
        l.sched.deadlockBoundNanos = TimeUnit.SECONDS.toNanos(2);
        return l;
    }

    static VnodeLayer world(UvmMode mode) { return world(mode.roughEdges()); }

    static byte[] bytes(int seed, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (seed * 31 + i * 7 + 1);
        if (b[0] == 0) b[0] = 1;
        return b;
    }

    /** The file's size set by the FS and the pager (grow), with the vnode's external ref handled. */
    static void grow(UvmFaultClient c, Vnode vp, long n) { c.grow(vp, n); }

    /**
     * A pause point that stops the first thread reaching {@code point} (optionally only for one
     * uvn) until {@link #release}. {@link #awaitArrival} waits, bounded, for it to get there.
     */
    static final class Pause implements UvmSched.PauseHook {
        final String point;
        final UvmVnode only;
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Thread> who = new AtomicReference<>();
        volatile UvmSched.PauseHook next;

        Pause(String point, UvmVnode only) {
            this.point = point;
            this.only = only;
        }

        @Override public void at(String p, UvmVnode uvn) {
            if (p.equals(point) && (only == null || only == uvn) && who.compareAndSet(null, Thread.currentThread())) {
                arrived.countDown();
                try {
                    if (!release.await(10, TimeUnit.SECONDS)) throw new UvmDeadlock("pause " + point + " never released");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (next != null) {
                next.at(p, uvn);
            }
        }

        void awaitArrival() throws InterruptedException {
            if (!arrived.await(5, TimeUnit.SECONDS)) throw new AssertionError("nobody reached pause point " + point);
        }

        void release() { release.countDown(); }
    }

    /** Installs pauses (chained). */
    static void install(VnodeLayer l, Pause... pauses) {
        for (int i = 0; i + 1 < pauses.length; i++) pauses[i].next = pauses[i + 1];
        l.sched.pauseHook = pauses.length == 0 ? null : pauses[0];
    }

    /** A named thread whose failure is kept, joined with a bound. */
    static final class Actor extends Thread {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final ThrowingRunnable body;

        interface ThrowingRunnable { void run() throws Exception; }

        Actor(String name, ThrowingRunnable body) {
            super(name);
            this.body = body;
            setDaemon(true);
        }

        @Override public void run() {
            try {
                body.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        static Actor start(String name, ThrowingRunnable body) {
            Actor a = new Actor(name, body);
            a.start();
            return a;
        }

        /** Joins within {@code seconds}; throws an AssertionError naming the thread if it did not end. */
        Throwable finish(int seconds) throws InterruptedException {
            join(TimeUnit.SECONDS.toMillis(seconds));
            if (isAlive()) {
                StackTraceElement[] st = getStackTrace();
                throw new AssertionError(getName() + " still running after " + seconds + " s at "
                        + Arrays.toString(Arrays.copyOf(st, Math.min(6, st.length))));
            }
            return failure.get();
        }

        void finishOk(int seconds) throws Exception {
            Throwable t = finish(seconds);
            if (t instanceof Exception e) throw e;
            if (t instanceof Error e) throw e;
        }
    }

    /** Waits (bounded) until {@code t} is blocked or waiting. */
    static void awaitBlocked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED || s == Thread.State.TERMINATED) {
                Thread.sleep(30);   // let it settle into the sleep
                return;
            }
            Thread.sleep(2);
        }
        throw new AssertionError(t.getName() + " never blocked");
    }
}
