// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.hammer.HammerLock.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The hammer_subs.c lock word's contract on a bare {@link HammerLock}: the exact refs word
 * (count, CHECK, LOCKED) after each operation, the take-over of a CHECK left set by a failed
 * load, shared and recursive holds of the lock, and every misuse check, which must throw with
 * the word and change nothing. Written for the gaps PIT found (proofs-notes/pit.md §1, §3).
 */
@Timeout(30)
class HammerLockContractTest {

    static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void awaitAsleep(Thread t, String wmesg) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!wmesg.equals(Sleepq.sleepingOn(t))) {
            assertTrue(t.isAlive(), t.getName() + " ended instead of sleeping at " + wmesg);
            assertTrue(System.nanoTime() < deadline, t.getName() + " never slept at " + wmesg + "; sleepers: " + Sleepq.sleeping());
            Thread.sleep(1);
        }
    }

    @Test void refSetsCheckOnTheFirstRefAndTheLastRelClearsIt() {
        HammerLock l = new HammerLock();
        assertFalse(l.isActive());
        l.ref();
        assertEquals(1 | REFS_CHECK, l.refs.get(), l.toString());
        assertTrue(l.isActive());
        l.ref();
        assertEquals(2 | REFS_CHECK, l.refs.get(), "a second ref keeps CHECK: " + l);
        l.rel();
        assertEquals(1 | REFS_CHECK, l.refs.get(), "a rel that is not the last keeps CHECK: " + l);
        l.rel();
        assertEquals(0, l.refs.get(), "the last rel clears CHECK: " + l);
        assertEquals(0, l.refCount());
    }

    @Test void refInterlockAfterAPlainFirstRefLoadsTheStructure() {
        HammerLock l = new HammerLock();
        l.ref();                                    // 0 -> 1 by a plain ref: CHECK pending
        assertTrue(l.refInterlock(), "CHECK pending and the interlock free: the caller must load");
        assertEquals(2 | REFS_CHECK | REFS_LOCKED, l.refs.get(), l.toString());
        assertTrue(l.interlocked());
        assertSame(Thread.currentThread(), l.rowner);
        l.refInterlockDone();
        assertEquals(2, l.refs.get(), "done clears every flag: " + l);
        assertNull(l.rowner);
        assertFalse(l.refInterlock(), "loaded: a plain ref");
        assertEquals(3, l.refs.get());
        l.rel(); l.rel(); l.rel();
        assertEquals(0, l.refs.get());
    }

    @Test void putInterlockWithAnErrorKeepsCheckAndTheNextRefInterlockTakesOver() {
        HammerLock l = new HammerLock();
        assertTrue(l.refInterlock());
        assertEquals(1 | REFS_CHECK | REFS_LOCKED, l.refs.get());
        l.putInterlock(Errno.EIO);                 // the load failed: the next user must try again
        assertEquals(1 | REFS_CHECK, l.refs.get(), "put_interlock(error) with refs keeps CHECK: " + l);
        assertNull(l.rowner);
        assertTrue(l.refInterlock(), "CHECK still pending: the next ref_interlock loads");
        assertEquals(2 | REFS_CHECK | REFS_LOCKED, l.refs.get());
        l.putInterlock(0);
        assertEquals(2, l.refs.get(), "put_interlock(0) clears CHECK: " + l);
        l.rel(); l.rel();
        assertTrue(l.tryInterlockNorefs(), "an idle word");
        assertEquals(REFS_LOCKED, l.refs.get());
        assertFalse(l.tryInterlockNorefs(), "the interlock is held");
        l.putInterlock(Errno.EIO);
        assertEquals(0, l.refs.get(), "put_interlock(error) without refs clears CHECK: " + l);
    }

    @Test void relInterlockTakesTheInterlockOnlyOnTheLastRef() {
        HammerLock l = new HammerLock();
        l.ref(); l.ref();
        assertFalse(l.relInterlock());
        assertEquals(1 | REFS_CHECK, l.refs.get());
        assertTrue(l.relInterlock(), "1 -> 0: the caller disposes");
        assertEquals(REFS_CHECK | REFS_LOCKED, l.refs.get());
        assertSame(Thread.currentThread(), l.rowner);
        l.relInterlockDone();
        assertEquals(0, l.refs.get(), "done with no refs clears CHECK: " + l);
        assertNull(l.rowner);
        assertTrue(l.refInterlock());
        l.relInterlockDone();                       // a ref is still counted: CHECK stays
        assertEquals(1 | REFS_CHECK, l.refs.get(), l.toString());
    }

    /** The second phase of ref_interlock: CHECK pending, the interlock busy; the loader fails. */
    @Test void aWaiterTakesOverTheCheckAFailedLoaderLeaves() throws Exception {
        HammerLock l = new HammerLock();
        assertTrue(l.refInterlock());               // the loader
        AtomicReference<Boolean> got = new AtomicReference<>();
        Thread b = start("waiter", () -> got.set(l.refInterlock()));
        awaitAsleep(b, "h1lk");
        assertEquals(2 | REFS_CHECK | REFS_LOCKED | REFS_WANTED, l.refs.get(), l.toString());
        l.putInterlock(Errno.EIO);
        b.join(10_000);
        assertFalse(b.isAlive(), "the waiter was not woken; sleepers: " + Sleepq.sleeping());
        assertEquals(Boolean.TRUE, got.get(), "the waiter must take over the pending CHECK");
        assertEquals(2 | REFS_CHECK | REFS_LOCKED, l.refs.get(), l.toString());
        assertSame(b, l.rowner);
        l.refInterlockDone();
        assertEquals(2, l.refs.get());
    }

    @Test void aWaiterSeesTheLoadDoneAndTakesAPlainRef() throws Exception {
        HammerLock l = new HammerLock();
        assertTrue(l.refInterlock());
        AtomicReference<Boolean> got = new AtomicReference<>();
        Thread b = start("waiter", () -> got.set(l.refInterlock()));
        awaitAsleep(b, "h1lk");
        l.refInterlockDone();
        b.join(10_000);
        assertFalse(b.isAlive(), "the waiter was not woken");
        assertEquals(Boolean.FALSE, got.get(), "loaded by the other thread: a plain ref");
        assertEquals(2, l.refs.get(), l.toString());
    }

    @Test void putInterlockWithAnErrorAfterTheLastRefClearsCheck() {
        HammerLock l = new HammerLock();
        l.ref();
        assertTrue(l.relInterlock());
        assertEquals(REFS_CHECK | REFS_LOCKED, l.refs.get());
        l.putInterlock(Errno.EIO);                 // no refs left: nothing to load again
        assertEquals(0, l.refs.get(), "put_interlock(error) with no refs clears CHECK: " + l);
    }

    /** rel_interlock_done wakes a ref_interlock that came in while the last ref was being disposed of. */
    @Test void relInterlockDoneWakesARefInterlockThatCameIn() throws Exception {
        HammerLock l = new HammerLock();
        l.ref();
        assertTrue(l.relInterlock());              // 1 -> 0: disposing
        AtomicReference<Boolean> got = new AtomicReference<>();
        Thread b = start("loader", () -> got.set(l.refInterlock()));
        awaitAsleep(b, "h1lk");
        assertEquals(1 | REFS_CHECK | REFS_LOCKED | REFS_WANTED, l.refs.get(), l.toString());
        l.relInterlockDone();
        b.join(10_000);
        assertFalse(b.isAlive(), "relInterlockDone did not wake the h1lk sleeper; sleepers: " + Sleepq.sleeping());
        assertEquals(Boolean.TRUE, got.get(), "CHECK still pending: the newcomer loads");
        assertEquals(1 | REFS_CHECK | REFS_LOCKED, l.refs.get(), l.toString());
        l.refInterlockDone();
        l.rel();
        assertEquals(0, l.refs.get());
    }

    @Test void exclusiveLockIsRecursiveForItsOwner() {
        HammerLock l = new HammerLock();
        l.lockEx();
        l.lockEx();
        assertEquals(2, l.lockCount());
        assertTrue(l.ownedExclusiveByMe());
        assertEquals(2 | LOCKF_EXCLUSIVE, l.lockval.get());
        l.lockSh();                                 // a shared request by the exclusive owner nests
        assertEquals(3 | LOCKF_EXCLUSIVE, l.lockval.get());
        l.unlock();
        l.unlock();
        assertTrue(l.ownedExclusiveByMe(), "one hold left");
        assertEquals(1 | LOCKF_EXCLUSIVE, l.lockval.get());
        l.unlock();
        assertEquals(0, l.lockval.get());
        assertFalse(l.ownedExclusiveByMe());
        assertNull(l.lowner);
    }

    @Test void sharedHoldsExcludeAnExclusiveUntilTheLastUnlock() throws Exception {
        HammerLock l = new HammerLock();
        l.lockSh();
        Thread other = start("sharer", l::lockSh);
        other.join(10_000);
        assertFalse(other.isAlive(), "a second shared hold must not wait");
        assertEquals(2, l.lockCount());
        assertFalse(l.ownedExclusiveByMe());
        AtomicBoolean exGot = new AtomicBoolean();
        Thread ex = start("exclusive", () -> { l.lockEx(); exGot.set(true); l.unlock(); });
        awaitAsleep(ex, "hmrlck");
        l.unlock();
        Thread.sleep(20);
        assertFalse(exGot.get(), "EARLY: the exclusive lock was granted with a shared hold left");
        assertEquals("hmrlck", Sleepq.sleepingOn(ex));
        l.unlock();                                 // the sharer's hold (shared holds have no owner)
        ex.join(10_000);
        assertFalse(ex.isAlive(), "the exclusive waiter was not woken");
        assertTrue(exGot.get());
        assertEquals(0, l.lockval.get());
    }

    @Test void aSharedRequestWaitsForAnotherThreadsExclusiveHold() throws Exception {
        HammerLock l = new HammerLock();
        l.lockEx();
        AtomicBoolean shGot = new AtomicBoolean();
        Thread sh = start("sharer", () -> { l.lockSh(); shGot.set(true); l.unlock(); });
        awaitAsleep(sh, "hmrlck");
        assertFalse(shGot.get());
        assertEquals(1 | LOCKF_EXCLUSIVE | LOCKF_WANTED, l.lockval.get());
        l.unlock();
        sh.join(10_000);
        assertFalse(sh.isAlive(), "the shared waiter was not woken");
        assertTrue(shGot.get());
        assertEquals(0, l.lockval.get());
    }

    static void assertPanics(HammerLock l, Runnable misuse, String text) {
        int refs = l.refs.get(), lockval = l.lockval.get();
        Panic p = assertThrows(Panic.class, misuse::run);
        assertTrue(p.getMessage().contains(text), p.getMessage());
        assertEquals(refs, l.refs.get(), "a refused call changed refs");
        assertEquals(lockval, l.lockval.get(), "a refused call changed lockval");
    }

    @Test void misuseThrowsWithTheWordAndChangesNothing() throws Exception {
        HammerLock l = new HammerLock();
        assertPanics(l, l::rel, "hammer_rel: no refs to drop, word 0x0");
        assertPanics(l, l::relInterlock, "hammer_rel_interlock: no refs to drop, word 0x0");
        assertPanics(l, () -> l.putInterlock(0), "hammer_put_interlock: interlock not held, word 0x0");
        assertPanics(l, l::unlock, "hammer_unlock: lock not held");
        l.ref();
        assertPanics(l, () -> l.putInterlock(0), "interlock not held, word 0x10000001");
        l.refs.set(0x0fffffff);                     // the largest count: one more ref overflows
        assertPanics(l, l::ref, "hammer_ref: refs overflow, word 0xfffffff");
        l.refs.set(0);
        Thread owner = start("owner", l::lockEx);
        owner.join(10_000);
        assertPanics(l, l::unlock, "exclusive lock owned by");
        l.lowner = null;
        l.lockval.set(0);
    }
}
