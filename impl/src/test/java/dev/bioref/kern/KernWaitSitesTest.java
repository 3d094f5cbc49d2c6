// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import dev.bioref.buf.BioTrack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static dev.bioref.kern.WaitProbe.Outcome.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The wait sites of the kernel primitives (proofs-notes/waits.md K1-K3): tsleep_interlock/tsleep
 * against wakeup, the buffer lock (lockmgr sleep vs BUF_UNLOCK), and the bio tracking counter
 * (bio_track_wait vs bio_track_rel, vfs_bio.c L565 / L524). Each site: the waker held back (the
 * waiter must stay asleep), the wakeup landing in the tsleep window, a seeded free race, and its
 * two mutants (KernMutations), each of which must be caught.
 */
class KernWaitSitesTest {
    static final long SEED = Long.getLong("bioref.waits.seed", 13L);

    @AfterEach void reset() { KernMutations.reset(); }

    // ---- K1: tsleep_interlock / tsleep / wakeup on a plain channel (kern_synch.c)

    static WaitProbe.Scenario channel() {
        Object chan = new Object();
        boolean[] flag = new boolean[1];
        return new WaitProbe.Scenario() {
            public void waitFor() {
                for (;;) {
                    long t = Sleepq.tsleep_interlock(chan);
                    synchronized (flag) { if (flag[0]) return; }
                    Sleepq.tsleep(chan, t, "tstchn", 0);
                }
            }
            public String wmesg() { return "tstchn"; }
            public void wake() {
                synchronized (flag) { flag[0] = true; }
                Sleepq.wakeup(chan);
            }
            public boolean done() { synchronized (flag) { return flag[0]; } }
        };
    }

    @Test void tsleepWaitsAndIsWoken() throws Exception {
        assertEquals(WOKEN, WaitProbe.held(channel()));
        assertEquals(WOKEN, WaitProbe.window(channel()), "a wakeup inside the tsleep window was lost");
        assertEquals(0, WaitProbe.race(KernWaitSitesTest::channel, 10, SEED), "seed " + SEED);
    }

    /** tsleepSkipsWakeup: tsleep forgets its interlock ticket; a wakeup in the window is lost. */
    @Test void tsleepSkipsWakeupIsCaught() throws Exception {
        KernMutations.tsleepSkipsWakeup = true;
        assertTrue(lostOnce(KernWaitSitesTest::channel, true), "tsleepSkipsWakeup not caught");
    }

    // ---- K2: the buffer lock (kern_lock.c lockmgr sleep, BUF_UNLOCK wakeup)

    static WaitProbe.Scenario bufLock() {
        BufLock lk = new BufLock("bp-test");
        boolean[] got = new boolean[1];
        lk.lock(BufLock.LK_EXCLUSIVE);           // the holder: this (test) thread
        return new WaitProbe.Scenario() {
            public void waitFor() {
                // the watchdog bounds the untimed sleep, and lockmgr passes its EWOULDBLOCK up: ask again
                int error;
                while ((error = lk.lock(BufLock.LK_EXCLUSIVE, "buflk", 0)) == Errno.EWOULDBLOCK) { }
                if (error != 0) throw new AssertionError("lockmgr: " + error);
                synchronized (got) { got[0] = true; }
                lk.unlock();
            }
            public String wmesg() { return "buflk"; }
            public void wake() { lk.unlock(); }
            public boolean done() { synchronized (got) { return got[0]; } }
            public void cleanup() { assertFalse(lk.isLocked(), "lock left held: " + lk); }
            public boolean wakeOnBuilder() { return true; }
        };
    }

    @Test void bufLockWaitsAndIsWoken() throws Exception {
        assertEquals(WOKEN, WaitProbe.held(bufLock()));
        assertEquals(WOKEN, WaitProbe.window(bufLock()));
        assertEquals(WOKEN, WaitProbe.windowAt(bufLock(), PausePoint.BUFLOCK_INTERLOCKED));
        assertEquals(0, WaitProbe.race(KernWaitSitesTest::bufLock, 10, SEED), "seed " + SEED);
    }

    @Test void bufLockSkipsWaitIsCaught() throws Exception {
        KernMutations.bufLockSkipsWait = true;
        assertEquals(EARLY, WaitProbe.held(bufLock()), "bufLockSkipsWait not caught");
    }

    @Test void bufLockSkipsWakeupIsCaught() throws Exception {
        KernMutations.bufLockSkipsWakeup = true;
        assertTrue(lostOnce(KernWaitSitesTest::bufLock, false), "bufLockSkipsWakeup not caught");
    }

    // ---- K3: the bio tracking counter (vfs_bio.c bio_track_wait L565 vs bio_track_rel L524)

    static WaitProbe.Scenario bioTrack() {
        BioTrack tr = new BioTrack("v_track_write(test)");
        tr.bio_track_ref();                       // one I/O in flight
        return new WaitProbe.Scenario() {
            public void waitFor() {
                int error;
                while ((error = tr.bio_track_wait(0)) == Errno.EWOULDBLOCK) { }   // the watchdog's expiry: wait again
                if (error != 0) throw new AssertionError("bio_track_wait: " + error);
            }
            public String wmesg() { return "trwait"; }
            public void wake() { tr.bio_track_rel(); }
            public boolean done() { return tr.active() == 0; }
            public void cleanup() { assertEquals(0, tr.raw(), "wait flag left set: " + tr); }
        };
    }

    @Test void bioTrackWaitsAndIsWoken() throws Exception {
        assertEquals(WOKEN, WaitProbe.held(bioTrack()));
        assertEquals(WOKEN, WaitProbe.window(bioTrack()));
        assertEquals(WOKEN, WaitProbe.windowAt(bioTrack(), PausePoint.BIOTRACK_INTERLOCKED));
        assertEquals(0, WaitProbe.race(KernWaitSitesTest::bioTrack, 10, SEED), "seed " + SEED);
    }

    @Test void bioTrackSkipsWaitIsCaught() throws Exception {
        KernMutations.bioTrackSkipsWait = true;
        assertEquals(EARLY, WaitProbe.held(bioTrack()), "bioTrackSkipsWait not caught");
    }

    @Test void bioTrackSkipsWakeupIsCaught() throws Exception {
        KernMutations.bioTrackSkipsWakeup = true;
        assertTrue(lostOnce(KernWaitSitesTest::bioTrack, false), "bioTrackSkipsWakeup not caught");
    }

    /**
     * True if one of up to five attempts lost its wakeup (a wakeup of another channel hashed
     * onto the same sleep bucket can rescue a mutant's sleeper, as in the kernel).
     */
    static boolean lostOnce(Supplier<WaitProbe.Scenario> make, boolean inWindow) throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            WaitProbe.Outcome o = inWindow ? WaitProbe.window(make.get()) : WaitProbe.held(make.get());
            assertNotEquals(EARLY, o, "a lost-wakeup mutant must not return early");
            if (o == LOST) return true;
        }
        return false;
    }
}
