// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The completion path (biodone → bpdone → bqrelse, acting for the kernel that owns the buffer)
 * races another thread's getblk + brelse of the same block (reference vfs_bio.md §9.3 #1).
 *
 * <p>State: block 0 cached clean with 17; the device keeps completions for the
 * interrupt (the header is written inline during setup, then the completer holds). The
 * interleaving: {@code writer} starts the interrupt, then runs getblk(0), fills 51 and
 * bawrites: the lock goes to KERNPROC and the request waits in the device. The interrupt, a
 * thread of its own that waits for the request, delivers the completion: biodone sets b_cmd
 * DONE, undirties, bqrelses and so unlocks. (It was a third actor; JCStress runs no test with
 * more actors than CPUs, and on this project's 2-CPU machine it skipped the test without a
 * word until {@code dev.bioref.stress.EveryTestRan} made that fail the build. The arbiter
 * joins the thread.) {@code other}
 * runs getblk(0): before the write it gets the old clean buffer; after the bawrite it sleeps on
 * the lock until the completion releases it, then must see everything the completion did
 * (b_cmd DONE, off every queue, not dirty, valid, the new data), and brelses it. What it
 * observes is r1; seeing the buffer mid-I/O, queued, or dirty after a good write is the bug.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=BiodoneVsBrelse -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "17, 51 ok", expect = ACCEPTABLE, desc = "the other thread took the block before the write: old data")
@Outcome(id = "51, 51 ok", expect = ACCEPTABLE,
        desc = "the other thread took the block after the completion released it: new data, clean, done")
@Outcome(id = "cmd=.*", expect = FORBIDDEN, desc = "the other thread got the buffer while its I/O was still running")
@Outcome(id = "queued.*", expect = FORBIDDEN, desc = "getblk returned a buffer still on a free queue")
@Outcome(id = "delwri.*", expect = FORBIDDEN, desc = "still dirty after a good write: bpdone's undirty was not seen")
@Outcome(expect = FORBIDDEN, desc = "anything else: invalid data, a lost write, a panic or a broken invariant")
@State
public class BiodoneVsBrelse {
    final StressRig.HandCompleter completer = new StressRig.HandCompleter();
    final BufCache cache;
    final Vnode vp;

    public BiodoneVsBrelse() { this(BufMutations.none()); }

    public BiodoneVsBrelse(BufMutations m) {
        cache = StressRig.cache(2, m, BufQuirks.none());
        vp = StressRig.vnode(cache, 1, completer);
        StressRig.writeClean(cache, vp, 0, 17);
        completer.hold();
    }

    /** The interrupt: delivers the write's completion (biodone, bpdone, bqrelse) once it is issued. */
    Thread interrupt;
    /** Set by the interrupt thread if the completion threw. */
    volatile String interruptFailed;

    /** Starts the interrupt; getblk, fill 51, bawrite: the buffer goes to the kernel until the interrupt completes it. */
    @Actor
    public void writer() {
        interrupt = new Thread(() -> {
            try {
                completer.deliver();
            } catch (Throwable t) {
                interruptFailed = StressRig.thrown(t);
            }
        }, "interrupt");
        interrupt.setDaemon(true);
        interrupt.start();
        cache.bawrite(StressRig.fill(cache, vp, 0, 51));
    }

    /** getblk(0), looks at the buffer, brelse: r1 = the data, or the first thing that is wrong. */
    @Actor
    public void other(LL_Result r) {
        try {
            Buf bp = cache.getblk(vp, 0, StressRig.BLK, 0, 0);
            if (bp.b_cmd() != BufCmd.DONE) r.r1 = "cmd=" + bp.b_cmd();
            else if (bp.b_qindex() != Buf.BQUEUE_NONE) r.r1 = "queued on " + Buf.queueName(bp.b_qindex());
            else if (bp.hasFlags(Buf.B_DELWRI)) r.r1 = "delwri";
            else if (!bp.hasFlags(Buf.B_CACHE)) r.r1 = "not-cached";
            else r.r1 = Integer.toString(bp.b_data()[0]);
            cache.brelse(bp);
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** r2: what the disk holds, and the invariants (or why the interrupt did not complete the write). */
    @Arbiter
    public void arbiter(LL_Result r) {
        try {
            interrupt.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (interrupt.isAlive()) r.r2 = "interrupt hung";
        else if (interruptFailed != null) r.r2 = "interrupt " + interruptFailed;
        else r.r2 = StressRig.disk(vp, 0) + " " + StressRig.invariants(cache);
    }
}
