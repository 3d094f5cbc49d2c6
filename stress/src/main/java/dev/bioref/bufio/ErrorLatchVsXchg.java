// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Op;
import dev.bioref.kern.Clock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J9 of reference dm_bufio.md §9c: the first-async-error latch. A failing write's completion
 * latches its error ({@code cmpxchg(&async_write_error, 0, err)}, L722) while
 * {@code write_dirty_buffers} reports and resets the latch ({@code xchg(&async_write_error, 0)},
 * L1329, the port's {@code Client.xchgAsyncWriteError}).
 *
 * <p>State: block 0 dirty, its write started by {@code write_dirty_buffers_async} and held by the
 * gate; the device fails the first WRITE with EIO. Two actors (the notes' second failing
 * completion only decides which error the latch keeps, not whether one survives, so it is
 * dropped for the 2 CPUs JCStress has here): {@code complete} runs the failing completion
 * ({@code write_endio(-EIO)}); {@code report} runs the report step, {@code a = xchg(latch, 0)}.
 *
 * <p>Allowed: the report returned the error ({@code a = -5}, latch 0) or ran first ({@code a = 0},
 * latch -5, reported by the next caller). Forbidden: {@code a == 0 && latch == 0}, the error
 * vanished unreported (the ghost's {@code ErrorNotLostInv}). With
 * {@code BufioMutations.nonAtomicErrorXchg} (load, then store 0) a completion between the two is
 * wiped: the mutant {@code dev.bioref.bufio.mutants.ErrorLatchVsXchg_NonAtomicErrorXchg} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=ErrorLatchVsXchg -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "-5, 0, ok", expect = ACCEPTABLE, desc = "the report took the error")
@Outcome(id = "0, -5, ok", expect = ACCEPTABLE, desc = "the report ran first: the error stays latched for the next caller")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "the error vanished: neither returned nor latched")
@Outcome(expect = FORBIDDEN, desc = "anything else: an exception or a broken invariant")
@State
public class ErrorLatchVsXchg {
    final DmBufio m;
    final Client c;
    final GateCompleter gate = new GateCompleter();
    volatile int a = Integer.MIN_VALUE;
    volatile String err;

    public ErrorLatchVsXchg() { this(BufioMutations.none()); }

    public ErrorLatchVsXchg(BufioMutations mut) {
        m = BufioRig.module(mut);
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend((long) BufioRig.BLOCKS * BufioRig.BS), gate, Clock.SYSTEM,
                FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BufioRig.BS).capacity(4).reserved(0));
        Buffer b = c.read(0);
        b.data()[0] = 1;
        c.markBufferDirty(b);
        c.release(b);
        gate.shut();
        c.writeDirtyBuffersAsync();                  // the write is held; it will fail
        if (gate.held() != 1) throw new IllegalStateException("expected one held write, gate " + gate);
    }

    /** The client (the mutant sets its xchgWindow seam). */
    public Client client() { return c; }

    /** write_endio(-EIO): cmpxchg the latch. */
    @Actor
    public void complete() {
        try {
            gate.completeOne();
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    /** write_dirty_buffers' report: xchg the latch with 0. */
    @Actor
    public void report() {
        try {
            a = c.xchgAsyncWriteError();
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    /** r1: what the report returned; r2: the latch afterwards; r3: the invariants (ErrorNotLostInv, ErrorLatchInv). */
    @Arbiter
    public void arbiter(LLL_Result r) {
        if (err != null) {
            r.r1 = "error";
            r.r2 = err;
            r.r3 = "-";
            return;
        }
        r.r1 = a;
        r.r2 = c.peekAsyncWriteError();
        r.r3 = BufioRig.invariants(m);
    }
}
