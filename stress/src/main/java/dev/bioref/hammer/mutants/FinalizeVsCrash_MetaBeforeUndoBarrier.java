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
 * MUST FAIL. {@link FinalizeVsCrash} with metaBeforeUndoBarrier (v4 volume). Finalize issues the meta-data before the UNDO
 * barrier (mutation 1, notes §7.2): the log holds meta writes completed before barrier 1's FLUSH
 * while this cycle's UNDO and header are not durable; the crash state at that FLUSH where one
 * meta block lands alone recovers (old header, no UNDO to replay) to an index that mixes the
 * new block with the old ones: RecoveryConsistentInv (r3 = 1).
 */
@JCStressTest
@JCStressMeta(FinalizeVsCrash.class)
@State
public class FinalizeVsCrash_MetaBeforeUndoBarrier extends FinalizeVsCrashRace {
    public FinalizeVsCrash_MetaBeforeUndoBarrier() { super(switches(), HammerOndisk.VERSION_4); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.metaBeforeUndoBarrier = true;
        return m;
    }

    @Actor public void flusher() { super.flusher(); }

    @Actor public void crasher() { super.crasher(); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
