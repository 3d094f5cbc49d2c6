// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Turns a hang into a failure with a diagnosis. Not a kernel facility: the harness's guard
 * around runs and tests, so that a lost wakeup or a sequence number nobody flushes fails
 * within a bound instead of blocking a build forever.
 *
 * <p>Interface: {@link #start} watches a progress counter and, when it has not moved for the
 * bound, hands {@link #report} (every thread's stack, every sleeper of {@link Sleepq}, the
 * operation in progress, the replay line) to its expiry action once; {@link #close} stops it.
 * {@link #runBounded} runs one task on its own thread and throws {@link Hang} with the report
 * if it does not finish within the bound.
 */
public final class HangWatchdog implements AutoCloseable {

    /** A task did not finish within its bound; the message is the full {@link #report}. */
    public static final class Hang extends RuntimeException {
        public Hang(String report) { super(report); }
    }

    private final Thread thread;
    private volatile boolean stopped;
    private volatile String expiredReport;

    private HangWatchdog(String what, long boundNanos, LongSupplier progress, Supplier<String> operation,
                         String replay, Consumer<String> onExpiry) {
        if (boundNanos <= 0) throw new IllegalArgumentException("HangWatchdog: bound " + boundNanos + " ns is not positive");
        thread = new Thread(() -> watch(what, boundNanos, progress, operation, replay, onExpiry), "bioref-watchdog");
        thread.setDaemon(true);
    }

    /**
     * Starts a watchdog: when {@code progress} has not changed for {@code boundNanos}, the
     * report goes to {@code onExpiry} (once) and the watchdog stops.
     */
    public static HangWatchdog start(String what, long boundNanos, LongSupplier progress, Supplier<String> operation,
                                     String replay, Consumer<String> onExpiry) {
        HangWatchdog w = new HangWatchdog(what, boundNanos, progress, operation, replay, onExpiry);
        w.thread.start();
        return w;
    }

    private void watch(String what, long boundNanos, LongSupplier progress, Supplier<String> operation, String replay,
                       Consumer<String> onExpiry) {
        long last = progress.getAsLong();
        long since = System.nanoTime();
        long poll = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(boundNanos / 10, TimeUnit.SECONDS.toNanos(1)));
        while (!stopped) {
            try {
                TimeUnit.NANOSECONDS.sleep(poll);
            } catch (InterruptedException e) {
                return;
            }
            long now = progress.getAsLong();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= boundNanos && !stopped) {
                String r = report(what + ": no progress for " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since)
                        + " ms (bound " + TimeUnit.NANOSECONDS.toMillis(boundNanos) + " ms)", safe(operation), replay);
                expiredReport = r;
                onExpiry.accept(r);
                return;
            }
        }
    }

    private static String safe(Supplier<String> s) {
        try {
            return s == null ? "?" : s.get();
        } catch (RuntimeException e) {
            return "? (" + e + ")";
        }
    }

    /** The report handed to the expiry action, or null while the watchdog has not fired. */
    public String expiredReport() { return expiredReport; }

    @Override public void close() {
        stopped = true;
        thread.interrupt();
    }

    /**
     * Runs {@code task} on a daemon thread named {@code what} and waits at most
     * {@code boundNanos}. Returns normally if it finished; rethrows what it threw; throws
     * {@link Hang} with the report if it is still running (the stuck thread is interrupted and
     * left behind).
     */
    public static void runBounded(String what, long boundNanos, Runnable task, String replay) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                task.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, what);
        t.setDaemon(true);
        t.start();
        try {
            t.join(TimeUnit.NANOSECONDS.toMillis(boundNanos), (int) (boundNanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Hang("interrupted while waiting for " + what);
        }
        if (t.isAlive()) {
            String r = report(what + ": did not finish within " + TimeUnit.NANOSECONDS.toMillis(boundNanos) + " ms",
                    "\"" + what + "\" at " + top(t), replay);
            t.interrupt();
            throw new Hang(r);
        }
        Throwable e = thrown.get();
        if (e instanceof RuntimeException re) throw re;
        if (e instanceof Error er) throw er;
        if (e != null) throw new RuntimeException(e);
    }

    private static String top(Thread t) { return Sleepq.firstPortFrame(t.getStackTrace()); }

    /**
     * The diagnosis: a headline, the operation in progress, the replay line, every sleeper of
     * the kernel sleep queue (channel, since when, what it waits for), then every thread's stack.
     */
    public static String report(String headline, String operation, String replay) {
        StringBuilder b = new StringBuilder();
        b.append("HANG: ").append(headline).append('\n');
        b.append("operation in progress: ").append(operation).append('\n');
        b.append("replay: ").append(replay == null ? "?" : replay).append('\n');
        b.append("sleepers of the kernel sleep queue (Sleepq), longest first:\n").append(Sleepq.describeSleepers());
        b.append("threads:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            b.append("  \"").append(t.getName()).append("\" ").append(t.getState()).append(t.isDaemon() ? " daemon" : "").append('\n');
            for (StackTraceElement f : e.getValue()) b.append("      at ").append(f).append('\n');
        }
        return b.toString();
    }
}
