// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Completes inline while open; while shut, holds every completion until the caller releases it,
 * on the caller's thread: the test plays the interrupt. A write can so be kept genuinely in
 * flight (B_LOCKED set, io running, iorun non-empty) for as long as a test needs, and completed
 * in the order the test chooses ({@link #completeOne}) or all at once ({@link #open}).
 *
 * <p>Synchronous device calls made while shut block in {@link #await} until someone releases
 * their completion, as a thread in biowait does; a test must therefore release from another
 * thread than the one waiting. Thread-safe: schedule may be called from any thread.
 */
public final class GateCompleter implements Completer {
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private final boolean strict;
    private boolean shut;

    /** A gate whose synchronous calls wait for their held completion. */
    public GateCompleter() { this(false); }

    /**
     * @param strict a synchronous device call that is not complete when it awaits throws
     *        instead of waiting: for races where no thread is left to release it (JCStress),
     *        so a mistake in the test fails at once rather than hanging
     */
    public GateCompleter(boolean strict) { this.strict = strict; }

    /** From now on hold completions. */
    public synchronized void shut() { shut = true; }

    public synchronized boolean isShut() { return shut; }

    /** How many completions are held. */
    public synchronized int held() { return held.size(); }

    @Override public void schedule(Runnable completion) {
        synchronized (this) {
            if (shut) {
                held.add(completion);
                return;
            }
        }
        completion.run();
    }

    /** Runs the oldest held completion on the calling thread; false if none is held. */
    public boolean completeOne() {
        Runnable r;
        synchronized (this) { r = held.poll(); }
        if (r == null) return false;
        r.run();
        return true;
    }

    /** Runs every completion held so far, in order, and stays shut. Returns how many ran. */
    public int completeHeld() {
        int n = 0;
        while (completeOne()) n++;
        return n;
    }

    /**
     * Runs the held completions in order, including any that arrive meanwhile, then completes
     * inline again (the gate opens only when nothing is held, so no completion overtakes an
     * older one).
     */
    public void open() {
        for (;;) {
            Runnable r;
            synchronized (this) {
                r = held.poll();
                if (r == null) {
                    shut = false;
                    return;
                }
            }
            r.run();
        }
    }

    @Override public void await(CompletableFuture<?> done) {
        if (strict && !done.isDone()) {
            throw new IllegalStateException("gate completer: a synchronous request while its completion is held (" + this + ")");
        }
        done.join();
    }

    @Override public String toString() { return "gate(" + (isShut() ? "shut, " + held() + " held" : "open") + ")"; }
}
