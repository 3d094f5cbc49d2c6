// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link DeallocVsCheckwrite}, shared with its mutants. */
public class DeallocVsCheckwriteRace {
    final HammerRig rig;

    public DeallocVsCheckwriteRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE).relDirty();
    }

    /** brelse under memory pressure deallocating the delayed-write bp. r1 = -1 skipped, 0 destroyed, 1 refused. */
    public void reclaimer(IIII_Result r) {
        try {
            r.r1 = rig.brelseDeallocate(rig.io().bp);
        } catch (RuntimeException e) {
            r.r1 = 9;
        }
    }

    /** The buf daemon visiting the same bp. r2 = -1 skipped, 0 written, 1 refused. */
    public void daemon(IIII_Result r) {
        try {
            r.r2 = rig.bufDaemonVisit(rig.io().bp);
        } catch (RuntimeException e) {
            r.r2 = 9;
        }
    }

    /** r3 = the invariant verdict; r4 = modified at the end. */
    public void arbiter(IIII_Result r) {
        r.r3 = rig.verdict();
        r.r4 = rig.io().modified ? 1 : 0;
    }
}
