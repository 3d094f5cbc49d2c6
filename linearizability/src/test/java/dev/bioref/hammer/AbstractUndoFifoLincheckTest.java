// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import dev.bioref.device.LoopbackDevice;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

/**
 * Lincheck for the UNDO FIFO appender (notes §7.3 target 4): {@link HammerUndo#generateUndo}
 * (hammer_generate_undo, undo.c) by concurrent frontends, the space the flusher's limits read
 * ({@code hammer_undo_space}), and the final finalize's move of first_offset
 * (hammer_flusher_finalize, fl:L617), on a fresh mount per scenario
 * (in-memory device, inline completion, no flusher threads).
 *
 * <p>Operations and their sequential specification ({@link UndoFifoSpec}: the in-core
 * next_offset and first_offset, the header image's first_offset, and the history set):
 * <ul>
 *   <li>{@link #generateUndo}{@code (slot, size)}: the pre-image of a 32- or 992-byte range at
 *       one of two targets. Returns the FIFO offset of the record, or -1 when the target is in
 *       the history (it already has an UNDO in this recovery span). A record never crosses a
 *       4 KiB buffer: when it does not fit the buffer's rest, a PAD fills the rest first. So the
 *       records appended are disjoint and contiguous in the order of their sequence numbers,
 *       pads included. Facade: the caller holds fs_token and the sync lock shared, as
 *       hammer_modify_buffer's callers do.</li>
 *   <li>{@link #undoSpace}: {@code hammer_undo_max - hammer_undo_used}, where used is
 *       {@code next_offset - (header image's first_offset)}, plus the FIFO size if negative
 *       (undo.c's wrap).</li>
 *   <li>{@link #finalizeAdvance}: the UNDO-index steps of one final {@code hammer_flusher_finalize}
 *       (fl:L617), through the port's own code ({@link HammerFlusher#setHeaderUndoIndices},
 *       {@link HammerFlusher#advanceUndoFirst}) under the sync lock held exclusively: it reads
 *       {@code save_next = next_offset} under undo_lock, sets the header image's first_offset to
 *       the in-core one, i.e. <b>the previous cycle's</b> save (the one-cycle lag that keeps this
 *       cycle's UNDOs in the recovery span until this cycle's meta-data is on the media), then
 *       moves the in-core first_offset to save_next and clears the history. Returns save_next.
 *       The writes and barriers between those steps (UNDO, header, meta-data) are left out:
 *       through the instrumented device each 4 KiB write costs Lincheck's model checker about a
 *       second per invocation, and their order is HammerFinalizeCrash.tla's and the crash
 *       tests' subject.</li>
 * </ul>
 *
 * <p>Blocking: in the seed the UNDO buffer fetch (hammer_bread_ext/bnew_ext) may block, and the
 * appender then loses fs_token; only undo_lock keeps the append atomic. The port's fetch never
 * blocks with inline completion, so the facade installs {@link HammerUndo#mayBlock}: it gives
 * fs_token up and takes it back there, which is what LWKT does at a blocking point. Finalize
 * itself can block on the sync lock (held shared by appenders) and on undo_lock.
 *
 * <p>Scope: what is linearizable is the FIFO as the three operations see it. {@link #undoSpace}
 * reads next_offset under undo_lock in the facade; the seed's hammer_undo_space takes no lock,
 * and a reader between an append's PAD and its record (the seed's "goto again" after the pad,
 * across a blocking fetch) sees a next_offset no sequential order gives. That is harmless (the
 * flusher compares the space with quarters of the FIFO), and is not checked. finalizeAdvance is
 * one {@code nonParallelGroup} (one flusher). The FIFO is 16 KiB (12 KiB usable): with two
 * targets the history lets at most two records into one cycle, and the header lags one cycle,
 * so at most four records (under 8 KiB with their pads) are ever in use and the space check
 * never fires; a scenario with many finalizes wraps next_offset past the end (the spec wraps
 * too). Not covered: the UNDO buffers' contents and their writes (the crash tests check
 * recovery).
 */
public abstract class AbstractUndoFifoLincheckTest {
    static final HammerOndisk.Geometry GEOMETRY = new HammerOndisk.Geometry(4, 1, 1, 0);   // a 16 KiB FIFO, 12 KiB usable
    static final int[] LENS = {32, 992};                    // records of 64 and 1024 bytes
    private static final byte[] OLD = new byte[992];

    private final HammerMount hmp;

    protected AbstractUndoFifoLincheckTest() {
        HammerOptions o = new HammerOptions();
        o.geometry = GEOMETRY;
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMutations m = HammerMutations.none();
        mutate(m);
        hmp = HammerMount.mount(dev, o, m, HammerHooks.NONE);
        if (hmp.undo.next != 0 || hmp.undo.first != 0 || hmp.undo.ondiskFirst != 0) {
            throw new IllegalStateException("a fresh FIFO must start at 0: " + hmp.undo.first + "/" + hmp.undo.next);
        }
        hmp.undo.mayBlock = this::blockingPoint;
        hmp.undo.withoutUndoLock = !appendersHoldUndoLock();
    }

