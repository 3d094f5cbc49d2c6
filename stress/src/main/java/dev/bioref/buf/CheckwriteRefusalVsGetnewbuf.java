// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The daemon parks a buffer the filesystem pinned (io_checkwrite sets B_LOCKED and refuses;
 * brelse must put it on the LOCKED queue, L1538) while getnewbuf reclaims CLEAN headers for
 * another block (reference vfs_bio.md §9.3 #12).
 *
 * <p>State: two headers: X = block 0, dirty with 17 and a dependency whose io_checkwrite pins
 * and refuses, on DIRTY; Y = block 2, clean, on CLEAN. The interleaving: {@code daemon} runs
 * flushbufqueues passes until one has met X: the hook sets B_LOCKED and refuses, and brelse
 * parks X on LOCKED, where getnewbuf never looks. {@code pressure} reads block 1 at the same
 * time, so getnewbuf must reclaim a CLEAN header: Y. The arbiter checks that X still is block
 * 0, dirty with its data, on LOCKED, and the invariants (LockedNotRecycledInv,
 * QueueContentInv among them).
 *
 * <p>With brelse ignoring B_LOCKED ({@code BufMutations.brelseLockedToClean}, the mutant
 * {@code dev.bioref.buf.mutants.CheckwriteRefusalVsGetnewbuf_BrelseLockedToClean}) the pinned
 * buffer is queued by its other flags in every interleaving: a dirty one on DIRTY (as here),
 * where the daemon meets it again on every pass, a clean one on CLEAN, where getnewbuf recycles
 * it; the arbiter sees the queue and QueueContentInv.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=CheckwriteRefusalVsGetnewbuf -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "0, LOCKED dirty=17, ok", expect = ACCEPTABLE,
        desc = "the pinned buffer was parked on LOCKED and kept; getnewbuf reclaimed the clean header")
@Outcome(id = ".*, CLEAN .*", expect = FORBIDDEN,
        desc = "a pinned buffer was queued on CLEAN, where getnewbuf recycles headers")
@Outcome(id = ".*, DIRTY .*", expect = FORBIDDEN,
        desc = "a pinned buffer was queued on DIRTY: B_LOCKED ignored, the daemon meets it again and again")
@Outcome(id = ".*, recycled.*", expect = FORBIDDEN, desc = "getnewbuf recycled the pinned buffer: its write is lost")
@Outcome(expect = FORBIDDEN, desc = "anything else: bad data, a panic, or a broken invariant (named in r3)")
@State
public class CheckwriteRefusalVsGetnewbuf {
    final BufCache cache;
    final Vnode vp;
    final Buf pinned;

    public CheckwriteRefusalVsGetnewbuf() { this(BufMutations.none()); }

    public CheckwriteRefusalVsGetnewbuf(BufMutations m) {
        cache = new BufCache(Params.forTest(2, StressRig.BLK).withFlushperqueue(4), m, BufQuirks.none());
        vp = StressRig.vnode(cache, 3);
        pinned = StressRig.fill(cache, vp, 0, 17);
        new StressRig.RefusingOps(true).attach(pinned);
        cache.bdwrite(pinned);
        StressRig.writeClean(cache, vp, 2, 51);
    }

    /** Daemon passes until one has met the pinned buffer. */
    @Actor
    public void daemon(LLL_Result r) {
        try {
            while (cache.flushbufqueues(false) == 0) Thread.onSpinWait();
        } catch (Throwable t) {
            r.r3 = StressRig.thrown(t);
        }
    }

    /** Reads block 1: getnewbuf must reclaim a CLEAN header. r1 = the data read. */
    @Actor
    public void pressure(LLL_Result r) {
        try {
            r.r1 = StressRig.readBlock(cache, vp, 1);
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** r2: where the pinned buffer is and what it holds; r3: the invariants. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        if (pinned.b_vp() != vp || pinned.b_loffset() != 0) {
            r.r2 = "recycled";
        } else {
            r.r2 = Buf.queueName(pinned.b_qindex()) + (pinned.hasFlags(Buf.B_DELWRI) ? " dirty=" : " clean=")
                    + pinned.b_data()[0];
        }
        if (r.r3 == null) r.r3 = StressRig.invariants(cache);
    }
}
