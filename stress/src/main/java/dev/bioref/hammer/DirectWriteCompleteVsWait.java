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
 * hammer_io_direct_wait against hammer_io_direct_write_complete (notes §7.4 J8), in ordinary
 * mode with a watchdog on the waiter's sleeps ({@link WaitRig}) instead of the notes'
 * Mode.Termination, which JCStress's sanity mode does not sample.
 *
 * <p>Initial state: a mounted volume and a record whose direct write is in flight (DIRECT_IO
 * set under io_token, as hammer_io_direct_write leaves it). The waiter calls direct_wait
 * (io_token; tsleep_interlock, re-check DIRECT_IO, set DIRECT_WAIT, sleep). The completer is the
 * device: it waits until the waiter has set DIRECT_WAIT (at most {@link HammerRig#WINDOW_NANOS}),
 * writes the block on the in-memory device and runs the completion callback, which clears
 * DIRECT_IO (and DIRECT_WAIT) and, if DIRECT_WAIT was set, wakes the record.
 *
 * <p>What must hold: the waiter returns with DIRECT_IO clear, and never because its sleep ran
 * to the watchdog after the completion was over (a lost wakeup). The mutant
 * {@code mutants.DirectWriteCompleteVsWait_DirectCompleteSkipsWakeup} must be reported FAILED.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.DirectWriteCompleteVsWait$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "the completion came first: direct_wait found DIRECT_IO clear without sleeping")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "the waiter set DIRECT_WAIT and slept; the completion woke it")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "lost wakeup: the waiter returned only when its sleep ran to the watchdog, after the completion was over")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "the waiter returned with DIRECT_IO still set")
@Outcome(id = ".*, 9, .*, .*", expect = FORBIDDEN, desc = "the waiter threw")
@Outcome(expect = FORBIDDEN, desc = "anything else: an invariant broken (r4 1/2) or the record's flags or error not clear at the end (r4 3)")
@State
public class DirectWriteCompleteVsWait extends DirectWriteCompleteVsWaitRace {
    public DirectWriteCompleteVsWait() { super(HammerMutations.none()); }

    /** hammer_io_direct_wait under the watchdog. */
    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    /** The device completes the direct write and runs direct_write_complete. */
    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
