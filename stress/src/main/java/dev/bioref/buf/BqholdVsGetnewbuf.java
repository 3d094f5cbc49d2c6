// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.BufLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A hold (bqhold, here findblk with FINDBLK_REF) races getnewbuf's reclaim of the held header
 * (reference vfs_bio.md §9.3 #3; the checks at L2002, L2031 and L2131).
 *
 * <p>State: two headers, both CLEAN in the order [X = block 0 (17), Y = block 2 (51)]; the
 * holder has looked up X with FINDBLK_REF | FINDBLK_TEST, so X has {@code b_refs = 1} and is
 * neither locked nor moved. The interleaving: {@code holder} locks X again (the way a client
 * comes back after an unlocked gap, e.g. a uiomove), checks it still is block 0, reads it and
 * gives the lock back (BUF_UNLOCK: X stays where it is on CLEAN). {@code pressure} reads block
 * 1, so getnewbuf must reclaim a CLEAN header: its second-chance pass ages X and Y and then
 * meets X first; the refs check must make it skip X and take Y. If it took X, X would get block
 * 1's identity while the holder still holds it. The arbiter checks X still is block 0, then
 * drops the hold (bqdrop) and checks the invariants (NoReuseUnderHoldInv among them).
 *
 * <p>With the refs checks removed ({@code BufMutations.getnewbufIgnoresRefs}, the mutant
 * {@code dev.bioref.buf.mutants.BqholdVsGetnewbuf_GetnewbufIgnoresRefs}) getnewbuf takes X in
 * every interleaving: when the holder has X locked the try-lock fails and getnewbuf retries
 * until it gets it.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=BqholdVsGetnewbuf -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "17, 0, held, ok", expect = ACCEPTABLE,
        desc = "the held header kept block 0; getnewbuf reclaimed the other one for block 1")
@Outcome(id = "recycled, .*", expect = FORBIDDEN,
        desc = "the holder came back to a header recycled under its hold")
@Outcome(id = ".*, recycled, .*", expect = FORBIDDEN,
        desc = "the held header was recycled after the holder's look: reuse under a hold")
@Outcome(expect = FORBIDDEN, desc = "anything else: bad data, a panic, or a broken invariant (named in r4)")
@State
public class BqholdVsGetnewbuf {
    final BufCache cache;
    final Vnode vp;
    final Buf held;

    public BqholdVsGetnewbuf() { this(BufMutations.none()); }

    public BqholdVsGetnewbuf(BufMutations m) {
        cache = StressRig.cache(2, m, BufQuirks.none());
        vp = StressRig.vnode(cache, 3);
        StressRig.writeClean(cache, vp, 0, 17);
        StressRig.writeClean(cache, vp, 2, 51);
        held = cache.findblk(vp, StressRig.off(0), BufCache.FINDBLK_REF | BufCache.FINDBLK_TEST);
    }

    /** Relocks the held header, checks it is still block 0: r1 = its first byte, or "recycled". */
    @Actor
    public void holder(LLLL_Result r) {
        try {
            held.b_lock().lock(BufLock.LK_EXCLUSIVE);
            try {
                boolean same = held.b_vp() == vp && held.b_loffset() == StressRig.off(0);
                r.r1 = same ? Integer.toString(held.b_data()[0]) : "recycled";
            } finally {
                held.b_lock().unlock();
            }
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** Reads block 1, so getnewbuf must reclaim one of the two CLEAN headers: r2 = its first byte. */
    @Actor
    public void pressure(LLLL_Result r) {
        try {
            r.r2 = StressRig.readBlock(cache, vp, 1);
        } catch (Throwable t) {
            r.r2 = StressRig.thrown(t);
        }
    }

    /** r3: the held header still is block 0 ("held") or not ("recycled"); r4: the invariants after bqdrop. */
    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r3 = held.b_vp() == vp && held.b_loffset() == StressRig.off(0) ? "held" : "recycled";
        cache.bqdrop(held);
        r.r4 = StressRig.invariants(cache);
    }
}
