// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The writer throttle's ticket against the signals of completing writes, in ordinary mode: the
 * twin of the Mode.Termination {@link BdWaitVsBdSignal} (reference vfs_bio.md §9.3 #14), which
 * JCStress's sanity mode does not sample.
 *
 * <p>State as in {@link BdWaitVsBdSignal}: blocks 0-6 dirty, one block over hidirtybufspace,
 * hz raised to 60 s. The writer calls {@code bd_wait(MAXBSIZE)} (L447): takes the ticket
 * "index + 1", tsleep_interlock, publishes it in bd_wake_ary, re-reads bd_wake_index
 * (L480-483) and sleeps unless the index has passed. Its sleeps run under a watchdog of two
 * ticks that also bounds this timed sleep (the shared verdict of the {@code *Asleep} twins,
 * here with one more clause, see {@link BdWaitVsBdSignalAsleepRace}). The signaller waits (at
 * most 5 ms, widening only) until a ticket is published, then bwrites the seven buffers; each
 * completion calls bd_signal twice, so the second one passes the ticket and must wake the
 * writer wherever it is between publishing the ticket and sleeping.
 *
 * <p>What must hold: bd_wait returns with dirty space at most hidirtybufspace, and
 * never because its sleep ran to the watchdog after the writes were over while its ticket had
 * been passed (a lost wakeup). The mutant
 * {@code mutants.BdWaitVsBdSignalAsleep_BdSignalSkipsWakeup} (bd_signal clears the ticket
 * but skips the wakeup, L508-509) must be reported FAILED.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.buf.BdWaitVsBdSignalAsleep$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "bd_wait returned without calling tsleep (the index had passed its ticket, or the space was already low)")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "the writer slept and a signal woke it (or, with nothing left to signal, the hz net ended a sleep on an unpassed ticket)")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "lost wakeup: the signals passed and cleared the writer's ticket, yet its sleep ran to the watchdog after the writes were over")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "bd_wait returned with dirty space above hidirtybufspace")
@Outcome(id = ".*, 9, .*, .*", expect = FORBIDDEN, desc = "the writer threw")
@Outcome(expect = FORBIDDEN, desc = "anything else: an invariant broken (r4 1), a signalling write failed (r4 2), or running/dirty space left (r4 3)")
@State
public class BdWaitVsBdSignalAsleep extends BdWaitVsBdSignalAsleepRace {
    public BdWaitVsBdSignalAsleep() { super(BufMutations.none()); }

    /** bd_wait(MAXBSIZE) under the watchdog. */
    @Actor public void writer(IIII_Result r) { super.writer(r); }

    /** Once a ticket is published: writes every dirty buffer (two bd_signal calls each). */
    @Actor public void signaller(IIII_Result r) { super.signaller(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
