// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.DeallocVsModify;
import dev.bioref.hammer.DeallocVsModifyRace;
import dev.bioref.hammer.HammerMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link DeallocVsModify} with DeallocIgnoresRefs: io_deallocate disassociates the
 * io while the frontend holds a ref, the kernel destroys the bp, and the frontend's regetblk
 * has no bp ("the frontend panicked").
 */
@JCStressTest
@JCStressMeta(DeallocVsModify.class)
@State
public class DeallocVsModify_DeallocIgnoresRefs extends DeallocVsModifyRace {
    public DeallocVsModify_DeallocIgnoresRefs() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.deallocIgnoresRefs = true;
        return m;
    }

    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
