package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device errors (injected under the cache with a strategy filter): a failed write leaves the
 * buffer dirty with B_ERROR and is retried; a failed read reaches biowait; nothing is marked
 * clean that is not on the device.
 */
@ExtendWith(CheckInvariantsExtension.class)
class ErrorPathsTest {
    final BufCache c = BufTestSupport.cache(Params.forTest(8, BLK).withFlushperqueue(4));
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);
    final AtomicInteger failWrites = new AtomicInteger();
    final AtomicInteger failReads = new AtomicInteger();
    final AtomicInteger writesSeen = new AtomicInteger();

    {
        vp.setStrategyFilter((cmd, off, len) -> {
            if (cmd == BufCmd.WRITE) {
                writesSeen.incrementAndGet();
                if (failWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return Errno.EIO;
            }
            if (cmd == BufCmd.READ && failReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return Errno.EIO;
            return 0;
        });
    }

    @Test void aFailedAsyncWriteStaysDirtyWithBErrorAndTheDaemonRetriesIt() {
        Buf bp = fill(c, vp, 0, pattern(1, BLK));
        c.bdwrite(bp);
        failWrites.set(1000);                       // the device keeps failing
        c.flushbufqueues(false);                    // bounded: flushperqueue = 4 attempts
        assertTrue(bp.hasFlags(Buf.B_DELWRI | Buf.B_ERROR | Buf.B_CACHE), bp.toString());
        assertEquals(Buf.BQUEUE_DIRTY, bp.b_qindex());
        assertEquals(1, c.view().dirtybufcount(), "counted once, however often it failed");
        assertEquals(4, writesSeen.get(), "the B_ERROR buffer was retried in the same pass");
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK));
        c.checkInvariants();
        failWrites.set(0);                          // the device recovers
        c.bufDaemonStep(false);
        assertFalse(bp.hasFlags(Buf.B_DELWRI));
        assertFalse(bp.hasFlags(Buf.B_ERROR), "bawrite clears B_ERROR when it reissues");
        assertArrayEquals(pattern(1, BLK), dev.peekVisible(0, BLK));
    }

    @Test void aFailedSyncWriteReturnsTheErrorAndKeepsTheDataDirty() {
        failWrites.set(1);
        Buf bp = fill(c, vp, BLK, pattern(2, BLK));
        assertEquals(Errno.EIO, c.bwrite(bp));
        assertTrue(bp.hasFlags(Buf.B_DELWRI | Buf.B_ERROR));
        assertEquals(Buf.BQUEUE_DIRTY, bp.b_qindex());
        assertArrayEquals(pattern(2, BLK), bp.b_data(), "the data is kept");
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertArrayEquals(pattern(2, BLK), dev.peekVisible(BLK, BLK));
    }

    @Test void aFailedBawriteOfACleanBufferBecomesDirty() {
        failWrites.set(1);
        Buf bp = fill(c, vp, 2 * BLK, pattern(3, BLK));
        c.bawrite(bp);
        assertTrue(bp.hasFlags(Buf.B_DELWRI | Buf.B_ERROR), "bpdone re-dirtied the failed write");
        assertEquals(1, c.view().dirtybufcount());
        c.checkInvariants();
    }

    @Test void aReadErrorReachesBiowaitAndTheBufferIsDestroyedOnRelease() {
        dev.execute(Request.write(3 * BLK, pattern(4, BLK)));
        failReads.set(1);
        Buf[] bpp = new Buf[1];
        assertEquals(Errno.EIO, c.bread(vp, 3 * BLK, BLK, bpp));
        Buf bp = bpp[0];
        assertTrue(bp.b_lock().ownedByMe(), "bread returns the buffer held even on error");
        assertTrue(bp.hasFlags(Buf.B_ERROR));
        assertFalse(bp.hasFlags(Buf.B_CACHE), "a failed read is never marked valid");
        c.brelse(bp);
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex(), "B_ERROR selects the destroy path");
        assertNull(c.findblk(vp, 3 * BLK, BufCache.FINDBLK_TEST));
        assertEquals(0, c.bread(vp, 3 * BLK, BLK, bpp), "a retry re-reads");
        assertArrayEquals(pattern(4, BLK), bpp[0].b_data());
        c.bqrelse(bpp[0]);
    }

    @Test void anAsyncReadAheadErrorDestroysTheReadAheadBuffer() {
        failReads.set(0);
        Buf[] bpp = new Buf[1];
        vp.setStrategyFilter((cmd, off, len) -> cmd == BufCmd.READ && off == 5L * BLK ? Errno.EIO : 0);
        assertEquals(0, c.breadn(vp, 4 * BLK, BLK, new long[] {5L * BLK}, new int[] {BLK}, 1, bpp));
        c.bqrelse(bpp[0]);
        assertNull(c.findblk(vp, 5 * BLK, BufCache.FINDBLK_TEST), "bpdone(elseit) brelse'd the failed read-ahead");
    }

    @Test void aWriteThatCompletesOnAnInvalidBufferDiscardsIt() {
        vp.setStrategyFilter((cmd, off, len) -> 0);
        Buf bp = fill(c, vp, 6 * BLK, pattern(6, BLK));
        c.bdwrite(bp);
        Buf again = c.getblk(vp, 6 * BLK, BLK, 0, 0);
        again.setFlags(Buf.B_INVAL);
        assertEquals(0, c.bwrite(again), "bwrite of a B_INVAL buffer just releases it");
        assertEquals(0, c.view().dirtybufcount());
        assertArrayEquals(new byte[BLK], dev.peekVisible(6 * BLK, BLK), "the owner discarded the write");
    }
}
