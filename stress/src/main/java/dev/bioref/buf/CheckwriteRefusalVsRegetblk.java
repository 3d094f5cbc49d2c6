// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The filesystem takes back a buffer it pinned while the daemon is still parking it, and
 * getnewbuf reclaims headers meanwhile (reference vfs_bio.md §9.3 #12, "io_checkwrite refusal
 * vs regetblk").
 *
 * <p>State: two headers: X = block 0, dirty with 17 and a dependency whose io_checkwrite pins
 * (sets B_LOCKED) and refuses, on DIRTY; Y = block 2, clean, on CLEAN. The interleaving:
 * {@code kernel} runs flushbufqueues passes until one has met X: the hook pins X and refuses,
 * and the daemon's brelse must park X on LOCKED (L1538). {@code fs}, the filesystem, learns of
 * its debt when the pin appears, waits (at most 50 µs) for the daemon to let go of X and notes
 * where X was parked, then does what HAMMER does with a pinned buffer: {@link BufCache#regetblk}
 * (blocking while the daemon still holds X: the race of the title), clear B_LOCKED,
 * {@link BufCache#bdwrite}. Meanwhile {@code kernel}, done with its pass, reads block 1 (the
 * getnewbuf pressure; the reference's third actor, on the daemon's CPU because JCStress runs
 * two actors on two CPUs), so getnewbuf must reclaim a CLEAN header: Y, never X. The arbiter
 * checks that X still is block 0, dirty with its data, unpinned on DIRTY (or pinned again on
 * LOCKED: the daemon's pass has budget for four buffers and meets X again if the filesystem
 * re-queued it behind the pass's marker), and the invariants (LockedNotRecycledInv,
 * QueueContentInv and the dirty counters among them: the filesystem's bdwrite of a buffer that
 * is already B_DELWRI must not count it twice).
 *
 * <p>With brelse ignoring B_LOCKED ({@code BufMutations.brelseLockedToClean}, the mutant
 * {@code dev.bioref.buf.mutants.CheckwriteRefusalVsRegetblk_BrelseLockedToClean}) the daemon
 * queues the pinned, dirty X on DIRTY, where it meets it again on every pass; the filesystem
 * finds it there (r1 = DIRTY). Its own reget, unpin and bdwrite then hide the fault: the final
 * state is the same as without the mutation, so only r1 sees it.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=CheckwriteRefusalVsRegetblk -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "LOCKED, 0, DIRTY dirty=17 unpinned, ok", expect = ACCEPTABLE,
        desc = "the daemon parked the pinned buffer on LOCKED; the filesystem took it back from there and re-queued it dirty")
@Outcome(id = "NONE, 0, DIRTY dirty=17 unpinned, ok", expect = ACCEPTABLE,
        desc = "the filesystem's regetblk met the daemon still holding the buffer (the window) and waited for its release")
@Outcome(id = "(LOCKED|NONE), 0, LOCKED dirty=17 pinned, ok", expect = ACCEPTABLE,
        desc = "the same daemon pass met the buffer again after the filesystem re-queued it, and parked it again (the dependency still refuses)")
@Outcome(id = "DIRTY, .*", expect = FORBIDDEN,
        desc = "the daemon queued the pinned buffer on DIRTY: B_LOCKED ignored, the daemon meets it again and again")
@Outcome(id = "CLEAN, .*", expect = FORBIDDEN,
        desc = "the daemon queued the pinned buffer on CLEAN, where getnewbuf recycles headers")
@Outcome(id = ".*, recycled.*", expect = FORBIDDEN, desc = "getnewbuf recycled the pinned buffer: its write is lost")
@Outcome(expect = FORBIDDEN, desc = "anything else: bad data, a pin left behind, a panic, or a broken invariant (named in r4)")
@State
public class CheckwriteRefusalVsRegetblk {
    /** How long the filesystem waits for the daemon to let go of the pinned buffer before it blocks in regetblk. */
    static final long RELEASE_WAIT_NANOS = 50_000L;
    /** How long the filesystem waits for its hook to pin the buffer before it gives up (the daemon failed). */
    static final long PIN_WAIT_NANOS = 1_000_000_000L;

    final BufCache cache;
    final Vnode vp;
    final Buf pinned;

    public CheckwriteRefusalVsRegetblk() { this(BufMutations.none()); }

    public CheckwriteRefusalVsRegetblk(BufMutations m) {
        cache = new BufCache(Params.forTest(2, StressRig.BLK).withFlushperqueue(4), m, BufQuirks.none());
        vp = StressRig.vnode(cache, 3);
        pinned = StressRig.fill(cache, vp, 0, 17);
        new StressRig.RefusingOps(true).attach(pinned);
        cache.bdwrite(pinned);
        StressRig.writeClean(cache, vp, 2, 51);
    }

    /**
     * Daemon passes until one has met the pinned buffer; then, on the same CPU (two CPUs:
     * JCStress runs two actors), the pressure: reads block 1, so getnewbuf must reclaim a CLEAN
     * header. r2 = the data read.
     */
    @Actor
    public void kernel(LLLL_Result r) {
        try {
            while (cache.flushbufqueues(false) == 0) Thread.onSpinWait();
        } catch (Throwable t) {
            r.r4 = StressRig.thrown(t);
            return;
        }
        try {
            r.r2 = StressRig.readBlock(cache, vp, 1);
        } catch (Throwable t) {
            r.r2 = StressRig.thrown(t);
        }
    }

    /**
     * The filesystem: once its hook has pinned X, regetblk, unpin, bdwrite. r1 = the queue X
     * was on when the filesystem went for it (NONE: the daemon still held it; never-pinned: the
     * daemon never called the hook within 1 s).
     */
    @Actor
    public void fs(LLLL_Result r) {
        try {
            long giveUp = System.nanoTime() + PIN_WAIT_NANOS;
            while (!pinned.anyFlags(Buf.B_LOCKED)) {
                if (System.nanoTime() > giveUp) {
                    r.r1 = "never-pinned";
                    return;
                }
                Thread.onSpinWait();
            }
            long deadline = System.nanoTime() + RELEASE_WAIT_NANOS;
            while (pinned.b_lock().isLocked() && System.nanoTime() < deadline) Thread.onSpinWait();
            r.r1 = Buf.queueName(pinned.b_qindex());
            cache.regetblk(pinned);
            pinned.clearFlags(Buf.B_LOCKED);
            cache.bdwrite(pinned);
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** r3: where the pinned buffer is, what it holds, whether it is still pinned; r4: the invariants. */
    @Arbiter
    public void arbiter(LLLL_Result r) {
        if (pinned.b_vp() != vp || pinned.b_loffset() != 0) {
            r.r3 = "recycled";
        } else {
            r.r3 = Buf.queueName(pinned.b_qindex()) + (pinned.hasFlags(Buf.B_DELWRI) ? " dirty=" : " clean=")
                    + pinned.b_data()[0] + (pinned.anyFlags(Buf.B_LOCKED) ? " pinned" : " unpinned");
        }
        if (r.r4 == null) r.r4 = StressRig.invariants(cache);
    }
}
