// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.ModifyDoneVsWriteInterlock;
import dev.bioref.hammer.ModifyDoneVsWriteInterlockRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link ModifyDoneVsWriteInterlock} with ClearAfterWrite (hammer_io_flush clears
 * modified after bawrite instead of before). What catches it is not the frontend race R2: the
 * write interlock (DATA, UNDO, VOLUME) and the exclusive sync lock (META) keep every modifier
 * out of the buffer between bawrite and the late clear. It is the delayed CRC: clear_modify
 * finalises a META buffer's CRC, so clearing after the write issues the meta block without its
 * final CRC and leaves memory newer than the disk with modified == 0 ("modification lost",
 * NoLostModificationInv on the META buffer), in every interleaving, in the flusher's own sync.
 */
@JCStressTest
@JCStressMeta(ModifyDoneVsWriteInterlock.class)
@State
public class ModifyDoneVsWriteInterlock_ClearAfterWrite extends ModifyDoneVsWriteInterlockRace {
    public ModifyDoneVsWriteInterlock_ClearAfterWrite() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.clearAfterWrite = true;
        return m;
    }

    @Actor public void modifier() { super.modifier(); }

    @Actor public void flusher() { super.flusher(); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
