// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.ReleaseBdwriteVsModifyVsCheckwrite;
import dev.bioref.hammer.ReleaseBdwriteVsModifyVsCheckwriteRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link ReleaseBdwriteVsModifyVsCheckwrite} with the three overlapping checkwrite
 * guards of notes §2.6 (2) off (CwNoInterlock, CwIgnoreModRefs, SetModifiedAfterReget; any one
 * of them suffices alone, so no single switch can be caught, as in J1): once the releaser has
 * handed the bp over, the daemon's checkwrite clears modified and writes the releaser's
 * contents while the frontend sits between its ref and its regetblk; the frontend then changes
 * the buffer with modified == 0 ("modification lost"). Proves the three-party test sees the
 * hand-over race, not only J1's two-party one.
 */
@JCStressTest
@JCStressMeta(ReleaseBdwriteVsModifyVsCheckwrite.class)
@State
public class ReleaseBdwriteVsModifyVsCheckwrite_CheckwriteGuardsOff extends ReleaseBdwriteVsModifyVsCheckwriteRace {
    public ReleaseBdwriteVsModifyVsCheckwrite_CheckwriteGuardsOff() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.cwNoInterlock = true;
        m.cwIgnoreModRefs = true;
        m.setModifiedAfterReget = true;
        return m;
    }

    @Actor public void releaser() { super.releaser(); }

    @Actor public void frontend() { super.frontend(); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
