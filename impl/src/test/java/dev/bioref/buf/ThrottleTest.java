package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dirty-space throttling (reference §3.27, §4.3). With nbuf = 16 and 1 KiB blocks:
 * hidirtybufspace = 6 KiB, lodirtybufspace = 3 KiB, and each dirty buffer counts MAXBSIZE = 1 KiB
 * of dirtykvaspace. A writer that calls bd_wait(bd_heatup()) before each bdwrite stalls once
 * running + dirtykva is above hidirtybufspace (7 dirty buffers); the daemon drains to
 * lodirtybufspace / 2 and the writer resumes.
 */
@ExtendWith(CheckInvariantsExtension.class)
class ThrottleTest {
    final BufCache c = BufTestSupport.cache(16);
    final LoopbackDevice dev = BufTestSupport.device(64);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    {
        c.setHz(TimeUnit.MILLISECONDS.toNanos(20));
    }

    private Thread writer(int blocks, AtomicInteger progress, AtomicLong maxSeen) {
        Thread t = new Thread(() -> {
            for (int b = 0; b < blocks; b++) {
                c.bd_wait(c.bd_heatup());
                c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
                maxSeen.accumulateAndGet(c.view().runningbufspace() + c.view().dirtykvaspace(), Math::max);
                progress.incrementAndGet();
            }
        }, "writer");
        t.setDaemon(true);
        return t;
    }

