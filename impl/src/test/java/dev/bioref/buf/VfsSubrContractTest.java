// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The contract of each VfsSubr stand-in, one promise per test: the misuse checks of bgetvp,
 * brelvp and reassignbuf throw with the buffer and change nothing; brelvp takes a buffer out of
 * every tree of its vnode; vfsync drops the reference it takes, honours io_checkwrite, and returns
 * the first write error; vinvalbuf returns vfsync's error with V_SAVE and discards pending writes
 * without it; vtruncbuf's bounds (length 0, blksize 0, a length on a block boundary). Each test
 * was written for a PIT mutant that survived (proofs-notes/pit.md §6) and fails with it.
 */
@ExtendWith(CheckInvariantsExtension.class)
class VfsSubrContractTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);
    /** Writes to fail from now on (counted down per write). */
    final AtomicInteger failWrites = new AtomicInteger();

    {
        vp.setStrategyFilter((cmd, off, len) ->
                cmd == BufCmd.WRITE && failWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? Errno.EIO : 0);
    }

    /** A header no vnode owns and no thread holds. */
    private Buf freeHeader() {
        for (int i = 0; i < c.view().nbuf(); i++) {
            Buf bp = c.view().header(i);
            if (bp.b_vp() == null && !bp.b_lock().isLocked() && bp.b_qindex() == Buf.BQUEUE_EMPTY) return bp;
        }
        throw new AssertionError("no free header in " + c.view().nbuf());
    }

    private Buf cleanCached(long off, int seed) {
        Buf bp = fill(c, vp, off, pattern(seed, BLK));
        assertEquals(0, c.bwrite(bp));
        return bp;
    }

    // ---- bgetvp / brelvp / reassignbuf misuse

    @Test void bgetvpOfABufferAlreadyOnAVnodePanicsAndChangesNothing() {
        Buf bp = cleanCached(0, 1);
        int flags = bp.b_flags();
        Panic p = assertThrows(Panic.class, () -> VfsSubr.bgetvp(vp, bp, BLK));
        assertTrue(p.getMessage().contains("already associated"), p.getMessage());
        assertSame(vp, bp.b_vp());
        assertEquals(flags, bp.b_flags());
        assertSame(bp, vp.v_rbhash_tree.get(0L));
    }

    @Test void bgetvpOfAHeaderWithVnodeFlagsPanicsNamingIt() {
        Buf h = freeHeader();
        int flags = h.b_flags();
        h.setFlags(Buf.B_DELWRI);
        try {
            Panic p = assertThrows(Panic.class, () -> VfsSubr.bgetvp(vp, h, BLK));
            assertTrue(p.getMessage().contains("bad flags"), p.getMessage());
            assertNull(h.b_vp());
            assertEquals(0, vp.hashedCount());
            assertEquals(flags | Buf.B_DELWRI, h.b_flags());
        } finally {
            h.clearFlags(Buf.B_DELWRI);
        }
    }

    @Test void bgetvpOfAnOffsetAlreadyCachedReturnsEexistAndChangesNothing() {
        Buf bp = cleanCached(BLK, 2);
        Buf h = freeHeader();
        int flags = h.b_flags();
        h.b_loffset = BLK;
        try {
            assertEquals(Errno.EEXIST, VfsSubr.bgetvp(vp, h, BLK));
            assertNull(h.b_vp(), "the losing header stays unassociated");
            assertEquals(flags, h.b_flags());
            assertSame(bp, vp.v_rbhash_tree.get((long) BLK));
            assertSame(bp, vp.v_rbclean_tree.get((long) BLK));
        } finally {
            h.b_loffset = Bio.NOOFFSET;
        }
    }

    @Test void brelvpOfABufferOnNoVnodePanicsNamingIt() {
        Buf h = freeHeader();
        Panic p = assertThrows(Panic.class, () -> VfsSubr.brelvp(h));
        assertTrue(p.getMessage().contains("NULL vp"), p.getMessage());
    }

    @Test void reassignbufWithoutTheVnodeTokenPanicsAndMovesNothing() {
        Buf bp = fill(c, vp, 2 * BLK, pattern(3, BLK));
        bp.setFlags(Buf.B_DELWRI);              // as bdirty would, but reassignbuf is called without v_token
        try {
            Panic p = assertThrows(Panic.class, () -> VfsSubr.reassignbuf(bp));
            assertTrue(p.getMessage().contains("v_token not held"), p.getMessage());
            assertTrue(bp.hasFlags(Buf.B_VNCLEAN) && !bp.hasFlags(Buf.B_VNDIRTY), "still on the clean tree only");
            assertTrue(vp.v_rbdirty_tree.isEmpty());
        } finally {
            bp.clearFlags(Buf.B_DELWRI);
            c.brelse(bp);
        }
    }

    // ---- brelvp takes the buffer out of every tree

    @Test void anInvalidatedCleanBufferLeavesEveryTreeOfItsVnode() {
        Buf bp = cleanCached(3 * BLK, 4);
        assertSame(bp, c.getblk(vp, 3 * BLK, BLK, 0, 0));
        bp.setFlags(Buf.B_INVAL | Buf.B_RELBUF);
        c.brelse(bp);                             // destroy path: allocbuf(0), then brelvp
        assertNull(bp.b_vp());
        assertFalse(vp.v_rbhash_tree.containsKey(3L * BLK));
        assertFalse(vp.v_rbclean_tree.containsKey(3L * BLK), "stale entry left on the clean tree");
        assertFalse(vp.v_rbdirty_tree.containsKey(3L * BLK));
    }

    @Test void brelvpOfADirtyBufferTakesItOffTheDirtyTree() {
        // every caller of brelvp in the cache undirties first; this checks brelvp's own promise
        BufCache u = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), BufQuirks.none());
        Vnode uvp = u.vnode("dev1", BufTestSupport.device(8), BLK);
        Buf bp = fill(u, uvp, 0, pattern(5, BLK));
        u.bdirty(bp);
        assertTrue(bp.hasFlags(Buf.B_VNDIRTY) && uvp.v_rbdirty_tree.containsKey(0L));
        VfsSubr.brelvp(bp);
        assertNull(bp.b_vp());
        assertFalse(uvp.v_rbdirty_tree.containsKey(0L), "stale entry left on the dirty tree");
        assertFalse(uvp.v_rbhash_tree.containsKey(0L));
        assertFalse(bp.anyFlags(Buf.B_HASHED | Buf.B_VNCLEAN | Buf.B_VNDIRTY));
        bp.b_lock().unlock();
    }

    // ---- vfsync

    @Test void vfsyncDropsTheReferenceItTakesOnEveryBufferItVisits() {
        c.bdwrite(fill(c, vp, 0, pattern(6, BLK)));
        c.bdwrite(fill(c, vp, BLK, pattern(7, BLK)));
        Buf busy = fill(c, vp, 2 * BLK, pattern(8, BLK));   // held: vfsync skips it after its findblk
        c.bdirty(busy);
        assertEquals(0, VfsSubr.vfsync(vp, true));
        for (long off = 0; off < 3; off++) {
            Buf bp = c.findblk(vp, off * BLK, BufCache.FINDBLK_TEST);
            assertEquals(0, bp.b_refs(), "vfsync left a reference on " + bp);
        }
        c.bqrelse(busy);
    }

    @Test void vfsyncLeavesABufferWhoseCheckwriteRefusesDirtyUnwrittenAndUnlocked() {
        RecordingOps ops = new RecordingOps(c);
        ops.checkwriteAnswer = 1;
        Buf bp = fill(c, vp, 0, pattern(9, BLK));
        ops.attach(bp);
        c.bdwrite(bp);
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertTrue(ops.hooks().contains("io_checkwrite"), ops.hooks().toString());
        assertTrue(bp.hasFlags(Buf.B_DELWRI), "a refused buffer stays dirty");
        assertFalse(bp.b_lock().isLocked(), "vfsync released the refused buffer");
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "and did not write it");
        // the filesystem agrees now: the same vfsync writes it
        ops.checkwriteAnswer = 0;
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertFalse(bp.hasFlags(Buf.B_DELWRI));
        assertArrayEquals(pattern(9, BLK), dev.peekVisible(0, BLK));
    }

    @Test void vfsyncReturnsTheFirstWriteErrorAndAcleanRetryReturnsZero() {
        c.bdwrite(fill(c, vp, 0, pattern(10, BLK)));
        failWrites.set(1);
        assertEquals(Errno.EIO, VfsSubr.vfsync(vp, true));
        assertEquals(1, vp.dirtyCount(), "the failed buffer stays dirty");
        assertEquals(0, VfsSubr.vfsync(vp, true), "no stale error after a successful retry");
        assertArrayEquals(pattern(10, BLK), dev.peekVisible(0, BLK));
    }

    // ---- vinvalbuf

    @Test void vinvalbufWithVSaveReturnsTheWriteErrorAndKeepsTheData() {
        c.bdwrite(fill(c, vp, BLK, pattern(11, BLK)));
        failWrites.set(1);
        assertEquals(Errno.EIO, VfsSubr.vinvalbuf(vp, VfsSubr.V_SAVE));
        Buf bp = c.findblk(vp, BLK, BufCache.FINDBLK_TEST);
        assertNotNull(bp, "nothing was invalidated after the failed save");
        assertTrue(bp.hasFlags(Buf.B_DELWRI));
        assertEquals(0, VfsSubr.vinvalbuf(vp, VfsSubr.V_SAVE));
        assertArrayEquals(pattern(11, BLK), dev.peekVisible(BLK, BLK));
        assertEquals(0, vp.hashedCount());
    }

    @Test void vinvalbufWithVSaveWritesADirtyBufferVfsyncLeftBecauseCheckwriteRefused() {
        RecordingOps ops = new RecordingOps(c);
        ops.checkwriteAnswer = 1;                 // vfsync leaves it dirty; vinvalbuf's own loop writes it
        Buf bp = fill(c, vp, 2 * BLK, pattern(14, BLK));
        ops.attach(bp);
        ops.completeDropsDeps = true;
        c.bdwrite(bp);
        assertEquals(0, VfsSubr.vinvalbuf(vp, VfsSubr.V_SAVE));
        assertArrayEquals(pattern(14, BLK), dev.peekVisible(2 * BLK, BLK), "V_SAVE wrote the data back before invalidating");
        assertEquals(0, vp.hashedCount());
        assertEquals(0, c.view().dirtybufcount());
    }

    @Test void vinvalbufWithoutVSaveDiscardsPendingWrites() {
        c.bdwrite(fill(c, vp, 0, pattern(12, BLK)));
        cleanCached(BLK, 13);
        assertEquals(0, VfsSubr.vinvalbuf(vp, 0));
        assertEquals(0, vp.hashedCount());
        assertEquals(0, vp.dirtyCount());
        assertEquals(0, c.view().dirtybufcount());
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "the pending write was discarded, not issued");
    }

    // ---- vtruncbuf bounds

    @Test void vtruncbufOnABlockBoundaryKeepsTheBlocksBelowIt() {
        for (int b = 0; b < 3; b++) cleanCached((long) b * BLK, 20 + b);
        assertEquals(0, VfsSubr.vtruncbuf(vp, BLK, BLK));
        assertNotNull(c.findblk(vp, 0, BufCache.FINDBLK_TEST));
        assertNull(c.findblk(vp, BLK, BufCache.FINDBLK_TEST), "the block at the truncation length goes");
        assertNull(c.findblk(vp, 2 * BLK, BufCache.FINDBLK_TEST));
    }

    @Test void vtruncbufToZeroRemovesEveryBlock() {
        for (int b = 0; b < 2; b++) cleanCached((long) b * BLK, 30 + b);
        assertEquals(0, VfsSubr.vtruncbuf(vp, 0, BLK));
        assertEquals(0, vp.hashedCount());
    }

    @Test void vtruncbufRejectsAZeroOrNegativeArgumentNamingItAndChangesNothing() {
        cleanCached(0, 40);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VfsSubr.vtruncbuf(vp, 5, 0));
        assertTrue(e.getMessage().contains("blksize must be > 0, was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VfsSubr.vtruncbuf(vp, -1, BLK));
        assertTrue(e.getMessage().contains("negative length -1"), e.getMessage());
        assertEquals(1, vp.hashedCount());
    }
}
