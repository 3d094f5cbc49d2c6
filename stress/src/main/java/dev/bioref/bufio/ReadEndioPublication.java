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
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J3 of reference dm_bufio.md §9c: the bit-wait publication between read completion and a waiter's
 * fast path (the hazard kernel commit 8238b4579866 "wait_on_bit: add an acquire memory barrier"
 * fixed; notes §5).
 *
 * <p>State: block 0 holds 42 on the device; {@code dm_bufio_prefetch(0)} has linked its buffer with
 * READING set and the gate holds the read's completion. {@code complete}: {@code read_endio}
 * stores the data and {@code read_error}, then clears READING (release: an atomic RMW on the state
 * word). {@code waiter}: the fast path of {@code wait_on_bit}: load the state word (acquire); if
 * READING is clear, load {@code read_error} and the data. Once READING is seen clear, the data and
 * the error written before the clear must be visible.
 *
 * <p>No mutation switch applies: the port's state word is an {@code AtomicInteger}, and the plain
 * load the seed used is a hazard only on weakly ordered CPUs (AArch64, POWER), which JCStress on
 * x86 would not show anyway.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=ReadEndioPublication -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "reading, -, -", expect = ACCEPTABLE, desc = "the waiter saw READING still set (it would sleep)")
@Outcome(id = "done, 0, 42", expect = ACCEPTABLE, desc = "READING seen clear: the completion's data and error are visible")
@Outcome(id = "done, .*", expect = FORBIDDEN, desc = "READING seen clear but stale data or error: a broken publication")
@Outcome(expect = FORBIDDEN, desc = "anything else: an exception")
@State
public class ReadEndioPublication {
    final Client c;
    final GateCompleter gate = new GateCompleter(true);
    final Buffer b;

    public ReadEndioPublication() {
        DmBufio m = BufioRig.module(BufioMutations.none());
        c = BufioRig.client(m, gate, 4);
        BufioRig.writeDurable(c, 0, 42);         // block 0 holds 42 on the device ...
        c.forget(0);                             // ... and is no longer cached
        gate.shut();
        c.prefetch(0, 1);                        // linked READING, released, the read held by the gate
        Buffer found = c.find(0);                // (single-threaded set-up: no lock needed)
        if (found == null || gate.held() != 1) throw new IllegalStateException("set-up: no READING buffer for block 0, gate " + gate);
        b = found;
    }

    @Actor
    public void complete() {
        gate.completeOne();
    }

    @Actor
    public void waiter(LLL_Result r) {
        if ((b.state() & DmBufio.B_READING) != 0) {
            r.r1 = "reading";
            r.r2 = "-";
            r.r3 = "-";
        } else {
            r.r1 = "done";
            r.r2 = Integer.toString(b.readError());
            r.r3 = Integer.toString(b.data()[0]);
        }
    }

    @Arbiter
    public void arbiter() {
        gate.open();
    }
}
