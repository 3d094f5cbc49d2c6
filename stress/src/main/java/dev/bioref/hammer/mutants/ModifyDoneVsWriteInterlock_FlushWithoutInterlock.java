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
 * MUST FAIL. {@link ModifyDoneVsWriteInterlock} with FlushWithoutInterlock: finalize writes the
 * DATA buffer while the modifier is between X := 1 and Y := 1, so the device holds (1, 0)
 * ("torn write") and the buffer is marked clean while the change goes on.
 */
@JCStressTest
@JCStressMeta(ModifyDoneVsWriteInterlock.class)
@State
public class ModifyDoneVsWriteInterlock_FlushWithoutInterlock extends ModifyDoneVsWriteInterlockRace {
    public ModifyDoneVsWriteInterlock_FlushWithoutInterlock() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.flushWithoutInterlock = true;
        return m;
    }

    @Actor public void modifier() { super.modifier(); }

    @Actor public void flusher() { super.flusher(); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
