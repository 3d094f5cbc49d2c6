package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.device.SeededCompleter;
import dev.bioref.device.ThreadCompleter;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The branches of getblk (reference §3.2) and the lookup/read helpers around it. */
@ExtendWith(CheckInvariantsExtension.class)
class GetblkPathsTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    @Test void sizeChangeOfADirtyBufferWritesItBackFirst() {
        c.bdwrite(fill(c, vp, 0, pattern(1, BLK)));
        Buf small = c.getblk(vp, 0, BLK / 2, 0, 0);
        assertArrayEquals(pattern(1, BLK), dev.peekVisible(0, BLK), "bwrite'd before the resize");
        assertEquals(BLK / 2, small.b_bcount());
        assertFalse(small.hasFlags(Buf.B_CACHE), "a fresh buffer of the new size");
        assertEquals(0, c.view().dirtybufcount());
        small.setFlags(Buf.B_INVAL);
        c.brelse(small);
    }

    @Test void sizeChangeOfACleanBufferJustDropsIt() {
        c.bqrelse(fill(c, vp, 0, pattern(2, BLK)));
        Buf small = c.getblk(vp, 0, 512, 0, 0);
        assertEquals(512, small.b_bufsize());
        assertEquals(512L, c.view().bufspace(), "the old buffer's memory was released");
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "nothing was written");
        small.setFlags(Buf.B_INVAL);
        c.brelse(small);
    }

    @Test void szmatchAndNowaitReturnNull() throws Exception {
        c.bqrelse(fill(c, vp, 0, pattern(3, BLK)));
        assertNull(c.getblk(vp, 0, 512, BufCache.GETBLK_SZMATCH, 0));
        Buf held = c.getblk(vp, 0, BLK, 0, 0);
        Buf other = CompletableFuture.supplyAsync(() -> c.getblk(vp, 0, BLK, BufCache.GETBLK_NOWAIT, 0)).get(5, TimeUnit.SECONDS);
        assertNull(other);
        assertEquals(0, held.b_refs(), "the NOWAIT lookup dropped its hold");
        c.bqrelse(held);
    }

    @Test void aTimeoutOnABusyBufferReturnsNull() throws Exception {
        Buf held = c.getblk(vp, 0, BLK, 0, 0);
        Buf other = CompletableFuture.supplyAsync(() -> c.getblk(vp, 0, BLK, 0, 20 * MS)).get(5, TimeUnit.SECONDS);
        assertNull(other);
        held.setFlags(Buf.B_INVAL);
        c.brelse(held);
    }

    @Test void aWaiterWhoseBufferIsDestroyedWhileItSleepsLooksUpAgain() throws Exception {
        Buf held = fill(c, vp, 0, pattern(4, BLK));
        AtomicReference<Buf> got = new AtomicReference<>();
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                Buf bp = c.getblk(vp, 0, BLK, 0, 0);
                got.set(bp);
                bp.setFlags(Buf.B_INVAL);
                c.brelse(bp);
            } catch (Throwable e) {
                err.set(e);
            }
        });
        waiter.start();
        while (held.b_refs() == 0) Thread.onSpinWait();     // the waiter's findblk(REF) hold
        while (waiter.getState() != Thread.State.WAITING) Thread.onSpinWait();   // asleep in BUF_TIMELOCK(SLEEPFAIL)
        long acquisitionsBefore = held.b_lock().acquisitions();
        held.setFlags(Buf.B_INVAL);
        c.brelse(held);                                    // destroys the identity: the waiter gets ENOLCK
        waiter.join(5000);
        assertNull(err.get());
        Buf bp = got.get();
        assertNotNull(bp);
        assertEquals(acquisitionsBefore, held.b_lock().acquisitions() - (bp == held ? 1 : 0),
                "SLEEPFAIL did not take the old lock; the retry found or created the block afresh");
    }

    @Test void concurrentCreatorsOfOneBlockEndWithOneBuffer() throws Exception {
        ThreadCompleter tc = new ThreadCompleter();
        BufCache cc = BufTestSupport.cache(16);
        LoopbackDevice d = BufTestSupport.device(64, tc);
        Vnode v = cc.vnode("dev1", d, BLK);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        cc.startDaemons();   // without a daemon, delayed writes would fill every header (reference §4.3)
        try {
            for (int round = 0; round < 50; round++) {
                long off = (long) (round % 32) * BLK;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> fs = new ArrayList<>();
                AtomicInteger tags = new AtomicInteger();
                for (int t = 0; t < 4; t++) {
                    int tag = t;
                    fs.add(pool.submit(() -> {
                        go.await();
                        Buf bp = cc.getblk(v, off, BLK, 0, 0);
                        assertEquals(off, bp.b_loffset());
                        if (!bp.hasFlags(Buf.B_CACHE)) cc.vfs_bio_clrbuf(bp);
                        bp.b_data()[0] = (byte) tag;
                        tags.incrementAndGet();
                        if (tag % 2 == 0) cc.bdwrite(bp); else cc.bawrite(bp);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : fs) f.get(10, TimeUnit.SECONDS);
                assertEquals(4, tags.get());
                Buf one = cc.findblk(v, off, BufCache.FINDBLK_TEST);
                assertNotNull(one);
                assertEquals(1, countIdentity(cc, v, off), "exactly one header for the block");
            }
        } finally {
            cc.stopDaemons();
            pool.shutdownNow();
            VfsSubr.vfsync(v, true);
            BufTestSupport.drain(cc);
            tc.close();
        }
    }

    private static int countIdentity(BufCache cc, Vnode v, long off) {
        int n = 0;
        for (int i = 0; i < cc.view().nbuf(); i++) {
            Buf bp = cc.view().header(i);
            if (bp.b_vp() == v && bp.b_loffset() == off) n++;
        }
        return n;
    }

    @Test void getnewbufGivesEveryCleanBufferASecondChanceThenTakesTheOldest() {
        BufCache c4 = BufTestSupport.cache(4);          // hibufspace 3K, lobufspace 2K
        Vnode v4 = c4.vnode("dev4", dev, BLK);
        Buf[] abc = new Buf[3];
        for (int i = 0; i < 3; i++) {
            abc[i] = fill(c4, v4, (long) i * BLK, pattern(i, BLK));
            c4.bqrelse(abc[i]);
            assertFalse(abc[i].hasFlags(Buf.B_AGE));
        }
        Buf d = c4.getblk(v4, 3L * BLK, BLK, 0, 0);
        // A, B, C each got B_AGE and went to the tail once; then A and B (oldest) were taken
        assertNull(c4.findblk(v4, 0, BufCache.FINDBLK_TEST));
        assertNull(c4.findblk(v4, BLK, BufCache.FINDBLK_TEST));
        Buf c = c4.findblk(v4, 2L * BLK, BufCache.FINDBLK_TEST);
        assertSame(abc[2], c);
        assertTrue(c.hasFlags(Buf.B_AGE), "C used up its second chance");
        d.setFlags(Buf.B_INVAL);
        c4.brelse(d);
        Buf hit = c4.getblk(v4, 2L * BLK, BLK, 0, 0);
        assertFalse(hit.hasFlags(Buf.B_AGE), "a getblk hit clears B_AGE (L2812)");
        c4.bqrelse(hit);
    }

    @Test void getcacheblkReturnsOnlyFullyValidBuffers() {
        assertNull(c.getcacheblk(vp, 0, BLK, 0), "a miss is created, found not valid and released");
        Buf kept = c.findblk(vp, 0, BufCache.FINDBLK_TEST);
        assertEquals(Buf.BQUEUE_CLEAN, kept.b_qindex(), "brelse keeps a clean buffer without B_CACHE (seed)");
        assertFalse(kept.hasFlags(Buf.B_CACHE));
        c.bqrelse(fill(c, vp, 0, pattern(5, BLK)));
        assertNull(c.getcacheblk(vp, 0, BLK, 0), "never read or filled: no B_CACHE");
        Buf bp = c.getblk(vp, BLK, BLK, 0, 0);
        c.vfs_bio_clrbuf(bp);
        bp.setFlags(Buf.B_CACHE);
        c.bqrelse(bp);
        Buf hit = c.getcacheblk(vp, BLK, 0, 0);
        assertSame(bp, hit);
        assertEquals(Buf.BQUEUE_NONE, hit.b_qindex());
        hit.setFlags(Buf.B_RAM);
        c.bqrelse(hit);
        assertNull(c.getcacheblk(vp, BLK, 0, 0), "B_RAM is refused so read-ahead keeps running");
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex(), "...and the buffer was left on its queue");
        assertNull(c.getcacheblk(vp, BLK, BLK, 0));
    }

    @Test void breadcbCallsBackAtCompletionOrAtOnceWhenCached() throws Exception {
        dev.execute(Request.write(2L * BLK, pattern(6, BLK)));
        AtomicReference<Bio> seen = new AtomicReference<>();
        AtomicInteger doneFlagAtCall = new AtomicInteger(-1);
        BioDone func = bio -> {
            doneFlagAtCall.set(bio.bio_flags() & Bio.BIO_DONE);
            Buf bp = bio.bio_buf();
            if ((bio.bio_flags() & Bio.BIO_DONE) == 0) c.bpdone(bp, false);
            bio.bio_flags_clear(Bio.BIO_DONE | Bio.BIO_SYNC);
            seen.set(bio);
            c.bqrelse(bp);
        };
        c.breadcb(vp, 2L * BLK, BLK, 0, func, "arg");
        assertEquals(0, doneFlagAtCall.get(), "miss: called from biodone with BIO_DONE clear");
        assertEquals("arg", seen.get().bio_caller_info1);
        assertArrayEquals(pattern(6, BLK), seen.get().bio_buf().b_data());
        c.breadcb(vp, 2L * BLK, BLK, 0, func, "arg2");
        assertEquals(Bio.BIO_DONE, doneFlagAtCall.get(), "hit: called at once with BIO_DONE set");
        c.breadcb(vp, 3L * BLK, BLK, 0, null, null);   // miss without func: completes and releases itself
        Buf bp = c.findblk(vp, 3L * BLK, BufCache.FINDBLK_TEST);
        assertNotNull(bp);
        assertTrue(bp.hasFlags(Buf.B_CACHE));
        assertFalse(bp.b_lock().isLocked());
    }

    @Test void biowaitTimeoutReturnsWhileTheReadIsStillInFlight() {
        SeededCompleter sc = new SeededCompleter(1);
        BufCache cs = BufTestSupport.cache(4);
        LoopbackDevice d = BufTestSupport.device(8, sc);
        Vnode v = cs.vnode("seeded", d, BLK);
        Buf bp = cs.getblk(v, 0, BLK, 0, 0);
        bp.set_b_cmd(BufCmd.READ);
        bp.b_bio1().set_bio_done(cs::biodone_sync);
        bp.b_bio1().bio_flags_set(Bio.BIO_SYNC);
        cs.vn_strategy(v, bp.b_bio1());
        assertEquals(Errno.EWOULDBLOCK, cs.biowait_timeout(bp.b_bio1(), "biord", 10 * MS));
        assertEquals(BufCmd.READ, bp.b_cmd(), "the read is still running: the caller must not release");
        assertEquals(1, sc.completeAll());
        assertEquals(0, cs.biowait(bp.b_bio1(), "biord"));
        assertTrue(bp.hasFlags(Buf.B_CACHE));
        cs.bqrelse(bp);
        assertEquals(0, v.v_track_read.bio_track_wait(0));
    }

    @Test void aReadIsNeverIssuedOverValidData() {
        BufCache cr = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), BufQuirks.none());
        Vnode v = cr.vnode("r", dev, BLK);
        Buf bp = fill(cr, v, 0, pattern(7, BLK));
        bp.setFlags(Buf.B_CACHE);
        bp.set_b_cmd(BufCmd.READ);
        Panic p = assertThrows(Panic.class, () -> cr.vn_strategy(v, bp.b_bio1()));
        assertTrue(p.getMessage().contains("B_CACHE"), p.getMessage());
        BufInvariants.Violation viol = assertThrows(BufInvariants.Violation.class, cr::checkInvariants);
        assertTrue(List.of("NoReadOverValidInv", "CmdInFlightLockedInv").contains(viol.clause()) || viol.clause().endsWith("Inv"));
        assertTrue(cr.panicked());
    }

    @Test void regetblkRequiresLockedOrDeps() {
        Buf bp = fill(c, vp, 0, pattern(8, BLK));
        c.bqrelse(bp);
        Panic p = assertThrows(Panic.class, () -> c.regetblk(bp));
        assertTrue(p.getMessage().contains("regetblk"), p.getMessage());
        assertFalse(bp.b_lock().isLocked());
    }

    @Test void allocbufAccountsDirtyResizes() {
        Buf bp = fill(c, vp, 0, pattern(9, 512));
        c.bdirty(bp);
        assertEquals(512, c.view().dirtybufspace());
        c.allocbuf(bp, BLK);
        assertEquals(BLK, c.view().dirtybufspace());
        assertEquals(BLK, c.view().bufspace());
        assertFalse(bp.hasFlags(Buf.B_CACHE), "grown: the new range is not valid");
        bp.setFlags(Buf.B_CACHE);   // the owner fills it
        c.allocbuf(bp, 512);
        assertEquals(512, c.view().dirtybufspace());
        c.bdwrite(bp);
        c.checkInvariants();
    }
}
