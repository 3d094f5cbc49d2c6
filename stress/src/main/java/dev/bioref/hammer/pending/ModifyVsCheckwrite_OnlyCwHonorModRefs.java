package dev.bioref.hammer.pending;

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
 * PENDING (a finding, not a port bug; kept out of the default run by the stress module's regex,
 * because it fails only sometimes and so can be neither a passing test nor a reliable mutant).
 * {@link ModifyVsCheckwrite} with CW_Interlock and SetModifiedAfterReget off, so that only
 * checkwrite's modify_refs test (CW_HonorModRefs) stands between the kernel and the frontend.
 * It does NOT suffice, against the notes' hand analysis (§2.6 (2), "any one of them suffices"):
 * checkwrite (io_token) reads modify_refs == 0 and decides to clear modified; before it clears,
 * the frontend (fs_token only) increments modify_refs, and, marking dirty before regetblk,
 * finds modified still set and sets nothing; checkwrite clears it and writes the old contents;
 * the frontend regets after the write and changes the buffer with modified == 0. Seen by
 * JCStress in sanity mode as "0, 0, 1, 1" (modification lost), 1 of 4 samples in the C2-stress
 * configuration of one run; 0 of 300 in a plain two-thread loop. Run it with
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.pending.ModifyVsCheckwrite_OnlyCwHonorModRefs' -m quick</pre>
 */
@JCStressTest
@JCStressMeta(ModifyVsCheckwrite.class)
@State
public class ModifyVsCheckwrite_OnlyCwHonorModRefs extends ModifyVsCheckwriteRace {
    public ModifyVsCheckwrite_OnlyCwHonorModRefs() { super(switches()); }

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
