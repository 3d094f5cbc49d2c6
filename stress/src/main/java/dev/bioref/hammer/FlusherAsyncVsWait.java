// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * hammer_flusher_async + hammer_flusher_wait against a master loop another caller is running
 * (notes §7.4 J10, Mode.Termination; G4: a waited-for seq is never left behind).
 *
 * <p>Initial state, on the real cache with inline completion: one small write queued (work for
 * the flusher), flusher without threads, so the caller of async runs the master loop itself
 * (HammerOptions.flusherThreads = 0) unless a loop is already running, which then must also
 * cover the new seq. The actor takes fs_token, allocates a seq with async(NULL) and waits for
 * done to reach it. The signal runs a full sync on its own thread, whose master loop sleeps
 * (fs_token released) in its barriers and in buffer waits, so the actor's async can land while
 * that loop is running and return without running a loop of its own.
 *
 * <p>What must hold: the actor returns: every allocated seq, dummy or not, is completed by some
 * master loop; a loop never stops ("nomore") while a seq it has not completed exists.
 *
 * <p>Mode.Termination: JCStress's sanity mode (the default of {@code mvn verify}) runs no
 * samples of it, so in verify this class checks nothing; it counts under
 * {@code -Pjcstress-default} or {@code -Pthorough} (quick). Its ordinary-mode twin
 * {@link FlusherAsyncVsWaitAsleep} is the check that runs in verify.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.FlusherAsyncVsWait$' -m quick</pre>
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter's seq was completed and it returned")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "seq left behind: the master loop stopped before completing the waiter's seq")
@Outcome(expect = FORBIDDEN, desc = "anything else: the waiter or the sync failed")
@State
public class FlusherAsyncVsWait {
    final HammerRig rig = new HammerRig(HammerMutations.none(), HammerHooks.NONE).relDirty();

    /** async(NULL) then wait(seq), under fs_token. */
    @Actor
    public void actor() {
        HammerMount hmp = rig.hmp;
        hmp.fsToken.gettoken();
        try {
            int seq = hmp.flusher.async(null);
            hmp.flusher.waitSeq(seq);
            if (seq - hmp.flusher.done > 0) throw new IllegalStateException("wait returned before seq " + seq + ", done " + hmp.flusher.done);
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /** Another caller's full sync: its own master loop. */
    @Signal
    public void signal() {
        rig.hmp.sync();
    }
}
