// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.SeededCompleter;
import dev.bioref.kern.Panic;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * BufCache's methods other than the 20 protocol methods (proofs-notes/pit.md §9.4): the severity
 * predicates, biodone_chain, buwrite, and the other helpers whose PIT survivors §9.4 classifies
 * as missing tests. Single-threaded; the held-write device ({@link SeededCompleter}) keeps a
 * write in flight until the test completes it.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufCacheOtherMethodsTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    private Buf dirty(BufCache cache, Vnode v, int b) {
        Buf bp = fill(cache, v, (long) b * BLK, pattern(b, BLK));
        cache.bdwrite(bp);
        return bp;
    }

    // ------------------------------------------------------------------ severity predicates

    /** forTest(8, 1 KiB): hidirtybufspace 3072, so three dirty headers (b_kvasize 1 KiB each) are severe. */
    @Test void dirtyCountIsSevereFromHidirtybufspaceOfDirtyKvaPlusRunningBytes() {
        assertEquals(3072, c.view().params().hidirtybufspace(), "fixture");
        dirty(c, vp, 0);
        dirty(c, vp, 1);
        assertFalse(c.buf_dirty_count_severe(), "2048 dirty kva bytes, 2 of 8 dirty");
        dirty(c, vp, 2);
        assertTrue(c.buf_dirty_count_severe(), "exactly hidirtybufspace of dirty kva");
    }

    @Test void runningBytesCountTowardsSevereDirtySpace() {
        SeededCompleter held = new SeededCompleter(7);
        BufCache cs = BufTestSupport.cache(8);
        Vnode v = cs.vnode("held", BufTestSupport.device(16, held), BLK);
        dirty(cs, v, 0);
        dirty(cs, v, 1);
        cs.bawrite(fill(cs, v, 2L * BLK, pattern(2, BLK)));   // a clean buffer's write: running, not dirty
        assertEquals(1024, cs.view().runningbufspace());
        assertEquals(2048, cs.view().dirtykvaspace());
        assertTrue(cs.buf_dirty_count_severe(), "1024 running + 2048 dirty kva = hidirtybufspace");
        assertEquals(1, held.completeAll());
        BufTestSupport.drain(cs);
        assertEquals(0, cs.view().runningbufspace());
        assertFalse(cs.buf_dirty_count_severe(), "the write completed: 2048 only");
    }

    @Test void halfTheHeadersDirtyIsSevereWhateverTheBytes() {
        BufCache cs = BufTestSupport.cache(Params.forTest(8, BLK).withDirtyWatermarks(100_000, 200_000));
        Vnode v = cs.vnode("big", BufTestSupport.device(16), BLK);
        for (int b = 0; b < 3; b++) dirty(cs, v, b);
        assertFalse(cs.buf_dirty_count_severe(), "3 of 8 dirty, far below hidirtybufspace");
        dirty(cs, v, 3);
        assertTrue(cs.buf_dirty_count_severe(), "nbuf / 2 dirty");
    }

    /** hirunningspace 3072: severe from 2048 bytes (4/6 of it) of writes in flight. */
    @Test void runningbufspaceIsSevereFromTwoThirdsOfHirunningspace() {
        SeededCompleter held = new SeededCompleter(8);
        BufCache cs = BufTestSupport.cache(Params.forTest(8, BLK).withHirunningspace(3072));
        Vnode v = cs.vnode("held", BufTestSupport.device(16, held), BLK);
        cs.bawrite(fill(cs, v, 0, pattern(0, BLK)));
        assertFalse(cs.buf_runningbufspace_severe(), "1024 of 2048");
        cs.bawrite(fill(cs, v, BLK, pattern(1, BLK)));
        assertEquals(2048, cs.view().runningbufspace());
        assertTrue(cs.buf_runningbufspace_severe(), "exactly 4/6 of hirunningspace");
        assertEquals(2, held.completeAll());
        BufTestSupport.drain(cs);
        assertFalse(cs.buf_runningbufspace_severe());
    }

    // ------------------------------------------------------------------ completion helpers

    @Test void biodoneChainHandsCompletionToTheLayerAbove() {
        Buf bp = fill(c, vp, 0, pattern(3, BLK));
        Bio bio2 = c.push_bio(bp.b_bio1());
        assertSame(bp.b_bio2(), bio2, "bio1's next layer is bio2 (initbufbio)");
        List<Bio> called = new ArrayList<>();
        bp.b_bio1().set_bio_done(called::add);
        c.biodone_chain(bio2);
        assertEquals(List.of(bp.b_bio1()), called, "bio1's bio_done ran, with bio1");
        assertNull(bp.b_bio1().bio_done(), "and was cleared");
        assertTrue(bp.b_lock().ownedByMe(), "no bpdone: the owner still holds it");
        c.bqrelse(bp);
    }

    @Test void biodoneChainAtTheTopFinishesAndReleasesTheBuffer() {
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.set_b_cmd(BufCmd.READ);
        c.biodone_chain(bp.b_bio1());
        assertEquals(BufCmd.DONE, bp.b_cmd(), "bpdone ran");
        assertTrue(bp.hasFlags(Buf.B_CACHE), "a good read: B_CACHE");
        assertFalse(bp.b_lock().isLocked(), "elseit: released");
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
    }

    /**
     * reinitbufbio: a recycled header forgets every layer's translation and completion, not only
     * bio1/bio2 (which getblk resets itself); push_bio hands back an existing layer as it is.
     */
    @Test void aRecycledHeaderForgetsTheTranslationOfEveryLayer() {
        BufCache one = BufTestSupport.cache(1);
        Vnode v = one.vnode("one", BufTestSupport.device(4), BLK);
        Buf bp = fill(one, v, 0, pattern(5, BLK));
        Bio bio3 = one.push_bio(bp.b_bio2());
        assertSame(bp.b_bio(2), bio3);
        bio3.set_bio_offset(77L * BLK);
        assertSame(bio3, one.push_bio(bp.b_bio2()), "an existing layer is reused ...");
        assertEquals(77L * BLK, bio3.bio_offset(), "... with its cached offset");
        bio3.set_bio_done(b -> fail("bio3 is never completed here"));
        assertEquals(0, one.bwrite(bp));
        Buf other = one.getblk(v, BLK, BLK, 0, 0);
        assertSame(bp, other, "the only header, recycled for block 1");
        assertEquals(Bio.NOOFFSET, other.b_bio(2).bio_offset(), "bio3's offset reset");
        assertNull(other.b_bio(2).bio_done(), "bio3's completion forgotten");
        one.bqrelse(other);
    }

    // ------------------------------------------------------------------ allocbuf, vfs_bio_clrbuf

    @Test void allocbufKeepsTheDataThatStillFitsAndAccountsEveryResize() {
        Buf bp = fill(c, vp, 0, pattern(6, BLK));
        long space = c.view().bufspace();
        c.allocbuf(bp, 700);
        assertEquals(1024, bp.b_bufsize(), "700 bytes round up to two DEV_BSIZE sectors");
        assertEquals(700, bp.b_bcount());
        assertEquals(space, c.view().bufspace(), "same allocation");
        c.allocbuf(bp, 300);
        assertEquals(512, bp.b_bufsize());
        assertEquals(space - 512, c.view().bufspace());
        assertArrayEquals(java.util.Arrays.copyOf(pattern(6, BLK), 512), bp.b_data(), "the first sector kept");
        c.allocbuf(bp, BLK);
        byte[] want = new byte[BLK];
        System.arraycopy(pattern(6, BLK), 0, want, 0, 512);
        assertArrayEquals(want, bp.b_data(), "grown: the old sector kept, the new one zero");
        assertEquals(space, c.view().bufspace());
        bp.setFlags(Buf.B_CACHE);
        c.bqrelse(bp);
    }

    @Test void allocbufToZeroBytesIsValidAndGivesTheMemoryBack() {
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        assertFalse(bp.hasFlags(Buf.B_CACHE));
        long space = c.view().bufspace();
        c.allocbuf(bp, 0);
        assertTrue(bp.hasFlags(Buf.B_CACHE), "an empty buffer is fully valid");
        assertEquals(0, bp.b_bufsize());
        assertEquals(0, bp.b_data().length);
        assertEquals(space - BLK, c.view().bufspace());
        c.allocbuf(bp, 512);
        assertFalse(bp.hasFlags(Buf.B_CACHE), "grown from nothing: not valid");
        c.allocbuf(bp, 256);
        assertFalse(bp.hasFlags(Buf.B_CACHE), "a shrink of a buffer that is not valid does not make it valid");
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
    }

    @Test void allocbufOfAHeavyDirtyBufferMovesTheHwCounters() {
        Buf bp = fill(c, vp, 0, pattern(7, 512));
        c.bheavy(bp);
        c.bdirty(bp);
        assertEquals(512, c.view().dirtybufspacehw());
        c.allocbuf(bp, BLK);
        assertEquals(BLK, c.view().dirtybufspace());
        assertEquals(BLK, c.view().dirtybufspacehw());
        bp.setFlags(Buf.B_CACHE);
        c.allocbuf(bp, 512);
        assertEquals(512, c.view().dirtybufspacehw());
        assertEquals(512, c.view().dirtybufspace());
        c.bdwrite(bp);
    }

    @Test void allocbufRefusesBadSizesAndUnheldBuffersChangingNothing() {
        Buf bp = fill(c, vp, 0, pattern(8, BLK));
        long space = c.view().bufspace();
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> c.allocbuf(bp, -1));
        assertTrue(neg.getMessage().contains("negative size -1"), neg.getMessage());
        assertEquals(BLK, bp.b_bufsize());
        assertEquals(space, c.view().bufspace());
        assertFalse(c.panicked());
        c.bqrelse(bp);

        BufCache cu = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), BufQuirks.none());
        Vnode v = cu.vnode("u", BufTestSupport.device(8), BLK);
        Buf big = cu.getblk(v, 0, BLK, 0, 0);
        Panic tooBig = assertThrows(Panic.class, () -> cu.allocbuf(big, BLK + 1));
        assertTrue(tooBig.getMessage().contains("buffer too small"), tooBig.getMessage());
        assertTrue(cu.panicked());
        assertEquals(BLK, big.b_bufsize(), "nothing changed");
        cu.bqrelse(big);
        Panic notBusy = assertThrows(Panic.class, () -> cu.allocbuf(big, 512));
        assertTrue(notBusy.getMessage().contains("not busy"), notBusy.getMessage());
        assertEquals(BLK, big.b_bufsize());
    }

    @Test void vfsBioClrbufZeroesOnlyAnInvalidBufferAndClearsItsErrors() {
        Buf bp = fill(c, vp, 0, pattern(9, BLK));
        bp.setFlags(Buf.B_INVAL | Buf.B_EINTR | Buf.B_ERROR);
        bp.set_b_resid(5);
        c.vfs_bio_clrbuf(bp);
        assertArrayEquals(new byte[BLK], bp.b_data(), "not B_CACHE: zeroed");
        assertFalse(bp.anyFlags(Buf.B_INVAL | Buf.B_EINTR | Buf.B_ERROR));
        assertFalse(bp.hasFlags(Buf.B_CACHE), "B_CACHE unchanged");
        assertEquals(0, bp.b_resid());
        System.arraycopy(pattern(10, BLK), 0, bp.b_data(), 0, BLK);
        bp.setFlags(Buf.B_CACHE);
        c.vfs_bio_clrbuf(bp);
        assertArrayEquals(pattern(10, BLK), bp.b_data(), "B_CACHE: the valid data is kept");
        c.bqrelse(bp);
    }

    // ------------------------------------------------------------------ findblk, getcacheblk, bremfree

    /** Runs {@code body} on another thread, failing (with the thread's state) if it is not done within 10 s. */
    private static void onOtherThread(String name, Runnable body) throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<Throwable> err = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                err.set(e);
            }
        }, name);
        t.setDaemon(true);   // a thread left blocked by a broken cache must not keep the JVM alive
        t.start();
        t.join(10_000);
        assertFalse(t.isAlive(), name + " still running (blocked?): " + t.getState() + " "
                + java.util.Arrays.toString(t.getStackTrace()));
        if (err.get() != null) throw new AssertionError(name + " failed", err.get());
    }

    @Test void findblkWithNblockGivesUpOnABufferAnotherThreadHoldsAndDropsItsHold() throws Exception {
        Buf bp = fill(c, vp, 0, pattern(11, BLK));
        bp.setFlags(Buf.B_CACHE);
        onOtherThread("nblock-finder", () -> {
            assertNull(c.findblk(vp, 0, BufCache.FINDBLK_NBLOCK), "held by the test thread: no wait, null");
            assertNull(c.getcacheblk(vp, 0, 0, BufCache.GETBLK_NOWAIT), "getcacheblk NOWAIT: the same");
        });
        assertEquals(0, bp.b_refs(), "the lookup's hold was dropped on failure");
        assertTrue(bp.b_lock().ownedByMe());
        IllegalStateException own = assertThrows(IllegalStateException.class, () -> c.findblk(vp, 0, 0));
        assertTrue(own.getMessage().contains("already held"), own.getMessage());
        assertEquals(0, bp.b_refs(), "and on the refusal");
        c.bqrelse(bp);
    }

    @Test void findblkKeepsItsHoldOnlyWithRef() {
        Buf bp = fill(c, vp, 0, pattern(12, BLK));
        c.bqrelse(bp);
        assertSame(bp, c.findblk(vp, 0, BufCache.FINDBLK_TEST));
        assertEquals(0, bp.b_refs());
        assertSame(bp, c.findblk(vp, 0, BufCache.FINDBLK_TEST | BufCache.FINDBLK_REF));
        assertEquals(1, bp.b_refs(), "FINDBLK_REF: held against recycling");
        c.bqdrop(bp);
        Buf locked = c.findblk(vp, 0, BufCache.FINDBLK_REF);
        assertSame(bp, locked);
        assertTrue(locked.b_lock().ownedByMe());
        assertEquals(1, bp.b_refs());
        c.bqdrop(bp);
        assertTrue(c.inmem(vp, 0));
        assertFalse(c.inmem(vp, BLK));
        c.bremfree(bp);
        c.bqrelse(bp);
    }

    @Test void getcacheblkClearsTheAgeOfTheBufferItReturns() {
        Buf bp = fill(c, vp, 0, pattern(13, BLK));
        bp.setFlags(Buf.B_CACHE | Buf.B_AGE);
        c.bqrelse(bp);
        Buf viaFind = c.getcacheblk(vp, 0, 0, 0);
        assertSame(bp, viaFind);
        assertFalse(bp.hasFlags(Buf.B_AGE), "findblk path: B_AGE cleared");
        assertEquals(Buf.BQUEUE_NONE, bp.b_qindex());
        bp.setFlags(Buf.B_AGE);
        c.bqrelse(bp);
        Buf viaGetblk = c.getcacheblk(vp, 0, BLK, 0);
        assertSame(bp, viaGetblk);
        assertFalse(bp.hasFlags(Buf.B_AGE), "getblk path: B_AGE cleared (by getblk's hit, L2812)");
        bp.setFlags(Buf.B_RAM);
        c.bqrelse(bp);
        assertNull(c.getcacheblk(vp, 0, BLK, 0), "getblk path: B_RAM refused");
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex(), "and released with bqrelse: kept");
        assertTrue(bp.hasFlags(Buf.B_CACHE));
        assertFalse(bp.b_lock().isLocked());
    }

    @Test void bremfreeOfABufferOnNoQueueNeedsItsLock() {
        Buf bp = fill(c, vp, 0, pattern(14, BLK));
        c.bremfree(bp);   // locked, on no queue: nothing to do
        assertEquals(Buf.BQUEUE_NONE, bp.b_qindex());
        c.bqrelse(bp);
        BufCache cu = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), BufQuirks.none());
        Buf free = cu.view().header(0);
        assertEquals(Buf.BQUEUE_EMPTY, free.b_qindex());
        Panic queued = assertThrows(Panic.class, () -> cu.bremfree(free));
        assertTrue(queued.getMessage().contains("not locked"), queued.getMessage());
        assertEquals(Buf.BQUEUE_EMPTY, free.b_qindex(), "still queued");
        assertTrue(free.b_lock().tryLock());
        cu.bremfree(free);
        free.b_lock().unlock();
        Panic stray = assertThrows(Panic.class, () -> cu.bremfree(free));
        assertTrue(stray.getMessage().contains("not on a queue"), stray.getMessage());
        assertTrue(cu.panicked());
    }

    // ------------------------------------------------------------------ trace helpers (traces.md "BufCache events")

    @Test void holdsDropsLookupsAndDependencyAttachesAreLogged() {
        TraceLog log = TraceLog.inMemory("BufCache");
        Buf bp = fill(c, vp, 2L * BLK, pattern(15, BLK));
        c.bqrelse(bp);
        c.traceTo(log, vp);
        int h = bp.b_index();
        assertSame(bp, c.findblk(vp, 2L * BLK, BufCache.FINDBLK_TEST | BufCache.FINDBLK_REF));
        c.bqdrop(bp);
        assertSame(bp, c.findblk(vp, 2L * BLK, BufCache.FINDBLK_TEST));   // a bare hint: not logged
        assertSame(bp, c.findblk(vp, 2L * BLK, 0));
        c.bremfree(bp);
        c.bqhold(bp);
        c.traceDepAttach(bp, "veto");
        Buf empty = c.view().header(7);
        c.bqhold(empty);
        String emptyHeld = empty.toString();   // as logged: with its hold
        c.bqdrop(empty);
        assertEquals(List.of(
                "{'action':'findblk_ref','h':" + h + ",'b':2}",
                "{'action':'bqdrop','h':" + h + "}",
                "{'action':'Unmodelled','op':'findblk that locks the buffer (flags 0)'}",
                "{'action':'findblk_ref','h':" + h + ",'b':2}",
                "{'action':'buf_dep_attach','h':" + h + ",'kind':'veto'}",
                "{'action':'Unmodelled','op':'a hold on a buffer without identity " + emptyHeld + "'}",
                "{'action':'bqdrop','h':7}"), BufTestSupport.traceEventsFrom(log, 0));
        c.bqdrop(bp);
        c.bqrelse(bp);
        int n = log.lines().size();
        c.breadcb(vp, 3L * BLK, BLK, 0, null, null);
        assertEquals("{'action':'Unmodelled','op':'breadcb'}", BufTestSupport.traceEventsFrom(log, n).get(0));

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> c.traceTo(TraceLog.inMemory("Bufio"), vp));
        assertTrue(wrong.getMessage().contains("was Bufio"), wrong.getMessage());
        n = log.lines().size();
        c.bqhold(bp);
        assertEquals(n + 1, log.lines().size(), "the refused traceTo left the old log in place");
        c.traceTo(null, null);
        c.bqdrop(bp);
        c.traceDepAttach(bp, "accept");
        assertEquals(n + 1, log.lines().size(), "tracing off: nothing logged");
    }

    @Test void aHoldOnABufferOfAnotherVnodeIsUnmodelled() {
        TraceLog log = TraceLog.inMemory("BufCache");
        Vnode other = c.vnode("dev1", BufTestSupport.device(4), BLK);
        Buf bp = fill(c, other, 0, pattern(16, BLK));
        c.traceTo(log, vp);
        c.bqhold(bp);
        String held = bp.toString();   // as logged
        c.bqdrop(bp);
        c.bqrelse(bp);
        assertEquals("{'action':'Unmodelled','op':'a hold on a buffer without identity " + held + "'}",
                BufTestSupport.traceEventsFrom(log, 0).get(0));
    }

    @Test void theTraceFlagsAreTheSpecsSixBits() {
        assertEquals(1, BufCache.traceFlags(Buf.B_DELWRI));
        assertEquals(2, BufCache.traceFlags(Buf.B_CACHE));
        assertEquals(4, BufCache.traceFlags(Buf.B_INVAL));
        assertEquals(8, BufCache.traceFlags(Buf.B_LOCKED));
        assertEquals(16, BufCache.traceFlags(Buf.B_ERROR));
        assertEquals(32, BufCache.traceFlags(Buf.B_HASHED));
        assertEquals(0, BufCache.traceFlags(Buf.B_AGE | Buf.B_VMIO | Buf.B_HEAVY | Buf.B_RELBUF | Buf.B_NOCACHE));
        assertEquals(63, BufCache.traceFlags(Buf.B_DELWRI | Buf.B_CACHE | Buf.B_INVAL | Buf.B_LOCKED | Buf.B_ERROR
                | Buf.B_HASHED | Buf.B_AGE));
    }

    // ------------------------------------------------------------------ bread, breadn

    @Test void breadnRefusesBadArgumentsBeforeTouchingAnything() {
        Buf[] bpp = {c.view().header(0)};
        assertThrows(IllegalArgumentException.class, () -> c.bread(vp, 0, BLK, null));
        assertThrows(IllegalArgumentException.class, () -> c.bread(vp, 0, BLK, new Buf[0]));
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> c.breadn(vp, 0, BLK, new long[0], new int[0], -1, bpp));
        assertTrue(neg.getMessage().contains("cnt=-1"), neg.getMessage());
        assertNull(bpp[0], "bpp[0] is cleared first");
        assertThrows(IllegalArgumentException.class, () -> c.breadn(vp, 0, BLK, null, new int[] {BLK}, 1, bpp));
        assertThrows(IllegalArgumentException.class, () -> c.breadn(vp, 0, BLK, new long[] {BLK}, null, 1, bpp));
        assertThrows(IllegalArgumentException.class, () -> c.breadn(vp, 0, BLK, new long[] {BLK}, new int[] {BLK}, 2, bpp));
        assertThrows(IllegalArgumentException.class, () -> c.breadn(vp, 0, BLK, new long[] {BLK, 2L * BLK},
                new int[] {BLK}, 2, bpp));
        IllegalArgumentException badRa = assertThrows(IllegalArgumentException.class,
                () -> c.breadn(vp, 0, BLK, new long[] {BLK + 1}, new int[] {BLK}, 1, bpp));
        assertTrue(badRa.getMessage().startsWith("breadn:"), badRa.getMessage());
        assertEquals(0, c.view().bufspace(), "no buffer was created");
        assertEquals(0, dev.stats().reads());
    }

    @Test void breadnReadsAheadOnlyWhatIsNotCachedAndHandsItToTheCompletion() {
        c.bqrelse(fill(c, vp, BLK, pattern(17, BLK)));   // block 1 cached (not valid: no B_CACHE)
        Buf[] bpp = new Buf[1];
        assertEquals(0, c.breadn(vp, 0, BLK, new long[] {BLK, 2L * BLK}, new int[] {BLK, BLK}, 2, bpp));
        BufTestSupport.drain(c);
        assertEquals(2, dev.stats().reads(), "block 0 and the read-ahead of block 2; block 1 is in memory");
        Buf ra = c.findblk(vp, 2L * BLK, BufCache.FINDBLK_TEST);
        assertTrue(ra.hasFlags(Buf.B_CACHE));
        assertFalse(ra.b_lock().isLocked(), "the completion released the read-ahead");
        assertFalse(c.findblk(vp, BLK, BufCache.FINDBLK_TEST).hasFlags(Buf.B_CACHE), "block 1 left alone");
        c.brelse(bpp[0]);
    }

    @Test void aReadClearsStaleFlagsAndSetsTheCallersOnes() {
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.setFlags(Buf.B_NOTMETA | Buf.B_EINTR);
        c.bqrelse(bp);
        Buf[] bpp = new Buf[1];
        assertEquals(0, c.bread(vp, 0, BLK, bpp), "a stale B_EINTR does not fail the new read");
        assertFalse(bpp[0].anyFlags(Buf.B_NOTMETA | Buf.B_EINTR));
        bpp[0].setFlags(Buf.B_INVAL);
        c.brelse(bpp[0]);
        assertEquals(0, c.breadnx(vp, BLK, BLK, Buf.B_NOTMETA, null, null, 0, bpp));
        assertTrue(bpp[0].hasFlags(Buf.B_NOTMETA | Buf.B_CACHE));
        c.brelse(bpp[0]);
        assertEquals(0, c.breadnx(vp, 2L * BLK, BLK, Buf.B_NOTMETA, new long[] {3L * BLK}, new int[] {BLK}, 1, bpp));
        assertTrue(c.findblk(vp, 3L * BLK, BufCache.FINDBLK_TEST).hasFlags(Buf.B_NOTMETA), "the read-ahead's bflags too");
        c.brelse(bpp[0]);
    }

    // ------------------------------------------------------------------ KKASSERTs a caller can reach

    private static void panics(String expected, Runnable call) {
        Panic p = assertThrows(Panic.class, call::run);
        assertTrue(p.getMessage().contains(expected), "expected '" + expected + "' in: " + p.getMessage());
    }

    /** Each seed KKASSERT of these methods that a misusing caller reaches throws, naming the check and the buffer. */
    @Test void misusesPanicWithTheCheckAndTheBufferNamed() {
        BufCache cu = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), BufQuirks.none());
        Vnode v = cu.vnode("u", BufTestSupport.device(8), BLK);
        Buf bp = cu.getblk(v, 0, BLK, 0, 0);
        String name = "buf" + bp.b_index() + "[";

        bp.b_bio2().set_bio_done(b -> { });
        panics("push_bio: layer bio2", () -> cu.push_bio(bp.b_bio1()));
        bp.b_bio2().set_bio_done(null);
        panics("buf_deallocate: no deps on " + name, () -> cu.buf_deallocate(bp));
        panics("vn_strategy: b_cmd == DONE on " + name, () -> cu.vn_strategy(v, bp.b_bio1()));
        bp.set_b_cmd(BufCmd.WRITE);
        bp.b_bio1().bio_flags_set(Bio.BIO_DONE);
        panics("vn_strategy: BIO_DONE set on bio1", () -> cu.vn_strategy(v, bp.b_bio1()));
        panics("biowait: b_cmd != DONE after completion: " + name, () -> cu.biowait(bp.b_bio1(), "biowr"));
        bp.b_bio1().bio_flags_clear(Bio.BIO_DONE);
        // with a timeout, so that a build without this check fails in 1 s instead of sleeping for ever
        panics("biowait: not bio1: bio2", () -> cu.biowait_timeout(bp.b_bio2(), "biowr", 1_000_000_000L));
        panics("biodone_sync: not bio1: bio2", () -> cu.biodone_sync(bp.b_bio2()));
        bp.set_b_cmd(BufCmd.DONE);

        Buf vnodeless = cu.view().header(3);
        assertEquals(Buf.BQUEUE_EMPTY, vnodeless.b_qindex());
        panics("bdirty: buffer buf" + vnodeless.b_index() + "[", () -> cu.bdirty(vnodeless));
        panics("still on queue EMPTY", () -> cu.bdirty(vnodeless));
        assertTrue(vnodeless.b_lock().tryLock());
        cu.bremfree(vnodeless);
        panics("has no vnode", () -> cu.bdirty(vnodeless));
        panics("allocbuf: buffer not B_VMIO", () -> cu.allocbuf(vnodeless, 512));
        panics("vfs_bio_clrbuf: not B_VMIO", () -> cu.vfs_bio_clrbuf(vnodeless));
        assertFalse(vnodeless.hasFlags(Buf.B_DELWRI), "nothing changed");
        assertEquals(0, cu.view().dirtybufcount());
    }

    // ------------------------------------------------------------------ input checks at their boundaries

    @Test void theLastBlockOfTheDeviceIsUsableAndTheOneAfterItIsNot() {
        Vnode small = c.vnode("small", BufTestSupport.device(4), BLK);
        Buf last = c.getblk(small, 3L * BLK, BLK, 0, 0);
        assertEquals(3L * BLK, last.b_loffset());
        c.bqrelse(last);
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> c.getblk(small, 4L * BLK, BLK, 0, 0));
        assertTrue(past.getMessage().contains("beyond the end"), past.getMessage());
        Vnode half = c.vnode("half", BufTestSupport.device(4), 512);
        IllegalArgumentException over = assertThrows(IllegalArgumentException.class,
                () -> c.getblk(half, 7L * 512, 513, 0, 0));
        assertTrue(over.getMessage().contains("exceeds the block size 512"), over.getMessage());
        c.bqrelse(c.getblk(half, 7L * 512, 512, 0, 0));
    }

    @Test void vnodeAndSetHzRefuseBadValuesNamingThem() {
        assertThrows(NullPointerException.class, () -> c.vnode("n", null, BLK));
        for (int bad : new int[] {0, -512, 700, BLK + 512}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.vnode("b", dev, bad));
            assertTrue(e.getMessage().contains("was " + bad), e.getMessage());
        }
        assertEquals(512, c.vnode("ok", dev, 512).blksize);
        assertEquals(1, c.view().vnodes().size() - 1, "only the good one was added");
        IllegalArgumentException hz = assertThrows(IllegalArgumentException.class, () -> c.setHz(0));
        assertTrue(hz.getMessage().contains("was 0"), hz.getMessage());
        c.setHz(1);
        assertThrows(NullPointerException.class, () -> c.setMemoryPressure(null));
    }

    // ------------------------------------------------------------------ more survivors of run BrA (pit.md §9.4)

    /** Asynchronous reads hand the buffer lock to the completion, which runs on the device's own thread here. */
    @Test void asynchronousReadsCompletedOnAnotherThreadReleaseTheirBuffers() throws Exception {
        try (dev.bioref.device.ThreadCompleter tc = new dev.bioref.device.ThreadCompleter("brest-completion")) {
            BufCache ct = BufTestSupport.cache(8);
            Vnode v = ct.vnode("threaded", BufTestSupport.device(16, tc), BLK);
            Buf[] bpp = new Buf[1];
            assertEquals(0, ct.breadn(v, 0, BLK, new long[] {BLK}, new int[] {BLK}, 1, bpp));
            ct.breadcb(v, 2L * BLK, BLK, Buf.B_NOTMETA, null, null);
            BufTestSupport.drain(ct);
            for (long off : new long[] {BLK, 2L * BLK}) {
                Buf bp = ct.findblk(v, off, BufCache.FINDBLK_TEST);
                assertTrue(bp.hasFlags(Buf.B_CACHE), "read at " + off);
                assertFalse(bp.b_lock().isLocked(), "released by the completion thread at " + off);
                assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
            }
            assertTrue(ct.findblk(v, 2L * BLK, BufCache.FINDBLK_TEST).hasFlags(Buf.B_NOTMETA), "breadcb's bflags");
            ct.brelse(bpp[0]);
        }
    }

    @Test void breadcbClearsStaleFlagsAndReleasesACachedBufferWithoutACallback() {
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.setFlags(Buf.B_EINTR | Buf.B_NOTMETA);
        c.bqrelse(bp);
        c.breadcb(vp, 0, BLK, 0, null, null);
        assertTrue(bp.hasFlags(Buf.B_CACHE));
        assertFalse(bp.anyFlags(Buf.B_EINTR | Buf.B_NOTMETA), "stale flags cleared before the read");
        c.breadcb(vp, 0, BLK, 0, null, null);   // cached, no callback: bqrelse
        assertFalse(bp.b_lock().isLocked());
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        assertEquals(1, dev.stats().reads(), "no second read");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> c.bread(vp, 100, BLK, new Buf[1]));
        assertTrue(bad.getMessage().startsWith("bread:"), bad.getMessage());
    }

    @Test void bdirtyForgetsNocacheAndRelbufAndBundirtyUndoesTheAccounting() {
        Buf bp = fill(c, vp, 0, pattern(18, BLK));
        bp.setFlags(Buf.B_NOCACHE | Buf.B_RELBUF | Buf.B_CACHE);
        c.bdirty(bp);
        assertFalse(bp.anyFlags(Buf.B_NOCACHE | Buf.B_RELBUF), "a dirty buffer is kept");
        assertEquals(1, c.view().dirtybufcount());
        bp.setFlags(Buf.B_DEFERRED);
        c.bundirty(bp);
        assertFalse(bp.anyFlags(Buf.B_DELWRI | Buf.B_DEFERRED));
        assertEquals(0, c.view().dirtybufcount());
        assertEquals(0, c.view().dirtybufspace());
        assertEquals(0, c.view().dirtykvaspace());
        c.bqrelse(bp);
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
    }

    @Test void aDestroyedHeaderLosesBVmioAndAResizeToTheSameSizeKeepsBCache() {
        Buf bp = fill(c, vp, 0, pattern(19, BLK));
        bp.setFlags(Buf.B_CACHE);
        c.allocbuf(bp, BLK);
        assertTrue(bp.hasFlags(Buf.B_CACHE), "not grown: still valid");
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex());
        assertFalse(bp.hasFlags(Buf.B_VMIO), "vfs_vmio_release cleared B_VMIO");
    }

    @Test void flushbufqueuesVisitSkipsACleanBufferAndRefusesAForeignOne() {
        Buf bp = fill(c, vp, 0, pattern(20, BLK));
        c.bqrelse(bp);
        assertEquals(BufCache.STEP_SKIPPED, c.flushbufqueuesVisit(bp, false));
        assertFalse(bp.b_lock().isLocked(), "left unlocked");
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex());
        assertEquals(0, dev.stats().writes());
        Buf foreign = BufTestSupport.cache(2).view().header(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.flushbufqueuesVisit(foreign, false));
        assertTrue(e.getMessage().contains("not a header of this cache"), e.getMessage());
        c.bdwrite(c.getblk(vp, 0, BLK, 0, 0));   // and the spinlock was given back: a dirty one is written
        assertEquals(BufCache.STEP_DONE, c.flushbufqueuesVisit(bp, false));
        assertEquals(1, dev.stats().writes());
    }

    /** The daemons' loop conditions at their boundaries: bytes strictly above the limit, or nbuf/2 dirty of their kind. */
    @Test void theDaemonLimitsAtTheirBoundaries() {
        assertFalse(c.buf_daemon_limit(0), "nothing dirty, nothing running: not above 0");
        assertFalse(c.buf_daemon_hw_limit(0));
        for (int b = 0; b < 3; b++) {
            Buf bp = fill(c, vp, (long) b * BLK, pattern(b, BLK));
            c.bheavy(bp);
            c.bdwrite(bp);
        }
        long kva = c.view().dirtykvaspace();
        assertEquals(3L * BLK, kva);
        assertTrue(c.buf_daemon_limit(kva - 1));
        assertFalse(c.buf_daemon_limit(kva), "exactly at the limit: stop");
        assertFalse(c.buf_daemon_hw_limit(kva), "3 heavy of 8: below nbuf/2");
        assertFalse(c.buf_daemon_limit(1L << 40), "heavy buffers do not count for the normal daemon");
        Buf fourth = fill(c, vp, 3L * BLK, pattern(3, BLK));
        c.bheavy(fourth);
        c.bdwrite(fourth);
        assertTrue(c.buf_daemon_hw_limit(1L << 40), "nbuf/2 heavy dirty");
        assertFalse(c.buf_daemon_limit(1L << 40));
        BufCache cl = BufTestSupport.cache(8);   // at most 6 of 8 headers may be in use (hibufspace)
        Vnode vl = cl.vnode("light", BufTestSupport.device(8), BLK);
        for (int b = 0; b < 3; b++) dirty(cl, vl, b);
        assertFalse(cl.buf_daemon_limit(1L << 40), "3 light of 8");
        dirty(cl, vl, 3);
        assertTrue(cl.buf_daemon_limit(1L << 40), "nbuf/2 light dirty");
    }

    @Test void groupBSurvivorsOfRunBrB() {
        assertEquals(7, c.scan_all_buffers(bp -> bp.b_index() == 2 ? 0 : 1), "a 0 result does not stop the scan");
        IllegalArgumentException end = assertThrows(IllegalArgumentException.class, () -> c.getblk(vp, 32L * BLK, BLK, 0, 0));
        assertTrue(end.getMessage().contains("block [32768, 33792)"), end.getMessage());
        Buf past = BufTestSupport.cache(16).view().header(8);   // index nbuf of this cache
        assertThrows(IllegalArgumentException.class, () -> c.flushbufqueuesVisit(past, false));
        assertThrows(IllegalArgumentException.class, () -> c.brelse(past));
        c.startDaemons();
        c.close();
        c.startDaemons();   // close() stopped them: they may be started again
        c.stopDaemons();
    }

    @Test void buwriteIsADelayedWrite() {
        Buf bp = fill(c, vp, BLK, pattern(4, BLK));
        c.buwrite(bp);
        assertTrue(bp.hasFlags(Buf.B_DELWRI | Buf.B_CACHE));
        assertEquals(Buf.BQUEUE_DIRTY, bp.b_qindex());
        assertFalse(bp.b_lock().isLocked());
        assertEquals(1, c.view().dirtybufcount());
        assertEquals(0, dev.stats().writes(), "no I/O");
    }
}