    @Test void writersBlockAboveTheHighWatermarkAndResumeWhenTheDaemonDrains() throws Exception {
        assertEquals(6 * BLK, c.view().params().hidirtybufspace());
        assertEquals(3 * BLK, c.view().params().lodirtybufspace());
        AtomicInteger progress = new AtomicInteger();
        AtomicLong maxSeen = new AtomicLong();
        Thread w = writer(12, progress, maxSeen);
        w.start();
        // without a daemon the writer stalls at hidirtybufspace / MAXBSIZE + 1 buffers
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (progress.get() < 7 && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(300);   // 15 of the writer's hz rounds
        assertEquals(7, progress.get(), "the writer must stall above hidirtybufspace");
        assertTrue(w.isAlive());
        // one daemon pass drains to lodirtybufspace / 2 and the writer resumes
        int flushed = c.bufDaemonStep(false);
        assertTrue(flushed >= 6, "flushed " + flushed);
        // The drain level itself is asserted single-threaded in theDaemonDrainsToHalfTheLowWatermarkAndStops:
        // here the woken writer may dirty any number of buffers before we could read the counters,
        // up to the high watermark again, which maxSeen bounds below.
        while (progress.get() < 12 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(5)) {
            c.bufDaemonStep(false);
            Thread.sleep(5);
        }
        w.join(5000);
        assertFalse(w.isAlive());
        assertEquals(12, progress.get());
        assertTrue(maxSeen.get() <= c.view().params().hidirtybufspace() + BLK,
                "dirty space never exceeded the high watermark by more than one buffer: " + maxSeen.get());
    }

    @Test void withTheDaemonThreadsRunningTheWriterNeverStallsForGood() throws Exception {
        c.startDaemons();
        try {
            AtomicInteger progress = new AtomicInteger();
            AtomicLong maxSeen = new AtomicLong();
            Thread w = writer(40, progress, maxSeen);
            w.start();
            w.join(20_000);
            assertFalse(w.isAlive(), "writer stuck at " + progress.get());
            assertTrue(maxSeen.get() <= c.view().params().hidirtybufspace() + BLK, "max " + maxSeen.get());
        } finally {
            c.stopDaemons();
        }
        VfsSubr.vfsync(vp, true);
        for (int b = 0; b < 40; b++) {
            assertEquals(pattern(b, BLK)[0], dev.peekVisible((long) (b % 64) * BLK, BLK)[0]);
        }
    }

    @Test void theDaemonDrainsToHalfTheLowWatermarkAndStops() {
        // one buffer per flushbufqueues call, so the limit is checked after each write
        BufCache c1 = BufTestSupport.cache(Params.forTest(16, BLK).withFlushperqueue(1));
        Vnode vp1 = c1.vnode("dev1", BufTestSupport.device(64), BLK);
        for (int b = 0; b < 6; b++) c1.bdwrite(fill(c1, vp1, (long) b * BLK, pattern(b, BLK)));
        assertTrue(c1.buf_daemon_limit(c1.view().params().lodirtybufspace() / 2));
        assertEquals(5, c1.bufDaemonStep(false));
        assertFalse(c1.buf_daemon_limit(c1.view().params().lodirtybufspace() / 2));
        assertEquals(1, c1.view().dirtybufcount(), "1 KiB of dirtykva is not above lodirtybufspace / 2 = 1.5 KiB");
        assertEquals(0, c1.bufDaemonStep(false), "below the limit a pass does nothing");
    }

    @Test void withTheSeedsFlushperqueueOneCallWritesTheWholeQueue() {
        for (int b = 0; b < 6; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(6, c.bufDaemonStep(false), "the limit is only checked between flushbufqueues calls");
        assertEquals(0, c.view().dirtybufcount());
    }

    @Test void dirtyingAboveTheLowWatermarkKicksTheDaemons() {
        assertEquals(0, c.view().bd_request());
        int b = 0;
        while (c.view().bd_request() == 0 && b < 8) {
            c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
            b++;
        }
        assertEquals(1, c.view().bd_request(), "bd_speedup raised the normal daemon's request");
        assertTrue(c.view().dirtykvaspace() >= c.view().params().lodirtybufspace()
                        || c.view().dirtybufcount() >= c.view().nbuf() / 2,
                "only once dirtykva >= lodirtybufspace or half the headers are dirty: " + c.view().dirtykvaspace());
        assertTrue(c.view().runningbufspace() + c.view().dirtykvaspace() >= c.view().params().lodirtybufspace() + (c.view().params().hidirtybufspace() - c.view().params().lodirtybufspace()) / 2,
                "bd_heatup calls bd_speedup from mid1 = lo + (hi - lo) / 2 on");
    }

    @Test void waitrunningbufspaceBlocksWhileTooMuchIsInFlight() throws Exception {
        dev.bioref.device.SeededCompleter sc = new dev.bioref.device.SeededCompleter(7);
        BufCache cr = BufTestSupport.cache(Params.forTest(16, BLK).withHirunningspace(2L * BLK));
        cr.setHz(TimeUnit.MILLISECONDS.toNanos(20));
        Vnode v = cr.vnode("seeded", BufTestSupport.device(16, sc), BLK);
        cr.bawrite(fill(cr, v, 0, pattern(1, BLK)));
        cr.bawrite(fill(cr, v, BLK, pattern(2, BLK)));
        assertEquals(2L * BLK, cr.view().runningbufspace(), "2K in flight > 4/6 of hirunningspace");
        assertTrue(cr.buf_runningbufspace_severe());
        Thread w = new Thread(cr::waitrunningbufspace);
        w.start();
        Thread.sleep(100);
        assertTrue(w.isAlive(), "waits while runningbufspace > hirunningspace * 4/6");
        sc.completeOldest();                 // 1K in flight: below the limit, and the completion clears runningbufreq
        w.join(5000);
        assertFalse(w.isAlive());
        sc.completeAll();
    }

    @Test void heavyBuffersAreFlushedOnlyByTheHwDaemon() {
        for (int b = 0; b < 4; b++) {
            Buf bp = c.getblk(vp, (long) b * BLK, BLK, BufCache.GETBLK_BHEAVY, 0);
            System.arraycopy(pattern(b, BLK), 0, bp.b_data(), 0, BLK);
            c.bdwrite(bp);
        }
        assertEquals(4, c.view().dirtybufcounthw());
        assertEquals(4, c.view().queueLength(Buf.BQUEUE_DIRTY_HW));
        assertEquals(0, c.flushbufqueues(false), "the normal daemon never scans DIRTY_HW");
        assertTrue(c.bufDaemonStep(true) > 0);
        assertTrue(c.view().dirtybufcounthw() < 4);
    }

    @Test void bheavyMovesADirtyBufferIntoTheHwCounters() {
        Buf bp = fill(c, vp, 0, pattern(1, BLK));
        c.bdirty(bp);
        assertEquals(0, c.view().dirtybufcounthw());
        c.bheavy(bp);
        c.bheavy(bp);
        assertEquals(1, c.view().dirtybufcounthw());
        assertEquals(BLK, c.view().dirtybufspacehw());
        c.bdwrite(bp);
        assertEquals(Buf.BQUEUE_DIRTY_HW, bp.b_qindex());
    }
}
