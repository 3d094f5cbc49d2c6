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
 * J8 of reference dm_bufio.md §9c: {@code dm_bufio_forget} is a hint that only frees an idle, clean
 * buffer (hold count 0 and no state bit, L1462-L1467); it races a client that reads the block,
 * modifies it and releases it dirty.
 *
 * <p>State: block 0 (value 5) is cached, clean and unheld. {@code reader} calls
 * {@code dm_bufio_read(0)}, looks at its buffer (block number and first byte), stores 9, marks it
 * dirty and releases it. {@code forgetter} calls {@code dm_bufio_forget(0)} at once (racing the
 * read: it may free the idle buffer first, so the read misses and reads the device, or find it
 * READING or held and leave it), then waits (at most 1 ms) until the reader has released and
 * forgets again: the buffer is now dirty and must stay. The arbiter reads block 0 again.
 *
 * <p>Allowed: the reader saw block 0 holding 5, and block 0 reads back 9. Forbidden: the reader's
 * buffer freed or relinked during its hold (another block number or value), or the modification
 * lost (block 0 reads back 5), or a broken invariant ({@code DirtyNeverDroppedInv}). With
 * {@code BufioMutations.forgetDropsDirty} the second forget drops the dirty buffer: the mutant
 * {@code dev.bioref.bufio.mutants.ForgetVsRead_ForgetDropsDirty} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=ForgetVsRead -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "0:5, 9 ok", expect = ACCEPTABLE,
        desc = "the reader held block 0 (5) throughout; the forgets left the held, then dirty, buffer alone; 9 reads back")
@Outcome(id = ".*, 5 .*", expect = FORBIDDEN, desc = "the modification was lost: forget dropped a dirty buffer")
@Outcome(expect = FORBIDDEN, desc = "anything else: the buffer changed during the hold, an exception, or a broken invariant")
@State
public class ForgetVsRead {
    final DmBufio m;
    final Client c;
    volatile boolean released;
    volatile String readerSaw, err;

    public ForgetVsRead() { this(BufioMutations.none()); }

    public ForgetVsRead(BufioMutations mut) {
        m = BufioRig.module(mut);
        c = BufioRig.client(m, new InlineCompleter(), 4);
        BufioRig.writeDurable(c, 0, 5);               // cached, clean, unheld
    }

    @Actor
    public void reader() {
        try {
            Buffer b = c.read(0);
            readerSaw = b.blockNumber() + ":" + b.data()[0];
            b.data()[0] = 9;
            c.markBufferDirty(b);
            c.release(b);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        } finally {
            released = true;
        }
    }

    @Actor
    public void forgetter() {
        try {
            c.forget(0);
            long deadline = System.nanoTime() + 1_000_000L;
            while (!released && System.nanoTime() < deadline) Thread.onSpinWait();
            c.forget(0);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    /** r1: what the reader saw (block:value); r2: block 0 read again, then the invariants. */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = readerSaw;
        if (err != null) {
            r.r2 = "error " + err;
            return;
        }
        try {
            Buffer b = c.read(0);
            int v = b.data()[0];
            c.release(b);
            r.r2 = v + " " + BufioRig.invariants(m);
        } catch (Throwable t) {
            r.r2 = BufioRig.thrown(t);
        }
    }
}
