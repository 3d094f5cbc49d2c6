// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.ArrayList;
import java.util.List;

/** The race of {@link MetaReleaseVsCheckwrite}, shared with its mutants. */
public class MetaReleaseVsCheckwriteRace {
    final HammerRig rig;
    private boolean paused = true;   // armed at the end of the setup; then the flusher thread only

    public MetaReleaseVsCheckwriteRace(HammerMutations m) {
        HammerOptions o = new HammerOptions();
        // A META bp in checkwrite makes the seed panic with the bp locked, which would wedge the
        // flusher; refusing it with B_LOCKED keeps the run going, and the kernel actor records
        // the META delayed write it saw, which is the failure.
        o.lenientCheckwrite = true;
        rig = new HammerRig(m, new HammerHooks() {
            @Override public void finalizeStep(HammerMount hmp, HammerHooks.FinalizeStep step, boolean fin) {
                // between the meta-data changes (already released by the slaves) and their write
                // by finalize: the window in which only release's pinning keeps them from the kernel
                if (step == HammerHooks.FinalizeStep.DATA_ISSUED && !paused) {
                    paused = true;
                    HammerRig.blockUntil(() -> rig.kernelDone);
                }
            }
        }, o);
        for (int k = 0; k < 4; k++) rig.hmp.put(k, HammerRig.bytes(50, k + 1));
        rig.hmp.sync();
        for (int k = 0; k < 4; k++) rig.hmp.put(k, HammerRig.bytes(60, k + 2));   // their meta blocks change at the next sync
        paused = false;
    }

    /** The flusher: sync (the slaves change META buffers, finalize writes them). */
    public void flusher() {
        rig.hmp.sync();
    }

    /**
     * The buf daemon over every delayed write of the cache. r1 = 1 if it found a VOLUME or
     * META bp as a delayed write (HAMMER handed meta-data to the kernel), r2 = bps written.
     */
    public void kernel(IIII_Result r) {
        try {
            List<Buf> delwri = new ArrayList<>();
            rig.hmp.cache.scan_all_buffers(bp -> {
                if (bp.hasFlags(Buf.B_DELWRI)) delwri.add(bp);
                return 0;
            });
            int written = 0;
            for (Buf bp : delwri) {
                Object dep = bp.b_dep().isEmpty() ? null : bp.b_dep().get(0);
                if (dep instanceof HammerIo io && (io.type == HammerIoType.META_BUFFER || io.type == HammerIoType.VOLUME)) r.r1 = 1;
                if (rig.bufDaemonVisit(bp) == 0) written++;
            }
            r.r2 = Math.min(written, 1);
        } catch (RuntimeException e) {
            r.r2 = 9;
        } finally {
            rig.kernelDone = true;
        }
    }

    /** r3 = 1 if the kernel wrote meta-data (MetaNeverKernelWrittenInv); r4 = the invariant verdict. */
    public void arbiter(IIII_Result r) {
        r.r3 = rig.hmp.kernelWroteMeta ? 1 : 0;
        r.r4 = rig.verdict();
    }
}
