// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J2 of reference dm_bufio.md §9c: a holder modifies its buffer, then marks it dirty, while
 * another thread runs the pass-1 step of {@code write_dirty_buffers} (the write completes inline).
 *
 * <p>State: block 0 holds v0 = 1 on the device and in a clean cached buffer that the test holds.
 * {@code holder}: store v1 = 2 into the buffer's data, then {@code dm_bufio_mark_buffer_dirty}
 * (the client protocol, notes §8.7). {@code flusher}: {@code dm_bufio_write_dirty_buffers_async}
 * (pass 1: a DIRTY buffer becomes WRITING under the mutex, DIRTY cleared at write start; the device
 * copies the data and completes inline). Whatever the order, the new value is either on the device
 * or still marked dirty: a flush that saw DIRTY writes data stored before the mark; a flush that
 * did not leaves the mark for the next one.
 *
 * <p>Forbidden: the device still holds v0, and the buffer is neither DIRTY nor WRITING (the update
 * is lost: nothing will ever write it). The twin {@code dev.bioref.bufio.broken.ModifyThenMarkVsFlush_MarkThenModify}
 * breaks the protocol (mark first, modify later) and must show exactly that outcome: it documents
 * why the protocol is modify-then-mark.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=ModifyThenMarkVsFlush -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "2, clean, done, ok", expect = ACCEPTABLE, desc = "the flush saw the mark and wrote v1")
@Outcome(id = "1, dirty, done, ok", expect = ACCEPTABLE, desc = "the flush ran before the mark: v1 stays dirty for the next flush")
@Outcome(id = "1, clean, done, .*", expect = FORBIDDEN, desc = "lost update: v1 neither on the device nor marked dirty")
@Outcome(expect = FORBIDDEN, desc = "anything else: WRITING left set, an exception, or a broken invariant")
@State
public class ModifyThenMarkVsFlush {
    public final DmBufio m;
    public final Client c;
    public final LoopbackDevice dev;
    public final Buffer b;
    /** Set when the flusher returned (the broken twin's late modify waits for it). */
    public volatile boolean flushed;

    public ModifyThenMarkVsFlush() {
        m = BufioRig.module(BufioMutations.none());
        c = BufioRig.client(m, new InlineCompleter(), 4);
        dev = c.device();
        BufioRig.writeDurable(c, 0, 1);
        b = c.read(0);                       // clean, v0 = 1, held by the holder
    }

    /** Modify, then mark: the client protocol. */
    @Actor
    public void holder() {
        b.data()[0] = 2;
        c.markBufferDirty(b);
    }

    /** Pass 1 of write_dirty_buffers, the write completing inline. */
    @Actor
    public void flusher() {
        c.writeDirtyBuffersAsync();
        flushed = true;
    }

    /** r1: the device's block 0 (visible copy); r2: DIRTY; r3: WRITING clear and the invariants after release and a flush. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        int s = b.state();
        r.r1 = dev.peekVisible(0, BufioRig.BS)[0];
        r.r2 = (s & DmBufio.B_DIRTY) != 0 ? "dirty" : "clean";
        String writing = (s & DmBufio.B_WRITING) == 0 ? "done" : "writing";
        try {
            c.release(b);
            int err = c.writeDirtyBuffers();
            r.r3 = writing + ", " + (err != 0 ? "wdb=" + err : BufioRig.invariants(m));
        } catch (Throwable t) {
            r.r3 = writing + ", " + BufioRig.thrown(t);
        }
    }
}
