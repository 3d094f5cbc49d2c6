// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;
import dev.bioref.kern.KernMutations;
import dev.bioref.kern.WaitProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;
import java.util.function.Function;

import static dev.bioref.hammer.HammerTestSupport.*;
import static dev.bioref.kern.WaitProbe.Outcome.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The wait sites of hammer_io.c, hammer_subs.c and hammer_flusher.c that had no "does not
 * wait" test (proofs-notes/waits.md H1-H5): each with the waker held back, the wakeup landing
 * in the tsleep window (pause point), a seeded free race, and its two mutants, each caught.
 * The lost-wakeup mutants of J5/J6/J8/J10 keep their own tests in HammerWakeupMutationTest.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerWaitSitesTest {
    static final long SEED = Long.getLong("bioref.waits.seed", 13L);

    @AfterEach void reset() { KernMutations.reset(); }

    /** Runs the genuine site three ways, then each mutant, which must be caught. */
    static void site(Function<HammerMutations, WaitProbe.Scenario> make,
                     Consumer<HammerMutations> skipsWait, Consumer<HammerMutations> skipsWakeup) throws Exception {
        site(make, null, skipsWait, skipsWakeup);
    }

    static void site(Function<HammerMutations, WaitProbe.Scenario> make, dev.bioref.kern.PausePoint point,
                     Consumer<HammerMutations> skipsWait, Consumer<HammerMutations> skipsWakeup) throws Exception {
        assertEquals(WOKEN, WaitProbe.held(make.apply(HammerMutations.none())), "held back");
        if (point != null) assertEquals(WOKEN, WaitProbe.windowAt(make.apply(HammerMutations.none()), point), "wakeup at " + point);
        assertEquals(WOKEN, WaitProbe.window(make.apply(HammerMutations.none())), "wakeup in the tsleep window");
        assertEquals(0, WaitProbe.race(() -> make.apply(HammerMutations.none()), 8, SEED),
                "free race, replay with -Dbioref.waits.seed=" + SEED);
        if (skipsWait != null) {
            HammerMutations m = new HammerMutations();
            skipsWait.accept(m);
            assertEquals(EARLY, WaitProbe.held(make.apply(m)), m + " not caught");
        }
        if (skipsWakeup != null) {
            HammerMutations m = new HammerMutations();
            skipsWakeup.accept(m);
            boolean lost = false;
            for (int i = 0; i < 5 && !lost; i++) {
                WaitProbe.Outcome o = WaitProbe.held(make.apply(m));
                assertNotEquals(EARLY, o, m + " returned early");
                lost = o == LOST;
            }
            assertTrue(lost, m + " did not lose the wakeup in 5 attempts");
        }
    }

    static HammerMount gated(GateCompleter gate, HammerMutations m) { return HammerTestSupport.gatedMount(gate, m); }

    /** H1: hammer_io_wait (io:L166) vs hammer_io_complete (io:L1148-1151). */
    static WaitProbe.Scenario ioWait(HammerMutations m) {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = gated(gate, m);
        HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        gate.shut();
        HammerWaitTest.startWrite(hmp, b);
        return new WaitProbe.Scenario() {
            public void waitFor() { b.waitIo(); }
            public String wmesg() { return "hmrflw"; }
            public void wake() { gate.open(); }
            public boolean done() { return !b.running; }
            public void cleanup() { withFsToken(hmp, () -> hmp.relBuffer(b, false)); hmp.checkInvariants(); }
            public void abandon() { gate.open(); }
        };
    }

    @Test void ioWaitSite() throws Exception {
        site(HammerWaitSitesTest::ioWait, dev.bioref.kern.PausePoint.HAMMERIO_WAIT_INTERLOCKED, m -> m.waitIoSkipsWait = true, m -> m.completeSkipsWakeup = true);
    }

    /** Seeded spurious wakeups: the genuine loop re-checks running and waits on; waitIoSkipsRecheck returns early. */
    @Test void ioWaitRechecksAfterASpuriousWakeup() throws Exception {
        assertEquals(WOKEN, WaitProbe.spurious(ioWait(HammerMutations.none()), SEED, 30));
        HammerMutations m = new HammerMutations();
        m.waitIoSkipsRecheck = true;
        assertEquals(EARLY, WaitProbe.spurious(ioWait(m), SEED, 30), "waitIoSkipsRecheck not caught");
    }

    /** H2: hammer_io_modify's wait for the write interlock (io:L770) vs hammer_io_done_interlock (io:L843). */
    static WaitProbe.Scenario modifyVsDoneInterlock(HammerMutations m) {
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        withFsToken(hmp, b::writeInterlock);          // the flusher holds the write interlock
        boolean[] modified = new boolean[1];
        return new WaitProbe.Scenario() {
            public void waitFor() {
                withFsToken(hmp, () -> {
                    b.modify(1);
                    synchronized (modified) { modified[0] = true; }
                    b.modifyDone();
                });
            }
            public String wmesg() { return "hmrmod"; }
            public void wake() { withFsToken(hmp, b::doneInterlock); }
            public boolean done() { synchronized (modified) { return modified[0]; } }
            public void cleanup() { withFsToken(hmp, () -> hmp.relBuffer(b, false)); hmp.checkInvariants(); }
        };
    }

    @Test void modifyWaitsForTheWriteInterlock() throws Exception {
        site(HammerWaitSitesTest::modifyVsDoneInterlock, dev.bioref.kern.PausePoint.HAMMERIO_MODIFY_INTERLOCKED, m -> m.modifySkipsWait = true, m -> m.doneInterlockSkipsWakeup = true);
    }

    /** H3: hammer_io_write_interlock's wait for modify_refs == 0 (io:L829) vs hammer_io_modify_done (io:L808). */
    static WaitProbe.Scenario writeInterlockVsModifyDone(HammerMutations m) {
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        withFsToken(hmp, () -> b.modify(1));           // a frontend is inside its modification
        boolean[] interlocked = new boolean[1];
        return new WaitProbe.Scenario() {
            public void waitFor() {
                withFsToken(hmp, () -> {
                    b.writeInterlock();
                    synchronized (interlocked) { interlocked[0] = b.modifyRefs == -1; }
                    b.doneInterlock();
                });
            }
            public String wmesg() { return "hmrmw1"; }
            public void wake() { withFsToken(hmp, b::modifyDone); }
            public boolean done() { synchronized (interlocked) { return interlocked[0]; } }
            public void cleanup() { withFsToken(hmp, () -> hmp.relBuffer(b, false)); hmp.checkInvariants(); }
        };
    }

    @Test void writeInterlockWaitsForModifyRefs() throws Exception {
        site(HammerWaitSitesTest::writeInterlockVsModifyDone, dev.bioref.kern.PausePoint.HAMMERIO_WRITE_INTERLOCK_INTERLOCKED, m -> m.writeInterlockSkipsWait = true, m -> m.modifyDoneSkipsWakeup = true);
    }

    /** H4: hammer_lock_ex's sleep (hammer_subs.c) vs hammer_unlock's LOCKF_WANTED wakeup. */
    static WaitProbe.Scenario lockEx(HammerMutations unused) {
        HammerLock lk = new HammerLock();
        lk.lockEx();                                   // the holder: the test thread
        boolean[] got = new boolean[1];
        return new WaitProbe.Scenario() {
            public void waitFor() {
                lk.lockEx();
                synchronized (got) { got[0] = lk.ownedExclusiveByMe(); }
                lk.unlock();
            }
            public String wmesg() { return "hmrlck"; }
            public void wake() { lk.unlock(); }
            public boolean done() { synchronized (got) { return got[0]; } }
            public void cleanup() { assertEquals(0, lk.lockval.get(), "lock left held or wanted: " + lk); }
            public boolean wakeOnBuilder() { return true; }
        };
    }

    @Test void lockExWaitsAndIsWoken() throws Exception {
        site(HammerWaitSitesTest::lockEx, dev.bioref.kern.PausePoint.HAMMERLOCK_EX_INTERLOCKED, null, null);
        KernMutations.lockExSkipsWait = true;
        assertEquals(EARLY, WaitProbe.held(lockEx(null)), "lockExSkipsWait not caught");
        KernMutations.reset();
        KernMutations.unlockSkipsWakeup = true;
        boolean lost = false;
        for (int i = 0; i < 5 && !lost; i++) lost = WaitProbe.held(lockEx(null)) == LOST;
        assertTrue(lost, "unlockSkipsWakeup not caught");
    }

    /**
     * H9 (h1lk): hammer_ref_interlock's second phase (hammer_subs.c) vs hammer_ref_interlock_done:
     * the holder took the first ref with the interlock (CHECK pending, it is loading the
     * structure); a second referencer must wait until the holder is done, then return false
     * (loaded by someone else).
     */
    static WaitProbe.Scenario refInterlock(HammerMutations unused) {
        HammerLock lk = new HammerLock();
        assertTrue(lk.refInterlock(), "the first ref takes the interlock");   // the holder: CHECK | LOCKED, refs 1
        boolean[] ret = new boolean[2];
        return new WaitProbe.Scenario() {
            public void waitFor() {
                boolean mine = lk.refInterlock();
                synchronized (ret) { ret[0] = true; ret[1] = mine; }
            }
            public String wmesg() { return "h1lk"; }
            public void wake() { lk.refInterlockDone(); }
            public boolean done() { return (lk.refs.get() & HammerLock.REFS_CHECK) == 0; }
            public void cleanup() {
                synchronized (ret) { assertFalse(ret[1], "the second referencer took over a CHECK its holder cleared: " + lk); }
                lk.rel();
                lk.rel();
                assertEquals(0, lk.refs.get(), "refs or flags left: " + lk);
            }
        };
    }

    @Test void refInterlockWaitsForTheLoader() throws Exception {
        site(HammerWaitSitesTest::refInterlock, null, null);
        KernMutations.refInterlockSkipsWait = true;
        assertEquals(EARLY, WaitProbe.held(refInterlock(null)), "refInterlockSkipsWait not caught");
        KernMutations.reset();
        KernMutations.interlockDoneSkipsWakeup = true;
        boolean lost = false;
        for (int i = 0; i < 5 && !lost; i++) lost = WaitProbe.held(refInterlock(null)) == LOST;
        assertTrue(lost, "interlockDoneSkipsWakeup (ref_interlock_done) not caught");
    }

    /**
     * H9 (h0lk): hammer_rel_interlock dropping the last ref (hammer_subs.c) while another
     * thread holds the interlock, vs hammer_put_interlock: the last referencer must wait for
     * the interlock, then take it for the 1 to 0 disposal (returns true).
     */
    static WaitProbe.Scenario relInterlock(HammerMutations unused) {
        HammerLock lk = new HammerLock();
        assertTrue(lk.refInterlock(), "the holder takes the interlock");   // refs 1, CHECK | LOCKED
        lk.ref();                                                            // the waiter's ref: refs 2
        lk.rel();                                                            // the holder keeps only the interlock: refs 1
        boolean[] ret = new boolean[2];
        return new WaitProbe.Scenario() {
            public void waitFor() {
                boolean dispose = lk.relInterlock();
                synchronized (ret) { ret[0] = true; ret[1] = dispose; }
                if (dispose) lk.relInterlockDone();
            }
            public String wmesg() { return "h0lk"; }
            public void wake() { lk.putInterlock(0); }
            public boolean done() { return !lk.interlocked() || lk.rowner == null; }
            public void cleanup() {
                synchronized (ret) { assertTrue(ret[1], "the last referencer did not take the interlock to dispose: " + lk); }
                assertEquals(0, lk.refs.get(), "refs or flags left: " + lk);
            }
        };
    }

    @Test void relInterlockWaitsForTheInterlock() throws Exception {
        site(HammerWaitSitesTest::relInterlock, null, null);
        KernMutations.relInterlockSkipsWait = true;
        assertEquals(EARLY, WaitProbe.held(relInterlock(null)), "relInterlockSkipsWait not caught");
        KernMutations.reset();
        KernMutations.interlockDoneSkipsWakeup = true;
        boolean lost = false;
        for (int i = 0; i < 5 && !lost; i++) lost = WaitProbe.held(relInterlock(null)) == LOST;
        assertTrue(lost, "interlockDoneSkipsWakeup (put_interlock) not caught");
    }

    /** The flusher master of {@code hmp} once it is asleep at "hmrwwa" (idle), or null if it is not within {@code millis}. */
    static Thread idleMaster(HammerMount hmp, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        do {
            for (java.util.Map.Entry<Thread, String> e : dev.bioref.kern.Sleepq.sleeping().entrySet()) {
                if (e.getValue().equals("hmrwwa") && e.getKey() == hmp.flusher.masterTd()) return e.getKey();
            }
            Thread.sleep(1);
        } while (System.nanoTime() < deadline);
        return null;
    }

    /** A threaded mount whose flusher master has gone idle, with one key written and not yet synced. */
    static HammerMount threadedWithWork(HammerMutations m) throws InterruptedException {
        HammerOptions o = options();
        o.flusherThreads = 2;
        HammerMount hmp = mount(o, m, HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        return hmp;
    }

    /**
     * H13 (hmrwwa): the idle flusher master sleeps on flusher.signal (fl:L286-287) until
     * hammer_flusher_async bumps it and wakes it (fl:L115-116). Held: the master must be seen
     * asleep at "hmrwwa" while idle (masterIdleSkipsWait polls instead and never is); then a
     * sync on a second thread must return within 10 s (asyncSkipsWakeup leaves the master
     * asleep with signal set and the syncer asleep in "hmrfls": the wakeup is lost; the test
     * then wakes the master itself so the mount can be closed).
     */
    @Test void flusherMasterIdleSite() throws Exception {
        for (int variant = 0; variant < 3; variant++) {
            HammerMutations m = new HammerMutations();
            if (variant == 1) m.masterIdleSkipsWait = true;
            if (variant == 2) m.asyncSkipsWakeup = true;
            HammerMount hmp = threadedWithWork(m);
            try {
                Thread master = idleMaster(hmp, variant == 1 ? 500 : 10_000);
                if (variant == 1) {
                    assertNull(master, "masterIdleSkipsWait not caught: the master slept at hmrwwa");
                    m.masterIdleSkipsWait = false;
                    continue;
                }
                assertNotNull(master, "the idle master never slept at hmrwwa; sleepers: " + dev.bioref.kern.Sleepq.sleeping());
                Thread syncer = new Thread(hmp::sync, "syncer");
                syncer.setDaemon(true);
                syncer.start();
                syncer.join(variant == 2 ? 1_000 : 10_000);
                if (variant == 0) {
                    assertFalse(syncer.isAlive(), "sync did not return: the master was not woken; sleepers: " + dev.bioref.kern.Sleepq.sleeping());
                } else {
                    assertTrue(syncer.isAlive() && "hmrwwa".equals(dev.bioref.kern.Sleepq.sleepingOn(master)),
                            "asyncSkipsWakeup not caught: the master was woken");
                    m.asyncSkipsWakeup = false;
                    hmp.flusher.wakeMasterForTest();
                    syncer.join(10_000);
                    assertFalse(syncer.isAlive(), "sync did not return after the rescue wakeup");
                }
            } finally {
                hmp.close();
            }
        }
    }

    /** Threads of {@code hmp}'s flusher asleep at {@code wmesg} now (slaves are named hammer-flusher-slave-N). */
    static long asleepAt(String wmesg, String namePrefix) {
        return dev.bioref.kern.Sleepq.sleeping().entrySet().stream()
                .filter(e -> e.getValue().equals(wmesg) && e.getKey().getName().startsWith(namePrefix)).count();
    }

    /**
     * H13b (hmrssw, hmrfcc): idle slaves sleep on themselves until the master hands them a
     * group and wakes them (fl:L388-408); the master then sleeps on the ready list ("hmrfcc")
     * until every slave is back and has woken it (fl:L461 slave loop). Held: both slaves must be
     * seen asleep at "hmrssw" while idle (slaveIdleSkipsWait polls and never is); then a sync
     * on a second thread must return. dispatchSkipsWakeup and slaveDoneSkipsWakeup each leave
     * the master asleep at "hmrfcc" and the syncer blocked (a lost wakeup); the test then wakes
     * them itself so the mount can be closed.
     */
    @Test void flusherSlaveSites() throws Exception {
        for (int variant = 0; variant < 4; variant++) {
            HammerMutations m = new HammerMutations();
            if (variant == 1) m.slaveIdleSkipsWait = true;
            if (variant == 2) m.dispatchSkipsWakeup = true;
            if (variant == 3) m.slaveDoneSkipsWakeup = true;
            HammerMount hmp = threadedWithWork(m);
            try {
                assertNotNull(idleMaster(hmp, 10_000), "the idle master never slept at hmrwwa");
                long deadline = System.nanoTime() + (variant == 1 ? 500 : 10_000) * 1_000_000L;
                while (asleepAt("hmrssw", "hammer-flusher-slave-") < 2 && System.nanoTime() < deadline) Thread.sleep(1);
                if (variant == 1) {
                    assertEquals(0, asleepAt("hmrssw", "hammer-flusher-slave-"), "slaveIdleSkipsWait not caught: a slave slept");
                    m.slaveIdleSkipsWait = false;
                    continue;
                }
                assertEquals(2, asleepAt("hmrssw", "hammer-flusher-slave-"), "idle slaves not asleep at hmrssw: " + dev.bioref.kern.Sleepq.sleeping());
                Thread syncer = new Thread(hmp::sync, "syncer");
                syncer.setDaemon(true);
                syncer.start();
                syncer.join(variant == 0 ? 10_000 : 1_000);
                if (variant == 0) {
                    assertFalse(syncer.isAlive(), "sync did not return; sleepers: " + dev.bioref.kern.Sleepq.sleeping());
                } else {
                    assertTrue(syncer.isAlive() && asleepAt("hmrfcc", "hammer-flusher-master") == 1,
                            m + " not caught: the master is not stuck at hmrfcc; sleepers: " + dev.bioref.kern.Sleepq.sleeping());
                    m.dispatchSkipsWakeup = false;
                    m.slaveDoneSkipsWakeup = false;
                    hmp.flusher.wakeSlavesForTest();
                    syncer.join(10_000);
                    assertFalse(syncer.isAlive(), "sync did not return after the rescue wakeups");
                }
            } finally {
                hmp.close();
            }
        }
    }

    /** H6: hammer_io_direct_wait (io:L1844) vs hammer_io_direct_write_complete (io:L1820-1824). */
    static WaitProbe.Scenario directWait(HammerMutations m) {
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        HammerRecord rec = new HammerRecord(7, null, new HammerRecord.DataRef(true, 0));
        hmp.ioToken.gettoken();
        try {
            rec.gflags |= HammerRecord.DIRECT_IO;      // as hammer_io_direct_write leaves it (io:L1668)
        } finally {
            hmp.ioToken.reltoken();
        }
        return new WaitProbe.Scenario() {
            public void waitFor() { hmp.directWait(rec); }
            public String wmesg() { return "hmdiow"; }
            public void wake() {
                hmp.directWriteComplete(rec, hmp.device().execute(
                        dev.bioref.device.Request.write(hmp.geometry.largeBase(), new byte[HammerOndisk.BUFSIZE])));
            }
            public boolean done() {
                hmp.ioToken.gettoken();
                try {
                    return (rec.gflags & HammerRecord.DIRECT_IO) == 0;
                } finally {
                    hmp.ioToken.reltoken();
                }
            }
            public void cleanup() { assertEquals(0, rec.gflags); assertEquals(0, rec.directError); }
        };
    }

    @Test void directWaitSite() throws Exception {
        site(HammerWaitSitesTest::directWait, m -> m.directWaitSkipsWait = true, m -> m.directCompleteSkipsWakeup = true);
    }

    /** H7: hammer_io_wait_all's placemarker (io:L188-227) vs the completion of the write ahead of it (io:L1138-1142). */
    static WaitProbe.Scenario waitAll(HammerMutations m) {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = gated(gate, m);
        HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        gate.shut();
        HammerWaitTest.startWrite(hmp, b);
        return new WaitProbe.Scenario() {
            public void waitFor() { hmp.waitAll(false); }
            public String wmesg() { return "hmrfl1"; }
            public void wake() { gate.open(); }
            public boolean done() { return !b.running; }
            public void cleanup() { withFsToken(hmp, () -> hmp.relBuffer(b, false)); hmp.checkInvariants(); }
            public void abandon() { gate.open(); }
        };
    }

    @Test void waitAllSite() throws Exception {
        site(HammerWaitSitesTest::waitAll, m -> m.waitAllSkipsWait = true, m -> m.completeSkipsPlacemarkerWakeup = true);
    }

    /** H8: hammer_io_limit_backlog (io:L2000) vs io_complete's io_running_wakeup (io:L1120-1125). */
    static WaitProbe.Scenario limitBacklog(HammerMutations m) {
        GateCompleter gate = new GateCompleter();
        HammerOptions o = options();
        o.limitRunningIo = HammerOndisk.BUFSIZE;      // two writes in flight are over the limit
        dev.bioref.device.LoopbackDevice d = new dev.bioref.device.LoopbackDevice(
                new dev.bioref.device.MemoryBackend(o.geometry.size()), gate, dev.bioref.kern.Clock.SYSTEM);
        HammerMount.format(d, o);
        HammerMount hmp = HammerMount.mount(d, o, m, HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        HammerBuffer b1 = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        HammerBuffer b2 = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase() + HammerOndisk.BUFSIZE);
        gate.shut();
        HammerWaitTest.startWrite(hmp, b1);
        HammerWaitTest.startWrite(hmp, b2);
        return new WaitProbe.Scenario() {
            public void waitFor() { hmp.limitBacklog(); }
            public String wmesg() { return "hmiobk"; }
            public void wake() { gate.open(); }
            public boolean done() { return hmp.ioRunningSpace.get() <= hmp.options.limitRunningIo; }
            public void cleanup() {
                withFsToken(hmp, () -> { hmp.relBuffer(b1, false); hmp.relBuffer(b2, false); });
                hmp.checkInvariants();
            }
            public void abandon() { gate.open(); }
        };
    }

    @Test void limitBacklogSite() throws Exception {
        site(HammerWaitSitesTest::limitBacklog, m -> m.limitBacklogSkipsWait = true, m -> m.completeSkipsBacklogWakeup = true);
    }

    /**
     * H8: hammer_flusher_wait (fl:L164) vs the master loop's done wakeup (fl:L272-273), with the
     * rig of HammerWakeupMutationTest: a syncer's loop is held at its first finalize ("start"
     * hook, fs_token released) until the waker lets it go; the waiter's async(NULL) finds that
     * loop running and waits for its seq.
     */
    static WaitProbe.Scenario flusherWait(HammerMutations m) throws InterruptedException {
        boolean[] flags = new boolean[3];       // [0] loop inside finalize, [1] go, [2] waiter's async returned
        Thread[] syncer = new Thread[1];
        HammerMount hmp = mount(options(), m, new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, HammerHooks.FinalizeStep step, boolean fin) {
                if (step != HammerHooks.FinalizeStep.START || Thread.currentThread() != syncer[0]) return;
                synchronized (flags) { if (flags[0]) return; flags[0] = true; }
                Object chan = new Object();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < deadline) {
                    synchronized (flags) { if (flags[1]) return; }
                    dev.bioref.kern.Sleepq.tsleep(chan, "tstgo", 200_000L);
                }
            }
        });
        hmp.put(0, bytes(100, 1));
        syncer[0] = new Thread(hmp::sync, "syncer");
        syncer[0].start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (;;) {
            synchronized (flags) { if (flags[0]) break; }
            assertTrue(System.nanoTime() < deadline, "the syncer's loop never reached finalize");
            Thread.sleep(1);
        }
        int[] seq = {Integer.MAX_VALUE};
        return new WaitProbe.Scenario() {
            public void waitFor() {
                withFsToken(hmp, () -> {
                    int sq = hmp.flusher.async(null);
                    synchronized (flags) { seq[0] = sq; flags[2] = true; }
                    hmp.flusher.waitSeq(sq);
                });
            }
            public String wmesg() { return "hmrfls"; }
            public void wake() {
                synchronized (flags) { flags[1] = true; }
                try {
                    syncer[0].join(10_000);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                assertFalse(syncer[0].isAlive(), "the syncer did not return");
            }
            public boolean done() { synchronized (flags) { return flags[2] && seq[0] - hmp.flusher.done <= 0; } }
            public void cleanup() { assertFalse(hmp.criticalError); hmp.checkInvariants(); }
            public void abandon() { wake(); }
        };
    }

    static WaitProbe.Scenario flusherWaitUnchecked(HammerMutations m) {
        try {
            return flusherWait(m);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test void flusherWaitSite() throws Exception {
        site(HammerWaitSitesTest::flusherWaitUnchecked, dev.bioref.kern.PausePoint.FLUSHER_WAIT_INTERLOCKED, m -> m.flusherWaitSkipsWait = true, m -> m.flusherSkipsDoneWakeup = true);
    }
}
