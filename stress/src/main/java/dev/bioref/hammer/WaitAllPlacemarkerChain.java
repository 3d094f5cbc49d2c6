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
 * Two hammer_io_wait_all placemarkers behind one running write (notes §7.4 J6 with its two
 * waiters, race R6): the completion wakes the first placemarker only; the first waiter, after
 * removing its placemarker, must wake the next one if it is now the head ("chain in case
 * several placemarkers are present", io:L216-222). Ordinary mode, watchdog on both waiters'
 * sleeps ({@link WaitRig}); 2 actors, the second waiter on a thread the completer starts.
 *
 * <p>Initial state: REL-DIRTY DATA accepted by io_checkwrite, write not issued: iorun = [io].
 * Actor 1 calls wait_all. Actor 2 starts a second wait_all on its own thread, waits until both
 * placemarkers are on the list (at most {@link HammerRig#WINDOW_NANOS}), then issues the write;
 * inline completion removes io and wakes the DUMMY behind it.
 *
 * <p>What must hold: both return with the write done, neither because its sleep ran to the
 * watchdog after the event it waited for was over (a lost wakeup). The mutant
 * {@code mutants.WaitAllPlacemarkerChain_WaitAllSkipsChainWakeup} must be reported FAILED
 * (r3 = 2: the second in line).
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.WaitAllPlacemarkerChain$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "the write completed before either placemarker slept")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "one waiter slept and was woken")
@Outcome(id = "2, 1, 0, 0", expect = ACCEPTABLE, desc = "both slept: the completion woke the first, the first's chain woke the second")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "lost wakeup of the first in line: the completion did not wake the placemarker behind io")
@Outcome(id = ".*, .*, [23], .*", expect = FORBIDDEN, desc = "lost wakeup of the second in line: the first waiter did not chain the wakeup")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "a wait_all returned while the write queued before it was running")
@Outcome(id = ".*, 9, .*, .*", expect = FORBIDDEN, desc = "a waiter threw or did not return")
@Outcome(expect = FORBIDDEN, desc = "anything else: an invariant broken (r4 1/2) or iorun not empty at the end (r4 3)")
@State
public class WaitAllPlacemarkerChain extends WaitAllPlacemarkerChainRace {
    public WaitAllPlacemarkerChain() { super(HammerMutations.none()); }

    /** The first wait_all under the watchdog. */
    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    /** Starts the second wait_all, then issues the write (inline completion). */
    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
