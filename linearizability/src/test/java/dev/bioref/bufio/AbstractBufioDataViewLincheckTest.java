// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Lincheck Suite A of reference dm_bufio.md §9b, the data view: a dm-bufio client over the
 * loopback device behaves as an array of atomic registers, one per block, initially 0.
 *
 * <p>Sequential specification: {@code view[b]}. One {@code @Operation} per client call,
 * each a complete client operation that gives back every hold it takes:
 * <ul>
 *   <li>{@link #read}: {@code dm_bufio_read}, load the block's word, {@code dm_bufio_release};
 *       returns {@code view[b]}.</li>
 *   <li>{@link #write}: read, store the word, {@code dm_bufio_mark_buffer_dirty}, release
 *       (modify, then mark: the client protocol of §8.7); {@code view[b] = v}.</li>
 *   <li>{@link #writeDirtyBuffers}: {@code dm_bufio_write_dirty_buffers}; returns 0 (no error
 *       injection).</li>
 *   <li>{@link #forget}, {@link #prefetch}: hints, no change to the view.</li>
 *   <li>{@link #getOrRead}: {@code dm_bufio_get}, falling back to read when it returns NULL;
 *       returns {@code view[b]}.</li>
 * </ul>
 * A block's word is its first byte, loaded and stored through a volatile VarHandle, so the
 * linearization points are single atomic accesses: a read at its load while holding, a write
 * at its store. Holds are not locks, so a multi-byte value could tear; one byte cannot.
 *
 * <p>Real policies are on: capacity 2 buffers plus 1 reserved, 3 blocks, so a miss allocates,
 * takes the reserve, or steals (writing a dirty victim under the mutex); watermark writeback is
 * on. Two threads each hold at most one buffer at a time, so a free or stealable buffer always
 * exists and nobody waits for a free buffer for ever. The device completes inline (model checking
 * controls every interleaving; there are no device threads).
 *
 * <p>Scope: linearizable are all of the above. Not in scope, and why (notes §9b): error
 * injection (errors make data go back in time; TLA+ {@code ErrorNotLostInv} and
 * DmBufioErrorsTest cover them), {@code dm_bufio_new} on shared blocks (undefined contents, §8.6),
 * partial marks (unit tests), residency ({@code get} returning NULL: Suite B).
 *
 * <p>{@link #validate} runs after every scenario: the client's {@code checkInvariants()} (every
 * clause of proofs-notes/invariants.md, dm-bufio table), then a flush, then every block on the
 * device's durable copy must equal what the cache returns.
 *
 * <p>Run them (a failure prints the scenario and, in model checking, the interleaving):
 * <pre>mvn -o -B -pl linearizability -am test -Dtest='Bufio*LincheckTest' -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
public abstract class AbstractBufioDataViewLincheckTest {
    static final int BS = 512;
    static final int BLOCKS = 3;
    static final int CAPACITY = 2;
    static final int RESERVED = 1;

    /* Budgets: LincheckOptions.BUFIO_DATA_VIEW (every call passes the client mutex, the state word and the device lock). */

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(byte[].class);

    final DmBufio module;
    final LoopbackDevice dev;
    final Client c;

    protected AbstractBufioDataViewLincheckTest() {
        BufioMutations m = BufioMutations.none();
        mutate(m);
        DmBufio.Params p = new DmBufio.Params();
        p.waitTimeoutNanos = 10_000_000_000L;
        tune(p);
        module = new DmBufio(p, m, BufioQuirks.none());
        dev = new LoopbackDevice(new MemoryBackend((long) BLOCKS * BS), new InlineCompleter(), Clock.SYSTEM);
        c = module.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(CAPACITY).reserved(RESERVED));
        configure(c);
    }

    /** Adjusts the module's parameters; none by default. */
    protected void tune(DmBufio.Params p) { }

    /** Turns on mutation switches of this instance's module; none by default. */
    protected void mutate(BufioMutations m) { }

    /** Test hooks of the client (e.g. forcing the allocation's lock drop); none by default. */
    protected void configure(Client client) { }

    static int word(Buffer b) { return (byte) WORD.getVolatile(b.data(), 0); }

    @Operation
    public int read(@Param(gen = IntGen.class, conf = "0:2") int blk) {
        Buffer b = c.read(blk);
        int v = word(b);
        c.release(b);
        return v;
    }

    @Operation
    public void write(@Param(gen = IntGen.class, conf = "0:2") int blk,
                      @Param(gen = IntGen.class, conf = "1:3") int v) {
        Buffer b = c.read(blk);
        WORD.setVolatile(b.data(), 0, (byte) v);
        c.markBufferDirty(b);
        c.release(b);
    }

    @Operation
    public int writeDirtyBuffers() {
        return c.writeDirtyBuffers();
    }

    @Operation
    public void forget(@Param(gen = IntGen.class, conf = "0:2") int blk) {
        c.forget(blk);
    }

    @Operation
    public void prefetch(@Param(gen = IntGen.class, conf = "0:2") int blk) {
        c.prefetch(blk, 1);
    }

    @Operation
    public int getOrRead(@Param(gen = IntGen.class, conf = "0:2") int blk) {
        Buffer b = c.get(blk);
        if (b == null) return read(blk);
        int v = word(b);
        c.release(b);
        return v;
    }

    /** Structure, then durability: after a flush every block on the device reads back as the cache's. */
    @Validate
    public void validate() {
        c.checkInvariants();
        module.checkInvariants();
        int err = c.writeDirtyBuffers();
        if (err != 0) throw new IllegalStateException("write_dirty_buffers returned " + err + " without error injection");
        for (int blk = 0; blk < BLOCKS; blk++) {
            Buffer b = c.read(blk);
            int cached = word(b);
            c.release(b);
            byte[] durable = dev.peekDurable((long) blk * BS, BS);
            if (durable[0] != cached) {
                throw new IllegalStateException("block " + blk + ": the cache returns " + cached + " but the device's durable copy is "
                        + durable[0] + " after write_dirty_buffers returned 0");
            }
        }
        c.checkInvariants();
    }
}
