// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel primitives: tokens, tsleep/wakeup, the buffer lock. */
class KernPrimitivesTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test void aTokenIsReleasedWhileItsHolderSleepsAndReacquiredOnWake() throws Exception {
        Token t = new Token("t");
        Object chan = new Object();
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicBoolean heldAfterWake = new AtomicBoolean();
        Thread a = new Thread(() -> {
            t.gettoken();
            long ticket = Sleepq.tsleep_interlock(chan);
            sleeping.countDown();
            Sleepq.tsleep(chan, ticket, "test", 0);
            heldAfterWake.set(t.heldExclusiveByMe());
            t.reltoken();
        });
        a.start();
        sleeping.await();
        // B can take the token while A sleeps holding it
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> {
            t.gettoken();
            t.reltoken();
        });
        b.get(5, TimeUnit.SECONDS);
        Sleepq.wakeup(chan);
        a.join(5000);
        assertFalse(a.isAlive());
        assertTrue(heldAfterWake.get(), "token must be held again after the sleep");
    }

    @Test void twoThreadsWantingEachOthersTokenDoNotDeadlock() throws Exception {
        Token a = new Token("a");
        Token b = new Token("b");
        CountDownLatch both = new CountDownLatch(2);
        Runnable ab = () -> {
            a.gettoken();
            both.countDown();
            await(both);
            b.gettoken();           // contended: gives a up while it waits
            assertTrue(a.heldExclusiveByMe() && b.heldExclusiveByMe(), "both held after the wait");
            b.reltoken();
            a.reltoken();
        };
        Runnable ba = () -> {
            b.gettoken();
            both.countDown();
            await(both);
            a.gettoken();
            assertTrue(a.heldExclusiveByMe() && b.heldExclusiveByMe());
            a.reltoken();
            b.reltoken();
        };
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<?> f1 = two.submit(ab);
            java.util.concurrent.Future<?> f2 = two.submit(ba);
            f1.get(10, TimeUnit.SECONDS);
            f2.get(10, TimeUnit.SECONDS);
        } finally {
            two.shutdownNow();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test void aWakeupBetweenInterlockAndSleepIsNotLost() {
        Object chan = new Object();
        long ticket = Sleepq.tsleep_interlock(chan);
        Sleepq.wakeup(chan);
        long t0 = System.nanoTime();
        assertEquals(0, Sleepq.tsleep(chan, ticket, "test", 0));  // no timeout: would hang if lost
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
    }

    @Test void tsleepTimesOutWithEwouldblock() {
        assertEquals(Errno.EWOULDBLOCK, Sleepq.tsleep(new Object(), "test", 5 * MS));
    }

    @Test void sleepingWithASpinlockHeldPanics() {
        Spinlock s = new Spinlock("s");
        s.spin_lock();
        try {
            Panic p = assertThrows(Panic.class, () -> Sleepq.tsleep(new Object(), "test", MS));
            assertTrue(p.getMessage().contains("spinlock"), p.getMessage());
        } finally {
            s.spin_unlock();
        }
    }

    @Test void bufLockNowaitFailsWithEbusyAndTimeoutWithEwouldblock() throws Exception {
        BufLock lk = new BufLock("b");
        assertEquals(0, lk.lock(BufLock.LK_EXCLUSIVE));
        int[] rc = new int[2];
        Thread t = new Thread(() -> {
            rc[0] = lk.lock(BufLock.LK_EXCLUSIVE | BufLock.LK_NOWAIT);
            rc[1] = lk.lock(BufLock.LK_EXCLUSIVE | BufLock.LK_TIMELOCK, "t", 5 * MS);
        });
        t.start();
        t.join(5000);
        assertEquals(Errno.EBUSY, rc[0]);
        assertEquals(Errno.EWOULDBLOCK, rc[1]);
        lk.unlock();
        assertFalse(lk.isLocked());
    }

    @Test void sleepfailReturnsEnolckWithoutAcquiringOnceItHadToSleep() throws Exception {
        BufLock lk = new BufLock("b");
        assertEquals(0, lk.lock(BufLock.LK_EXCLUSIVE));
        AtomicInteger rc = new AtomicInteger(-1);
        Thread t = new Thread(() -> rc.set(lk.lock(BufLock.LK_EXCLUSIVE | BufLock.LK_SLEEPFAIL)));
        t.start();
        while (t.getState() != Thread.State.WAITING) Thread.onSpinWait();
        lk.unlock();
        t.join(5000);
        assertEquals(Errno.ENOLCK, rc.get());
        assertFalse(lk.isLocked(), "SLEEPFAIL must not take the lock");
    }

    @Test void kernprocLetsAnotherThreadRelease() throws Exception {
        BufLock lk = new BufLock("b");
        lk.lock(BufLock.LK_EXCLUSIVE);
        lk.kernproc();
        assertSame(BufLock.KERNPROC, lk.owner());
        Thread t = new Thread(lk::unlock);
        t.start();
        t.join(5000);
        assertFalse(lk.isLocked());
    }

    @Test void unlockByANonOwnerAndRecursionPanic() throws Exception {
        BufLock lk = new BufLock("b");
        lk.lock(BufLock.LK_EXCLUSIVE);
        assertThrows(Panic.class, () -> lk.lock(BufLock.LK_EXCLUSIVE));
        assertEquals(Errno.EBUSY, lk.lock(BufLock.LK_EXCLUSIVE | BufLock.LK_NOWAIT), "a try-lock of one's own lock fails");
        CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
            try {
                lk.unlock();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        assertTrue(f.get(5, TimeUnit.SECONDS) instanceof Panic);
        assertTrue(lk.ownedByMe(), "a refused unlock changes nothing");
        lk.unlock();
        assertThrows(Panic.class, lk::unlock);
    }

    @Test void aSharedTokenHolderCannotUpgrade() {
        Token t = new Token("t");
        t.gettoken_shared();
        try {
            assertThrows(Panic.class, t::gettoken);
        } finally {
            t.reltoken();
        }
        assertEquals(0, Token.heldCount());
        assertThrows(Panic.class, t::reltoken);
    }
}
