// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.Clock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.Arrays;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A WRITE and a READ of the same sector race through the {@link ThreadCompleter}; the reader
 * must see either the old sector or the new one, whole, together with the status the device
 * set, once its completion has been delivered.
 *
 * <p>The interleaving: the writer fills its buffer with 1s on its own thread and submits; the
 * device captures the data at submit and queues the completion. The reader submits a READ into
 * a buffer it pre-filled with a poison value. The completion thread applies the two requests in
 * queue order under the device lock (the WRITE into the volatile cache, the READ copying the
 * visible sector into the reader's buffer) and runs each callback; {@link LoopbackDevice#execute}
 * hands the completion back through a CompletableFuture. What the test proves: the submitter's
 * bytes reach the completion thread (the queue publishes them), the device applies a request
 * atomically (no half-old half-new sector), and the bytes the completion thread wrote into the
 * reader's buffer, and the status, are visible to the reader after execute returns (the
 * future publishes them). A reader that saw the poison, or a torn sector, would be using a
 * buffer the device had not finished with, the bug biowait exists to prevent.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=WriteVsReadCompletion -Djcstress.mode=quick</pre>
 * or, after a build, {@code java -jar stress/target/bioref-stress.jar -t WriteVsReadCompletion -m quick}.
 *
 * <p>Every state gets its own one-sector in-memory device, all sharing one completion thread
 * (one thread per state would start thousands of threads in quick mode).
 */
@JCStressTest
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "read completed before the write: old sector, whole, status OK")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "read completed after the write: new sector, whole, status OK")
@Outcome(id = "1, 85, 85, .*", expect = FORBIDDEN, desc = "poison: the reader saw its buffer before the device filled it")
@Outcome(id = "1, 0, 1, .*", expect = FORBIDDEN, desc = "torn read: first byte old, last byte new")
@Outcome(id = "1, 1, 0, .*", expect = FORBIDDEN, desc = "torn read: first byte new, last byte old")
@Outcome(expect = FORBIDDEN, desc = "anything else: a failed request, a lost status, or data nobody wrote")
@State
public class WriteVsReadCompletion {
    static final int S = LoopbackDevice.SECTOR_SIZE;
    static final byte POISON = 85;
    /** One completion thread for every state: the "interrupt CPU". */
    static final ThreadCompleter COMPLETER = new ThreadCompleter("jcstress-completion");

    final LoopbackDevice device = new LoopbackDevice(new MemoryBackend(S), COMPLETER, Clock.SYSTEM);

    /** The writer: fills a sector with 1s and waits for its completion; r1 = 1 if it succeeded. */
    @Actor
    public void writer(IIII_Result r) {
        byte[] data = new byte[S];
        Arrays.fill(data, (byte) 1);
        r.r1 = device.execute(Request.write(0, data)).ok() ? 1 : 0;
    }

    /** The reader: reads the sector into a poisoned buffer; r2/r3 = first/last byte, r4 = 1 if OK. */
    @Actor
    public void reader(IIII_Result r) {
        byte[] buf = new byte[S];
        Arrays.fill(buf, POISON);
        Completion c = device.execute(Request.read(0, buf));
        r.r2 = buf[0];
        r.r3 = buf[S - 1];
        r.r4 = c.ok() ? 1 : 0;
    }
}
