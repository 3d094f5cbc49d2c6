// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * It found a port bug, since FIXED (proofs-notes/concurrency-hammer.md F2): getBuffer took the
 * buffer off the lose tree before it held its ref. Run it with
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.SetModlistVsDeallocLose' -m sanity</pre>
 *
 * <p>getnewbuf reuses a clean bp while a frontend re-references its io (notes §7.4 J11). Initial
 * state: REL-CLEAN DATA, refs 0. The kernel: getnewbuf's reuse (io_deallocate wins the
 * interlock, disassociates, puts the io on lose_root, destroys the bp). The frontend:
 * get_buffer, modify(1), X := 2, modify_done, rel_buffer.
 *
 * <p>The bug: HammerMount.getBuffer takes the io off lose_root <em>before</em> it takes its
 * ref. If the kernel's deallocate runs between that check and the ref_interlock (it holds the
 * interlock; the frontend's ref_interlock waits for it, then loads a fresh bp), the io comes
 * back associated but still on lose_root, and modify's set_modlist panics ("io already on
 * lose_root"): the "frontend panicked" outcome, in about a quarter of the sanity samples. The
 * fix belongs to the hammer port: re-check lose_root after the ref is held (or remove it under
 * the interlock on the load path), so an io never leaves the lose tree before it is referenced.
 */
@JCStressTest
@Outcome(id = "-1, 1, 0", expect = ACCEPTABLE, desc = "kernel found the bp busy or not clean: the change is tracked")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "bp reused first: the io went to lose_root, the frontend took it back and reloaded")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "deallocate refused (ref held): parked B_LOCKED, the change is tracked")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "the frontend panicked (set_modlist: io still on lose_root)")
@Outcome(id = ".*, .*, [12]", expect = FORBIDDEN, desc = "an invariant of the I/O layer is broken, or a modification lost")
@Outcome(expect = FORBIDDEN, desc = "anything else: a state no interleaving of the protocol produces")
@State
public class SetModlistVsDeallocLose extends SetModlistVsDeallocLoseRace {
    public SetModlistVsDeallocLose() { super(HammerMutations.none()); }

    /** getnewbuf reusing the clean bp. */
    @Actor public void kernel(III_Result r) { super.kernel(r); }

    /** The frontend re-referencing and modifying the io. */
    @Actor public void frontend(III_Result r) { super.frontend(r); }

    @Arbiter public void arbiter(III_Result r) { super.arbiter(r); }
}
