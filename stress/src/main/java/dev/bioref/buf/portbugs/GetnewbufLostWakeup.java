package dev.bioref.buf.portbugs;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.buf.BufMutations;
import dev.bioref.buf.BufQuirks;
import dev.bioref.buf.StressRig;
import dev.bioref.buf.Vnode;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PORT BUG, not in the default run (the stress pom excludes {@code *.portbugs.*}): getnewbuf
 * can miss the wakeup of a release and sleep with a free header on CLEAN, the
 * getblk-vs-getnewbuf race of reference vfs_bio.md §9.3 #2 with its one header.
 *
 * <p>State: one header ({@code nbuf = 1}), block 0 cached clean with 17, block 1 holds 34 on
 * disk. Both actors read a block through getblk (with a 1 s timeout instead of forever, so the
 * bug shows as an outcome, not a hang). The interleaving that fails: {@code b} scans EMPTY and
 * CLEAN while {@code a} holds the header, finds nothing, drops the spinlock; {@code a} releases
 * the header (bqrelse → bufcountwakeup, which sees {@code needsbuffer == 0} and wakes nobody);
 * only then does {@code b} set NEED_ANY in needsbuffer and sleep. Nothing will clear the bit:
 * {@code b} sleeps although the header is free (with the seed's timeout 0, forever).
 * BufCache.getnewbuf (L1885 port) sets needsbuffer after the failed scan without scanning
 * again, so a release in between is lost; the tsleep_interlock protocol protects only the
 * window between setting the bit and sleeping. Setting the bit before the scan (or rescanning
 * once after setting it) closes the window.
 *
 * <p>Observed: the sanity run hung in JCStress's own single-shot API check of the nbuf = 1
 * version (before the timeout was added). Run it by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t GetnewbufLostWakeup</pre>
 */
@JCStressTest
@Outcome(id = "17, 34, ok", expect = ACCEPTABLE, desc = "both got the header in turn")
@Outcome(id = ".*timed-out.*", expect = FORBIDDEN,
        desc = "lost wakeup: getnewbuf slept 1 s although the other thread had released the only header")
@Outcome(expect = FORBIDDEN, desc = "anything else: wrong data, a panic, or a broken invariant")
@State
public class GetnewbufLostWakeup {
    static final long TIMEOUT = TimeUnit.SECONDS.toNanos(1);
    final BufCache cache;
    final Vnode vp;

    public GetnewbufLostWakeup() {
        cache = StressRig.cache(1, BufMutations.none(), BufQuirks.none());
        vp = StressRig.vnode(cache, 2);
        StressRig.writeClean(cache, vp, 1, 34);
        StressRig.writeClean(cache, vp, 0, 17);
    }

    /** getblk with a timeout; the first byte if the block is valid (read it if not), or "timed-out". */
    String read(int blk) {
        Buf bp = cache.getblk(vp, StressRig.off(blk), StressRig.BLK, 0, TIMEOUT);
        if (bp == null) return "timed-out";
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
