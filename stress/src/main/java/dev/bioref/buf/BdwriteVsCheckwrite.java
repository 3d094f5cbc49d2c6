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
 * A filesystem's bdwrite of a buffer with an unsatisfied dependency races the buffer daemon,
 * which must ask io_checkwrite before writing it (flushbufqueues, L2441; reference vfs_bio.md
 * §9.3 #11-12).
 *
 * <p>State: block 0 is dirty with 17 and carries one dependency; its hooks' io_checkwrite
 * refuses (the dependency, e.g. an UNDO record, is not on disk yet). The interleaving:
 * {@code filesystem} modifies it again: getblk(0) (sleeping if the daemon holds it), fill 51,
 * bdwrite, keeping the dependency. {@code daemon} runs flushbufqueues passes until one has met
 * the buffer unlocked (a pass skips a buffer it cannot try-lock); each meeting must ask
 * io_checkwrite, get the refusal and brelse the buffer, still dirty, to the DIRTY tail. The
 * arbiter looks at the disk and the buffer: nothing may have been written, and the buffer must
 * still be dirty with the newest data.
 *
 * <p>With the question skipped ({@code BufMutations.daemonSkipsCheckwrite}, the mutant
 * {@code dev.bioref.buf.mutants.BdwriteVsCheckwrite_DaemonSkipsCheckwrite}) the daemon writes
 * the buffer in every interleaving.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=BdwriteVsCheckwrite -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "disk=0, dirty=51, ok", expect = ACCEPTABLE,
        desc = "the daemon asked, was refused, left it dirty; the filesystem's newest data is kept")
@Outcome(id = "disk=(17|51), .*", expect = FORBIDDEN,
        desc = "written although io_checkwrite refused: the dependency's ordering is broken")
@Outcome(id = ".*, clean.*", expect = FORBIDDEN, desc = "the buffer was marked clean without a write")
@Outcome(expect = FORBIDDEN, desc = "anything else: lost data, a panic, or a broken invariant (named in r3)")
@State
public class BdwriteVsCheckwrite {
    final BufCache cache;
    final Vnode vp;
    final Buf bp;

    public BdwriteVsCheckwrite() { this(BufMutations.none()); }

    public BdwriteVsCheckwrite(BufMutations m) {
        cache = new BufCache(Params.forTest(2, StressRig.BLK).withFlushperqueue(4), m, BufQuirks.none());
        vp = StressRig.vnode(cache, 1);
        bp = StressRig.fill(cache, vp, 0, 17);
        new StressRig.RefusingOps(false).attach(bp);
        cache.bdwrite(bp);
    }

    /** Modifies the dirty block again: getblk, fill 51, bdwrite. */
    @Actor
    public void filesystem(LLL_Result r) {
        try {
            cache.bdwrite(StressRig.fill(cache, vp, 0, 51));
        } catch (Throwable t) {
            r.r2 = StressRig.thrown(t);
        }
    }

    /** Daemon passes until one has met the buffer. */
    @Actor
    public void daemon(LLL_Result r) {
        try {
            while (cache.flushbufqueues(false) == 0) Thread.onSpinWait();
        } catch (Throwable t) {
            r.r3 = StressRig.thrown(t);
        }
    }

    /** r1: what the disk holds; r2: the buffer's state and data; r3: the invariants. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r1 = "disk=" + StressRig.disk(vp, 0);
        if (r.r2 == null) r.r2 = (bp.hasFlags(Buf.B_DELWRI) ? "dirty=" : "clean=") + bp.b_data()[0];
        if (r.r3 == null) r.r3 = StressRig.invariants(cache);
    }
}
