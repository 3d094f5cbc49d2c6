// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * {@link ModifyVsCheckwrite} with cwIgnoreModRefs and setModifiedAfterReget on, so that only
 * checkwrite's try_interlock_norefs (the guard cwNoInterlock removes) stands between the kernel and the frontend.
 * Must PASS: a frontend holding a ref makes the try fail (refuse, B_LOCKED); one without a ref
 * sleeps in hammer_ref_interlock until checkwrite puts the interlock back, so nothing of
 * HAMMER's can run between checkwrite's decision and its clear. TLC agrees
 * ({@code MCHammerIoProtocol_CwIgnoreModRefs_SetModifiedAfterReget}). The one failure seen in
 * session 1 came before the fix of finding F1 (HammerLock.refInterlock counted the frontend's
 * ref before it took the interlock, so a ref could slip in under the kernel's interlock); see
 * proofs-notes/concurrency-hammer.md, F3. Both windows are widened as in ModifyVsCheckwrite.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.ModifyVsCheckwrite_OnlyCwInterlock$' -m quick</pre>
 */
@JCStressTest
@JCStressMeta(ModifyVsCheckwrite.class)
@State
public class ModifyVsCheckwrite_OnlyCwInterlock extends ModifyVsCheckwriteRace {
    public ModifyVsCheckwrite_OnlyCwInterlock() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.cwIgnoreModRefs = true;
        m.setModifiedAfterReget = true;
        return m;
    }

    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
