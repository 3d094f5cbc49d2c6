package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simple paths of the cache, one per test, on an inline (deterministic) device. */
@ExtendWith(CheckInvariantsExtension.class)
class BufCacheBasicTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    @Test void getblkMissGivesAnEmptyOwnedBufferWithoutCache() {
        Buf bp = c.getblk(vp, 3 * BLK, BLK, 0, 0);
        assertFalse(bp.hasFlags(Buf.B_CACHE));
        assertEquals(Buf.BQUEUE_NONE, bp.b_qindex());
        assertTrue(bp.b_lock().ownedByMe());
        assertEquals(3L * BLK, bp.b_loffset());
        assertEquals(BLK, bp.b_bcount());
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex());
        assertEquals(0, vp.hashedCount());
    }

    @Test void bdwriteThenBreadHitsTheCacheAndVfsyncWritesTheDevice() {
        byte[] data = pattern(1, BLK);
        c.bdwrite(fill(c, vp, 0, data));
        assertEquals(1, c.view().dirtybufcount());
        assertEquals(1, c.view().queueLength(Buf.BQUEUE_DIRTY));
        Buf[] bpp = new Buf[1];
        assertEquals(0, c.bread(vp, 0, BLK, bpp));
        assertArrayEquals(data, bpp[0].b_data());
        assertTrue(bpp[0].hasFlags(Buf.B_CACHE | Buf.B_DELWRI));
        c.bqrelse(bpp[0]);
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "delayed write must not reach the device yet");
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertArrayEquals(data, dev.peekVisible(0, BLK));
        assertEquals(0, c.view().dirtybufcount());
        assertEquals(1, c.view().queueLength(Buf.BQUEUE_CLEAN));
    }

    @Test void breadMissReadsTheDevice() {
        byte[] data = pattern(2, BLK);
        dev.execute(Request.write(5 * BLK, data));
        Buf[] bpp = new Buf[1];
        assertEquals(0, c.bread(vp, 5 * BLK, BLK, bpp));
        assertArrayEquals(data, bpp[0].b_data());
        assertTrue(bpp[0].hasFlags(Buf.B_CACHE));
        assertTrue(bpp[0].hasFlags(Buf.B_IOISSUED));
        c.brelse(bpp[0]);
        assertEquals(1, c.view().queueLength(Buf.BQUEUE_CLEAN));
    }

    @Test void bawriteCompletesAndReleasesTheBuffer() {
        byte[] data = pattern(3, BLK);
        Buf bp = fill(c, vp, 2 * BLK, data);
        c.bawrite(bp);
        assertArrayEquals(data, dev.peekVisible(2 * BLK, BLK));
        assertFalse(bp.b_lock().isLocked());
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        assertEquals(0, c.view().runningbufspace());
    }

    @Test void bwriteReturnsZeroAndLeavesTheBufferClean() {
        byte[] data = pattern(4, BLK);
        Buf bp = fill(c, vp, BLK, data);
        assertEquals(0, c.bwrite(bp));
        assertArrayEquals(data, dev.peekVisible(BLK, BLK));
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        assertTrue(bp.hasFlags(Buf.B_CACHE));
    }

    @Test void headersAreRecycledWhenThereAreMoreBlocksThanHeaders() {
        for (int round = 0; round < 3; round++) {
            for (int b = 0; b < 20; b++) {
                Buf[] bpp = new Buf[1];
                assertEquals(0, c.bread(vp, (long) b * BLK, BLK, bpp));
                c.bqrelse(bpp[0]);
                c.checkInvariants();
            }
        }
        assertTrue(vp.hashedCount() <= 8);
    }

    @Test void daemonStepWritesDirtyBuffersDownToTheLowWatermark() {
        for (int b = 0; b < 6; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(6, c.view().dirtybufcount());
        int flushed = c.bufDaemonStep(false);
        assertTrue(flushed > 0);
        assertTrue(c.view().runningbufspace() + c.view().dirtykvaspace() <= c.view().params().lodirtybufspace() / 2
                && c.view().dirtybufcount() < c.view().nbuf() / 2, "daemon stops only below its limit");
    }

    @Test void findblkReturnsTheLockedQueuedBuffer() {
        c.bqrelse(fill(c, vp, 0, pattern(5, BLK)));
        Buf bp = c.findblk(vp, 0, 0);
        assertTrue(bp.b_lock().ownedByMe());
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex(), "findblk leaves it queued: the acquire window");
        c.bremfree(bp);
        c.bqrelse(bp);
        Buf hint = c.findblk(vp, 0, BufCache.FINDBLK_TEST);
        assertSame(bp, hint);
        assertFalse(hint.b_lock().isLocked());
        Buf other = c.findblk(vp, BLK, BufCache.FINDBLK_TEST);
        assertEquals(null, other);
        assertNotSame(bp, other);
    }
}
