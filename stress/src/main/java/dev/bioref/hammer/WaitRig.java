// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.kern.Sleepq;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * What the ordinary-mode wait tests ({@code *Asleep}, {@link WaitAllPlacemarker},
 * {@link DirectWriteCompleteVsWait}) share: the waiter's watchdog and its verdict, and the
 * "checkwrite accepted, write not yet issued" step of the initial states. JCStress's sanity
 * mode runs no samples of a Mode.Termination test, so these twins replace the hang of a lost
 * wakeup by a bounded sleep ({@link Sleepq#armWatchdog}) and report it as an outcome.
 *
 * <p>The verdict is exact, not a guess from elapsed time: the waiter's last sleep expired at
 * {@code expiredAt} (read under the sleep bucket's lock with no wakeup seen), and the completer
 * stamps {@code completedAt} after its completion call, which issues the wakeup, has
 * returned. {@code lastExpired && completedAt < expiredAt} means the completion and its
 * wakeup were over before the sleep gave up, yet the sleep saw no wakeup: a lost wakeup. A
 * slow completer only costs extra expiries (the waiter's loop re-checks and sleeps again), and
 * a completion racing an expiry stamps {@code completedAt} after it.
 *
 * <p>Not a test itself.
 */
final class WaitRig {
    /** Bound of each of the waiter's untimed sleeps (two ticks). */
    static final long WATCHDOG_NANOS = 2 * Sleepq.TICK_NANOS;

    /** The waiter's record, written by the waiter, read by the arbiter. */
    volatile int asleep = -1, satisfied = -1;
    volatile boolean lastExpired;
    volatile long expiredAt;
    /** The waiter's stamp: System.nanoTime() once its wait returned (after any wakeup the wait itself issues). */
    volatile long returnedAt = Long.MAX_VALUE;
    /** The completer's stamp: System.nanoTime() once its completion call returned. */
    volatile long completedAt = Long.MAX_VALUE;

    interface Wait { void run(); }

    /** Runs {@code wait} under a watchdog; {@code done} says whether its condition holds on return. */
    void waiter(Wait wait, java.util.function.BooleanSupplier done) {
        Sleepq.Watchdog w = Sleepq.armWatchdog(WATCHDOG_NANOS);
        try {
            wait.run();
            returnedAt = System.nanoTime();
            satisfied = done.getAsBoolean() ? 1 : 0;
        } catch (RuntimeException e) {
            satisfied = 9;
        } finally {
            Sleepq.disarmWatchdog();
            asleep = w.sleeps > 0 ? 1 : 0;
            expiredAt = w.expiredAt;
            lastExpired = w.lastExpired;
        }
    }

    /** Stamps the end of the completion (call right after the call that issues the wakeup). */
    void completed() { completedAt = System.nanoTime(); }

    /**
     * r1 = the waiter slept (1) or found the condition at once (0); r2 = 1 if its condition
     * held when it returned (0 if not, 9 if it threw); r3 = 1 if it returned only because its
     * last sleep ran to the watchdog after the completion was over (lost wakeup), else 0.
     */
    /** Whether the waiter lost the wakeup of an event whose wakeup-issuing code returned at {@code eventOverAt}. */
    boolean lost(long eventOverAt) { return lastExpired && eventOverAt - expiredAt < 0; }

    void record(IIII_Result r) {
        r.r1 = asleep;
        r.r2 = satisfied;
        r.r3 = lastExpired && completedAt - expiredAt < 0 ? 1 : 0;
    }

    /**
     * The kernel's side up to the write: take the REL-DIRTY bp off the dirty queue and have
     * io_checkwrite accept it (running = 1, on the iorun list), the bp locked and handed to the
     * kernel (BUF_KERNPROC), but the write not issued yet (the step of flushbufqueues before
     * bawrite, vfs_bio.c; io:L1294).
     */
    static Buf acceptWrite(HammerRig rig, HammerIo io, String who) {
        Buf bp = io.bp;
        if (!bp.b_lock().tryLock()) throw new IllegalStateException(who + ": bp busy in the initial state " + bp);
        rig.hmp.cache.bremfree(bp);
        if (rig.hmp.bioops.io_checkwrite(bp) != 0) throw new IllegalStateException(who + ": checkwrite refused " + io);
        bp.b_lock().kernproc();
        return bp;
    }
}
