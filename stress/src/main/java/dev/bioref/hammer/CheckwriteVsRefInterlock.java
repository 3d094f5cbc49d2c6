// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The kernel's checkwrite, which wins the refs-interlock on an unreferenced io and changes its
 * state without fs_token, races a frontend taking a ref through ref_interlock (notes §7.4 J7,
 * §2.6 (8)).
 *
 * <p>Initial state, on the real cache with inline completion: REL-DIRTY DATA, refs 0. The
 * kernel visits the bp once (flushbufqueues: tryLock, io_checkwrite, write). The frontend takes
 * a ref with get_buffer (ref_interlock, which blocks while the kernel holds the interlock),
 * reads, under io_token, the state the callback changes (running and the iorun list; modified
 * and the mod tree), and releases the ref.
 *
 * <p>What must hold: the frontend never sees the callback's state half-made: running agrees
 * with membership of the iorun list, and modified agrees with membership of the data tree.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.CheckwriteVsRefInterlock$' -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "-1, 1, 1, 0", expect = ACCEPTABLE, desc = "kernel found the bp busy: nothing written, state consistent")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "kernel wrote it (before or after the frontend's look): state consistent")
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE, desc = "checkwrite refused (the frontend held a ref or the interlock): state consistent")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "torn callback state: running disagrees with the iorun list")
@Outcome(id = ".*, .*, 0, .*", expect = FORBIDDEN, desc = "torn callback state: modified disagrees with the data tree")
@Outcome(id = ".*, .*, .*, [12]", expect = FORBIDDEN, desc = "an invariant of the I/O layer is broken (or a modification lost)")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, or a state no interleaving produces")
@State
public class CheckwriteVsRefInterlock {
    final HammerRig rig = new HammerRig(HammerMutations.none(), HammerHooks.NONE).relDirty();

    /** The buf daemon: one visit of the bp. r1 = -1 skipped, 0 written, 1 refused. */
    @Actor
    public void kernel(IIII_Result r) {
        try {
            r.r1 = rig.bufDaemonVisit(rig.io().bp);
        } catch (RuntimeException e) {
            r.r1 = 9;
        }
    }

    /** The frontend: ref_interlock, look at the callback's state under io_token, release. */
    @Actor
    public void frontend(IIII_Result r) {
        HammerMount hmp = rig.hmp;
        hmp.fsToken.gettoken();
        try {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, rig.dataOffset, false);
            hmp.ioToken.gettoken();
            try {
                r.r2 = b.running == b.onIorun ? 1 : 0;
                r.r3 = b.modified == (b.modRoot == hmp.dataRoot && hmp.dataRoot.contains(b)) ? 1 : 0;
            } finally {
                hmp.ioToken.reltoken();
            }
            hmp.relBuffer(b, false);
        } catch (RuntimeException e) {
            r.r2 = 9;
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /** r4 = the invariant verdict on the final state. */
    @Arbiter
    public void arbiter(IIII_Result r) { r.r4 = rig.verdict(); }
}
