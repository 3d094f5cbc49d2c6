// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/**
 * Time, injectable. The kernel reads {@code ticks}; bioref reads a Clock so that a test or a
 * seeded simulation can make time deterministic ({@link ManualClock}) while the CLI and the
 * benchmarks use the system clock ({@link #SYSTEM}).
 */
public interface Clock {
    /** Monotonic nanoseconds; only differences are meaningful. */
    long nanoTime();

    /** The JVM's monotonic clock. */
    Clock SYSTEM = System::nanoTime;
}
