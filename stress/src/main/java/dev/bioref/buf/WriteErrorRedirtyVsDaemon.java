package dev.bioref.buf;

import dev.bioref.kern.Errno;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A failed write must leave the buffer dirty (bpdone re-dirties it, L3557-3560) while the
 * daemon and an fsync race to write it (reference vfs_bio.md §9.3 #15).
 *
 * <p>State: block 0 dirty with 17; the first WRITE that reaches the device fails with EIO (a
 * fault filter under the cache), later ones succeed. The interleaving: {@code daemon} runs one
 * flushbufqueues pass (bawrite; the inline device completes it); {@code fsync} runs
 * vfsync(vp, MNT_WAIT) (bwrite). Whichever writes first gets the EIO; bpdone must put B_DELWRI
 * back, so the buffer stays dirty and either writer (the daemon's pass meets it again after a
 * one-tick back-off, or the fsync) writes it again. The arbiter: the data must be on the disk,
 * or still dirty in the cache, never neither; the dirty counters must match (the invariants).
 *
 * <p>With the re-dirty removed ({@code BufMutations.bpdoneNoRedirtyOnError}, the mutant
 * {@code dev.bioref.buf.mutants.WriteErrorRedirtyVsDaemon_BpdoneNoRedirtyOnError}) the failed
 * write marks the buffer clean and brelse destroys it with its error, in every interleaving:
 * the write is lost and nobody is told except the writer that got the EIO.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=WriteErrorRedirtyVsDaemon -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "(0|5), disk=17, ok", expect = ACCEPTABLE,
        desc = "the failed write was retried and reached the disk (fsync saw the EIO (5) or a later success (0))")
@Outcome(id = "(0|5), dirty=17, ok", expect = ACCEPTABLE,
        desc = "the failed write left the buffer dirty: not on disk yet, but not lost")
@Outcome(id = ".*, lost, .*", expect = FORBIDDEN,
        desc = "the data is neither on the disk nor dirty in the cache: a silently lost write")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, or a broken invariant (named in r3)")
@State
public class WriteErrorRedirtyVsDaemon {
    final BufCache cache;
    final Vnode vp;
    final AtomicInteger failures = new AtomicInteger(1);

    public WriteErrorRedirtyVsDaemon() { this(BufMutations.none()); }

    public WriteErrorRedirtyVsDaemon(BufMutations m) {
        cache = StressRig.cache(2, m, BufQuirks.none());
        vp = StressRig.vnode(cache, 1);
        cache.bdwrite(StressRig.fill(cache, vp, 0, 17));
        vp.setStrategyFilter((cmd, off, len) ->
                cmd == BufCmd.WRITE && failures.getAndDecrement() > 0 ? Errno.EIO : 0);
    }

    /** One daemon pass. */
    @Actor
    public void daemon(LLL_Result r) {
        try {
            cache.flushbufqueues(false);
        } catch (Throwable t) {
            r.r3 = StressRig.thrown(t);
        }
    }

    /** fsync: r1 = vfsync's errno. */
    @Actor
    public void fsync(LLL_Result r) {
        try {
            r.r1 = Integer.toString(VfsSubr.vfsync(vp, true));
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /** r2: where the data is ("disk=17", "dirty=17" or "lost"); r3: the invariants. */
    @Arbiter
    public void arbiter(LLL_Result r) {
        Buf bp = cache.findblk(vp, 0, BufCache.FINDBLK_TEST);
        if (StressRig.disk(vp, 0) == 17) r.r2 = "disk=17";
        else if (bp != null && bp.hasFlags(Buf.B_DELWRI)) r.r2 = "dirty=" + bp.b_data()[0];
        else r.r2 = "lost";
        if (r.r3 == null) r.r3 = StressRig.invariants(cache);
    }
}
