// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.CheckwriteRefusalVsGetnewbuf;
import dev.bioref.buf.BufMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link CheckwriteRefusalVsGetnewbuf} with {@code BufMutations.brelseLockedToClean} on (this state's cache only). The daemon's brelse of the pinned, refused buffer queues it on CLEAN in every interleaving.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.CheckwriteRefusalVsGetnewbuf_BrelseLockedToClean$'</pre>
 */
@JCStressTest
@JCStressMeta(CheckwriteRefusalVsGetnewbuf.class)
@State
public class CheckwriteRefusalVsGetnewbuf_BrelseLockedToClean {
    final CheckwriteRefusalVsGetnewbuf t;

    public CheckwriteRefusalVsGetnewbuf_BrelseLockedToClean() {
        BufMutations m = BufMutations.none();
        m.brelseLockedToClean = true;
        t = new CheckwriteRefusalVsGetnewbuf(m);
    }

    @Actor public void daemon(LLL_Result r) { t.daemon(r); }

    @Actor public void pressure(LLL_Result r) { t.pressure(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
