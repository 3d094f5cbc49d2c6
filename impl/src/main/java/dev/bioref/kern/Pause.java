// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/**
 * Named pause points (test seam, not a kernel facility). The port calls {@link #at} at each
 * {@link PausePoint}; with no hook installed (production) that is one volatile read. A test
 * installs a {@link Hook} that may block the calling thread there, so another thread can run
 * its whole wakeup path inside the window, deterministically.
 */
public final class Pause {
    private Pause() { }

    /** What a test does when a thread reaches a point. */
    @FunctionalInterface
    public interface Hook {
        void at(PausePoint point);
    }

    private static volatile Hook hook;

    /** The port reaches {@code point}. */
    public static void at(PausePoint point) {
        Hook h = hook;
        if (h != null) h.at(point);
        Scheduler sched = Scheduler.current();
        if (sched != null && Spinlock.heldCount() == 0) sched.point();   // a scheduling point of the seeded scheduler
    }

    /** Installs {@code h} (null removes it). Tests only; one hook at a time. */
    public static void install(Hook h) { hook = h; }

    /** Removes the hook. */
    public static void clear() { hook = null; }

    /** True if a hook is installed (the quiescence check requires none after a test). */
    public static boolean installed() { return hook != null; }
}
