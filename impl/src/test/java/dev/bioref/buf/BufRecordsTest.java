// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.bioref.buf.BufTestSupport.BLK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The records a reader of messages and traces sees: Buf's flag names and accessors, Bio's layer
 * links, flags and text, Vnode's name and block size, and the b_dep list. The protocol tests pass
 * through them without reading them; PIT's run Small2 (proofs-notes/pit.md §9.6) found each
 * unread.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufRecordsTest {

    @Test void flagNamesListEverySetFlagInBitOrderAndZeroForNone() {
        assertEquals("0", Buf.flagNames(0));
        assertEquals("AGE", Buf.flagNames(Buf.B_AGE));
        assertEquals("PAGING", Buf.flagNames(Buf.B_PAGING));
        assertEquals("CACHE|DELWRI", Buf.flagNames(Buf.B_DELWRI | Buf.B_CACHE));
        assertEquals("AGE|NEEDCOMMIT|ERROR|PAGING", Buf.flagNames(Buf.B_PAGING | Buf.B_ERROR | Buf.B_NEEDCOMMIT | Buf.B_AGE));
        assertEquals("0", Buf.flagNames(1 << 25), "a bit past B_PAGING has no name");
    }

    @Test void aBufferRecordsItsVnodeErrorResidAndLayers() {
        BufCache c = BufTestSupport.cache(4);
        LoopbackDevice dev = BufTestSupport.device(16);
        Vnode vp = c.vnode("records", dev, BLK);
        assertEquals("records", vp.name());
        assertEquals(BLK, vp.blksize());
        assertEquals("vnode(records, blksize=" + BLK + ")", vp.toString());
        Buf bp = c.getblk(vp, 2L * BLK, BLK, 0, 0);
        assertSame(vp, bp.b_vp());
        assertEquals(0, bp.b_runningbufspace(), "no write in flight");
        bp.set_b_error(5);
        bp.set_b_resid(7);
        assertEquals(5, bp.b_error());
        assertEquals(7, bp.b_resid());
        bp.set_b_error(0);
        bp.set_b_resid(0);
        assertSame(bp.b_bio1(), bp.b_bio(0));
        assertSame(bp.b_bio2(), bp.b_bio(1));
        assertSame(bp, bp.b_bio1().bio_buf());
        assertNull(bp.b_bio1().bio_prev(), "bio1 is the top layer");
        assertEquals(0, bp.b_bio1().index());
        assertEquals(1, bp.b_bio2().index());
        assertSame(bp.b_bio2(), bp.b_bio1().bio_next());
        assertSame(bp.b_bio1(), bp.b_bio2().bio_prev());
        assertNull(bp.b_bio2().bio_next(), "bio2 is the bottom layer");
        BioOps ops = new BioOps() {
            public void io_complete(Buf b) { }
            public void io_deallocate(Buf b) { }
            public int io_countdeps(Buf b, int n) { return 0; }
            public int io_checkwrite(Buf b) { return 0; }
        };
        bp.set_b_ops(ops);
        assertSame(ops, bp.b_ops());
        bp.set_b_ops(null);
        c.brelse(bp);
    }

    @Test void theDependencyListAddsAtTheHeadAndReportsWhatItRemoved() {
        BufCache c = BufTestSupport.cache(4);
        Vnode vp = c.vnode("deps", BufTestSupport.device(16), BLK);
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        Object a = "a", b = "b";
        bp.dep_add(a);
        bp.dep_add(b);
        assertEquals(java.util.List.of(b, a), bp.b_dep(), "LIST_INSERT_HEAD");
        assertTrue(bp.dep_remove(a));
        assertFalse(bp.dep_remove(a), "not present any more");
        assertEquals(java.util.List.of(b), bp.b_dep());
        bp.dep_clear();
        assertTrue(bp.dep_isEmpty());
        c.brelse(bp);
    }

    @Test void bioFlagsClearOnlyTheMaskAndTheTextNamesOffsetFlagsAndCompletion() {
        BufCache c = BufTestSupport.cache(4);
        Vnode vp = c.vnode("bio", BufTestSupport.device(16), BLK);
        Buf bp = c.getblk(vp, BLK, BLK, 0, 0);
        Bio bio = bp.b_bio2();
        int before = bio.bio_flags();
        bio.bio_flags_set(Bio.BIO_SYNC | Bio.BIO_WANT);
        bio.bio_flags_clear(Bio.BIO_WANT);
        assertEquals(before | Bio.BIO_SYNC, bio.bio_flags(), "clearing BIO_WANT cleared something else");
        bio.set_bio_offset(4096);
        assertEquals("bio2[off=4096,flags=0x" + Integer.toHexString(before | Bio.BIO_SYNC) + "]", bio.toString());
        BioDone done = x -> { };
        bio.set_bio_done(done);
        assertSame(done, bio.bio_done());
        assertTrue(bio.toString().endsWith(",done]"), bio.toString());
        bio.set_bio_done(null);
        bio.bio_flags_clear(Bio.BIO_SYNC);
        c.brelse(bp);
    }
}
