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
 * hammer_io_wait against hammer_io_complete, in ordinary mode: the twin of the Mode.Termination
 * {@link WaitVsComplete} (notes §7.4 J5), which JCStress's sanity mode does not sample.
 *
 * <p>Initial state, on the real cache with inline completion: REL-DIRTY DATA taken off the
 * dirty queue and accepted by io_checkwrite (running = 1, on the iorun list, bp locked and
 * handed to the kernel), the write not issued yet. The waiter calls {@link HammerIo#waitIo}
 * (io_token; waiting = 1 and tsleep_interlock before the re-check; the mount's own timeout is
 * off, {@code HammerOptions.ioWaitTimeoutNanos} = 0) with a watchdog on its sleeps
 * ({@link WaitRig}). The completer waits until the waiter has set waiting (at most
 * {@link HammerRig#WINDOW_NANOS}, to land in the window), then issues the write; inline
 * completion runs io_complete, which clears running and waiting and wakes the io.
 *
 * <p>What must hold: the waiter returns with running clear, and never because its sleep ran to
 * the watchdog after the completion was over (a lost wakeup). The mutant
 * {@code mutants.WaitVsCompleteAsleep_CompleteSkipsWakeup} (io_complete clears waiting but does
 * not wake) must be reported FAILED.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.WaitVsCompleteAsleep$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "the completion came first: the waiter found running clear without sleeping")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "the waiter slept and the completion woke it")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "lost wakeup: the waiter returned only when its sleep ran to the watchdog, after the completion was over")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "the waiter returned while the write was still running")
@Outcome(id = ".*, 9, .*, .*", expect = FORBIDDEN, desc = "the waiter threw")
@Outcome(expect = FORBIDDEN, desc = "anything else: an invariant broken (r4 1/2) or the io not idle at the end (r4 3)")
@State
public class WaitVsCompleteAsleep extends WaitVsCompleteAsleepRace {
    public WaitVsCompleteAsleep() { super(HammerMutations.none()); }

    /** hammer_io_wait under the watchdog. */
    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    /** The kernel issues the accepted write; inline completion runs io_complete. */
    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
