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
 * Two kernel paths reach the same delayed-write bp of a modified, unreferenced DATA io: brelse's
 * deallocate under memory pressure and the buf daemon's checkwrite (notes §2.5, §2.6 (7)).
 *
 * <p>Initial state, on the real cache with inline completion: REL-DIRTY DATA (released,
 * modified, B_DELWRI, DIRTY queue, refs 0). Each kernel path locks the bp without blocking, only
 * from the DIRTY queue. io_deallocate must refuse a modified io (B_LOCKED: the bp parks on the
 * LOCKED queue, where the daemon no longer sees it); io_checkwrite clears modified and the
 * kernel writes it.
 *
 * <p>What must hold: "the kernel freed the buffer" never means "dirty data lost". With
 * DeallocIgnoresModified ({@code mutants.DeallocVsCheckwrite_DeallocIgnoresModified}) a
 * deallocate that wins the bp destroys the only copy of the modification.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.DeallocVsCheckwrite$' -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "1, -1, 0, 1", expect = ACCEPTABLE, desc = "deallocate refused the modified io (parked B_LOCKED); the daemon no longer sees it")
@Outcome(id = "-1, 0, 0, 0", expect = ACCEPTABLE, desc = "the daemon wrote it first; deallocate found it busy or clean")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "modification lost: the modified io was disassociated and its bp destroyed")
@Outcome(id = ".*, .*, 2, .*", expect = FORBIDDEN, desc = "an invariant of the I/O layer is broken")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, or a state no interleaving produces")
@State
public class DeallocVsCheckwrite extends DeallocVsCheckwriteRace {
    public DeallocVsCheckwrite() { super(HammerMutations.none()); }

    /** brelse's deallocate under memory pressure. */
    @Actor public void reclaimer(IIII_Result r) { super.reclaimer(r); }

    /** The buf daemon's checkwrite. */
    @Actor public void daemon(IIII_Result r) { super.daemon(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
