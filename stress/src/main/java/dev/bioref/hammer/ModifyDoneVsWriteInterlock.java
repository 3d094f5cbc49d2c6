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
 * A frontend changes two bytes of a DATA buffer inside one modify window while the flusher
 * writes that buffer (notes §7.4 J4, race R3: the torn write).
 *
 * <p>Initial state, on the real cache with inline completion: REL-DIRTY DATA (key 0 written,
 * X = Y = 0 in memory and on the device). The modifier: modify(1); X := 1; a blocking point
 * (a page fault in the copy: fs_token is released) that lasts until the flusher is done or 5 ms
 * pass; Y := 1; modify_done; rel_buffer. The flusher: sync, whose finalize takes
 * write_interlock on each DATA buffer before it writes it, which waits for modify_refs to drop
 * to 0.
 *
 * <p>What must hold: the device never holds half of the change, and the buffer is never clean
 * while memory is newer. Without the write interlock
 * ({@code mutants.ModifyDoneVsWriteInterlock_FlushWithoutInterlock}) the flusher writes
 * (X, Y) = (1, 0) and clears modified while the change goes on.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.ModifyDoneVsWriteInterlock$' -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 1", expect = ACCEPTABLE, desc = "flusher ran before the change: disk old, change dirty and tracked")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "flusher waited for modify_done (or ran after): whole change on disk, clean")
@Outcome(id = "1, 0, .*, .*", expect = FORBIDDEN, desc = "torn write: the device holds X but not Y")
@Outcome(id = "0, 1, .*, .*", expect = FORBIDDEN, desc = "torn write: the device holds Y but not X")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "modification lost: marked clean but disk is older")
@Outcome(id = ".*, .*, 2, .*", expect = FORBIDDEN, desc = "an invariant of the I/O layer or the flusher is broken")
@Outcome(expect = FORBIDDEN, desc = "anything else: a state no interleaving of the protocol produces")
@State
public class ModifyDoneVsWriteInterlock extends ModifyDoneVsWriteInterlockRace {
    public ModifyDoneVsWriteInterlock() { super(HammerMutations.none()); }

    /** The frontend's small write, with a blocking point between its two stores. */
    @Actor public void modifier() { super.modifier(); }

    /** The flusher: one sync. */
    @Actor public void flusher() { super.flusher(); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
