// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.BufMutations;
import dev.bioref.buf.CheckwriteRefusalVsRegetblk;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link CheckwriteRefusalVsRegetblk} with {@code BufMutations.brelseLockedToClean} on
 * (this state's cache only). The daemon's brelse of the pinned, refused, dirty buffer queues it
 * on DIRTY, and the filesystem finds it there (r1 = DIRTY) whenever the daemon has let go of it
 * within the filesystem's 50 µs wait.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.CheckwriteRefusalVsRegetblk_BrelseLockedToClean$'</pre>
 */
@JCStressTest
@JCStressMeta(CheckwriteRefusalVsRegetblk.class)
@State
public class CheckwriteRefusalVsRegetblk_BrelseLockedToClean {
    final CheckwriteRefusalVsRegetblk t;

    public CheckwriteRefusalVsRegetblk_BrelseLockedToClean() {
        BufMutations m = BufMutations.none();
        m.brelseLockedToClean = true;
        t = new CheckwriteRefusalVsRegetblk(m);
    }

    @Actor public void kernel(LLLL_Result r) { t.kernel(r); }

    @Actor public void fs(LLLL_Result r) { t.fs(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
