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
 * MUST FAIL. {@link FinalizeVsCrash} with keepUndoHistory (v4 volume). The UNDO history (which meta ranges already have an UNDO
 * record this cycle) is kept across cycles (mutation 6): the race's cycle re-modifies the
 * three meta blocks the preparing cycle modified and generates no UNDO for them, so a crash
 * state where one of them lands before the next first_offset move cannot be rolled back:
 * RecoveryConsistentInv (r3 = 1).
 */
@JCStressTest
@JCStressMeta(FinalizeVsCrash.class)
@State
public class FinalizeVsCrash_KeepUndoHistory extends FinalizeVsCrashRace {
    public FinalizeVsCrash_KeepUndoHistory() { super(switches(), HammerOndisk.VERSION_4); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.keepUndoHistory = true;
        return m;
    }

    @Actor public void flusher() { super.flusher(); }

    @Actor public void crasher() { super.crasher(); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
