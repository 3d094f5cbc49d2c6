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
 * getblk of a cached block races getnewbuf reclaiming that block's header for another block
 * (reference vfs_bio.md §9.3 #2).
 *
 * <p>State: two headers, both CLEAN in the order [X = block 0 (17), Y = block 2 (51)]; block 1
 * holds 34 on the disk only. The interleaving: {@code cached} runs bread(0): findblk finds X
 * (FINDBLK_REF holds it across the unlocked gap), then locks it. {@code reclaimer} runs
 * bread(1): findblk misses, getnewbuf ages X and Y (second chance) and then meets X first: it
 * takes X unless X is held (refs) or locked (try-lock fails: one-tick back-off, then again),
 * brelvps it and gives it block 1. If X went first, {@code cached} finds no block 0 and takes
 * the other header. Whoever comes second must notice the identity change (getblk rechecks it
 * after the lock); each must end with the right block and the right data.
 *
 * <p>The seed's version of this race has one header (nbuf = 1): there the second thread
 * sleeps in getnewbuf and, in the seed's order, can miss the first one's wakeup (deviation B27,
 * now fixed; tested by {@link GetnewbufLostWakeup}). Two headers keep every getnewbuf here
 * from sleeping, so this test is about reclaim, not wakeups.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=GetblkVsGetnewbufReclaim -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "17, 34, ok", expect = ACCEPTABLE,
        desc = "each reader got its own block with its own data, whichever took the header first")
@Outcome(id = "wrong-identity, .*", expect = FORBIDDEN,
        desc = "the cached block's reader used a header recycled for block 1 without noticing")
@Outcome(id = ".*, wrong-identity, .*", expect = FORBIDDEN,
        desc = "getnewbuf returned a header that still carries another identity")
@Outcome(id = "34, .*", expect = FORBIDDEN, desc = "block 0's reader saw block 1's data: stale header")
@Outcome(expect = FORBIDDEN, desc = "anything else: bad data, a panic, or a broken invariant (named in r3)")
@State
public class GetblkVsGetnewbufReclaim {
    final BufCache cache;
    final Vnode vp;

    public GetblkVsGetnewbufReclaim() { this(BufMutations.none()); }

    public GetblkVsGetnewbufReclaim(BufMutations m) {
        cache = StressRig.cache(2, m, BufQuirks.none());
        vp = StressRig.vnode(cache, 3);
        StressRig.writeClean(cache, vp, 1, 34);
        StressRig.writeClean(cache, vp, 0, 17);
        StressRig.writeClean(cache, vp, 2, 51);   // reclaims block 1's header: [X = 0, Y = 2] on CLEAN
    }

    /** Reads the block the header caches: r1 = its first byte, or what was wrong. */
    @Actor
    public void cached(LLL_Result r) {
        try {
            r.r1 = StressRig.readBlock(cache, vp, 0);
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** Reads block 1, so getnewbuf must reclaim a CLEAN header, block 0's first: r2 = its first byte. */
    @Actor
    public void reclaimer(LLL_Result r) {
        try {
            r.r2 = StressRig.readBlock(cache, vp, 1);
        } catch (Throwable t) {
            r.r2 = StressRig.thrown(t);
        }
    }

    /** r3: every invariant clause holds and no hold is left on a header. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        String inv = StressRig.invariants(cache);
        r.r3 = !inv.equals("ok") ? inv
                : cache.view().header(0).b_refs() + cache.view().header(1).b_refs() != 0 ? "refs-left" : "ok";
    }
}
