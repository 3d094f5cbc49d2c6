// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.Pass2PinVsShrink;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * MUST FAIL: {@link Pass2PinVsShrink} with {@code BufioMutations.noPinInPass2} (M3) on (this
 * state's module only): pass 2 waits unlocked without pinning, the completed buffer is clean and
 * unheld, the shrinker frees it, and pass 2 relocks to a freed buffer ({@code NoFreeWhileHeldInv}).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.Pass2PinVsShrink_NoPinInPass2$'</pre>
 */
@JCStressTest
@JCStressMeta(Pass2PinVsShrink.class)
@State
public class Pass2PinVsShrink_NoPinInPass2 {
    final Pass2PinVsShrink t;

    public Pass2PinVsShrink_NoPinInPass2() {
        BufioMutations m = BufioMutations.none();
        m.noPinInPass2 = true;
        t = new Pass2PinVsShrink(m);
    }

    @Actor public void flusher() { t.flusher(); }

    @Actor public void device() { t.device(); }

    @Arbiter public void arbiter(LL_Result r) { t.arbiter(r); }
}
