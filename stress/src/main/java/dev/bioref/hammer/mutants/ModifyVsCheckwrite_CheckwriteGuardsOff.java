// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.ModifyVsCheckwrite;
import dev.bioref.hammer.ModifyVsCheckwriteRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link ModifyVsCheckwrite} with all three checkwrite guards of notes §2.6 (2) off
 * (CwNoInterlock, CwIgnoreModRefs, SetModifiedAfterReget): checkwrite clears modified and writes
 * the old contents while the frontend sits between its ref and its regetblk; the frontend then
 * changes the buffer with modified == 0 ("modification lost").
 */
@JCStressTest
@JCStressMeta(ModifyVsCheckwrite.class)
@State
public class ModifyVsCheckwrite_CheckwriteGuardsOff extends ModifyVsCheckwriteRace {
    public ModifyVsCheckwrite_CheckwriteGuardsOff() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.cwNoInterlock = true;
        m.cwIgnoreModRefs = true;
        m.setModifiedAfterReget = true;
        return m;
    }

    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
