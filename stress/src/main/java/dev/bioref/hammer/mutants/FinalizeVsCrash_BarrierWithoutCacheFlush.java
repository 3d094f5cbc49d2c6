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
 * MUST FAIL. {@link FinalizeVsCrash} with barrierWithoutCacheFlush (v4 volume). Barriers wait for the writes but never
 * flush the device cache (mutation 4): nothing the flusher wrote since the format is durable,
 * although the preparing sync raised the durable floor; the crash state where no pending write
 * lands recovers to the formatted volume, snapshot 0, older than the floor:
 * RecoveryDurableInv (r3 = 2).
 */
@JCStressTest
@JCStressMeta(FinalizeVsCrash.class)
@State
public class FinalizeVsCrash_BarrierWithoutCacheFlush extends FinalizeVsCrashRace {
    public FinalizeVsCrash_BarrierWithoutCacheFlush() { super(switches(), HammerOndisk.VERSION_4); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.barrierWithoutCacheFlush = true;
        return m;
    }

    @Actor public void flusher() { super.flusher(); }

    @Actor public void crasher() { super.crasher(); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
