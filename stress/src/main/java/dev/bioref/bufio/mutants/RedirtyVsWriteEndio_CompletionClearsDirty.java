// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.RedirtyVsWriteEndio;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link RedirtyVsWriteEndio} with {@code BufioMutations.completionClearsDirty} (M1) on
 * (this state's module only): when the mark runs before the completion, the completion clears
 * the new DIRTY and the arbiter sees the buffer clean.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.RedirtyVsWriteEndio_CompletionClearsDirty$'</pre>
 */
@JCStressTest
@JCStressMeta(RedirtyVsWriteEndio.class)
@State
public class RedirtyVsWriteEndio_CompletionClearsDirty {
    final RedirtyVsWriteEndio t;

    public RedirtyVsWriteEndio_CompletionClearsDirty() {
        BufioMutations m = BufioMutations.none();
        m.completionClearsDirty = true;
        t = new RedirtyVsWriteEndio(m);
    }

    @Actor public void redirty() { t.redirty(); }

    @Actor public void complete() { t.complete(); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
