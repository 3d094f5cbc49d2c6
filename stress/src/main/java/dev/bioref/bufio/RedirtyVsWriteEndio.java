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
 * J1 of reference dm_bufio.md §9c: a holder re-dirties a buffer while its write completes.
 *
 * <p>State: block 0 is held by the test, was marked dirty, and {@code write_dirty_buffers_async}
 * has started its write (DIRTY cleared at write start, WRITING set); the gate holds the write's
 * completion. {@code redirty}: {@code dm_bufio_mark_buffer_dirty} (sets DIRTY under the client
 * mutex). {@code complete}: the device completes the write ({@code write_endio}: clears WRITING
 * with an atomic RMW, no mutex). Whatever the order, DIRTY must be set afterwards: completion
 * never touches DIRTY (§2, §5), and the two RMWs on the state word must not lose each other's bit.
 *
 * <p>With {@code BufioMutations.completionClearsDirty} (M1, BSD-style clearing at completion)
 * the mark is lost whenever it runs first: the mutant
 * {@code dev.bioref.bufio.mutants.RedirtyVsWriteEndio_CompletionClearsDirty} must fail. With
 * {@code BufioMutations.nonAtomicDirtyClear} (M6: the completion clears WRITING with a load, then a
 * store) a mark between the two is overwritten: {@code RedirtyVsWriteEndio_NonAtomicDirtyClear} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=RedirtyVsWriteEndio -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "dirty, done, ok", expect = ACCEPTABLE,
        desc = "the re-dirty survived the completion: the new data will be written again")
@Outcome(id = "clean, .*", expect = FORBIDDEN,
        desc = "DIRTY lost: the buffer counts as clean though its new data never reached the disk")
@Outcome(expect = FORBIDDEN, desc = "anything else: WRITING still set, an exception, or a broken invariant (r3)")
@State
public class RedirtyVsWriteEndio {
    final DmBufio m;
    final Client c;
    final GateCompleter gate = new GateCompleter(true);
    final Buffer b;

    public RedirtyVsWriteEndio() { this(BufioMutations.none()); }

    public RedirtyVsWriteEndio(BufioMutations mut) {
        m = BufioRig.module(mut);
        c = BufioRig.client(m, gate, 4);
        b = c.read(0);
        b.data()[0] = 1;
        c.markBufferDirty(b);
        gate.shut();
        c.writeDirtyBuffersAsync();          // DIRTY cleared, WRITING set, the write held by the gate
        if (gate.held() != 1) throw new IllegalStateException("expected one held write, gate " + gate);
    }

    /** The client (mutants set its test seams). */
    public Client client() { return c; }

    /** Modify, then mark: dm_bufio_mark_buffer_dirty while the write is in flight. */
    @Actor
    public void redirty() {
        b.data()[0] = 2;
        c.markBufferDirty(b);
    }

    /** The device completes the write (write_endio on this thread). */
    @Actor
    public void complete() {
        gate.completeOne();
    }

    /** r1: DIRTY set; r2: WRITING clear; r3: the invariants after release and a flush. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        int s = b.state();
        r.r1 = (s & DmBufio.B_DIRTY) != 0 ? "dirty" : "clean";
        r.r2 = (s & DmBufio.B_WRITING) == 0 ? "done" : "writing";
        try {
            gate.open();
            c.release(b);
            c.writeDirtyBuffers();
            r.r3 = BufioRig.invariants(m);
        } catch (Throwable t) {
            r.r3 = BufioRig.thrown(t);
        }
    }
}
