// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * hammer_flusher_finalize's end (fl:L634 and L880-L881, the finalize_want count, and fl:L567-L568, the slave's
 * "hmrsxx" wait in hammer_flusher_flush_inode): whichever way a finalize leaves, its caller drops
 * finalize_want and, at zero, wakes the slaves waiting for it. HammerFlusherExitWaitsTest checks
 * the wakeup of a finalize that runs to its end; this class checks the early exits (below the
 * meta limit, a critical error found at the start, after the UNDO or after the header, and an
 * exception), survivors of PIT run FinA2 (proofs-notes/pit.md §8.3.6, §9.1).
 *
 * <p>Deterministic, on a thread-less mount with the test as the master: the test holds
 * finalize_lock; thread "finalizer" enters finalize (finalize_want 1) and sleeps on the lock;
 * thread "slave" runs the master's step, syncs the group's inode and sleeps at "hmrsxx"; the test
 * lets the finalizer go; it takes the exit under test; the slave must then finish. A missing
 * wakeup leaves it at "hmrsxx" (no timeout on that sleep): the test fails after 10 s and wakes
 * it. A wakeup on another channel of the same sleep-queue bucket can wake the slave spuriously
 * (Sleepq), which could hide a missing wakeup in one round, so each exit is run twice, each
 * time on a fresh mount (fresh channels, other buckets).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerFinalizeExitWakeupTest {
    static final String REPLAY = "mvn -B -pl impl -am test -Dtest=HammerFinalizeExitWakeupTest -Dsurefire.failIfNoSpecifiedTests=false";

    enum Exit { BELOW_META_LIMIT, CRITICAL_AT_START, CRITICAL_AFTER_UNDO, CRITICAL_AFTER_HEADER, EXCEPTION }

    static Thread asleepOrGone(Thread t, String wmesg) throws InterruptedException {
        long bound = System.nanoTime() + 60_000_000_000L;
        while (t.isAlive() && !wmesg.equals(Sleepq.sleepingOn(t)) && System.nanoTime() < bound) Thread.sleep(1);
        assertTrue(t.isAlive() && wmesg.equals(Sleepq.sleepingOn(t)),
                t.getName() + " never slept at " + wmesg + " (" + (t.isAlive() ? Sleepq.sleepingOn(t) : "finished") + "); replay: " + REPLAY);
        return t;
    }

    void round(Exit exit) throws InterruptedException {
        List<String> steps = new ArrayList<>();
        HammerHooks hooks = new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
                if (!Thread.currentThread().getName().equals("finalizer")) return;
                synchronized (steps) { steps.add(step.name()); }
                if (exit == Exit.CRITICAL_AFTER_UNDO && step == FinalizeStep.UNDO_DURABLE) h.criticalError("test: after the UNDO");
                if (exit == Exit.CRITICAL_AFTER_HEADER && step == FinalizeStep.HEADER_ISSUED) h.criticalError("test: after the header");
                if (exit == Exit.EXCEPTION && step == FinalizeStep.START) throw new IllegalStateException("test: finalize fails");
            }
        };
        HammerMount hmp = mount(options(), HammerMutations.none(), hooks);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;
        Throwable[] failed = new Throwable[2];
        Thread finalizer = null, slave = null;
        try {
            withFsToken(hmp, () -> {
                hmp.put(1, bytes(10, 1));
                hmp.frontend.flushInode(hmp.frontend.inode(1));
                f.async(f.flushGroupList.peekFirst());
            });
            long finalizes = f.finalizes();
            f.finalizeLock.lockEx();                       // the test holds finalize_lock
            boolean fin = exit != Exit.BELOW_META_LIMIT;
            finalizer = new Thread(() -> withFsToken(hmp, () -> {
                try {
                    f.finalize(hmp.startTransaction(), fin);
                } catch (IllegalStateException e) {
                    failed[0] = e;
                }
            }), "finalizer");
            finalizer.start();
            asleepOrGone(finalizer, "hmrlck");
            assertEquals(1, f.finalizeWant, "finalize_want of the finalizer waiting for the lock");
            slave = new Thread(() -> withFsToken(hmp, () -> {
                try {
                    while (!f.masterStep()) { }
                } catch (RuntimeException | Error e) {
                    failed[1] = e;
                }
            }), "slave");
            slave.start();
            asleepOrGone(slave, "hmrsxx");
            if (exit == Exit.CRITICAL_AT_START) hmp.criticalError("test: before the finalize starts");
            f.finalizeLock.unlock();
            finalizer.join(60_000);
            assertFalse(finalizer.isAlive(), "the finalizer did not finish; " + Sleepq.sleepingOn(finalizer) + "; replay: " + REPLAY);
            slave.join(10_000);
            if (slave.isAlive()) {
                String on = Sleepq.sleepingOn(slave);
                Sleepq.wakeup(f.finalizeWantChan);         // rescue, so the mount can be closed
                slave.join(60_000);
                fail(exit + ": the finalize's exit did not wake the slave waiting for finalize_want (" + on + ", finalize_want "
                        + f.finalizeWant + "); replay: " + REPLAY);
            }
            assertNull(failed[1], "the slave's step failed: " + failed[1]);
            assertEquals(0, f.finalizeWant);
            List<String> seen;
            synchronized (steps) { seen = List.copyOf(steps); }
            switch (exit) {
                case BELOW_META_LIMIT, CRITICAL_AT_START -> {
                    assertEquals(List.of(), seen, exit + ": the finalizer ran steps");
                    assertEquals(exit == Exit.CRITICAL_AT_START, hmp.isCritical());
                }
                case CRITICAL_AFTER_UNDO -> assertEquals(List.of("START", "DATA_ISSUED", "UNDO_ISSUED", "UNDO_DURABLE"), seen, exit.toString());
                case CRITICAL_AFTER_HEADER -> assertEquals(List.of("START", "DATA_ISSUED", "UNDO_ISSUED", "UNDO_DURABLE", "HEADER_ISSUED"), seen,
                        exit.toString());
                case EXCEPTION -> assertTrue(failed[0] instanceof IllegalStateException, "the finalizer did not fail: " + failed[0]);
            }
            if (exit == Exit.BELOW_META_LIMIT || exit == Exit.EXCEPTION) {
                assertTrue(f.finalizes() - finalizes >= 1, "the slave's step ran no finalize");
                assertFalse(f.running(), "the group's seq is not done");
            }
        } finally {
            f.externalMaster = false;
            if (finalizer != null && finalizer.isAlive()) finalizer.interrupt();
            hmp.close();
        }
        if (exit == Exit.BELOW_META_LIMIT || exit == Exit.EXCEPTION) {
            HammerMount again = HammerMount.mount(hmp.device(), hmp.options, HammerMutations.none(), HammerHooks.NONE);
            assertArrayEquals(bytes(10, 1), again.get(1));
            again.close();
        }
    }

    @Test @Timeout(120) void aFinalizeBelowTheMetaLimitWakesTheSlaveWaitingForIt() throws InterruptedException {
        for (int i = 0; i < 2; i++) round(Exit.BELOW_META_LIMIT);
    }

    @Test @Timeout(120) void aFinalizeThatFindsACriticalErrorWakesTheSlaveWaitingForIt() throws InterruptedException {
        for (int i = 0; i < 2; i++) round(Exit.CRITICAL_AT_START);
    }

    @Test @Timeout(120) void aFinalizeStoppedAfterTheUndoWakesTheSlaveWaitingForIt() throws InterruptedException {
        for (int i = 0; i < 2; i++) round(Exit.CRITICAL_AFTER_UNDO);
    }

    @Test @Timeout(120) void aFinalizeStoppedAfterTheHeaderWakesTheSlaveWaitingForIt() throws InterruptedException {
        for (int i = 0; i < 2; i++) round(Exit.CRITICAL_AFTER_HEADER);
    }

    @Test @Timeout(120) void aFinalizeThatThrowsWakesTheSlaveWaitingForIt() throws InterruptedException {
        for (int i = 0; i < 2; i++) round(Exit.EXCEPTION);
    }
}
