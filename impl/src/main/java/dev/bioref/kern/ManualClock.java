// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to: deterministic time for tests and simulation. */
public final class ManualClock implements Clock {
    private final AtomicLong now;

    public ManualClock() { this(0L); }

    public ManualClock(long startNanos) { this.now = new AtomicLong(startNanos); }

    @Override public long nanoTime() { return now.get(); }

    /** Moves time forward by {@code nanos}, which must not be negative. */
    public void advance(long nanos) {
        if (nanos < 0) throw new IllegalArgumentException("cannot move a clock backwards: nanos=" + nanos);
        now.addAndGet(nanos);
    }
}
