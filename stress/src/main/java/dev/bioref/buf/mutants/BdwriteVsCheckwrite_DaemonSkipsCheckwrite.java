// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.BdwriteVsCheckwrite;
import dev.bioref.buf.BufMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link BdwriteVsCheckwrite} with {@code BufMutations.daemonSkipsCheckwrite} on (this state's cache only). The daemon writes the buffer whose dependency refuses, in every interleaving (its passes run until one meets the buffer).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.BdwriteVsCheckwrite_DaemonSkipsCheckwrite$'</pre>
 */
@JCStressTest
@JCStressMeta(BdwriteVsCheckwrite.class)
@State
public class BdwriteVsCheckwrite_DaemonSkipsCheckwrite {
    final BdwriteVsCheckwrite t;

    public BdwriteVsCheckwrite_DaemonSkipsCheckwrite() {
        BufMutations m = BufMutations.none();
        m.daemonSkipsCheckwrite = true;
        t = new BdwriteVsCheckwrite(m);
    }

    @Actor public void filesystem(LLL_Result r) { t.filesystem(r); }

    @Actor public void daemon(LLL_Result r) { t.daemon(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
