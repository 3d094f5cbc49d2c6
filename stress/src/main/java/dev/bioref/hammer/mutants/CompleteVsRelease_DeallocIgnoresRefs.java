// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.CompleteVsRelease;
import dev.bioref.hammer.CompleteVsReleaseRace;
import dev.bioref.hammer.HammerMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link CompleteVsRelease} with DeallocIgnoresRefs (io_deallocate disassociates
 * even when the io has refs, race R4): when the completion runs first, its io_deallocate of
 * the B_LOCKED bp takes the bp away from the io while the frontend still holds its ref, and the
 * frontend sees an io without a bp (r1 = 1).
 */
@JCStressTest
@JCStressMeta(CompleteVsRelease.class)
@State
public class CompleteVsRelease_DeallocIgnoresRefs extends CompleteVsReleaseRace {
    public CompleteVsRelease_DeallocIgnoresRefs() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.deallocIgnoresRefs = true;
        return m;
    }

    @Actor public void completion() { super.completion(); }

    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
