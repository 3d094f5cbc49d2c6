// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.DeallocVsCheckwrite;
import dev.bioref.hammer.DeallocVsCheckwriteRace;
import dev.bioref.hammer.HammerMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link DeallocVsCheckwrite} with DeallocIgnoresModified: whenever brelse's
 * deallocate wins the bp it disassociates the modified io and destroys the bp ("modification
 * lost").
 */
@JCStressTest
@JCStressMeta(DeallocVsCheckwrite.class)
@State
public class DeallocVsCheckwrite_DeallocIgnoresModified extends DeallocVsCheckwriteRace {
    public DeallocVsCheckwrite_DeallocIgnoresModified() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.deallocIgnoresModified = true;
        return m;
    }

    @Actor public void reclaimer(IIII_Result r) { super.reclaimer(r); }

    @Actor public void daemon(IIII_Result r) { super.daemon(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
