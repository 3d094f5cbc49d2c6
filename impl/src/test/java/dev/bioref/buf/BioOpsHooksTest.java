// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each BioOps hook is called at its seed point (reference §3.32) and its answer is honoured. */
@ExtendWith(CheckInvariantsExtension.class)
class BioOpsHooksTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);
    final RecordingOps ops = new RecordingOps(c);

    private Buf dirtyWithDeps(long off, int seed) {
        Buf bp = fill(c, vp, off, pattern(seed, BLK));
        ops.attach(bp);
        c.bdwrite(bp);
        return bp;
    }

    @Test void checkwriteRefusalKeepsTheBufferUnwrittenAndParksItOnLocked() {
        ops.checkwriteAnswer = 1;
        ops.checkwriteSetsLocked = true;
        Buf bp = dirtyWithDeps(0, 1);
        c.bufDaemonStep(false);
        assertEquals(List.of("io_countdeps", "io_checkwrite"), ops.hooks());
        assertEquals(Buf.BQUEUE_LOCKED, bp.b_qindex());
        assertTrue(bp.hasFlags(Buf.B_DELWRI), "a refused buffer stays dirty");
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "and is not written");
        // the filesystem takes it back, unpins it, drops its deps and writes it itself
        c.regetblk(bp);
        bp.clearFlags(Buf.B_LOCKED);
        bp.dep_remove("dep@0");
        c.bawrite(bp);
        assertArrayEquals(pattern(1, BLK), dev.peekVisible(0, BLK));
        assertTrue(ops.writtenAfterRefusal.isEmpty() || !bp.hasFlags(Buf.B_DELWRI));
    }

    @Test void checkwriteAcceptanceIsFollowedByTheWriteAndCompleteRunsWhileTheBufferIsStillHeld() {
        Buf bp = dirtyWithDeps(BLK, 2);
        c.bufDaemonStep(false);
        assertEquals(List.of("io_countdeps", "io_checkwrite", "io_complete"), ops.hooks());
        RecordingOps.Call complete = ops.calls.get(2);
        assertTrue(complete.locked(), "io_complete runs before the buffer is released");
        assertEquals(Buf.BQUEUE_NONE, complete.qindex());
        assertEquals(BufCmd.DONE, complete.cmd(), "b_cmd is DONE when io_complete runs");
        assertEquals(0, complete.flags() & Buf.B_DELWRI, "a successful write is already undirtied");
        assertArrayEquals(pattern(2, BLK), dev.peekVisible(BLK, BLK));
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
    }

    @Test void countdepsDefersOnceToTheEndOfThePass() {
        ops.countdepsAnswer = 1;
        Buf bp = dirtyWithDeps(0, 3);
        int r = c.flushbufqueues(false);
        // deferred (not counted), met again at the tail of the same pass, then written
        assertEquals(List.of("io_countdeps", "io_checkwrite", "io_complete"), ops.hooks());
        assertEquals(1, r);
        assertFalse(bp.hasFlags(Buf.B_DEFERRED), "bundirty clears B_DEFERRED");
        assertArrayEquals(pattern(3, BLK), dev.peekVisible(0, BLK));
    }

    @Test void deallocateCanPinACleanBufferAgainstRecycling() {
        ops.deallocateRefuses = true;
        Buf bp = fill(c, vp, 0, pattern(4, BLK));
        ops.attach(bp);
        c.bwrite(bp);     // clean, with deps, on CLEAN
        for (int b = 1; b < 20; b++) {
            Buf x = c.getblk(vp, (long) b * BLK, BLK, 0, 0);
            x.setFlags(Buf.B_INVAL);
            c.brelse(x);
            Buf y = fill(c, vp, (long) b * BLK, pattern(b, BLK));
            c.bqrelse(y);
        }
        assertTrue(ops.hooks().contains("io_deallocate"), "getnewbuf asked the filesystem");
        assertEquals(Buf.BQUEUE_LOCKED, bp.b_qindex(), "the pinned buffer went to LOCKED");
        assertEquals(vp, bp.b_vp(), "and kept its identity");
        assertEquals(0L, bp.b_loffset());
        // once the filesystem lets go, getnewbuf may recycle it
        c.regetblk(bp);
        bp.clearFlags(Buf.B_LOCKED);
        ops.deallocateRefuses = false;
        c.bqrelse(bp);
        for (int b = 20; b < 40; b++) c.bqrelse(fill(c, vp, (long) (b % 32) * BLK, pattern(b, BLK)));
        assertTrue(bp.dep_isEmpty());
    }

    @Test void completeMayRedirtyAndTheReleaseHonoursIt() {
        ops.completeRedirties = true;
        Buf bp = dirtyWithDeps(0, 5);
        c.flushbufqueues(false);
        assertTrue(bp.hasFlags(Buf.B_DELWRI), "io_complete re-dirtied after the write");
        assertEquals(Buf.BQUEUE_DIRTY, bp.b_qindex(), "so bpdone's bqrelse queued it DIRTY");
    }

    @Test void refusingDeallocateOnTheDestroyPathHitsTheSeedsKkassert() {
        ops.deallocateRefuses = true;
        Buf bp = fill(c, vp, 0, pattern(6, BLK));
        ops.attach(bp);
        bp.setFlags(Buf.B_INVAL);
        Panic p = assertThrows(Panic.class, () -> c.brelse(bp));
        assertTrue(p.getMessage().contains("vfs_vmio_release"), p.getMessage());
        assertTrue(c.panicked());
    }

    @Test void aCleanBufferWithDepsIsWrittenOnSizeChange() {
        ops.completeDropsDeps = true;
        Buf bp = fill(c, vp, 0, pattern(7, BLK));
        ops.attach(bp);
        c.bqrelse(bp);        // clean with deps; never written
        Buf small = c.getblk(vp, 0, BLK / 2, 0, 0);
        assertArrayEquals(pattern(7, BLK), dev.peekVisible(0, BLK), "getblk wrote the clean buffer with deps (L2856)");
        assertFalse(small.hasFlags(Buf.B_CACHE));
        assertEquals(BLK / 2, small.b_bcount());
        small.setFlags(Buf.B_INVAL);
        c.brelse(small);
    }

    /**
     * A second hidden contract of the seed: getblk's size change sets B_RELBUF and bwrites a
     * buffer with deps; its brelse then runs vfs_vmio_release, whose KKASSERT (L1864) requires
     * that io_complete dropped the deps. A filesystem that keeps them panics the kernel.
     */
    @Test void sizeChangeOfABufferWhoseCompleteKeepsDepsHitsTheSeedsKkassert() {
        Buf bp = fill(c, vp, 0, pattern(7, BLK));
        ops.attach(bp);
        c.bqrelse(bp);
        Panic p = assertThrows(Panic.class, () -> c.getblk(vp, 0, BLK / 2, 0, 0));
        assertTrue(p.getMessage().contains("vfs_vmio_release"), p.getMessage());
    }

    @Test void hooksTheSeedNeverCallsAreNeverCalled() {
        Buf bp = dirtyWithDeps(0, 8);
        c.bufDaemonStep(false);
        Buf[] bpp = new Buf[1];
        c.bread(vp, 0, BLK, bpp);
        c.brelse(bpp[0]);
        List<String> h = ops.hooks();
        for (String never : List.of("io_start", "io_checkread", "io_movedeps", "io_fsync", "io_sync")) {
            assertFalse(h.contains(never), never + " was called: " + h);
        }
        assertFalse(bp.b_lock().isLocked());
    }
}
