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
 * The last-ref release of a modified DATA io (bdwrite: the bp goes to the kernel's DIRTY
 * queue) races a frontend's modify of the same io and the buf daemon's checkwrite (notes §7.4
 * J2; races R1 and §2.6 (2), with the hand-over itself in the window).
 *
 * <p>Initial state, on the real cache with inline completion: OWNED-DIRTY DATA (HAMMER holds
 * the bp, released 0, modified 1, X = 1), the releaser holding the only ref. The releaser
 * drops it (rel_buffer under fs_token: rel_interlock wins 1→0, release bdwrites the bp, which
 * sets released before the bp leaves HAMMER). The frontend takes a ref (get_buffer; it waits
 * out the releaser's interlock), calls modify(1) (regetblk if the bp has been handed over,
 * nothing to reget if not), X := 2, modify_done, rel_buffer. The buf daemon, a thread the
 * releaser starts first (JCStress runs no 3-actor test on 2 CPUs), visits the bp until it finds
 * an unlocked delayed write and asks io_checkwrite, which writes it if HAMMER agrees. The
 * frontend's window before regetblk and checkwrite's window between its decision and its act
 * are widened as in {@link ModifyVsCheckwrite}.
 *
 * <p>What must hold: the frontend's change is never lost (modified 0 only with the disk
 * current); no party panics, in particular no double regetblk (the lock assertions of
 * regetblk and modify); checkwrite never decides on an io HAMMER still owns (released 0:
 * release must set released before bdwrite hands the bp over, and the kernel can lock the bp
 * only after that); the daemon finishes.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.ReleaseBdwriteVsModifyVsCheckwrite$' -m quick</pre>
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 3", expect = ACCEPTABLE, desc = "daemon wrote after the frontend's release: clean and current on disk")
@Outcome(id = "0, 1, 0, 3", expect = ACCEPTABLE, desc = "daemon wrote the releaser's contents first; the frontend re-dirtied after regetblk")
@Outcome(id = "1, 1, 0, 3", expect = ACCEPTABLE, desc = "checkwrite refused (a ref or the releaser's interlock held): parked B_LOCKED, still dirty")
@Outcome(id = "1, 0, 0, 3", expect = ACCEPTABLE, desc = "checkwrite refused; the frontend's release paid the B_LOCKED debt by writing it")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "modification lost: marked clean but disk is older")
@Outcome(id = ".*, .*, 2, .*", expect = FORBIDDEN, desc = "an invariant of the I/O layer is broken")
@Outcome(id = ".*, .*, .*, 4", expect = FORBIDDEN, desc = "checkwrite decided on an io HAMMER still owned (released 0)")
@Outcome(id = ".*, .*, .*, [012]", expect = FORBIDDEN, desc = "the releaser or the frontend panicked (a double regetblk, a bp taken from under a ref)")
@Outcome(id = "9, .*, .*, .*", expect = FORBIDDEN, desc = "the daemon panicked")
@Outcome(id = "8, .*, .*, .*", expect = FORBIDDEN, desc = "the daemon hung")
@Outcome(expect = FORBIDDEN, desc = "anything else: a state no interleaving of the protocol produces")
@State
public class ReleaseBdwriteVsModifyVsCheckwrite extends ReleaseBdwriteVsModifyVsCheckwriteRace {
    public ReleaseBdwriteVsModifyVsCheckwrite() { super(HammerMutations.none()); }

    /** The releaser: starts the buf daemon, then drops the last ref (bdwrite). */
    @Actor public void releaser() { super.releaser(); }

    /** The frontend: modify the buffer and release it. */
    @Actor public void frontend() { super.frontend(); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
