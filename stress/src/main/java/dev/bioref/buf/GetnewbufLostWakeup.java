// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * getblk vs a release of the only header: getnewbuf must not lose the release's wakeup
 * (reference vfs_bio.md §9.3 #2 with one header; proofs-notes/deviations.md B27).
 *
 * <p>State: one header ({@code nbuf = 1}), block 0 cached clean with 17, block 1 holds 34 on
 * disk. Both actors read a block through getblk (with a 1 s timeout instead of forever, so a
 * lost wakeup shows as an outcome, not a hang). The dangerous interleaving: {@code b} scans
 * EMPTY and CLEAN while {@code a} holds the header, finds nothing, drops the spinlock; {@code a}
 * releases the header (bqrelse → bufcountwakeup, which sees {@code needsbuffer == 0} and wakes
 * nobody); only then does {@code b} publish NEED_ANY and sleep. In the seed's order
 * (L2168-2178, switch {@code seedGetnewbufLostWakeup}) nothing clears the bit and {@code b}
 * sleeps although the header is free; the port looks at the queues once more after publishing
 * and retries. A getblk with a timeout also returns NULL after a <em>successful</em> sleep
 * (seed quirk B6), so a NULL that comes back before the timeout is a wakeup and the caller
 * retries; only a NULL after the full timeout counts as lost.
 *
 * <p>Found as a hang of JCStress's single-shot check with the first nbuf = 1 version of
 * {@code GetblkVsGetnewbufReclaim}. The seed's order is {@code mutants.GetnewbufLostWakeup_SeedOrder}.
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t GetnewbufLostWakeup</pre>
 */
@JCStressTest
@JCStressMeta(GetnewbufLostWakeup.Outcomes.class)
@State
public class GetnewbufLostWakeup {
    /** The outcomes, shared with the seed-order mutant. */
    @Outcome(id = "17, 34, ok", expect = ACCEPTABLE, desc = "both got the header in turn")
    @Outcome(id = ".*timed-out.*", expect = FORBIDDEN,
            desc = "lost wakeup: getnewbuf slept the whole 1 s although the other thread had released the only header")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong data, a panic, or a broken invariant")
    public static class Outcomes { }

    static final long TIMEOUT = TimeUnit.SECONDS.toNanos(1);
    final BufCache cache;
    final Vnode vp;

    public GetnewbufLostWakeup() { this(BufQuirks.none()); }

    public GetnewbufLostWakeup(BufQuirks quirks) {
        cache = StressRig.cache(1, BufMutations.none(), quirks);
        vp = StressRig.vnode(cache, 2);
        StressRig.writeClean(cache, vp, 1, 34);
        StressRig.writeClean(cache, vp, 0, 17);
    }

    /** getblk with a timeout; the first byte if the block is valid (read it if not), or "timed-out". */
    String read(int blk) {
        Buf bp;
        for (;;) {
            long t0 = System.nanoTime();
            bp = cache.getblk(vp, StressRig.off(blk), StressRig.BLK, 0, TIMEOUT);
            if (bp != null) break;
            if (System.nanoTime() - t0 >= TIMEOUT) return "timed-out";
            // NULL before the timeout: woken after a successful sleep (B6): look up again
        }
        String v = bp.hasFlags(Buf.B_CACHE) ? Integer.toString(bp.b_data()[0]) : null;
        cache.bqrelse(bp);
        return v != null ? v : StressRig.readBlock(cache, vp, blk);
    }

    @Actor
    public void a(LLL_Result r) {
        try {
            r.r1 = read(0);
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    @Actor
    public void b(LLL_Result r) {
        try {
            r.r2 = read(1);
        } catch (Throwable t) {
            r.r2 = StressRig.thrown(t);
        }
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = StressRig.invariants(cache);
    }
}
