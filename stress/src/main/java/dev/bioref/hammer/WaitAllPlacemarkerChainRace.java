// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link WaitAllPlacemarkerChain} (notes §7.4 J6, race R6, the chain), shared with its mutant. */
public class WaitAllPlacemarkerChainRace {
    final HammerRig rig;
    final WaitRig w1 = new WaitRig(), w2 = new WaitRig();
    final HammerIo io;
    final Buf bp;
    /** 1 if the second waiter's thread did not return in time (should never happen: its sleeps are bounded). */
    volatile int stuck;

    public WaitAllPlacemarkerChainRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE).relDirty();
        io = rig.io();
        bp = WaitRig.acceptWrite(rig, io, "WaitAllPlacemarkerChain");
    }

    /** One wait_all (io:L188-227) under the watchdog; condition: the write queued before it is done. */
    void waitAll(WaitRig w) {
        w.waiter(() -> rig.hmp.waitAll(false), () -> !io.running);
    }

    /** The first waiter: wait_all. */
    public void waiter(IIII_Result r) {
        waitAll(w1);
    }

    /** Placemarkers on iorun, counted under io_token (only to time the window). */
    int dummies() {
        rig.hmp.ioToken.gettoken();
        try {
            int n = 0;
            for (HammerIo i = rig.hmp.iorunHead; i != null; i = i.iorunNext) if (i.type == HammerIoType.DUMMY) n++;
            return n;
        } finally {
            rig.hmp.ioToken.reltoken();
        }
    }

    /**
     * Starts the second waiter on a thread of its own (a third party; JCStress skips tests with
     * more actors than CPUs), waits (at most {@link HammerRig#WINDOW_NANOS}) until both
     * placemarkers are on the list, then issues the write; its inline completion wakes the
     * placemarker right behind io (io:L1138-1142), and that waiter, once it has removed its
     * own, must wake the one behind it (io:L216-222).
     */
    public void completer(IIII_Result r) {
        Thread t = new Thread(() -> waitAll(w2), "wait_all-2");
        t.start();
        HammerRig.blockUntil(() -> dummies() == 2);
        rig.hmp.cache.bawrite(bp);
        w1.completed();
        w2.completed();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) stuck = 1;
    }

    /**
     * r1 = how many waiters slept (0-2); r2 = 1 if both returned with the write done (0 if one
     * did not, 9 if one threw or hung); r3 = lost wakeups: +1 the waiter first in line (behind
     * io, woken by the completion), +2 the one second in line (woken by the first's chain); r4 =
     * 0 if every invariant holds and iorun is empty, else the rig's verdict or 3. First in line
     * is the one that returned first (FIFO: the second's placemarker reaches the head only when
     * the first removes its own).
     */
    public void arbiter(IIII_Result r) {
        r.r1 = Math.max(w1.asleep, 0) + Math.max(w2.asleep, 0);
        r.r2 = stuck == 1 || w1.satisfied == 9 || w2.satisfied == 9 ? 9 : w1.satisfied == 1 && w2.satisfied == 1 ? 1 : 0;
        WaitRig first = w1.returnedAt - w2.returnedAt <= 0 ? w1 : w2, second = first == w1 ? w2 : w1;
        r.r3 = (first.lost(first.completedAt) ? 1 : 0) + (second.lost(first.returnedAt) ? 2 : 0);
        int v = rig.verdict();
        r.r4 = v != 0 ? v : io.running || rig.hmp.iorunHead != null ? 3 : 0;
    }
}
