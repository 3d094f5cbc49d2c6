// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link ModifyDoneVsWriteInterlock} (notes §7.4 J4, race R3), shared with its mutants. */
public class ModifyDoneVsWriteInterlockRace {
    final HammerRig rig;

    public ModifyDoneVsWriteInterlockRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE).relDirty();
    }

    /**
     * The frontend's small write: modify, X := 1, a blocking point (a page fault in the copy,
     * fs_token released) until the flusher is done or the window closes, Y := 1, modify_done.
     */
    public void modifier() {
        rig.frontendModify(b -> {
            b.data()[HammerRig.X] = 1;
            HammerRig.blockUntil(() -> rig.otherDone);
            b.data()[HammerRig.Y] = 1;
        });
    }

    /** The flusher: a full sync (finalize's data loop takes the write interlock). */
    public void flusher() {
        try {
            rig.hmp.sync();
        } finally {
            rig.otherDone = true;
        }
    }

    /** r1, r2 = X, Y on the device; r3 = invariant verdict; r4 = modified at the end. */
    public void arbiter(IIII_Result r) {
        r.r1 = rig.deviceByte(HammerRig.X);
        r.r2 = rig.deviceByte(HammerRig.Y);
        r.r3 = rig.verdict();
        r.r4 = rig.io().modified ? 1 : 0;
    }
}
