// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.ReleaseVsSteal;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * MUST FAIL: {@link ReleaseVsSteal} with {@code BufioMutations.stealIgnoresHold} (M4) on (this
 * state's module only): the reader at capacity steals the least recently used buffer although it
 * is held, so the holder finds block 3 in its buffer (or the ghost throws NoFreeWhileHeldInv).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.ReleaseVsSteal_StealIgnoresHold$'</pre>
 */
@JCStressTest
@JCStressMeta(ReleaseVsSteal.class)
@State
public class ReleaseVsSteal_StealIgnoresHold {
    final ReleaseVsSteal t;

    public ReleaseVsSteal_StealIgnoresHold() {
        BufioMutations m = BufioMutations.none();
        m.stealIgnoresHold = true;
        t = new ReleaseVsSteal(m);
    }

    @Actor public void holder() { t.holder(); }

    @Actor public void reader() { t.reader(); }

    @Arbiter public void arbiter(LL_Result r) { t.arbiter(r); }
}
