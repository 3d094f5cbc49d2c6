// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The flusher's finalize (hammer_flusher_finalize, fl:L616-883, notes §4.4) against power loss
 * of the loopback device: whatever write of the cycle is in the device's volatile cache or still
 * in flight when the power fails, HAMMER's recovery must bring the volume back to a completed
 * flush cycle's snapshot no older than the durable floor (RecoveryConsistentInv,
 * RecoveryDurableInv, DataBeforeMetaInv; proofs-notes/invariants.md).
 *
 * <p>Initial state ({@link FinalizeVsCrashRace}): a small volume on an in-memory device whose
 * completions run on a completion thread; three keys, one per meta block, synced, then put
 * again: dirty data, three dirty meta-data blocks re-modified from the previous cycle, their
 * UNDO records, all waiting for the next cycle; the device's write log running. Samples
 * alternate between a version 4 and a version 3 volume.
 *
 * <p>The flusher actor syncs: the first final finalize writes the data, then the UNDO
 * buffers and waits for them plus a device cache flush (barrier 1), writes the volume header
 * (v3: waits for it and flushes again), issues the meta-data asynchronously; the next cycle
 * moves the header's first_offset past this cycle's UNDO behind another barrier. The crasher
 * actor waits until the first final finalize has issued its meta-data (its "end" step), then
 * crashes the device at once: writes still on the completion thread are lost (HAMMER sees EIO
 * and stops with a critical error) or the crash lands later in the sync, while later cycles'
 * writes race with it.
 *
 * <p>The arbiter does not rely on where the crash landed: it enumerates every crash state of
 * the device's write log up to the crash ({@link dev.bioref.device.CrashStates}: a crash point
 * before each FLUSH and at the crash, each with every subset of at most two pending writes
 * landing), recovers each image, and checks it with {@link dev.bioref.sim.CrashChecker}
 * against the snapshots the flusher took; the floor is the durable floor when the log started,
 * and at the crash point itself the floor read just before the crash. Each finalize ordering
 * switch of {@link HammerMutations} makes some state of that log unrecoverable
 * (mutants.FinalizeVsCrash_*); dataAfterMeta does not (proofs-notes/hammer.md: harmless
 * because of the first_offset lag) and has no mutant.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.FinalizeVsCrash$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "[34], 0, 0", expect = ACCEPTABLE, desc = "the sync returned (the crash came after it or hit no in-flight write); every crash state of the log recovers to a snapshot no older than its floor")
@Outcome(id = "[34], 1, 0", expect = ACCEPTABLE, desc = "the crash failed an in-flight write and the flusher stopped with a critical error; every crash state of the log recovers to a snapshot no older than its floor")
@Outcome(id = ".*, .*, 1", expect = FORBIDDEN, desc = "RecoveryConsistentInv: some crash state recovers to an index that equals no completed cycle's snapshot")
@Outcome(id = ".*, .*, 2", expect = FORBIDDEN, desc = "RecoveryDurableInv: some crash state recovers to a snapshot older than the durable floor")
@Outcome(id = ".*, .*, 3", expect = FORBIDDEN, desc = "DataBeforeMetaInv: some crash state's index references data that is not durable")
@Outcome(id = ".*, .*, 4", expect = FORBIDDEN, desc = "recovery itself failed on some crash state")
@Outcome(expect = FORBIDDEN, desc = "anything else: the flusher failed otherwise (r2 = 2) or the check threw (r3 = 5)")
@State
public class FinalizeVsCrash extends FinalizeVsCrashRace {
    public FinalizeVsCrash() { super(HammerMutations.none(), alternateVersion()); }

    /** The flusher: one sync, whose final finalizes order data, UNDO, header and meta-data. */
    @Actor public void flusher() { super.flusher(); }

    /** Power loss once the first final finalize has issued its meta-data. */
    @Actor public void crasher() { super.crasher(); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
