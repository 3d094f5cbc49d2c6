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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vinvalbuf / vtruncbuf, memory pressure (vm_paging_min), several CPU buckets, the bio layers. */
@ExtendWith(CheckInvariantsExtension.class)
class VnodeOpsAndPressureTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);

    @Test void vinvalbufWithVSaveWritesThenInvalidatesEverything() {
        for (int b = 0; b < 4; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        c.bqrelse(fill(c, vp, 5L * BLK, pattern(5, BLK)));
        assertEquals(0, VfsSubr.vinvalbuf(vp, VfsSubr.V_SAVE));
        assertEquals(0, vp.hashedCount());
        assertEquals(0, c.view().dirtybufcount());
        for (int b = 0; b < 4; b++) assertArrayEquals(pattern(b, BLK), dev.peekVisible((long) b * BLK, BLK));
    }

    @Test void vinvalbufWithoutVSaveDiscardsPendingWrites() {
        for (int b = 0; b < 3; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        assertEquals(0, VfsSubr.vinvalbuf(vp, 0));
        assertEquals(0, vp.hashedCount());
        assertEquals(0, c.view().dirtybufcount());
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "discarded on the owner's request");
    }

    @Test void vtruncbufDropsBlocksAtAndBeyondTheRoundedLength() {
        for (int b = 0; b < 6; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        VfsSubr.vtruncbuf(vp, 2L * BLK + 1, BLK);   // rounds up to 3 blocks: 3, 4, 5 go
        assertEquals(3, vp.hashedCount());
        assertNotNull(c.findblk(vp, 2L * BLK, BufCache.FINDBLK_TEST));
        assertNull(c.findblk(vp, 3L * BLK, BufCache.FINDBLK_TEST));
        assertEquals(3, c.view().dirtybufcount());
        assertThrows(IllegalArgumentException.class, () -> VfsSubr.vtruncbuf(vp, -1, BLK));
    }

    @Test void underMemoryPressureBqrelseFreesACleanBuffer() {
        c.setMemoryPressure(() -> true);
        Buf bp = fill(c, vp, 0, pattern(1, BLK));
        c.bqrelse(bp);   // → brelse → B_RELBUF → memory released
        assertEquals(Buf.BQUEUE_EMPTY, bp.b_qindex());
        assertEquals(0, c.view().bufspace());
        Buf dirty = fill(c, vp, BLK, pattern(2, BLK));
        c.bdwrite(dirty);
        assertEquals(Buf.BQUEUE_DIRTY, dirty.b_qindex(), "dirty buffers are kept");
        c.setMemoryPressure(() -> false);
    }

    @Test void underMemoryPressureDeallocateMayPinTheBufferInsteadOfFreeingIt() {
        RecordingOps ops = new RecordingOps(c);
        ops.deallocateRefuses = true;
        Buf bp = fill(c, vp, 0, pattern(3, BLK));
        ops.attach(bp);
        c.setMemoryPressure(() -> true);
        c.brelse(bp);
        assertEquals(List.of("io_deallocate"), ops.hooks(), "the low-memory RELBUF path asks the filesystem (L1348)");
        assertEquals(Buf.BQUEUE_LOCKED, bp.b_qindex());
        assertEquals(vp, bp.b_vp(), "pinned: identity and memory kept");
        c.setMemoryPressure(() -> false);
        c.regetblk(bp);
        bp.clearFlags(Buf.B_LOCKED);
        bp.dep_remove("dep@0");
        c.bqrelse(bp);
    }

    @Test void headersAreSpreadOverCpuBucketsAndGetnewbufScansThemAll() {
        BufCache c2 = BufTestSupport.cache(Params.forTest(8, 2, BLK));
        Vnode v2 = c2.vnode("dev2", BufTestSupport.device(64), BLK);
        int cpu0 = 0;
        for (int i = 0; i < 8; i++) if (c2.view().header(i).b_qcpu() == 0) cpu0++;
        assertEquals(4, cpu0, "round-robin b_qcpu at bufinit");
        for (int b = 0; b < 40; b++) {
            Buf bp = fill(c2, v2, (long) b * BLK, pattern(b, BLK));
            if (b % 3 == 0) c2.bdwrite(bp); else c2.bqrelse(bp);
            if (b % 5 == 0) c2.bufDaemonStep(false);
            c2.checkInvariants();
        }
        VfsSubr.vfsync(v2, true);
        for (int b = 0; b < 40; b += 3) assertArrayEquals(pattern(b, BLK), v2.dev().peekVisible((long) b * BLK, BLK));
    }

    @Test void pushBioLinksLayersAndPanicsWhenTheyRunOut() {
        Buf bp = fill(c, vp, 0, pattern(4, BLK));
        Bio bio = bp.b_bio1();
        for (int i = 1; i < Buf.NBUF_BIO; i++) {
            Bio next = c.push_bio(bio);
            assertEquals(bio, c.pop_bio(next));
            bio = next;
        }
        Bio last = bio;
        assertThrows(Panic.class, () -> c.push_bio(last));
        c.clearbiocache(bp.b_bio2());
        assertEquals(Bio.NOOFFSET, bp.b_bio2().bio_offset());
        c.bqrelse(bp);
    }

    @Test void bioTrackWaitReturnsOnceTheCountDrains() throws Exception {
        BioTrack t = new BioTrack("t");
        t.bio_track_ref();
        t.bio_track_ref();
        Thread waiter = new Thread(() -> t.bio_track_wait(0));
        waiter.start();
        while ((t.raw() & BioTrack.WANTED) == 0) Thread.onSpinWait();
        t.bio_track_rel();
        assertTrue(waiter.isAlive() || t.active() == 1);
        t.bio_track_rel();
        waiter.join(5000);
        assertFalse(waiter.isAlive());
        assertEquals(0, t.raw(), "the wait flag goes with the last reference");
        assertThrows(Panic.class, t::bio_track_rel);
    }

    @Test void scanAllBuffersVisitsEveryHeaderAndStopsOnANegativeResult() {
        assertEquals(8, c.scan_all_buffers(bp -> 1));
        assertEquals(-3, c.scan_all_buffers(bp -> bp.b_index() == 2 ? -3 : 1));
    }
}
