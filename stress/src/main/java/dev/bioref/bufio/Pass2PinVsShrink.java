// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.GateCompleter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J7 of reference dm_bufio.md §9c: pass 2 of {@code write_dirty_buffers} pins a WRITING buffer
 * (hold count + 1) before it drops the mutex to wait for the write, so that nobody frees it
 * meanwhile (L1290-L1297).
 *
 * <p>State: blocks 1 and 2 marked dirty and unheld; {@code write_dirty_buffers_async} started both
 * writes, which the gate holds (WRITING, on the dirty list). Two actors (JCStress here has 2 CPUs,
 * so the notes' three are folded into two): {@code flusher} runs {@code dm_bufio_write_dirty_buffers}
 * (pass 1 finds nothing dirty; pass 2 pins the oldest WRITING buffer, unlocks, waits, relocks,
 * unpins); {@code device} is the device and the memory pressure: it waits (at most 1 ms) until
 * the flusher is in pass 2's unlocked wait, completes both writes (write_endio), then runs the
 * shrinker without I/O ({@code shrinkScan(2, false)}), which frees any clean, unheld buffer.
 *
 * <p>Allowed: the shrinker frees nothing the flusher waits on (the pin keeps its buffer, the other
 * may go). Forbidden: pass 2's buffer freed during its unlocked wait: the port's ghost records
 * {@code NoFreeWhileHeldInv} (its freeEpoch changed), thrown by checkInvariants in the arbiter.
 * With {@code BufioMutations.noPinInPass2} (M3) that is what happens: the mutant
 * {@code dev.bioref.bufio.mutants.Pass2PinVsShrink_NoPinInPass2} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=Pass2PinVsShrink -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "0, ok", expect = ACCEPTABLE, desc = "write_dirty_buffers returned 0; nothing freed under pass 2's wait")
@Outcome(id = ".*, .*NoFreeWhileHeldInv.*", expect = FORBIDDEN, desc = "the shrinker freed the buffer pass 2 was waiting on")
@Outcome(expect = FORBIDDEN, desc = "anything else: an error, an exception, or another broken invariant")
@State
public class Pass2PinVsShrink {
    final DmBufio m;
    final Client c;
    final GateCompleter gate = new GateCompleter();
    volatile boolean inWait;
    volatile int wdb = Integer.MIN_VALUE;
    volatile String err;

    public Pass2PinVsShrink() { this(BufioMutations.none()); }

    public Pass2PinVsShrink(BufioMutations mut) {
        m = BufioRig.module(mut, p -> p.retainBytes = 0);   // the shrinker may take every clean, unheld buffer
        c = BufioRig.client(m, gate, 8);
        for (int blk = 1; blk <= 2; blk++) {
            Buffer b = c.read(blk);
            b.data()[0] = (byte) blk;
            c.markBufferDirty(b);
            c.release(b);
        }
        gate.shut();
        c.writeDirtyBuffersAsync();                 // both WRITING, held by the gate
        if (gate.held() != 2) throw new IllegalStateException("expected two held writes, gate " + gate);
        c.pass2Window = x -> inWait = true;         // pass 2 dropped the mutex and is about to wait
    }

    /** dm_bufio_write_dirty_buffers: pass 2's pin, unlocked wait, relock, unpin. */
    @Actor
    public void flusher() {
        try {
            wdb = c.writeDirtyBuffers();
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    /** The device completes the writes, then the shrinker (no I/O allowed) runs. */
    @Actor
    public void device() {
        long deadline = System.nanoTime() + 1_000_000L;
        while (!inWait && System.nanoTime() < deadline) Thread.onSpinWait();
        try {
            gate.open();
            c.shrinkScan(2, false);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    /** r1: write_dirty_buffers' result (or the exception); r2: the invariants (NoFreeWhileHeldInv among them). */
    @Arbiter
    public void arbiter(LL_Result r) {
        if (err != null) {
            r.r1 = "error";
            r.r2 = err;
            return;
        }
        r.r1 = wdb;
        r.r2 = BufioRig.invariants(m);
    }
}
