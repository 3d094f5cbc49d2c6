package dev.bioref.buf;

import dev.bioref.device.GateCompleter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;


import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A filesystem's bdwrite races a daemon pass and the completions of the writes that pass
 * starts: the dirty and running counters must come out exact (reference vfs_bio.md §9.3 #5,
 * "bdwrite vs daemon flush accounting").
 *
 * <p>State: block 0 cached clean with 5 (on CLEAN), block 1 dirty with 9 (on DIRTY); the
 * device keeps every completion until the daemon actor delivers it. The interleaving:
 * {@code filesystem} does getblk(0) (sleeping if the daemon is writing it), fills 17, bdwrite:
 * bdirty adds the buffer to dirtybufcount, dirtybufspace and dirtykvaspace and queues it on the
 * DIRTY tail. {@code daemon} runs one flushbufqueues pass: it writes block 1 and, if it meets
 * it dirty and unlocked, block 0 (bsetrunningbufspace adds to the running counters); then, as
 * the device's interrupt on the same CPU (two CPUs: JCStress runs two actors), it runs the
 * completions (biodone → runningbufwakeup → bpdone → bundirty → bqrelse) while the filesystem
 * may still work. The arbiter checks each block (disk and buffer), the counters in words (dirty buffers, their
 * bytes, running bytes; the true values are 0 or 1 dirty buffer and 0 running) and every
 * invariant (the counter sums, QueueContentInv: a DELWRI buffer never on CLEAN, a clean one
 * never on DIRTY).
 *
 * <p>No switch of {@code BufMutations} guards the accounting (the counters are atomics in the
 * port and in the seed), so this race has no must-fail twin: it checks the port, it cannot show
 * that it bites.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=BdwriteVsFlushAccounting -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "disk=5 dirty=17, disk=9 clean=9, dirty=1/512 running=0, ok", expect = ACCEPTABLE,
        desc = "the pass did not meet block 0 dirty (before the bdwrite, or while the filesystem held it): it stays a delayed write")
@Outcome(id = "disk=17 clean=17, disk=9 clean=9, dirty=0/0 running=0, ok", expect = ACCEPTABLE,
        desc = "the pass met block 0 after the bdwrite and wrote it too")
@Outcome(id = ".*, dirty=(?!0/0 |1/512 ).*", expect = FORBIDDEN, desc = "the dirty counters drifted")
@Outcome(id = ".*, running=(?!0,).*", expect = FORBIDDEN, desc = "running bytes left after every write completed")
@Outcome(expect = FORBIDDEN, desc = "anything else: a lost write, a buffer on the wrong queue, a panic, or a broken invariant (named in r4)")
@State
public class BdwriteVsFlushAccounting {
    final BufCache cache;
    final Vnode vp;
    /** The device's interrupt: holds completions from the moment the race starts, then runs them. */
    final GateCompleter irq = new GateCompleter();

    public BdwriteVsFlushAccounting() {
        cache = new BufCache(Params.forTest(2, StressRig.BLK).withFlushperqueue(4), BufMutations.none(), BufQuirks.none());
        vp = StressRig.vnode(cache, 2, irq);
        StressRig.writeClean(cache, vp, 0, 5);
        cache.bdwrite(StressRig.fill(cache, vp, 1, 9));
        irq.shut();
    }

    /** getblk(0), fill 17, bdwrite. */
    @Actor
    public void filesystem(LLLL_Result r) {
        try {
            cache.bdwrite(StressRig.fill(cache, vp, 0, 17));
        } catch (Throwable t) {
            r.r1 = StressRig.thrown(t);
        }
    }

    /**
     * One daemon pass, then the device's interrupt on the daemon's CPU: the completions of the
     * writes the pass started.
     */
    @Actor
    public void daemon(LLLL_Result r) {
        try {
            cache.flushbufqueues(false);
            irq.completeHeld();
        } catch (Throwable t) {
            r.r3 = StressRig.thrown(t);
        }
    }

    /** r1, r2: block 0 and 1 (disk, then buffer); r3: the counters; r4: the invariants. */
    @Arbiter
    public void arbiter(LLLL_Result r) {
        if (r.r1 == null) r.r1 = block(0);
        if (r.r2 == null) r.r2 = block(1);
        if (r.r3 == null) {
            r.r3 = "dirty=" + cache.view().dirtybufcount() + "/" + cache.view().dirtybufspace() + " running=" + cache.view().runningbufspace()
                    + (cache.view().dirtykvaspace() != cache.view().dirtybufcount() * StressRig.BLK ? " kva=" + cache.view().dirtykvaspace() : "");
        }
        r.r4 = StressRig.invariants(cache);
    }

    private String block(int blk) {
        Buf bp = cache.findblk(vp, StressRig.off(blk), BufCache.FINDBLK_TEST);
        String mem = bp == null ? "gone" : (bp.hasFlags(Buf.B_DELWRI) ? "dirty=" : "clean=") + bp.b_data()[0];
        return "disk=" + StressRig.disk(vp, blk) + " " + mem;
    }
}
