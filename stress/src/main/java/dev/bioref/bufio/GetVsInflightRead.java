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
 * J4 of reference dm_bufio.md §9c: {@code dm_bufio_get} of a block whose read is in flight must
 * return NULL without waiting (NF_GET on a READING buffer, L1041-L1042), or the data once read; never
 * what the recycled buffer held before.
 *
 * <p>State: capacity 1, no reserve; block 0 holds 5 on the device and is not cached; block 1 (value
 * 7) is cached, clean and unheld, so a read of block 0 steals block 1's buffer (its data still 7)
 * and reads into it. The device's gate is shut. Two actors (the notes' A2 and A3 are one thread
 * here): {@code reader} calls {@code dm_bufio_read(0)} and waits for the gated read;
 * {@code getter} waits (at most 1 ms) until block 0 is linked, calls {@code dm_bufio_get(0)},
 * looks at the first byte and releases, then opens the gate (the device completes the read).
 *
 * <p>Allowed: the getter gets NULL (or 5, if the read had completed), the reader 5. Forbidden: the
 * getter sees 7 (the stolen buffer's stale data, what a get that neither returned NULL nor waited
 * would see) or anything else, e.g. {@code GetNeverWaitsForIoInv}. With
 * {@code BufioMutations.getIgnoresReading} the get takes a hold on the READING buffer and goes on
 * to wait for the read, which the port refuses ({@code GetNeverWaitsForIoInv} thrown: in request
 * context that wait is the deadlock the seed's NULL avoids): the mutant
 * {@code dev.bioref.bufio.mutants.GetVsInflightRead_GetIgnoresReading} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=GetVsInflightRead -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = {"null, 5 ok", "5, 5 ok"}, expect = ACCEPTABLE,
        desc = "get returned NULL for the block being read (or its data once read); the reader got 5")
@Outcome(id = "7, .*", expect = FORBIDDEN, desc = "get handed out the recycled buffer before the read finished: stale data")
@Outcome(expect = FORBIDDEN, desc = "anything else: an exception, a wrong value, or a broken invariant")
@State
public class GetVsInflightRead {
    final DmBufio m;
    final Client c;
    final GateCompleter gate = new GateCompleter();
    volatile Buffer got;
    volatile String getterSaw, readerSaw, err;

    public GetVsInflightRead() { this(BufioMutations.none()); }

    public GetVsInflightRead(BufioMutations mut) {
        m = BufioRig.module(mut);
        c = BufioRig.client(m, gate, 1);
        BufioRig.writeDurable(c, 0, 5);
        c.forget(0);                                   // block 0 on the device only
        BufioRig.writeDurable(c, 1, 7);                // the one buffer: block 1, clean, unheld
        gate.shut();
    }

    @Actor
    public void reader() {
        try {
            Buffer b = c.read(0);
            got = b;
            readerSaw = String.valueOf(b.data()[0]);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    @Actor
    public void getter() {
        long deadline = System.nanoTime() + 1_000_000L;
        while (!c.isCached(0) && System.nanoTime() < deadline) Thread.onSpinWait();
        try {
            Buffer b = c.get(0);
            if (b == null) {
                getterSaw = "null";
            } else {
                getterSaw = String.valueOf(b.data()[0]);
                c.release(b);
            }
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        } finally {
            gate.open();                               // the device completes the read
        }
    }

    /** r1: what get returned; r2: what the reader got, then the invariants after its release. */
    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = getterSaw;
        if (err != null) {
            r.r2 = "error " + err;
            return;
        }
        try {
            c.release(got);
            r.r2 = readerSaw + " " + BufioRig.invariants(m);
        } catch (Throwable t) {
            r.r2 = readerSaw + " " + BufioRig.thrown(t);
        }
    }
}
