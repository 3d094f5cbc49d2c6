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
 * getnewbuf wants to reuse a clean bp while a frontend holds a ref on its io and is about to
 * regetblk it (race R4; notes §2.6 (7)).
 *
 * <p>Initial state, on the real cache with inline completion: REL-CLEAN DATA (written and
 * synced; bp on the CLEAN queue; refs 0). The frontend takes a ref (get_buffer), calls
 * modify(1), which must regetblk; just before that regetblk it blocks (fs_token released)
 * until the kernel has made its attempt. The kernel waits until the frontend holds its ref, then
 * locks the bp without blocking if it is on the CLEAN queue and calls io_deallocate: HAMMER must refuse while anyone holds a ref
 * (try_interlock_norefs fails, B_LOCKED); if it lets go, the kernel destroys the bp.
 *
 * <p>What must hold: a referenced io is never disassociated under its holder, so the kernel's
 * attempt never destroys the bp (session 1 saw that once, "0, 1, 0, 1", before the fixes of
 * HammerLock.refInterlock and HammerMount.getBuffer; concurrency-hammer.md; it is forbidden
 * since session 2: `-m quick` showed none in about 1,300 samples). With
 * DeallocIgnoresRefs ({@code mutants.DeallocVsModify_DeallocIgnoresRefs}) the kernel takes the
 * bp away and the frontend's regetblk finds none.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.DeallocVsModify$' -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "-1, 1, 0, 1", expect = ACCEPTABLE, desc = "kernel found the bp busy or not clean (the frontend owned it again): the change is dirty and tracked")
@Outcome(id = "-2, 1, 0, 1", expect = ACCEPTABLE, desc = "the kernel gave up waiting for the frontend's ref and tried nothing")
@Outcome(id = "0, .*, .*, .*", expect = FORBIDDEN, desc = "getnewbuf destroyed the bp although the frontend held its ref (the kernel only tries once it does)")
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "deallocate refused (ref held): parked B_LOCKED; the release paid the debt by writing it")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "deallocate refused (ref held): parked B_LOCKED; the change is dirty and tracked")
@Outcome(id = ".*, .*, .*, 0", expect = FORBIDDEN, desc = "the frontend panicked: its bp was taken away under its ref")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "modification lost: marked clean but disk is older")
@Outcome(id = ".*, .*, 2, .*", expect = FORBIDDEN, desc = "an invariant of the I/O layer is broken")
@Outcome(id = "9, .*, .*, .*", expect = FORBIDDEN, desc = "io_deallocate panicked")
@Outcome(expect = FORBIDDEN, desc = "anything else: a state no interleaving of the protocol produces")
@State
public class DeallocVsModify extends DeallocVsModifyRace {
    public DeallocVsModify() { super(HammerMutations.none()); }

    /** The frontend: modify the buffer under a ref. */
    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    /** The kernel: getnewbuf reusing the bp. */
    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
