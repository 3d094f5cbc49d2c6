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
 * MUST FAIL. {@link FinalizeVsCrash} with v3NoHeaderBarrier (v3 volume). A version 3 volume without the header barrier before
 * the meta-data (mutation 3): v3 recovery finds the end of the UNDO FIFO only through the
 * header's next_offset, so a crash state where a meta block lands but the header that covers
 * this cycle's UNDO does not recovers without rolling the block back: RecoveryConsistentInv
 * (r3 = 1).
 */
@JCStressTest
@JCStressMeta(FinalizeVsCrash.class)
@State
public class FinalizeVsCrash_V3NoHeaderBarrier extends FinalizeVsCrashRace {
    public FinalizeVsCrash_V3NoHeaderBarrier() { super(switches(), HammerOndisk.VERSION_3); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.v3NoHeaderBarrier = true;
        return m;
    }

    @Actor public void flusher() { super.flusher(); }

    @Actor public void crasher() { super.crasher(); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
