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
 * getnewbuf's second-chance write {@code b_flags |= B_AGE} (L1957) is made under the per-CPU
 * spinlock only, without the buffer lock, while the buffer's owner may be updating b_flags in
 * getblk's acquire window (reference vfs_bio.md §5.5.1 and §9.3 #10). The port updates b_flags
 * with CAS, so the owner's update cannot be lost; the must-fail
 * {@code dev.bioref.buf.mutants.UnlockedAgeRmw_SeedUnlockedAgeRmw} runs the same race with the
 * seed's plain read-modify-write ({@code BufQuirks.seedUnlockedAgeRmw}).
 *
 * <p>State: two headers on CLEAN in the order [Y = block 2, X = block 0]; X is hashed with
 * B_INVAL | B_CACHE (invalidated and bqrelse'd). The interleaving: {@code owner} runs getblk(0):
 * findblk locks X, then, without the spinlock, clears B_AGE and, because X is B_INVAL, clears
 * B_CACHE (L2834), so the caller knows it must read. {@code reclaimer} runs getblk(1): getnewbuf
 * (under the spinlock, not holding X's lock) ages Y, then sets B_AGE on X, and takes Y. If
 * getnewbuf read X's flags before the owner cleared B_CACHE and wrote them back after, B_CACHE
 * comes back: the owner gets an invalid buffer marked valid and would skip the read.
 *
 * <p>The window is a few instructions wide, so sanity mode would almost never hit it. The
 * port's test seam {@code BufCache.ageWindow} (called inside the second-chance update, between
 * the seed's load and store, spinlock held, buffer unlocked) widens it: for X only, it waits up
 * to {@value #WINDOW_MICROS} µs for the owner to clear B_CACHE. With CAS the store cannot undo
 * that clear however wide the window; with the seed's plain load/store it does, in every
 * interleaving where the owner arrives within the window.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=UnlockedAgeRmw -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "invalid, done, ok", expect = ACCEPTABLE,
        desc = "the owner saw B_CACHE cleared on the invalid buffer, whenever getnewbuf aged it")
@Outcome(id = "valid, .*", expect = FORBIDDEN,
        desc = "lost update: getnewbuf's unlocked B_AGE write put back B_CACHE the owner had cleared")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, or a broken invariant (named in r3)")
@State
public class UnlockedAgeRmw {
    static final long WINDOW_MICROS = 2000;
    final BufCache cache;
    final Vnode vp;

    public UnlockedAgeRmw() { this(BufQuirks.none()); }

    public UnlockedAgeRmw(BufQuirks q) {
        cache = StressRig.cache(2, BufMutations.none(), q);
        vp = StressRig.vnode(cache, 3);
        StressRig.writeClean(cache, vp, 2, 51);
        StressRig.writeClean(cache, vp, 0, 17);
        Buf x = cache.getblk(vp, 0, StressRig.BLK, 0, 0);
        x.setFlags(Buf.B_INVAL);   // invalidated, but released with bqrelse: stays hashed on CLEAN
        cache.bqrelse(x);
        cache.ageWindow = bp -> {
            if (bp != x) return;
            long deadline = System.nanoTime() + WINDOW_MICROS * 1000;
            while (bp.hasFlags(Buf.B_CACHE) && System.nanoTime() < deadline) Thread.onSpinWait();
        };
    }

    /** getblk(0): r1 = "invalid" if B_CACHE is clear on the buffer it returns, "valid" if not; then brelse. */
    @Actor
    public void owner(LLL_Result r) {
        try {
            Buf bp = cache.getblk(vp, 0, StressRig.BLK, 0, 0);
            r.r1 = bp.hasFlags(Buf.B_CACHE) ? "valid" : "invalid";
            bp.setFlags(Buf.B_INVAL);
            cache.brelse(bp);
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** getblk(1) + brelse: getnewbuf ages the CLEAN headers, X among them, and reclaims one. */
    @Actor
    public void reclaimer(LLL_Result r) {
        try {
            Buf bp = cache.getblk(vp, StressRig.off(1), StressRig.BLK, 0, 0);
            bp.setFlags(Buf.B_INVAL);
            cache.brelse(bp);
            r.r2 = "done";
        } catch (Throwable t) {
            r.r2 = StressRig.thrown(t);
        }
    }

    /** r3: the invariants. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = StressRig.invariants(cache);
    }
}
