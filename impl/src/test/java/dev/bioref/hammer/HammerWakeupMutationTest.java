// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;
import dev.bioref.device.Request;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;

import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The lost-wakeup switches of HammerMutations (completeSkipsWakeup, completeSkipsPlacemarkerWakeup,
 * waitAllSkipsChainWakeup, directCompleteSkipsWakeup, flusherSkipsDoneWakeup), deterministically: a waiter thread sleeps (parked in tsleep, seen
 * as TIMED_WAITING under a {@link Sleepq#armWatchdog} watchdog), then the test completes the
 * I/O it waits for. Without the switch the completion wakes it; with the switch its sleep runs
 * to the watchdog after the completion was over (exact: the completion's stamp precedes the
 * expiry's, see dev.bioref.hammer.WaitRig in the stress module). A wakeup of another channel
 * hashed onto the same sleep bucket can rescue the mutant's waiter, so the mutant gets up to
 * five fresh attempts, of which one must lose the wakeup.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerWakeupMutationTest {
    static final long BOUND = 50_000_000L;

    /** One waiter against one completion. */
    interface Scenario {
        void waitFor();
        BooleanSupplier asleep();          // the waiter has published that it sleeps (waiting, placemarker, DIRECT_WAIT)
        BooleanSupplier done();            // the condition it waits for
        void complete();                   // issues the completion, and with it the wakeup
        default void cleanup() { }
    }

    /** true if the waiter lost its wakeup, false if it was woken; fails on anything else. */
    static boolean lostWakeup(Scenario s) throws Exception {
        Sleepq.Watchdog[] w = new Sleepq.Watchdog[1];
        Thread waiter = new Thread(() -> {
            Sleepq.Watchdog d = Sleepq.armWatchdog(BOUND);
            try {
                s.waitFor();
            } finally {
                Sleepq.disarmWatchdog();
                w[0] = d;
            }
        }, "waiter");
        waiter.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(s.asleep().getAsBoolean() && waiter.getState() == Thread.State.TIMED_WAITING)) {
            assertTrue(System.nanoTime() < deadline, "the waiter never went to sleep");
            assertTrue(waiter.isAlive(), "the waiter returned before the completion");
            Thread.sleep(1);
        }
        assertFalse(s.done().getAsBoolean(), "condition satisfied before the completion");
        s.complete();
        long completedAt = System.nanoTime();
        waiter.join(10_000);
        assertFalse(waiter.isAlive(), "the waiter did not return");
        assertTrue(s.done().getAsBoolean(), "the waiter returned with its condition unsatisfied");
        assertTrue(w[0].sleeps > 0);
        s.cleanup();
        return w[0].lastExpired && completedAt - w[0].expiredAt < 0;
    }

    static void check(Function<HammerMutations, Scenario> make, java.util.function.Consumer<HammerMutations> sw) throws Exception {
        assertFalse(lostWakeup(make.apply(HammerMutations.none())), "lost wakeup without the switch");
        HammerMutations m = new HammerMutations();
        sw.accept(m);
        boolean lost = false;
        for (int i = 0; i < 5 && !lost; i++) lost = lostWakeup(make.apply(m));
        assertTrue(lost, "the switch " + m + " did not lose the wakeup in 5 attempts");
    }

    /** hammer_io_wait vs hammer_io_complete (io:L166, io:L1148-1151). */
    @Test void completeSkipsWakeupLosesTheIoWaiter() throws Exception {
        check(m -> {
            GateCompleter gate = new GateCompleter();
            HammerMount hmp = gatedMount(gate, m);
            HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
            gate.shut();
            HammerWaitTest.startWrite(hmp, b);
            return new Scenario() {
                public void waitFor() { b.waitIo(); }
                public BooleanSupplier asleep() { return () -> b.waiting; }
                public BooleanSupplier done() { return () -> !b.running; }
                public void complete() { gate.open(); }
                public void cleanup() { withFsToken(hmp, () -> hmp.relBuffer(b, false)); hmp.checkInvariants(); }
            };
        }, m -> m.completeSkipsWakeup = true);
    }

    /** hammer_io_wait_all's placemarker vs the completion of the head ahead of it (io:L188-227, io:L1138-1142). */
    @Test void completeSkipsPlacemarkerWakeupLosesWaitAll() throws Exception {
        check(m -> {
            GateCompleter gate = new GateCompleter();
            HammerMount hmp = gatedMount(gate, m);
            HammerBuffer b1 = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
            HammerBuffer b2 = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase() + HammerOndisk.BUFSIZE);
            gate.shut();
            HammerWaitTest.startWrite(hmp, b1);
            HammerWaitTest.startWrite(hmp, b2);
            return new Scenario() {
                public void waitFor() { hmp.waitAll(false); }
                public BooleanSupplier asleep() {
                    return () -> {
                        hmp.ioToken.gettoken();
                        try {
                            return hmp.iorunTail != null && hmp.iorunTail.type == HammerIoType.DUMMY;
                        } finally {
                            hmp.ioToken.reltoken();
                        }
                    };
                }
                public BooleanSupplier done() { return () -> !b1.running && !b2.running; }
                public void complete() { gate.open(); }
                public void cleanup() {
                    withFsToken(hmp, () -> { hmp.relBuffer(b1, false); hmp.relBuffer(b2, false); });
                    hmp.checkInvariants();
                }
            };
        }, m -> m.completeSkipsPlacemarkerWakeup = true);
    }

    /**
     * Two wait_all placemarkers behind one write: the completion wakes the first; the first,
     * once it removed its own, must wake the second (the chain, io:L216-222). The scenario's
     * waiter is the second; the first runs on a helper thread and is the "completion" here:
     * the test opens the gate, then waits for the first to return.
     */
    @Test void waitAllSkipsChainWakeupLosesTheSecondPlacemarker() throws Exception {
        check(m -> {
            GateCompleter gate = new GateCompleter();
            HammerMount hmp = gatedMount(gate, m);
            HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
            gate.shut();
            HammerWaitTest.startWrite(hmp, b);
            Thread first = new Thread(() -> hmp.waitAll(false), "wait_all-1");
            first.start();
            return new Scenario() {
                int dummies() {
                    hmp.ioToken.gettoken();
                    try {
                        int n = 0;
                        for (HammerIo i = hmp.iorunHead; i != null; i = i.iorunNext) if (i.type == HammerIoType.DUMMY) n++;
                        return n;
                    } finally {
                        hmp.ioToken.reltoken();
                    }
                }
                public void waitFor() {
                    while (dummies() == 0) Thread.onSpinWait();     // the first placemarker goes in first
                    hmp.waitAll(false);
                }
                public BooleanSupplier asleep() { return () -> dummies() == 2 && first.getState() == Thread.State.WAITING; }
                public BooleanSupplier done() { return () -> !b.running && !first.isAlive(); }
                public void complete() {
                    gate.open();
                    try {
                        first.join(10_000);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    assertFalse(first.isAlive(), "the first wait_all was not woken by the completion");
                }
                public void cleanup() { withFsToken(hmp, () -> hmp.relBuffer(b, false)); hmp.checkInvariants(); }
            };
        }, m -> m.waitAllSkipsChainWakeup = true);
    }

    /**
     * hammer_flusher_wait vs another caller's master loop (J10; fl:L164, the done wakeup
     * fl:L272-273). A syncer thread runs hmp.sync(); its loop's first finalize ("start" hook)
     * sleeps, fs_token released, until the test lets it go. Meanwhile the waiter, under
     * fs_token, calls async(NULL), which finds the inline loop running and returns a seq for it,
     * and sleeps in waitSeq. The completion: the test lets the syncer go and joins it.
     */
    @Test void flusherSkipsDoneWakeupLosesTheFlusherWaiter() throws Exception {
        check(m -> {
            boolean[] flags = new boolean[3];       // [0] loop inside, [1] go, [2] waiter's async returned
            Thread[] syncer = new Thread[1];
            HammerMount hmp = mount(options(), m, new HammerHooks() {
                @Override public void finalizeStep(HammerMount h, HammerHooks.FinalizeStep step, boolean fin) {
                    if (step != HammerHooks.FinalizeStep.START || flags[0] || Thread.currentThread() != syncer[0]) return;
                    synchronized (flags) { flags[0] = true; }
                    Object chan = new Object();
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (!go(flags) && System.nanoTime() < deadline) dev.bioref.kern.Sleepq.tsleep(chan, "tstgo", 200_000L);
                }
            });
            hmp.put(0, bytes(100, 1));
            int[] seq = {Integer.MAX_VALUE};
            syncer[0] = new Thread(hmp::sync, "syncer");
            syncer[0].start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!inside(flags)) {
                assertTrue(System.nanoTime() < deadline, "the syncer's loop never reached finalize");
                Thread.onSpinWait();
            }
            return new Scenario() {
                public void waitFor() {
                    hmp.fsToken.gettoken();
                    try {
                        int s = hmp.flusher.async(null);
                        synchronized (flags) { seq[0] = s; flags[2] = true; }
                        hmp.flusher.waitSeq(s);
                    } finally {
                        hmp.fsToken.reltoken();
                    }
                }
                public BooleanSupplier asleep() { return () -> { synchronized (flags) { return flags[2]; } }; }
                public BooleanSupplier done() { return () -> { synchronized (flags) { return flags[2] && seq[0] - hmp.flusher.done <= 0; } }; }
                public void complete() {
                    synchronized (flags) { flags[1] = true; }
                    try {
                        syncer[0].join(10_000);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    assertFalse(syncer[0].isAlive(), "the syncer did not return");
                }
                public void cleanup() { assertFalse(hmp.criticalError); hmp.checkInvariants(); }
            };
        }, m -> m.flusherSkipsDoneWakeup = true);
    }

    private static boolean inside(boolean[] flags) { synchronized (flags) { return flags[0]; } }

    private static boolean go(boolean[] flags) { synchronized (flags) { return flags[1]; } }

    /** hammer_io_direct_wait vs hammer_io_direct_write_complete (io:L1844, io:L1820-1824). */
    @Test void directCompleteSkipsWakeupLosesTheDirectWaiter() throws Exception {
        check(m -> {
            HammerMount hmp = mount(options(), m, HammerHooks.NONE);
            HammerRecord rec = new HammerRecord(7, null, new HammerRecord.DataRef(true, 0));
            hmp.ioToken.gettoken();
            try {
                rec.gflags |= HammerRecord.DIRECT_IO;     // as hammer_io_direct_write leaves it (io:L1668)
            } finally {
                hmp.ioToken.reltoken();
            }
            return new Scenario() {
                public void waitFor() { hmp.directWait(rec); }
                public BooleanSupplier asleep() { return () -> (rec.gflags & HammerRecord.DIRECT_WAIT) != 0; }
                public BooleanSupplier done() { return () -> (rec.gflags & HammerRecord.DIRECT_IO) == 0; }
                public void complete() {
                    hmp.directWriteComplete(rec, hmp.device().execute(Request.write(hmp.geometry.largeBase(), new byte[HammerOndisk.BUFSIZE])));
                }
                public void cleanup() { assertEquals(0, rec.gflags); assertEquals(0, rec.directError); }
            };
        }, m -> m.directCompleteSkipsWakeup = true);
    }
}
