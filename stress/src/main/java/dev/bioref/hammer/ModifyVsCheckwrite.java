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
 * A frontend modifies a DATA buffer the kernel owns as a delayed write while the buf daemon
 * visits it (notes §7.4 J1; race R1; the three overlapping guards of §2.6 (2)).
 *
 * <p>Initial state, on the real cache with inline completion: REL-DIRTY DATA (released,
 * modified, B_DELWRI on the DIRTY queue, refs 0; memory newer than the disk). The frontend
 * takes a ref (get_buffer), calls modify(1), which counts modify_refs, must regetblk the bp and
 * only then sets modified, writes X := 2, modify_done, rel_buffer (bdwrite again). The kernel
 * tries the bp lock once; if it gets a delayed write it calls io_checkwrite and, if HAMMER
 * agrees, writes it. The frontend's window between "holds a ref" and "owns the bp again" is
 * widened by a blocking point just before regetblk (HammerHooks.beforeReget), where the
 * frontend sleeps, releasing fs_token, until the kernel has made its attempt.
 *
 * <p>What must hold: checkwrite refuses while the frontend holds a ref (try_interlock_norefs),
 * or it keeps modified while modify_refs != 0, or the frontend sets modified after it owns the
 * bp again. The notes argue any one suffices (§2.6 (2)); that holds for the interlock
 * ({@code ModifyVsCheckwrite_OnlyCwInterlock}) and for the order
 * ({@code ModifyVsCheckwrite_OnlySetModifiedAfterReget}), but not for the modify_refs test alone
 * ({@code mutants.ModifyVsCheckwrite_OnlyModifyRefsTest}, finding F7: the frontend's modify can
 * run between checkwrite's read of modify_refs and its clear). A second blocking point, inside
 * checkwrite between its decision and its clear (HammerHooks.checkwriteDecided), waits for the
 * frontend to reach regetblk. With all three removed
 * ({@code mutants.ModifyVsCheckwrite_CheckwriteGuardsOff}) checkwrite clears modified and
 * writes the old contents, the frontend then changes the buffer with modified == 0: the
 * change is lost.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.ModifyVsCheckwrite$' -Djcstress.mode=quick</pre>
 * or, after a build, {@code java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.ModifyVsCheckwrite$' -m quick}.
 */
@JCStressTest
@Outcome(id = "-1, 1, 0, 1", expect = ACCEPTABLE, desc = "kernel found the bp busy (frontend owns it): still dirty, tracked")
@Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE, desc = "kernel wrote the old contents first; the frontend re-dirtied after regetblk")
@Outcome(id = "0, 0, 0, 1", expect = ACCEPTABLE, desc = "kernel wrote after the modification: clean and current on disk")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "checkwrite refused (frontend held a ref or the interlock): parked B_LOCKED, still dirty")
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "checkwrite refused; the frontend's release paid the B_LOCKED debt by writing it")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "modification lost: marked clean but disk is older")
@Outcome(id = ".*, .*, 2, .*", expect = FORBIDDEN, desc = "an invariant of the I/O layer is broken")
@Outcome(id = ".*, .*, .*, 0", expect = FORBIDDEN, desc = "the frontend panicked (bp taken from under its ref)")
@Outcome(id = "9, .*, .*, .*", expect = FORBIDDEN, desc = "checkwrite panicked")
@Outcome(expect = FORBIDDEN, desc = "anything else: a state no interleaving of the protocol produces")
@State
public class ModifyVsCheckwrite extends ModifyVsCheckwriteRace {
    public ModifyVsCheckwrite() { super(HammerMutations.none()); }

    /** The frontend: modify the buffer and release it. */
    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    /** The buf daemon: one visit of the bp. */
    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
