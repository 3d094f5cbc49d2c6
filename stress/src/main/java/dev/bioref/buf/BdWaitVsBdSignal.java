package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The writer throttle's ticket against the signals of completing writes: a writer in bd_wait
 * must be woken once the wake index passes its ticket (reference vfs_bio.md §9.3 #14,
 * "bd_wait vs bd_signal ticket race"; Mode.Termination, a lost wakeup hangs).
 *
 * <p>State: 16 headers (hidirtybufspace = 6 blocks), blocks 0-6 dirty: dirtykvaspace is one
 * block over the limit; the 1 s {@code hz} timeout of the throttle's sleep is raised to 60 s,
 * so that a lost wakeup is not masked by the timeout. The actor calls
 * {@code bd_wait(MAXBSIZE)}: it takes the ticket "index + 1", publishes it in bd_wake_ary
 * after tsleep_interlock, re-reads bd_wake_index (L482-483) and sleeps unless the index has
 * already passed. The signal waits (at most 1 s) until a ticket is published, then bwrites the
 * seven buffers: each completion calls bd_signal twice (runningbufwakeup, then bpdone's
 * bundirty), so the second signal passes the ticket and must wake the writer, wherever it is
 * between publishing the ticket and sleeping; once woken, dirtykvaspace is back at the limit and
 * bd_wait returns.
 *
 * <p>JCStress's sanity mode (verify's default) runs no sample of a Mode.Termination test, so
 * this class checks nothing there; it runs under {@code -Pjcstress-default} / {@code -Pthorough}.
 * Its ordinary-mode twin {@link BdWaitVsBdSignalAsleep} runs the same race in every mode (the
 * writer's sleep under a watchdog, a lost wakeup reported as a FORBIDDEN outcome), with the
 * must-fail mutant {@code mutants.BdWaitVsBdSignalAsleep_BdSignalSkipsWakeup} (bd_signal skips
 * the wakeup, L508-509). No switch removes bd_wait's re-read or interlock.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t BdWaitVsBdSignal</pre>
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the writer was woken when the index passed its ticket")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the writer sleeps on although the wake index passed its ticket")
@Outcome(expect = FORBIDDEN, desc = "anything else: the writer or the signalling writes failed")
@State
public class BdWaitVsBdSignal {
    static final int DIRTY = 7;
    static final long TICKET_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    final BufCache cache;
    final Vnode vp;

    public BdWaitVsBdSignal() {
        cache = StressRig.cache(16, BufMutations.none(), BufQuirks.none());
        cache.setHz(TimeUnit.SECONDS.toNanos(60));
        vp = StressRig.vnode(cache, DIRTY);
        for (int blk = 0; blk < DIRTY; blk++) cache.bdwrite(StressRig.fill(cache, vp, blk, blk + 1));
        if (cache.view().dirtykvaspace() <= cache.view().params().hidirtybufspace()) {
            throw new IllegalStateException("BdWaitVsBdSignal: dirtykvaspace " + cache.view().dirtykvaspace()
                    + " is not above hidirtybufspace " + cache.view().params().hidirtybufspace());
        }
    }

    /** The writer throttle: waits for one block's worth of ticket progress. */
    @Actor
    public void writer() {
        cache.bd_wait(cache.view().params().maxbsize());
    }

    /** Once a ticket is published: writes every dirty buffer (two bd_signal calls each). */
    @Signal
    public void signal() {
        long deadline = System.nanoTime() + TICKET_WAIT_NANOS;
        while (!ticketPublished() && System.nanoTime() < deadline) Thread.onSpinWait();
        for (int blk = 0; blk < DIRTY; blk++) {
            int error = cache.bwrite(cache.getblk(vp, StressRig.off(blk), StressRig.BLK, 0, 0));
            if (error != 0) throw new IllegalStateException("BdWaitVsBdSignal: bwrite of block " + blk + ": errno " + error);
        }
    }

    private boolean ticketPublished() {
        for (int i = 0; i < cache.bd_wake_ary.length(); i++) {
            if (cache.bd_wake_ary.get(i) != 0) return true;
        }
        return false;
    }
}
