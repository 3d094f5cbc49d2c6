// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@link ModifyVsCheckwrite} with two of the three overlapping checkwrite guards of notes
 * §2.6 (2) off and only the set-after-regetblk order (SetModifiedAfterReget): the frontend marks the buffer dirty only once it owns the bp again. Must PASS: this guard suffices alone (TLC agrees:
 * {@code MCHammerIoProtocol_CwNoInterlock_CwIgnoreModRefs}; see proofs-notes/concurrency-hammer.md).
 * Both windows are widened as in ModifyVsCheckwrite: the kernel's checkwrite lands between the
 * frontend's ref and its regetblk, and the frontend's modify between checkwrite's decision and
 * its clear.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.ModifyVsCheckwrite_OnlySetModifiedAfterReget$' -m quick</pre>
 */
@JCStressTest
@JCStressMeta(ModifyVsCheckwrite.class)
@State
public class ModifyVsCheckwrite_OnlySetModifiedAfterReget extends ModifyVsCheckwriteRace {
    public ModifyVsCheckwrite_OnlySetModifiedAfterReget() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.cwNoInterlock = true;
        m.cwIgnoreModRefs = true;
        return m;
    }

    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
