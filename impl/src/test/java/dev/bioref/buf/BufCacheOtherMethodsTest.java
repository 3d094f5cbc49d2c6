// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.SeededCompleter;
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
