// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.infra.results.III_Result;

/** The race of {@code SetModlistVsDeallocLose} (notes §7.4 J11). */
public class SetModlistVsDeallocLoseRace {
    final HammerRig rig;
    /** The frontend's failure, for the report (null if none). */
    public volatile RuntimeException frontendFailure;

    public SetModlistVsDeallocLoseRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE).relClean();
    }

    /** getnewbuf reusing the clean bp. r1 = -1 skipped, 0 destroyed, 1 refused, 9 panic. */
    public void kernel(III_Result r) {
        try {
            r.r1 = rig.getnewbufReuse(rig.io().bp);
        } catch (RuntimeException e) {
            r.r1 = 9;
        }
    }

    /** The frontend: get_buffer, modify (X := 2), release. r2 = 1 if it finished without a panic. */
    public void frontend(III_Result r) {
        try {
            rig.frontendModify(b -> b.data()[HammerRig.X] = 2);
            r.r2 = 1;
        } catch (RuntimeException e) {
            frontendFailure = e;
            r.r2 = 0;
        }
    }

    /** r3 = the invariant verdict on the mount's current DATA buffer. */
    public void arbiter(III_Result r) { r.r3 = rig.verdict(); }
}
