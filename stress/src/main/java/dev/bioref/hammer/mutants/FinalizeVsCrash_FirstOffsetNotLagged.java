// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.FinalizeVsCrash;
import dev.bioref.hammer.FinalizeVsCrashRace;
import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.HammerOndisk;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * MUST FAIL. {@link FinalizeVsCrash} with firstOffsetNotLagged (v4 volume). The header's first_offset moves to this
 * cycle's save point in the same cycle (mutation 2): the header issued before the meta-data
 * already tells recovery not to replay this cycle's UNDO, so a crash state where that header
 * and one of the three meta blocks land recovers to a mix: RecoveryConsistentInv (r3 = 1).
 */
@JCStressTest
@JCStressMeta(FinalizeVsCrash.class)
@State
public class FinalizeVsCrash_FirstOffsetNotLagged extends FinalizeVsCrashRace {
    public FinalizeVsCrash_FirstOffsetNotLagged() { super(switches(), HammerOndisk.VERSION_4); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.firstOffsetNotLagged = true;
        return m;
    }

    @Actor public void flusher() { super.flusher(); }

    @Actor public void crasher() { super.crasher(); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
