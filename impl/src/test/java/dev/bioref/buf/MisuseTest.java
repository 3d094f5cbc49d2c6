package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad calls get a clear exception naming the bad value, and change nothing. */
@ExtendWith(CheckInvariantsExtension.class)
class MisuseTest {
    final BufCache c = BufTestSupport.cache(4);
    final LoopbackDevice dev = BufTestSupport.device(8);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    private void assertMessage(Throwable t, String... parts) {
        for (String p : parts) assertTrue(t.getMessage().contains(p), "message \"" + t.getMessage() + "\" lacks " + p);
    }

    @Test void releasingABufferAnotherThreadHoldsIsRefused() throws Exception {
        CompletableFuture<Buf> got = new CompletableFuture<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            Buf bp = c.getblk(vp, 0, BLK, 0, 0);
            got.complete(bp);
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            bp.setFlags(Buf.B_INVAL);
            c.brelse(bp);
        });
        holder.start();
        Buf bp = got.get(5, TimeUnit.SECONDS);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.brelse(bp));
        assertMessage(e, "not held by");
        assertThrows(IllegalStateException.class, () -> c.bqrelse(bp));
        assertEquals(Buf.BQUEUE_NONE, bp.b_qindex(), "nothing changed");
        assertTrue(bp.b_lock().isLocked());
        c.checkInvariants();
        done.countDown();
        holder.join(5000);
    }

    @Test void doubleReleasePanicsWithTheSeedsWordingAndChangesNothing() {
        Buf bp = fill(c, vp, 0, pattern(1, BLK));
        c.bqrelse(bp);
        Panic p = assertThrows(Panic.class, () -> c.brelse(bp));
        assertMessage(p, "free buffer onto another queue");
        assertThrows(Panic.class, () -> c.bqrelse(bp));
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        c.checkInvariants();
    }

    @Test void getblkRejectsBadBlocks() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(vp, 8L * BLK, BLK, 0, 0)), "beyond the end", "8192");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(vp, 0, -5, 0, 0)), "-5");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(vp, 0, 0, 0, 0)), "size must be positive");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(vp, -BLK, BLK, 0, 0)), "negative offset");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(vp, 100, BLK, 0, 0)), "100", "multiple");
        Vnode small = c.vnode("small", dev, 512);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(small, 0, BLK, 0, 0)), "exceeds the block size");
        assertMessage(assertThrows(Panic.class, () -> c.getblk(vp, 0, 2 * BLK, 0, 0)), "MAXBSIZE");
        assertEquals(4, c.view().queueLength(Buf.BQUEUE_EMPTY), "nothing was allocated");
        c.checkInvariants();
    }

    @Test void getblkOfABlockTheCallerAlreadyHoldsIsRefused() {
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        assertMessage(assertThrows(IllegalStateException.class, () -> c.getblk(vp, 0, BLK, 0, 0)), "already held");
        assertEquals(0, bp.b_refs(), "the lookup's hold was dropped");
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
    }

    @Test void writingABufferNotHeldPanics() {
        Buf bp = fill(c, vp, 0, pattern(2, BLK));
        c.bqrelse(bp);
        assertThrows(Panic.class, () -> c.bdwrite(bp));
        assertThrows(Panic.class, () -> c.bwrite(bp));
        assertThrows(Panic.class, () -> c.bawrite(bp));
        assertEquals(0, c.view().dirtybufcount());
        c.checkInvariants();
    }

    @Test void bqdropBelowZeroPanics() {
        Buf bp = fill(c, vp, 0, pattern(3, BLK));
        c.bqrelse(bp);
        assertMessage(assertThrows(Panic.class, () -> c.bqdrop(bp)), "b_refs");
        assertEquals(0, bp.b_refs());
    }

    @Test void aVnodeOfAnotherCacheIsRefused() {
        BufCache other = BufTestSupport.cache(4);
        Vnode ovp = other.vnode("other", dev, BLK);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(ovp, 0, BLK, 0, 0)), "another cache");
    }

    @Test void badParametersAreRefused() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new BufCache(Params.forTest(0, BLK))), "nbuf");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.vnode("x", dev, 1000)), "1000");
    }
}
