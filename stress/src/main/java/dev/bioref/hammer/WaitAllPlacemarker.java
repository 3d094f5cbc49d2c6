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
 * hammer_io_wait_all's placemarker against the completions of the writes ahead of it (notes
 * §7.4 J6, race R6), in ordinary mode with a watchdog on the waiter's sleeps ({@link WaitRig}).
 * Two actors (JCStress skips tests with more actors than CPUs): one waiter, one kernel that
 * completes both writes; the notes' second waiter (placemarker chaining, io:L219-222) is not
 * covered here.
 *
 * <p>Initial state, on the real cache with inline completion: two REL-DIRTY DATA buffers (keys
 * 0-3 in block 0, key 4 in block 1), each taken off the dirty queue and accepted by
 * io_checkwrite, writes not issued: iorun = [io1, io2]. The waiter calls wait_all, which appends
 * a DUMMY placemarker (iorun = [io1, io2, DUMMY]) and sleeps on it, with io_token released,
 * until it is the head. The completer waits until the placemarker is on the list (at most
 * {@link HammerRig#WINDOW_NANOS}), then issues io1 and io2; each inline completion removes its
 * io from iorun, and the completion of the head whose successor is a DUMMY wakes that DUMMY.
 *
 * <p>What must hold: the waiter returns only after both writes queued before it completed, and
 * never because its sleep ran to the watchdog after both completions were over (a lost
 * wakeup). The mutant {@code mutants.WaitAllPlacemarker_CompleteSkipsPlacemarkerWakeup} must be
 * reported FAILED.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.WaitAllPlacemarker$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "both writes completed before wait_all looked: it returned without sleeping")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "the waiter slept on its placemarker and the completion of io2 woke it")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "lost wakeup: the placemarker reached the head but the waiter returned only when its sleep ran to the watchdog")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "wait_all returned while a write queued before it was still running")
@Outcome(id = ".*, 9, .*, .*", expect = FORBIDDEN, desc = "the waiter threw")
@Outcome(expect = FORBIDDEN, desc = "anything else: an invariant broken (r4 1/2) or iorun not empty at the end (r4 3)")
@State
public class WaitAllPlacemarker extends WaitAllPlacemarkerRace {
    public WaitAllPlacemarker() { super(HammerMutations.none()); }

    /** hammer_io_wait_all under the watchdog. */
    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    /** The kernel issues io1 then io2; inline completion runs io_complete for each. */
    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
