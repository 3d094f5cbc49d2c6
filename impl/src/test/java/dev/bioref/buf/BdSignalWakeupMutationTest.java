// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The lost-wakeup switch {@link BufMutations#bdSignalSkipsWakeup}, deterministically: a writer
 * thread sleeps in bd_wait on its ticket (seen TIMED_WAITING with its ticket in bd_wake_ary,
 * under a {@link Sleepq#armWatchdog(long, boolean)} watchdog that also bounds bd_wait's timed
 * "flstik" sleep; hz is raised to 60 s), then the test writes the dirty blocks, whose
 * completions call bd_signal and pass the ticket. Without the switch a signal wakes it; with
 * it the sleep runs to the watchdog after the writes were over and the ticket slot is clear
 * (exact, as in the stress twin dev.bioref.buf.BdWaitVsBdSignalAsleep: completion stamp before
 * the expiry's, every bd_wake_ary slot 0). A wakeup of another channel on the same sleep bucket
 * can rescue the mutant's writer, so the mutant gets up to five fresh attempts.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BdSignalWakeupMutationTest {
    static final long BOUND = 50_000_000L;
    static final int DIRTY = 7;

    static boolean anyTicket(BufCache c) {
        for (int i = 0; i < c.bd_wake_ary.length(); i++) if (c.bd_wake_ary.get(i) != 0) return true;
        return false;
    }

    /** true if bd_wait lost the wakeup of the signal that passed its ticket, false if woken; fails on anything else. */
    static boolean lostWakeup(BufMutations m) throws Exception {
        BufCache c = BufTestSupport.cache(Params.forTest(16, BLK), m, BufQuirks.none());
        c.setHz(TimeUnit.SECONDS.toNanos(60));
        LoopbackDevice dev = BufTestSupport.device(64);
        Vnode vp = c.vnode("dev0", dev, BLK);
        for (int b = 0; b < DIRTY; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        assertTrue(c.view().dirtykvaspace() > c.view().params().hidirtybufspace(), "not above hidirtybufspace");
        Sleepq.Watchdog[] w = new Sleepq.Watchdog[1];
        Thread writer = new Thread(() -> {
            Sleepq.Watchdog d = Sleepq.armWatchdog(BOUND, true);
            try {
                c.bd_wait(c.view().params().maxbsize());     // vfs_bio.c bd_wait(), L447
            } finally {
                Sleepq.disarmWatchdog();
                w[0] = d;
            }
        }, "bd_wait");
        writer.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(anyTicket(c) && writer.getState() == Thread.State.TIMED_WAITING)) {
            assertTrue(System.nanoTime() < deadline, "the writer never went to sleep");
            assertTrue(writer.isAlive(), "bd_wait returned before any signal");
            Thread.sleep(1);
        }
        for (int b = 0; b < DIRTY; b++) {
            assertEquals(0, c.bwrite(c.getblk(vp, (long) b * BLK, BLK, 0, 0)), "bwrite of block " + b);
        }
        long completedAt = System.nanoTime();
        writer.join(10_000);
        assertFalse(writer.isAlive(), "bd_wait did not return");
        assertTrue(c.view().dirtykvaspace() <= c.view().params().hidirtybufspace(), "bd_wait returned above hidirtybufspace");
        assertTrue(w[0].sleeps > 0);
        return w[0].lastExpired && completedAt - w[0].expiredAt < 0 && !anyTicket(c);
    }

    /** bd_wait (L447, ticket L480-484) vs bd_signal's wakeup (L508-509). */
    @Test void bdSignalSkipsWakeupLosesTheThrottledWriter() throws Exception {
        assertFalse(lostWakeup(BufMutations.none()), "lost wakeup without the switch");
        BufMutations m = BufMutations.none();
        m.bdSignalSkipsWakeup = true;
        boolean lost = false;
        for (int i = 0; i < 5 && !lost; i++) lost = lostWakeup(m);
        assertTrue(lost, "bdSignalSkipsWakeup did not lose the wakeup in 5 attempts");
    }

    /**
     * bd_wait's "does not wait" side (waits.md B3): above hidirtybufspace with nothing written,
     * the writer must sleep on its ticket; with {@code bdWaitSkipsWait} it returns at once,
     * still above the limit.
     */
    @Test void bdWaitSkipsWaitReturnsAboveTheLimit() throws Exception {
        for (boolean mutant : new boolean[] {false, true}) {
            BufMutations m = BufMutations.none();
            m.bdWaitSkipsWait = mutant;
            BufCache c = BufTestSupport.cache(Params.forTest(16, BLK), m, BufQuirks.none());
            c.setHz(TimeUnit.SECONDS.toNanos(60));
            Vnode vp = c.vnode("dev0", BufTestSupport.device(64), BLK);
            for (int b = 0; b < DIRTY; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
            Thread writer = new Thread(() -> {
                Sleepq.armWatchdog(BOUND, true);
                try {
                    c.bd_wait(c.view().params().maxbsize());
                } finally {
                    Sleepq.disarmWatchdog();
                }
            }, "bd_wait");
            writer.setDaemon(true);
            writer.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (writer.isAlive() && !"flstik".equals(Sleepq.sleepingOn(writer))) {
                assertTrue(System.nanoTime() < deadline, "the writer neither slept nor returned");
                Thread.sleep(1);
            }
            boolean returnedAbove = !writer.isAlive() && c.view().dirtykvaspace() > c.view().params().hidirtybufspace();
            assertEquals(mutant, returnedAbove, mutant ? "bdWaitSkipsWait not caught" : "bd_wait returned above hidirtybufspace");
            for (int b = 0; b < DIRTY; b++) assertEquals(0, c.bwrite(c.getblk(vp, (long) b * BLK, BLK, 0, 0)));
            writer.join(10_000);
            assertFalse(writer.isAlive(), "bd_wait did not return after the writes");
        }
    }
}
