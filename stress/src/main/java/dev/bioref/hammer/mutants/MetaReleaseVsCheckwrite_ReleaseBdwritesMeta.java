// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.MetaReleaseVsCheckwrite;
import dev.bioref.hammer.MetaReleaseVsCheckwriteRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link MetaReleaseVsCheckwrite} with ReleaseBdwritesMeta: release bdwrite's the
 * changed META buffers, so the kernel finds meta-data among its delayed writes before the
 * flusher has made the UNDO durable.
 */
@JCStressTest
@JCStressMeta(MetaReleaseVsCheckwrite.class)
@State
public class MetaReleaseVsCheckwrite_ReleaseBdwritesMeta extends MetaReleaseVsCheckwriteRace {
    public MetaReleaseVsCheckwrite_ReleaseBdwritesMeta() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.releaseBdwritesMeta = true;
        return m;
    }

    @Actor public void flusher() { super.flusher(); }

    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
