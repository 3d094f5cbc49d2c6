package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each guard the cache relies on has a switch in {@link BufMutations}; with it on, the same
 * scenario that passes on the real cache is caught (an invariant clause or a device comparison
 * fails). Each test runs the scenario twice: unmutated (must pass) and mutated (must fail, and
 * fail the way it should).
 */
class BufMutationsTest {

    private static BufInvariants.Violation expectViolation(String clause, Consumer<BufMutations> on, ScenarioBody body) {
        run(BufMutations.none(), body);   // the control: must pass
        BufMutations m = BufMutations.none();
        on.accept(m);
        BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, () -> run(m, body));
        assertEquals(clause, v.clause(), v.getMessage());
        return v;
    }

    interface ScenarioBody {
        void run(BufCache c, Vnode vp, LoopbackDevice dev);
    }

    private static void run(BufMutations m, ScenarioBody body) {
        BufCache c = BufTestSupport.unchecked(Params.forTest(2, BLK), m, BufQuirks.none());
        LoopbackDevice dev = BufTestSupport.device(16);
        Vnode vp = c.vnode("dev0", dev, BLK);
        body.run(c, vp, dev);
        c.checkInvariants();
    }

    @Test void getnewbufIgnoringRefsIsCaughtByNoReuseUnderHoldInv() {
        expectViolation("NoReuseUnderHoldInv", m -> m.getnewbufIgnoresRefs = true, (c, vp, dev) -> {
            Buf held = fill(c, vp, 0, pattern(1, BLK));
            c.bqrelse(held);
            c.bqhold(held);                      // e.g. across an unlocked uiomove
            for (int b = 1; b < 6; b++) c.bqrelse(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
            c.bqdrop(held);
        });
    }

    @Test void brelsePuttingALockedBufferOnCleanIsCaughtByQueueContentInv() {
        expectViolation("QueueContentInv", m -> m.brelseLockedToClean = true, (c, vp, dev) -> {
            Buf bp = fill(c, vp, 0, pattern(2, BLK));
            bp.setFlags(Buf.B_LOCKED);           // a filesystem pins it
            c.brelse(bp);
        });
    }

    @Test void bpdoneNotRedirtyingAFailedWriteIsCaughtByNoSilentLossInv() {
        expectViolation("NoSilentLossInv", m -> m.bpdoneNoRedirtyOnError = true, (c, vp, dev) -> {
            int[] fail = {1};
            vp.setStrategyFilter((cmd, off, len) -> cmd == BufCmd.WRITE && fail[0]-- > 0 ? Errno.EIO : 0);
            c.bdwrite(fill(c, vp, 0, pattern(3, BLK)));
            c.flushbufqueues(false);
            c.checkInvariants();                 // the clause catches it at once...
            VfsSubr.vfsync(vp, true);
            assertArrayEquals(pattern(3, BLK), dev.peekVisible(0, BLK), "the data must reach the device in the end");
        });
    }

    @Test void bpdoneNotRedirtyingAFailedWriteAlsoLosesTheDataOnTheDevice() {
        BufMutations m = BufMutations.none();
        m.bpdoneNoRedirtyOnError = true;
        BufCache c = BufTestSupport.unchecked(Params.forTest(2, BLK), m, BufQuirks.none());
        LoopbackDevice dev = BufTestSupport.device(16);
        Vnode vp = c.vnode("dev0", dev, BLK);
        int[] fail = {1};
        vp.setStrategyFilter((cmd, off, len) -> cmd == BufCmd.WRITE && fail[0]-- > 0 ? Errno.EIO : 0);
        c.bdwrite(fill(c, vp, 0, pattern(3, BLK)));
        c.flushbufqueues(false);
        VfsSubr.vfsync(vp, true);
        assertEquals(0, c.view().dirtybufcount(), "...and the model comparison too: the cache believes all is written");
        assertThrows(AssertionError.class, () -> assertArrayEquals(pattern(3, BLK), dev.peekVisible(0, BLK)));
    }

    /** The stateful test's model check catches the same mutation on a short fixed action sequence. */
    @Test void theStatefulModelCatchesBpdoneNotRedirtying() {
        for (boolean mutated : new boolean[] {false, true}) {
            BufMutations m = BufMutations.none();
            m.bpdoneNoRedirtyOnError = mutated;
            BufCacheStatefulTest.World w = new BufCacheStatefulTest.World(false, m);
            w.held.put(3, w.acquire(3, false, 0));
            BufCacheStatefulTest.ReleaseAction.release(w, 3, BufCacheStatefulTest.Release.BDWRITE);
            w.failNextWrite.add(w.off(3));
            w.c.flushbufqueues(false);
            if (mutated) {
                BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, w::check);
                assertEquals("NoSilentLossInv", v.clause());
            } else {
                w.check();
                w.finish();
            }
        }
    }

    @Test void theDaemonSkippingCheckwriteBreaksTheFilesystemsRefusal() {
        ScenarioBody body = (c, vp, dev) -> {
            RecordingOps ops = new RecordingOps(c);
            ops.checkwriteAnswer = 1;
            Buf bp = fill(c, vp, 0, pattern(4, BLK));
            ops.attach(bp);
            c.bdwrite(bp);
            c.flushbufqueues(false);   // one bounded call: an unpinned refusal is met again and again
            assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "a refused buffer must not be written");
            assertTrue(bp.hasFlags(Buf.B_DELWRI));
            // the filesystem cleans up its deps so the cache can be checked
            c.regetblk(bp);
            bp.dep_remove("dep@0");
            c.bqrelse(bp);
        };
        run(BufMutations.none(), body);
        BufMutations m = BufMutations.none();
        m.daemonSkipsCheckwrite = true;
        AssertionError e = assertThrows(AssertionError.class, () -> run(m, body));
        assertTrue(e.getMessage().contains("must not be written"), e.getMessage());
    }
}
