// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.KernMutations;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Pause;
import dev.bioref.kern.PausePoint;
import dev.bioref.kern.Sleepq;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-flight I/O counter (struct bio_track): vn_strategy refs it, biodone releases it, and
 * fsync-like callers wait for it to drain. bk_active packs the count (bits 0-29), an underflow
 * sentinel (bit 30) and the wait flag (bit 31), exactly as the seed does.
 */
public final class BioTrack {
    static final int WANTED = 0x80000000;
    static final int UNDERFLOW = 0x40000000;
    static final int COUNT_MASK = 0x3fffffff;

    final AtomicInteger bk_active = new AtomicInteger();
    private final String name;

    public BioTrack(String name) { this.name = name; }

    // buf2.h bio_track_ref()
    public void bio_track_ref() { bk_active.incrementAndGet(); }

    // vfs_bio.c bio_track_rel(), L524
    public void bio_track_rel() {
        for (;;) {
            int active = bk_active.get();
            if (active == 1 && bk_active.compareAndSet(1, 0)) return;
            int desired = active - 1;
            if ((desired & COUNT_MASK) == 0) desired &= ~WANTED;
            if ((desired & UNDERFLOW) != 0) {
                throw new Panic("bio_track_rel: bad count: " + name + " bk_active=0x" + Integer.toHexString(active));
            }
            if (bk_active.compareAndSet(active, desired)) {
                if ((active & WANTED) != 0 && !KernMutations.bioTrackSkipsWakeup) Sleepq.wakeup(this);
                return;
            }
        }
    }

    // vfs_bio.c bio_track_wait(), L565
    public int bio_track_wait(long timeoutNanos) {
        for (;;) {
            int active = bk_active.get();
            if (active == 0 || KernMutations.bioTrackSkipsWait) return 0;
            long ticket = Sleepq.tsleep_interlock(this);
            Pause.at(PausePoint.BIOTRACK_INTERLOCKED);
            if (bk_active.compareAndSet(active, active | WANTED)) {
                int error = Sleepq.tsleep(this, ticket, "trwait", timeoutNanos);
                if (error != 0) return error;
            }
        }
    }

    /** The number of I/Os in flight on this track. */
    public int active() { return bk_active.get() & COUNT_MASK; }

    /** The raw packed word (count | bit 30 sentinel | bit 31 wait flag), for invariant checks. */
    public int raw() { return bk_active.get(); }

    @Override public String toString() { return name + "(active=0x" + Integer.toHexString(bk_active.get()) + ")"; }
}
