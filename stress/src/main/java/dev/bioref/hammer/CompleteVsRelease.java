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
 * The I/O completion of a running write whose bp is B_LOCKED against the frontend's release of
 * its last ref (notes §7.4 J3, CompleteVsDeallocate/Release).
 *
 * <p>Initial state, on the real cache, with completions inline during the setup and then held
 * (a strict dev.bioref.device.GateCompleter) so the write is genuinely in flight: a DATA buffer written
 * by a small put (REL-DIRTY); the frontend takes a ref (get_buffer); a reclaimer asks
 * io_deallocate, which refuses because of the ref and sets B_LOCKED (the bp is parked on the
 * LOCKED queue; HammerRig.brelseDeallocate); the flusher's per-buffer data step writes it (ref,
 * write_interlock, flush, done_interlock, rel). So: RUNNING, B_LOCKED, refs = 1 (the
 * frontend's), released, clean.
 *
 * <p>The completion actor completes the write: hammer_io_complete clears running and, seeing
 * B_LOCKED, clears it and calls io_deallocate, which disassociates the io onto lose_root if no
 * one holds a ref, or refuses (B_LOCKED again). The frontend actor drops its last ref through
 * hammer_rel_buffer: hammer_io_release leaves a running io to its completion, or, once the
 * write is done, reclaims the bp itself because of B_LOCKED (disassociate, brelse, the buffer
 * structure freed).
 *
 * <p>What must hold (§7.4): the io is never disassociated while the frontend's ref is held,
 * exactly once in all, never left on lose_root with a bp; countIoLocked equals the number of
 * B_LOCKED bps; a bp is never left B_LOCKED without its io.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.CompleteVsRelease$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "release first (left the running io to its completion); the completion's io_deallocate disassociated it onto lose_root")
@Outcome(id = "0, 1, 2, 0", expect = ACCEPTABLE, desc = "completion first (io_deallocate refused: the ref, B_LOCKED again); the release reclaimed the bp itself and freed the buffer")
@Outcome(id = "1, .*, .*, .*", expect = FORBIDDEN, desc = "the io lost its bp while the frontend still held its ref")
@Outcome(id = ".*, [02-9], .*, .*", expect = FORBIDDEN, desc = "the io was not disassociated exactly once")
@Outcome(id = ".*, .*, 0, .*", expect = FORBIDDEN, desc = "the io kept its bp with no ref and no write: the B_LOCKED bp is parked for good")
@Outcome(id = ".*, .*, 3, .*", expect = FORBIDDEN, desc = "the io is on lose_root with a bp")
@Outcome(id = ".*, .*, .*, 1", expect = FORBIDDEN, desc = "countIoLocked differs from the number of B_LOCKED bps")
@Outcome(id = ".*, .*, .*, 2", expect = FORBIDDEN, desc = "the bp is B_LOCKED with no io in b_dep")
@Outcome(id = ".*, .*, .*, 3", expect = FORBIDDEN, desc = "another invariant of the I/O layer fails")
@Outcome(expect = FORBIDDEN, desc = "anything else: a state no interleaving of the protocol produces")
@State
public class CompleteVsRelease extends CompleteVsReleaseRace {
    public CompleteVsRelease() { super(HammerMutations.none()); }

    /** The device completes the write (hammer_io_complete, io:L1074). */
    @Actor public void completion() { super.completion(); }

    /** The frontend drops its last ref (hammer_rel_buffer). */
    @Actor public void frontend(IIII_Result r) { super.frontend(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
