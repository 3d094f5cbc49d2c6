// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.ModifyVsCheckwrite;
import dev.bioref.hammer.ModifyVsCheckwriteRace;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link ModifyVsCheckwrite} with cwNoInterlock and setModifiedAfterReget on, so that
 * only checkwrite's modify_refs test (the guard cwIgnoreModRefs removes) stands between the kernel and the
 * frontend. It does not suffice (finding F7, proofs-notes/hammer-specs.md; TLC agrees since
 * checkwrite is split at its decision, rows {@code MCHammerIoProtocol_CwNoInterlock_SetModifiedAfterReget*}):
 * checkwrite (io_token) reads modify_refs == 0 and decides to clear modified; the frontend
 * (fs_token only, no io_token) then increments modify_refs and, marking dirty before regetblk,
 * finds modified still set and sets nothing; checkwrite clears it and writes the old contents;
 * the frontend regets after the write and changes the buffer with modified == 0: outcome
 * "0, 0, 1, 1", modification lost. The kernel's blocking point between decision and clear
 * (HammerHooks.checkwriteDecided) makes sanity mode land in the window. Run it with
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.mutants.ModifyVsCheckwrite_OnlyModifyRefsTest' -m sanity</pre>
 */
@JCStressTest
@JCStressMeta(ModifyVsCheckwrite.class)
@State
public class ModifyVsCheckwrite_OnlyModifyRefsTest extends ModifyVsCheckwriteRace {
    public ModifyVsCheckwrite_OnlyModifyRefsTest() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.cwNoInterlock = true;
        m.setModifiedAfterReget = true;
        return m;
    }

    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
