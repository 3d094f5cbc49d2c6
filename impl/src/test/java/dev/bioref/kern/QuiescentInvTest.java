// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** QuiescentInv can fail: each thing it looks for, left behind on purpose, is reported (then cleaned up). */
class QuiescentInvTest {
    static { BufLock.trackHolders(); }   // also when run without the auto-detected extension (PIT's minion)
    @Test void aBufferLockKeptAfterItsCallerReturnedIsReported() throws Exception {
        BufLock lk = new BufLock("leaked");
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> {
            lk.lock(BufLock.LK_EXCLUSIVE);          // an "early return" that kept the lock
            locked.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lk.unlock();
        }, "early-return");
        t.start();
        locked.await();
        List<String> v = QuiescentInvExtension.violations(Set.of(), Set.of(), Set.of(), 50);
        assertTrue(v.stream().anyMatch(s -> s.contains("leaked") && s.contains("early-return")), v.toString());
        assertTrue(QuiescentInvExtension.violations(Set.of(), Set.of(), Set.of(lk), 50).isEmpty(), "an exempt lock is not reported");
        go.countDown();
        t.join(10_000);
        assertTrue(QuiescentInvExtension.violations(Set.of(), Set.of(), Set.of(), 50).isEmpty());
    }

    @Test void aTokenHeldAndASleeperLeftAreReported() throws Exception {
        Token tok = new Token("leaked");
        tok.gettoken();
        try {
            List<String> v = QuiescentInvExtension.violations(Set.of(), Set.of(), Set.of(), 50);
            assertTrue(v.stream().anyMatch(s -> s.contains("token")), v.toString());
        } finally {
            tok.reltoken();
        }
        Object chan = new Object();
        Thread sleeper = new Thread(() -> Sleepq.tsleep(chan, "tstlft", 0), "left-asleep");
        sleeper.start();
        while (Sleepq.sleepingOn(sleeper) == null) Thread.sleep(1);
        List<String> v = QuiescentInvExtension.violations(Set.of(), Set.of(), Set.of(), 50);
        assertTrue(v.stream().anyMatch(s -> s.contains("left-asleep") && s.contains("tstlft")), v.toString());
        Sleepq.wakeup(chan);
        sleeper.join(10_000);
        assertFalse(sleeper.isAlive());
    }
}
