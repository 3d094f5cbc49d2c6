// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.ForgetVsRead;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * MUST FAIL: {@link ForgetVsRead} with {@code BufioMutations.forgetDropsDirty} on (this state's
 * module only): the forget after the reader's release frees the dirty buffer, so block 0 reads
 * back 5 (the modification lost; DirtyNeverDroppedInv).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.ForgetVsRead_ForgetDropsDirty$'</pre>
 */
@JCStressTest
@JCStressMeta(ForgetVsRead.class)
@State
public class ForgetVsRead_ForgetDropsDirty {
    final ForgetVsRead t;

    public ForgetVsRead_ForgetDropsDirty() {
        BufioMutations m = BufioMutations.none();
        m.forgetDropsDirty = true;
        t = new ForgetVsRead(m);
    }

    @Actor public void reader() { t.reader(); }

    @Actor public void forgetter() { t.forgetter(); }

    @Arbiter public void arbiter(LL_Result r) { t.arbiter(r); }
}
