// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Holds every submitted request until it is told to complete one: by the test
 * ({@link #completeAt(int)}, {@link #completeOldest()}), or by a seeded choice
 * ({@link #completeOne()}, {@link #completeAll()}). The same seed and the same sequence of
 * submissions give the same completion order, so a run can be replayed from its seed.
 *
 * <p>Completions run on the thread that asks for them. Thread-safe: submitters and the thread
 * that completes may differ.
 */
public final class SeededCompleter implements Completer {
    private final long seed;
    private final SplittableRandom random;
    private final List<Runnable> held = new ArrayList<>();

    public SeededCompleter(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public long seed() { return seed; }

    @Override public synchronized void schedule(Runnable completion) { held.add(completion); }

    /** How many submitted requests have not completed. */
    public synchronized int pending() { return held.size(); }

    /** Completes the request at {@code index} in submission order among those held. */
    public void completeAt(int index) {
        Runnable r;
        synchronized (this) {
            if (index < 0 || index >= held.size()) {
                throw new IllegalArgumentException("no held request at index " + index + " (held=" + held.size() + ")");
            }
            r = held.remove(index);
        }
        r.run();
    }

    /** Completes the oldest held request (FIFO); false when none is held. */
    public boolean completeOldest() {
        Runnable r;
        synchronized (this) {
            if (held.isEmpty()) return false;
            r = held.remove(0);
        }
        r.run();
        return true;
    }

    /** Completes one held request chosen by the seed; false when none is held. */
    public boolean completeOne() {
        Runnable r;
        synchronized (this) {
            if (held.isEmpty()) return false;
            r = held.remove(random.nextInt(held.size()));
        }
        r.run();
        return true;
    }

    /** Completes held requests in seeded order until none is held (including ones submitted meanwhile). */
    public int completeAll() {
        int n = 0;
        while (completeOne()) n++;
        return n;
    }

    @Override public void await(CompletableFuture<?> done) {
        while (!done.isDone()) {
            if (!completeOne()) {
                // held by another thread's completion in progress, or not yet submitted
                Thread.onSpinWait();
            }
        }
    }

    @Override public String toString() { return "seeded(" + seed + ")"; }
}
