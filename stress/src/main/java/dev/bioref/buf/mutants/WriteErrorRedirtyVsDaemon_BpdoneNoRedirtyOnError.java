// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.WriteErrorRedirtyVsDaemon;
import dev.bioref.buf.BufMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link WriteErrorRedirtyVsDaemon} with {@code BufMutations.bpdoneNoRedirtyOnError} on (this state's cache only). The first, failed write marks the buffer clean and brelse destroys it in every interleaving: the data is lost.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.WriteErrorRedirtyVsDaemon_BpdoneNoRedirtyOnError$'</pre>
 */
@JCStressTest
@JCStressMeta(WriteErrorRedirtyVsDaemon.class)
@State
public class WriteErrorRedirtyVsDaemon_BpdoneNoRedirtyOnError {
    final WriteErrorRedirtyVsDaemon t;

    public WriteErrorRedirtyVsDaemon_BpdoneNoRedirtyOnError() {
        BufMutations m = BufMutations.none();
        m.bpdoneNoRedirtyOnError = true;
        t = new WriteErrorRedirtyVsDaemon(m);
    }

    @Actor public void daemon(LLL_Result r) { t.daemon(r); }

    @Actor public void fsync(LLL_Result r) { t.fsync(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