    /** The mutation switches of this run (none by default). */
    protected void mutate(HammerMutations m) { }

    /** True (the default): generateUndo takes undo_lock, as undo.c does. */
    protected boolean appendersHoldUndoLock() { return true; }

    /**
     * LWKT at a blocking point: every token the thread holds is given up and taken back. A real
     * fetch takes a while, so the time without fs_token is modelled by {@link #BLOCKED_STEPS}
     * reads of a shared field: each is a place where the model checker may switch threads, and
     * together they weigh the window about as much, in its random choice of switch points, as
     * the rest of the append (without them a lost-fs_token interleaving was not found in 30x40).
     */
    private void blockingPoint() {
        if (!hmp.fsToken.heldByMe()) return;
        hmp.fsToken.reltoken();
        for (int i = 0; i < BLOCKED_STEPS; i++) blockedReads += sleeping;
        hmp.fsToken.gettoken();
    }

    static final int BLOCKED_STEPS = 16;
    private volatile int sleeping;
    private int blockedReads;

    static long target(int slot) { return GEOMETRY.metaBase() + 64L * slot; }

    /* --------------- hammer_generate_undo, by frontends --------------- */

    @Operation(blocking = true)
    public long generateUndo(@Param(gen = IntGen.class, conf = "0:1") int slot,
                             @Param(gen = IntGen.class, conf = "0:1") int size) {
        hmp.fsToken.gettoken();
        HammerTransaction trans = hmp.startTransaction();
        hmp.syncLockSh(trans);
        try {
            return hmp.undo.generateUndo(trans, target(slot), OLD, 0, LENS[size]);
        } finally {
            hmp.syncUnlock(trans);
            hmp.fsToken.reltoken();
        }
    }

    /* --------------- hammer_undo_space --------------- */

    @Operation(blocking = true)
    public long undoSpace() {
        hmp.fsToken.gettoken();
        hmp.undo.undoLock.lockEx();
        try {
            return hmp.undo.space();
        } finally {
            hmp.undo.undoLock.unlock();
            hmp.fsToken.reltoken();
        }
    }

    /* --------------- hammer_flusher_finalize(final), by the flusher --------------- */

    @Operation(nonParallelGroup = "flusher", blocking = true)
    public long finalizeAdvance() {
        hmp.fsToken.gettoken();
        HammerTransaction trans = hmp.startTransaction();
        hmp.syncLockEx(trans);                      // fl:L674: UNDOs are only added under the sync lock (fl:L827)
        try {
            hmp.undo.undoLock.lockEx();             // fl:L707-L709: save_undo_next_offset
            long saveNext = hmp.undo.next;
            long saveSeq = hmp.undo.nextSeq;
            hmp.undo.undoLock.unlock();
            hmp.flusher.setHeaderUndoIndices(saveNext, saveSeq);      // fl:L741-L748
            hmp.flusher.advanceUndoFirst(trans, saveNext, saveSeq);   // fl:L835-L844
            return saveNext;
        } finally {
            hmp.syncUnlock(trans);
            hmp.fsToken.reltoken();
        }
    }

    /* --------------- the two modes --------------- */

    /**
     * The budget, with the UNDO buffers' I/O stack run as one step each: the on-disk encoders
     * (record CRCs over up to 1 KiB), the port's kernel interface and the buffer cache under it.
     * Instrumented they were most of the model checker's time, and in these scenarios they
     * cannot interleave with anything that matters: every UNDO buffer is touched under
     * undo_lock only, the root volume is already owned, and with inline completion nothing in
     * them sleeps (a sleep inside an ignored section would show as a hang, not pass).
     */
    static ModelCheckingOptions modelChecking() { return modelChecking(LincheckOptions.UNDO_FIFO); }

    /** {@link #modelChecking()} with another default budget (refuted runs stop at the first failure). */
    static ModelCheckingOptions modelChecking(LincheckOptions.Budget budget) {
        return LincheckOptions.modelChecking(budget)
                .addGuarantee(forClasses(AbstractUndoFifoLincheckTest::ioStack).allMethods().ignore());
    }

    static boolean ioStack(String className) {
        return className.equals(HammerOndisk.class.getName()) || className.equals(HammerKern.class.getName())
                || className.startsWith("dev.bioref.buf.") || className.startsWith("dev.bioref.device.");
    }

    @Test
    public void modelCheckingTest() {
        modelChecking().sequentialSpecification(UndoFifoSpec.class).check(getClass());
    }

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.UNDO_FIFO).sequentialSpecification(UndoFifoSpec.class).check(getClass());
    }
}
