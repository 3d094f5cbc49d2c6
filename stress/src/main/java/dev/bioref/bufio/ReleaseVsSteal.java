// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.InlineCompleter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J6 of reference dm_bufio.md §9c: a holder releases its buffer while a reader at capacity looks
 * for a buffer to steal ({@code __get_unclaimed_buffer}, L797: only a buffer with hold count 0 may
 * be taken; else the reader sleeps on {@code free_buffer_wait}, L834, until a release wakes it).
 *
 * <p>State: capacity 2, no reserve; block 1 (value 1) is cached and held by {@code holder}, and is
 * the least recently used; block 2 is cached and held by the state until the arbiter; block 3
 * (value 3) is on the device only. Two actors (the notes' A1 release and A3 lookup are one
 * thread here, A2 is the stealer): {@code reader} calls {@code dm_bufio_read(3)}, which must
 * steal; {@code holder} keeps its hold until the reader has finished or sleeps (at most 1 ms),
 * then looks at its buffer (block number and first byte) and releases it. The notes' freedEpoch
 * check is the port's ghost: a buffer reused while held breaks {@code NoFreeWhileHeldInv}.
 *
 * <p>Allowed: the reader sleeps until the release, then steals block 1's buffer; the holder saw
 * its own block. Forbidden: the holder's buffer turned into block 3 during its hold
 * ({@code HolderSeesItsBlockInv}) or any exception. With {@code BufioMutations.stealIgnoresHold}
 * (M4) the reader takes the held buffer at once: the mutant
 * {@code dev.bioref.bufio.mutants.ReleaseVsSteal_StealIgnoresHold} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=ReleaseVsSteal -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "1:1, 3:3 ok", expect = ACCEPTABLE,
        desc = "the holder saw block 1 until its release; the reader then stole that buffer and read block 3")
@Outcome(id = "3:.*, .*", expect = FORBIDDEN,
        desc = "the holder's buffer was stolen and relinked as block 3 while it was held")
@Outcome(expect = FORBIDDEN, desc = "anything else: an exception (e.g. NoFreeWhileHeldInv) or a broken invariant")
@State
public class ReleaseVsSteal {
    final DmBufio m;
    final Client c;
    final Buffer held1, held2;
    volatile Thread readerThread;
    volatile boolean readerDone;
    volatile Buffer got;
    volatile String holderSaw, readerSaw, err;

    public ReleaseVsSteal() { this(BufioMutations.none()); }

    public ReleaseVsSteal(BufioMutations mut) {
        m = BufioRig.module(mut);
        c = BufioRig.client(m, new InlineCompleter(), 2);
        BufioRig.writeDurable(c, 3, 3);
        c.forget(3);                                   // block 3 on the device only
        BufioRig.writeDurable(c, 1, 1);
        held1 = c.read(1);                             // the least recently used of the two
        held2 = c.read(2);                             // at capacity: every buffer is held
    }

    @Actor
    public void holder() {
        long deadline = System.nanoTime() + 1_000_000L;
        while (!readerDone && !asleep(readerThread) && System.nanoTime() < deadline) Thread.onSpinWait();
        try {
            holderSaw = held1.blockNumber() + ":" + held1.data()[0];
            c.release(held1);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    @Actor
    public void reader() {
        readerThread = Thread.currentThread();
        try {
            Buffer b = c.read(3);
            got = b;
            readerSaw = b.blockNumber() + ":" + b.data()[0];
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        } finally {
            readerDone = true;
        }
    }

    private static boolean asleep(Thread t) {
        if (t == null) return false;
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    /** r1: what the holder saw (block:value); r2: what the reader got, then the invariants after all releases. */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = holderSaw;
        if (err != null) {
            r.r2 = "error " + err;
            return;
        }
        try {
            c.release(got);
            c.release(held2);
            r.r2 = readerSaw + " " + BufioRig.invariants(m);
        } catch (Throwable t) {
            r.r2 = readerSaw + " " + BufioRig.thrown(t);
        }
    }
}
