// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The daemon's per-buffer step and its scan over the CPU buckets (PIT survivors of
 * proofs-notes/pit.md §6.2, closed in §8.2): a refusal of io_checkwrite is reported as such and
 * leaves the buffer dirty and unwritten; one flushbufqueues call visits every bucket; a buffer the
 * daemon wrote is aged for early reuse, and the retry of a failed write is not.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufDaemonFlushTest {
    @Test void aVisitTheFilesystemRefusesReportsRefusedAndLeavesTheBufferDirty() {
        BufCache c = BufTestSupport.cache(8);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(16), BLK);
        Buf bp = fill(c, vp, 0, pattern(1, BLK));
        RecordingOps ops = new RecordingOps(c);
        ops.attach(bp);
        ops.checkwriteAnswer = 1;
        c.bdwrite(bp);
        assertEquals(BufCache.STEP_REFUSED, c.flushbufqueuesVisit(bp, false));
        assertTrue(bp.hasFlags(Buf.B_DELWRI));
        assertEquals(Buf.BQUEUE_DIRTY, bp.b_qindex());
        assertFalse(bp.b_lock().isLocked());
        assertArrayEquals(new byte[BLK], vp.dev().peekVisible(0, BLK), "not written");
        ops.checkwriteAnswer = 0;
        assertEquals(BufCache.STEP_DONE, c.flushbufqueuesVisit(bp, false));
        BufTestSupport.drain(c);
        assertArrayEquals(pattern(1, BLK), vp.dev().peekVisible(0, BLK));
    }

    @Test void oneFlushbufqueuesCallWritesTheDirtyBuffersOfEveryBucket() {
        BufCache c = BufTestSupport.cache(Params.forTest(8, 2, BLK));
        Vnode vp = c.vnode("dev0", BufTestSupport.device(16), BLK);
        Set<Integer> cpus = new HashSet<>();
        for (int b = 0; b < 6; b++) {
            Buf bp = fill(c, vp, (long) b * BLK, pattern(b, BLK));
            cpus.add(bp.b_qcpu());
            c.bdwrite(bp);
        }
        assertEquals(Set.of(0, 1), cpus, "six of eight headers: both buckets hold dirty buffers");
        assertEquals(6, c.flushbufqueues(false));
        BufTestSupport.drain(c);
        assertEquals(0, c.view().dirtybufcount());
        for (int b = 0; b < 6; b++) assertArrayEquals(pattern(b, BLK), vp.dev().peekVisible((long) b * BLK, BLK));
    }

    @Test void aBufferTheDaemonWroteIsAgedButTheRetryOfAFailedWriteIsNot() {
        BufCache c = BufTestSupport.cache(8);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(16), BLK);
        AtomicInteger attempts = new AtomicInteger();   // writes of block 1; the first one fails
        vp.setStrategyFilter((cmd, off, len) -> cmd == BufCmd.WRITE && off == BLK && attempts.incrementAndGet() == 1
                ? Errno.EIO : 0);
        Buf ok = fill(c, vp, 0, pattern(0, BLK));
        c.bdwrite(ok);
        assertEquals(1, c.flushbufqueues(false));
        BufTestSupport.drain(c);
        assertEquals(Buf.BQUEUE_CLEAN, ok.b_qindex());
        assertTrue(ok.hasFlags(Buf.B_AGE), "written by the daemon: recycled before buffers in use");

        Buf bad = fill(c, vp, BLK, pattern(1, BLK));
        c.bdwrite(bad);
        // the first write fails (aged, then dirty again at the DIRTY tail with B_ERROR); the same pass
        // meets it again and retries it, and the retry succeeds
        assertEquals(2, c.flushbufqueues(false));
        BufTestSupport.drain(c);
        assertEquals(2, attempts.get(), "one failed write, one retry");
        assertFalse(bad.hasFlags(Buf.B_DELWRI | Buf.B_ERROR));
        assertEquals(Buf.BQUEUE_CLEAN, bad.b_qindex());
        assertFalse(bad.hasFlags(Buf.B_AGE), "a retried write is not aged");
        assertArrayEquals(pattern(1, BLK), vp.dev().peekVisible(BLK, BLK));
    }
}
