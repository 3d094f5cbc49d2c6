// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The flusher's last two wait sites of proofs-notes/waits.md (§2, H12 and H13d), each with the
 * waker held back, a seeded race, and its two mutants, each caught:
 * <ul>
 *   <li>H12 "hmrsxx": a slave's hammer_flusher_flush_inode waits while another thread is in
 *       hammer_flusher_finalize (flusher.finalize_want); the last finalize out wakes it.</li>
 *   <li>H13d "hmrwex"/"hmrwwc": hammer_flusher_destroy waits for the master and then each slave
 *       to exit; each exiting thread wakes it.</li>
 * </ul>
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerFlusherExitWaitsTest {
    static final long SEED = Long.getLong("bioref.waits.seed", 13L);

    /**
     * Holds the first slave that enters a partial finalize (fin == false) at its START step,
     * asleep on a gate (tsleep releases fs_token, so the other slave runs), after raising the
     * meta limit so that no other thread starts a finalize of its own: the other slave then
     * reaches flush_inode's finalize_want wait with finalize_want == 1. With {@code napNanos} > 0
     * the hook naps that long instead of waiting for the gate (the race).
     */
    static final class FinalizeGate implements HammerHooks {
        final Object gate = new Object();
        volatile boolean open;
        volatile boolean armed = true;
        volatile Thread holder;
        final HammerOptions o;
        final long napNanos;

        FinalizeGate(HammerOptions o, long napNanos) { this.o = o; this.napNanos = napNanos; }

        @Override public void finalizeStep(HammerMount hmp, FinalizeStep step, boolean fin) {
            if (step != FinalizeStep.START || fin || !armed
                    || !Thread.currentThread().getName().startsWith("hammer-flusher-slave-")) return;
            armed = false;
            holder = Thread.currentThread();
            o.limitDirtybufspace = Long.MAX_VALUE / 4;     // under fs_token: no other finalize starts now
            if (napNanos > 0) {
                Sleepq.tsleep(new Object(), "h12nap", napNanos);
                return;
            }
            while (!open) {
                long t = Sleepq.tsleep_interlock(gate);
                if (open) break;
                Sleepq.tsleep(gate, t, "h12gate", 0);
            }
        }

        void release() { open = true; Sleepq.wakeup(gate); }
    }

    /** Two slaves, a meta limit every record crosses, and two inodes with one record each. */
    static HammerMount twoInodes(HammerMutations m, FinalizeGate[] gate, long napNanos) {
        HammerOptions o = options();
        o.flusherThreads = 2;
        o.limitDirtybufspace = 1;
        gate[0] = new FinalizeGate(o, napNanos);
        HammerMount hmp = mount(o, m, gate[0]);
        hmp.put(1, bytes(10, 1));
        hmp.put(2, bytes(10, 2));
        return hmp;
    }

    static Thread syncer(HammerMount hmp) {
        Thread t = new Thread(hmp::sync, "syncer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static Thread asleepAt(String wmesg, String prefix, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        do {
            for (java.util.Map.Entry<Thread, String> e : Sleepq.sleeping().entrySet()) {
                if (e.getValue().equals(wmesg) && e.getKey().getName().startsWith(prefix)) return e.getKey();
            }
            Thread.sleep(1);
        } while (System.nanoTime() < deadline);
        return null;
    }

    /**
     * H12 held: the finalizing slave is held at START; the other slave must be seen asleep at
     * "hmrsxx" (finalize_want 1) and still there 20 ms later, the sync not returned; after the
     * release the sync returns. finalizeWantSkipsWait: the other slave is never seen at "hmrsxx".
     * finalizeSkipsWakeup: after the release the other slave stays at "hmrsxx" and the sync does
     * not return (the test then wakes it itself so the mount closes).
     */
    @Test @Timeout(60) void finalizeWantSite() throws Exception {
        // finalizeSkipsWakeup gets up to 3 rounds: a wakeup on another channel of the waiter's
        // sleep-queue bucket (the channels hash onto 64 buckets by identity) wakes it spuriously
        // after the finalize, and then it proceeds as if woken (seen once in CI, 2026-12-07)
        boolean skipsWakeupCaught = false;
        String lastMiss = "";
        for (int round = 0; round < 5 && !(round >= 3 && skipsWakeupCaught); round++) {
            int variant = Math.min(round, 2);
            HammerMutations m = new HammerMutations();
            if (variant == 1) m.finalizeWantSkipsWait = true;
            if (variant == 2) m.finalizeSkipsWakeup = true;
            FinalizeGate[] g = new FinalizeGate[1];
            HammerMount hmp = twoInodes(m, g, 0);
            try {
                Thread syncer = syncer(hmp);
                assertNotNull(asleepAt("h12gate", "hammer-flusher-slave-", 10_000),
                        "no slave entered a partial finalize; sleepers: " + Sleepq.sleeping());
                Thread waiter = asleepAt("hmrsxx", "hammer-flusher-slave-", variant == 1 ? 1_000 : 10_000);
                if (variant == 1) {
                    assertNull(waiter, "finalizeWantSkipsWait not caught: a slave slept at hmrsxx");
                    g[0].release();
                    syncer.join(10_000);
                    assertFalse(syncer.isAlive(), "sync did not return; sleepers: " + Sleepq.sleeping());
                    continue;
                }
                assertNotNull(waiter, "the other slave never slept at hmrsxx; sleepers: " + Sleepq.sleeping());
                assertNotSame(g[0].holder, waiter);
                Thread.sleep(20);
                assertEquals("hmrsxx", Sleepq.sleepingOn(waiter), "EARLY: the slave left hmrsxx while finalize was held");
                assertTrue(syncer.isAlive(), "EARLY: sync returned while a finalize was held");
                g[0].release();
                syncer.join(variant == 2 ? 1_000 : 10_000);
                if (variant == 0) {
                    assertFalse(syncer.isAlive(), "sync did not return; sleepers: " + Sleepq.sleeping());
                } else {
                    if (!(syncer.isAlive() && "hmrsxx".equals(Sleepq.sleepingOn(waiter)))) {
                        lastMiss = "the slave left hmrsxx; sleepers: " + Sleepq.sleeping();
                        continue;   // a spurious wakeup from a shared bucket: another round
                    }
                    skipsWakeupCaught = true;
                    m.finalizeSkipsWakeup = false;
                    Sleepq.wakeup(hmp.flusher.finalizeWantChan);
                    syncer.join(10_000);
                    assertFalse(syncer.isAlive(), "sync did not return after the rescue wakeup");
                }
            } finally {
                g[0].release();
                hmp.close();
            }
        }
        assertTrue(skipsWakeupCaught, "finalizeSkipsWakeup not caught in 3 rounds: " + lastMiss);
    }

    /**
     * H12 race: the finalizing slave naps a seeded 0-2 ms instead of being held, with seeded
     * spurious wakeups (1 sleep in 3); every round's sync must return within 10 s.
     * Replay: -Dbioref.waits.seed=&lt;seed&gt;.
     */
    @Test @Timeout(120) void finalizeWantRace() throws Exception {
        SplittableRandom rnd = new SplittableRandom(SEED);
        java.util.concurrent.atomic.AtomicInteger atSite = new java.util.concurrent.atomic.AtomicInteger();
        dev.bioref.kern.Pause.install(p -> {
            if (p == dev.bioref.kern.PausePoint.TSLEEP_TOKENS_RELEASED
                    && "hmrsxx".equals(Sleepq.sleepingOn(Thread.currentThread()))) atSite.incrementAndGet();
        });
        try {
            finalizeWantRounds(rnd);
        } finally {
            dev.bioref.kern.Pause.clear();
        }
        System.out.println("finalizeWantRace: " + atSite.get() + " sleeps at hmrsxx in 8 rounds");
        assertTrue(atSite.get() > 0, "the race never reached the hmrsxx sleep: it tests nothing; replay: -Dbioref.waits.seed=" + SEED);
    }

    private static void finalizeWantRounds(SplittableRandom rnd) throws Exception {
        for (int round = 0; round < 8; round++) {
            FinalizeGate[] g = new FinalizeGate[1];
            HammerMount hmp = twoInodes(new HammerMutations(), g, 1 + rnd.nextLong(2_000_000L));
            Sleepq.seedSpuriousWakeups(SEED + round, 3);
            try {
                Thread syncer = syncer(hmp);
                syncer.join(10_000);
                assertFalse(syncer.isAlive(), "round " + round + ": sync did not return; sleepers: " + Sleepq.sleeping()
                        + "; replay: -Dbioref.waits.seed=" + SEED);
            } finally {
                Sleepq.stopSpuriousWakeups();
                hmp.close();
            }
        }
    }

    /** The flusher's threads of a mount, taken before close (close clears the fields). */
    static List<Thread> flusherThreads() {
        List<Thread> ts = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("hammer-flusher-") && t.isAlive()) ts.add(t);
        }
        return ts;
    }

    /**
     * H13d held: the closing thread holds fs_token across close() (tokens are recursive), so the
     * exiting threads, which need fs_token, can run only while destroy sleeps. At close's return
     * the master and every slave must have left (master and each slave's td cleared): only a
     * destroy that waited can see that. destroySkipsWait returns with them still there.
     * masterExitSkipsWakeup: destroy's timed "hmrwex" sleep runs to its 1 s timeout (a genuine
     * destroy is woken at once). slaveExitSkipsWakeup: destroy sleeps at "hmrwwc" for good (the
     * test then wakes it itself).
     */
    @Test @Timeout(60) void destroySites() throws Exception {
        // the two lost-wakeup mutants (variants 2 and 3) get up to 3 rounds each: a wakeup on another
        // channel of the sleeper's sleep-queue bucket can wake it spuriously and hide the lost one
        int[] schedule = {0, 1, 2, 2, 2, 3, 3, 3};
        boolean[] caught = new boolean[4];
        String[] miss = new String[4];
        for (int variant : schedule) {
            if (variant >= 2 && caught[variant]) continue;
            HammerMutations m = new HammerMutations();
            HammerOptions o = options();
            o.flusherThreads = 2;
            HammerMount hmp = mount(o, m, HammerHooks.NONE);
            hmp.put(1, bytes(10, 1));
            hmp.sync();
            if (variant == 1) m.destroySkipsWait = true;
            if (variant == 2) m.masterExitSkipsWakeup = true;
            if (variant == 3) m.slaveExitSkipsWakeup = true;
            HammerFlusher fl = hmp.flusher;
            boolean[] gone = new boolean[1];
            long[] nanos = new long[1];
            Throwable[] failed = new Throwable[1];
            Thread closer = new Thread(() -> {
                hmp.fsToken.gettoken();
                try {
                    long t0 = System.nanoTime();
                    hmp.close();
                    nanos[0] = System.nanoTime() - t0;
                    gone[0] = fl.masterTd() == null && fl.slaveThreadsForTest() == 0;
                } catch (Throwable e) {
                    failed[0] = e;
                } finally {
                    hmp.fsToken.reltoken();
                }
            }, "closer");
            closer.setDaemon(true);
            closer.start();
            closer.join(variant == 3 ? 1_000 : 10_000);
            if (variant == 3) {
                if (!(closer.isAlive() && "hmrwwc".equals(Sleepq.sleepingOn(closer)))) {
                    miss[3] = "destroy is not stuck at hmrwwc; sleepers: " + Sleepq.sleeping();
                    closer.join(10_000);
                    assertFalse(closer.isAlive(), "close did not return; sleepers: " + Sleepq.sleeping());
                    continue;
                }
                caught[3] = true;
                m.slaveExitSkipsWakeup = false;
                fl.wakeSlavesForTest();
                closer.join(10_000);
            }
            assertFalse(closer.isAlive(), "close did not return; sleepers: " + Sleepq.sleeping());
            assertNull(failed[0], () -> "close threw " + failed[0]);
            if (variant == 1) {
                assertFalse(gone[0], "destroySkipsWait not caught: the flusher threads had left at close's return");
                for (Thread t : flusherThreads()) t.join(10_000);
            } else if (variant == 2) {
                assertTrue(gone[0]);
                caught[2] = nanos[0] >= Sleepq.HZ_NANOS * 9 / 10;
                if (!caught[2]) miss[2] = "destroy returned in " + nanos[0] / 1_000_000 + " ms, before its 1 s timeout";
            } else {
                assertTrue(gone[0], "EARLY: close returned before the flusher threads had left");
                if (variant == 0) assertTrue(nanos[0] < Sleepq.HZ_NANOS * 9 / 10,
                        "destroy took " + nanos[0] / 1_000_000 + " ms: its hmrwex sleep was not woken by the exiting master");
            }
        }
        assertTrue(caught[2], () -> "masterExitSkipsWakeup not caught in 3 rounds: " + miss[2]);
        assertTrue(caught[3], () -> "slaveExitSkipsWakeup not caught in 3 rounds: " + miss[3]);
    }
}
