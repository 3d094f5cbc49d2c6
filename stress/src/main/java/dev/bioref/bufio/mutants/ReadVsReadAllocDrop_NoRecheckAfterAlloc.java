// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.ReadVsReadAllocDrop;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * MUST FAIL: {@link ReadVsReadAllocDrop} with {@code BufioMutations.noRecheckAfterAlloc} (M2) on
 * (this state's module only): when both readers miss before either links, the second links a
 * second buffer for block 0 (NoDuplicateInv).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.ReadVsReadAllocDrop_NoRecheckAfterAlloc$'</pre>
 */
@JCStressTest
@JCStressMeta(ReadVsReadAllocDrop.class)
@State
public class ReadVsReadAllocDrop_NoRecheckAfterAlloc {
    final ReadVsReadAllocDrop t;

    public ReadVsReadAllocDrop_NoRecheckAfterAlloc() {
        BufioMutations m = BufioMutations.none();
        m.noRecheckAfterAlloc = true;
        t = new ReadVsReadAllocDrop(m);
    }

    @Actor public void reader1() { t.reader1(); }

    @Actor public void reader2() { t.reader2(); }

    @Arbiter public void arbiter(LL_Result r) { t.arbiter(r); }
}
