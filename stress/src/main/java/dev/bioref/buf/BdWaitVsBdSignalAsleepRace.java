package dev.bioref.buf;

import dev.bioref.kern.Sleepq;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.concurrent.TimeUnit;

/**
 * The race of {@link BdWaitVsBdSignalAsleep} (bd_wait vs bd_signal, vfs_bio.c L447 / L498),
 * shared with its mutant. Not a test itself.
 *
 * <p>The state is {@link BdWaitVsBdSignal}'s: 16 headers, blocks 0-6 dirty (dirtykvaspace one
 * block over hidirtybufspace), {@code hz} raised to 60 s. The writer runs bd_wait under a
 * watchdog that also bounds timed sleeps ({@link Sleepq#armWatchdog(long, boolean)}): bd_wait's
 * only sleep is the hz-bounded "flstik" (L484), which the watchdog cuts to
 * {@link #WATCHDOG_NANOS} and records.
 *
 * <p>Verdict, exact: a lost wakeup iff the writer's last sleep expired ({@code lastExpired}),
 * the signaller's last write, with all its bd_signal calls, was over before the expiry
 * ({@code completedAt < expiredAt}), and every slot of bd_wake_ary is 0 at the end. The last
 * clause separates a lost wakeup from the seed's hz net: bd_wait may legitimately take a ticket
 * that no later signal passes (it re-reads running + dirty space while a write is in flight,
 * is preempted, and takes index + 1 after the last write's first signal; or it arrives after
 * all the writes and takes a count-0 ticket), and then sleeps its full hz. Such a ticket is
 * never cleared: its slot stays non-zero. With a correct bd_signal, an expired last sleep
 * implies that slot was not cleared after the writer incremented it (a clearing signal
 * wakes the channel, after the interlock, and its wakeup before {@code expiredAt} would have
 * ended the sleep), and nobody signals after {@code completedAt}; so the three clauses together
 * cannot hold. With {@code bdSignalSkipsWakeup} the passing signal clears the slot and wakes no
 * one: all three hold.
 */
public class BdWaitVsBdSignalAsleepRace {
    static final int DIRTY = 7;
    /** Bound of each of the writer's sleeps (two ticks). */
    static final long WATCHDOG_NANOS = 2 * Sleepq.TICK_NANOS;
    /** Widening only: how long the signaller waits for the writer's ticket (then writes anyway). */
    static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    final BufCache cache;
    final Vnode vp;

    volatile int asleep = -1, satisfied = -1;
    volatile boolean lastExpired;
    volatile long expiredAt;
    /** The signaller's stamp: System.nanoTime() after its last bwrite (and bd_signal) returned. */
    volatile long completedAt = Long.MAX_VALUE;
    /** 0 ok, 2 a bwrite failed or the signaller threw. */
    volatile int signalError;

    public BdWaitVsBdSignalAsleepRace(BufMutations m) {
        cache = StressRig.cache(16, m, BufQuirks.none());
        cache.setHz(TimeUnit.SECONDS.toNanos(60));
        vp = StressRig.vnode(cache, DIRTY);
        for (int blk = 0; blk < DIRTY; blk++) cache.bdwrite(StressRig.fill(cache, vp, blk, blk + 1));
        if (cache.view().dirtykvaspace() <= cache.view().params().hidirtybufspace()) {
            throw new IllegalStateException("BdWaitVsBdSignalAsleep: dirtykvaspace " + cache.view().dirtykvaspace()
                    + " is not above hidirtybufspace " + cache.view().params().hidirtybufspace());
        }
    }

    /**
     * vfs_bio.c bd_wait(MAXBSIZE), L447, under the watchdog. Its condition, checked after it
     * returned: dirtykvaspace at most hidirtybufspace. bd_wait returns once running + dirty space
     * read at most hidirtybufspace (L486); the sum itself is not monotone (each write adds to
     * running space before its completion takes it off dirty space: a first sample saw 7 blocks
     * right after a legitimate return at 6), but dirty space only falls here, so it stays at
     * or under the limit.
     */
    public void writer(IIII_Result r) {
        Sleepq.Watchdog w = Sleepq.armWatchdog(WATCHDOG_NANOS, true);
        try {
            cache.bd_wait(cache.view().params().maxbsize());
            satisfied = cache.view().dirtykvaspace() <= cache.view().params().hidirtybufspace() ? 1 : 0;
        } catch (RuntimeException e) {
            satisfied = 9;
        } finally {
            Sleepq.disarmWatchdog();
            asleep = w.sleeps > 0 ? 1 : 0;
            expiredAt = w.expiredAt;
            lastExpired = w.lastExpired;
        }
    }

    /**
     * Widened: waits (at most {@link #WINDOW_NANOS}) until the writer has published a ticket,
     * then bwrites the seven dirty blocks; each completion calls bd_signal twice
     * (runningbufwakeup, then bpdone's bundirty; L498, wakeup L508-509).
     */
    public void signaller(IIII_Result r) {
        try {
            long deadline = System.nanoTime() + WINDOW_NANOS;
            while (!anyTicket() && System.nanoTime() - deadline < 0) Thread.onSpinWait();
            for (int blk = 0; blk < DIRTY; blk++) {
                if (cache.bwrite(cache.getblk(vp, StressRig.off(blk), StressRig.BLK, 0, 0)) != 0) signalError = 2;
            }
        } catch (RuntimeException e) {
            signalError = 2;
        } finally {
            completedAt = System.nanoTime();
        }
    }

    /** Whether some bd_wake_ary slot holds a ticket. */
    boolean anyTicket() {
        for (int i = 0; i < cache.bd_wake_ary.length(); i++) if (cache.bd_wake_ary.get(i) != 0) return true;
        return false;
    }

    /**
     * r1 = the writer called tsleep (1) or returned without (0); r2 = 1 if dirty space was at
     * most hidirtybufspace after it returned (0 no, 9 it threw); r3 = 1 lost wakeup (see
     * the class comment); r4 = 0 if the invariants hold and the cache is idle (no running or
     * dirty space), 1 an invariant broken, 2 the signaller failed, 3 not idle.
     */
    public void arbiter(IIII_Result r) {
        r.r1 = asleep;
        r.r2 = satisfied;
        r.r3 = lastExpired && completedAt - expiredAt < 0 && !anyTicket() ? 1 : 0;
        if (!"ok".equals(StressRig.invariants(cache))) r.r4 = 1;
        else if (signalError != 0) r.r4 = signalError;
        else r.r4 = cache.runningbufspace.get() != 0 || cache.view().dirtykvaspace() != 0 ? 3 : 0;
    }
}
