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
 * hammer_flusher_async + hammer_flusher_wait against another caller's master loop, in ordinary
 * mode: the twin of the Mode.Termination {@link FlusherAsyncVsWait} (notes §7.4 J10), which
 * JCStress's sanity mode does not sample.
 *
 * <p>Initial state as in {@link FlusherAsyncVsWait}: one small write queued, flusher without
 * threads (the caller of async runs the master loop unless one is already running). The waiter
 * takes fs_token, allocates a seq with async(NULL) and waits for done to reach it, with a
 * watchdog on all its untimed sleeps ({@link WaitRig}; also those of a master loop it runs
 * itself). The other actor runs a full sync. With inline completion its master loop rarely
 * sleeps on its own (32 of 32 sanity samples without the widening never slept), so the race is
 * widened: at the loop's first finalize ("start" hook) the syncer sleeps, fs_token released,
 * until the waiter's async has returned (at most {@link HammerRig#WINDOW_NANOS}); the waiter
 * first waits (as long) for the syncer to be there. Its async then finds the loop running
 * (inline flusher: inlineRunning), returns a seq without running a loop of its own, and the
 * waiter sleeps in wait until the syncer's loop completes that seq.
 *
 * <p>What must hold: the waiter returns with done at or past its seq, and never because a
 * sleep ran to the watchdog after the sync was over (a lost wakeup). A seq that no master loop
 * ever completes still hangs this twin (the watchdog bounds each sleep, not the wait; the
 * waiter re-checks and sleeps again); the Termination original reports that as STALE. The
 * mutant {@code mutants.FlusherAsyncVsWaitAsleep_FlusherSkipsDoneWakeup} (the master loop
 * publishes done but skips its wakeup, fl:L272-273) must be reported FAILED.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.FlusherAsyncVsWaitAsleep$' -m sanity -sc false</pre>
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "the waiter's seq was done without it sleeping (its own loop or the sync's completed it)")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "the waiter slept (in its own loop or in wait) and was woken; its seq is done")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "lost wakeup: the waiter returned only when a sleep ran to the watchdog, after the sync was over")
@Outcome(id = ".*, 0, .*, .*", expect = FORBIDDEN, desc = "wait returned before done reached the waiter's seq")
@Outcome(id = ".*, 9, .*, .*", expect = FORBIDDEN, desc = "the waiter threw")
@Outcome(expect = FORBIDDEN, desc = "anything else: an invariant broken (r4 1/2) or a critical error (r4 3)")
@State
public class FlusherAsyncVsWaitAsleep {
    final HammerRig rig;
    final WaitRig w = new WaitRig();
    /** The syncer's master loop is inside finalize ("start"), sleeping there for the waiter. */
    volatile boolean loopInside;
    /** The waiter's async has returned (it did or did not run a loop itself). */
    volatile boolean asynced;
    /** The syncer actor's thread: the hook acts only there. */
    volatile Thread syncer;

    public FlusherAsyncVsWaitAsleep() { this(HammerMutations.none()); }

    /** With switches {@code m} (the mutant {@code mutants.FlusherAsyncVsWaitAsleep_FlusherSkipsDoneWakeup}). */
    public FlusherAsyncVsWaitAsleep(HammerMutations m) {
        rig = new HammerRig(m, new HammerHooks() {
            @Override public void finalizeStep(HammerMount hmp, HammerHooks.FinalizeStep step, boolean fin) {
                // the syncer's loop, first finalize: a blocking point (fs_token released) for the waiter's async to land in
                if (rig == null || !rig.armed || step != HammerHooks.FinalizeStep.START || loopInside
                        || Thread.currentThread() != syncer) return;   // rig is null while it is being built
                loopInside = true;
                HammerRig.blockUntil(() -> asynced);
            }
        }).relDirty();
        rig.armed = true;
    }

    /** async(NULL) then wait(seq), under fs_token, under the watchdog. */
    @Actor
    public void waiter(IIII_Result r) {
        HammerMount hmp = rig.hmp;
        int[] seq = new int[1];
        HammerRig.blockUntil(() -> loopInside);     // widening only: aim at the syncer's loop
        w.waiter(() -> {
            hmp.fsToken.gettoken();
            try {
                seq[0] = hmp.flusher.async(null);
                asynced = true;
                hmp.flusher.waitSeq(seq[0]);
            } finally {
                hmp.fsToken.reltoken();
            }
        }, () -> seq[0] - hmp.flusher.done <= 0);
    }

    /** Another caller's full sync: its own master loop. */
    @Actor
    public void syncer(IIII_Result r) {
        syncer = Thread.currentThread();
        rig.hmp.sync();
        w.completed();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        w.record(r);
        int v = rig.verdict();
        r.r4 = v != 0 ? v : rig.hmp.criticalError ? 3 : 0;
    }
}
