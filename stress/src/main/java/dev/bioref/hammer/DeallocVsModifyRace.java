// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link DeallocVsModify} (race R4), shared with its mutants. */
public class DeallocVsModifyRace {
    final HammerRig rig;

    public DeallocVsModifyRace(HammerMutations m) {
        rig = new HammerRig(m, new HammerHooks() {
            @Override public void beforeReget(HammerIo io) {
                // the frontend holds its ref but the bp is still on the kernel's CLEAN queue
                if (rig == null || !rig.armed || io.type != HammerIoType.DATA_BUFFER) return;   // rig is null while it is being built
                rig.otherDone = true;                       // "the frontend is in its window"
                HammerRig.blockUntil(() -> rig.kernelDone);
            }
        }).relClean();
        rig.armed = true;
    }

    /** The frontend: ref, modify (X := 2), release. r4 = 1 if it finished without a panic. */
    public void frontend(IIII_Result r) {
        try {
            rig.frontendModify(b -> b.data()[HammerRig.X] = 2);
            r.r4 = 1;
        } catch (RuntimeException e) {
            r.r4 = 0;
        }
    }

    /**
     * getnewbuf reusing the clean bp, once the frontend holds its ref (at most 1 s later).
     * r1 = -2 gave up waiting, -1 skipped, 0 destroyed, 1 refused, 9 panic. Waiting for the ref keeps this test on
     * R4 alone: a reuse that wins before the ref sends the io to the lose tree, and a re-ref
     * from there is the separate race of SetModlistVsDeallocLose.
     */
    public void kernel(IIII_Result r) {
        try {
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (!rig.otherDone && System.nanoTime() < deadline) Thread.onSpinWait();
            r.r1 = rig.otherDone ? rig.getnewbufReuse(rig.io().bp) : -2;   // -2: gave up, tried nothing
        } catch (RuntimeException e) {
            r.r1 = 9;
        } finally {
            rig.kernelDone = true;
        }
    }

    /** r2 = the DATA buffer (as the mount now knows it) is modified; r3 = the invariant verdict. */
    public void arbiter(IIII_Result r) {
        HammerBuffer now = rig.hmp.bufferAt(rig.dataOffset);
        r.r2 = now != null && now.modified ? 1 : 0;
        r.r3 = rig.verdict();
    }
}
