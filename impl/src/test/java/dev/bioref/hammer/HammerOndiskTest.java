// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The on-disk codecs of {@link HammerOndisk} on their own: the geometry's zone arithmetic, the
 * volume header, meta blocks, index slots and UNDO/PAD records encode and decode to the same
 * values, and every CRC-checked structure refuses a copy with one byte flipped (recovery relies
 * on that to find the end of the UNDO FIFO and to reject a torn header). Found necessary by PIT
 * (proofs-notes/pit.md §9.5): these codecs were exercised only through mounts and crash runs.
 */
class HammerOndiskTest {
    static final HammerOndisk.Geometry G = new HammerOndisk.Geometry(5, 2, 3, 4);

    static int crc32(byte[] a, int off, int len) {
        CRC32 c = new CRC32();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    // ---- Geometry

    @Test void geometryLaysTheZonesOutInOrder() {
        assertEquals(BUFSIZE, G.undoBase());
        assertEquals(5L * BUFSIZE, G.undoSize());
        assertEquals(6L * BUFSIZE, G.metaBase());
        assertEquals(8L * BUFSIZE, G.dataBase());
        assertEquals(11L * BUFSIZE, G.largeBase());
        assertEquals(15L * BUFSIZE, G.size());
        assertEquals(2 * HammerOndisk.SLOTS_PER_BLOCK, G.keys());
        assertEquals(3 * HammerOndisk.CHUNKS_PER_BLOCK, G.chunks());
        assertEquals(4, HammerOndisk.CHUNKS_PER_BLOCK);
        assertEquals((BUFSIZE - 64) / 32, HammerOndisk.SLOTS_PER_BLOCK);
    }

    @Test void geometryMapsKeysChunksAndLargeBlocks() {
        int spb = HammerOndisk.SLOTS_PER_BLOCK;
        assertEquals(G.metaBase(), G.metaBlockOffset(0));
        assertEquals(G.metaBase(), G.metaBlockOffset(spb - 1));
        assertEquals(G.metaBase() + BUFSIZE, G.metaBlockOffset(spb));
        assertEquals(64, G.slotOffset(0));
        assertEquals(64 + 3 * 32, G.slotOffset(3));
        assertEquals(64, G.slotOffset(spb));
        assertEquals(G.dataBase() + 5L * HammerOndisk.CHUNK, G.chunkOffset(5));
        assertEquals(G.largeBase() + 2L * BUFSIZE, G.largeOffset(2));
        HammerOndisk.Geometry s = HammerOndisk.Geometry.small();
        assertEquals(new HammerOndisk.Geometry(16, 2, 32, 16), s);
    }

    @Test void geometryRefusesZonesTooSmallNamingTheValue() {
        new HammerOndisk.Geometry(4, 1, 1, 0);   // the smallest legal one
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HammerOndisk.Geometry(3, 1, 1, 0))
                .getMessage().contains("undoBlocks must be at least 4, was 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HammerOndisk.Geometry(4, 0, 1, 0))
                .getMessage().contains("metaBlocks must be at least 1, was 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HammerOndisk.Geometry(4, 1, 0, 0))
                .getMessage().contains("dataBlocks must be at least 1, was 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HammerOndisk.Geometry(4, 1, 1, -1))
                .getMessage().contains("largeBlocks must be >= 0, was -1"));
    }

    // ---- volume header

    @Test void aNewHeaderDecodesToTheFormattedValues() {
        for (int version : new int[] {HammerOndisk.VERSION_3, HammerOndisk.VERSION_4}) {
            byte[] h = HammerOndisk.newHeader(G, version);
            assertEquals(BUFSIZE, h.length);
            HammerOndisk.Header d = HammerOndisk.decodeHeader(h);
            assertEquals(new HammerOndisk.Header(version, 1, 0, 0, 1, 1, 0, 0, G), d);
            ByteBuffer b = HammerOndisk.le(h);
            assertEquals(HammerOndisk.VOL_MAGIC, b.getLong(HammerOndisk.H_MAGIC));
            assertEquals(G.undoSize(), b.getLong(HammerOndisk.H_UNDO_ALLOC));
            assertEquals(crc32(h, HammerOndisk.H_UNDO_FIRST, HammerOndisk.H_BLOCKMAP_CRC - HammerOndisk.H_UNDO_FIRST),
                    b.getInt(HammerOndisk.H_BLOCKMAP_CRC));
            assertEquals(crc32(h, HammerOndisk.H_NEXT_TID, HammerOndisk.H_END - HammerOndisk.H_NEXT_TID),
                    b.getInt(HammerOndisk.H_VOLCRC));
        }
    }

    @Test void aHeaderOfAnotherVersionIsRefused() {
        for (int v : new int[] {2, 5}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HammerOndisk.newHeader(G, v));
            assertEquals("volume version must be 3 or 4, was " + v, e.getMessage());
        }
    }

    @Test void headerFieldsRoundTripThroughTheCrcs() {
        byte[] h = HammerOndisk.newHeader(G, HammerOndisk.VERSION_4);
        ByteBuffer b = HammerOndisk.le(h);
        b.putLong(HammerOndisk.H_NEXT_TID, 77);
        b.putLong(HammerOndisk.H_UNDO_FIRST, 4096);
        b.putLong(HammerOndisk.H_UNDO_NEXT, 8192);
        b.putLong(HammerOndisk.H_UNDO_FIRST_SEQ, 11);
        b.putLong(HammerOndisk.H_UNDO_NEXT_SEQ, 19);
        b.putLong(HammerOndisk.H_DATA_NEXT, 5);
        b.putLong(HammerOndisk.H_LARGE_NEXT, 2);
        IllegalStateException stale = assertThrows(IllegalStateException.class, () -> HammerOndisk.decodeHeader(h));
        assertTrue(stale.getMessage().startsWith("volume header: CRC mismatch"), stale.getMessage());
        HammerOndisk.setBlockmapCrc(h);
        HammerOndisk.setVolumeCrc(h);
        assertEquals(new HammerOndisk.Header(4, 77, 4096, 8192, 11, 19, 5, 2, G), HammerOndisk.decodeHeader(h));
    }

    @Test void aHeaderWithAnyCoveredByteFlippedIsRefused() {
        byte[] good = HammerOndisk.newHeader(G, HammerOndisk.VERSION_4);
        for (int i = HammerOndisk.H_NEXT_TID; i < HammerOndisk.H_END; i++) {
            byte[] h = good.clone();
            h[i] ^= 0x10;
            int at = i;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HammerOndisk.decodeHeader(h),
                    () -> "byte " + at + " flipped");
            assertTrue(e.getMessage().startsWith("volume header: CRC mismatch, stored "), e.getMessage());
        }
        byte[] h = good.clone();
        h[HammerOndisk.H_END] ^= 1;               // past the covered range: not checked
        HammerOndisk.decodeHeader(h);
    }

    @Test void aHeaderWithABadMagicIsRefusedNamingIt() {
        byte[] h = HammerOndisk.newHeader(G, HammerOndisk.VERSION_4);
        h[0] ^= 1;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HammerOndisk.decodeHeader(h));
        assertEquals("volume header: bad magic " + Long.toHexString(HammerOndisk.VOL_MAGIC ^ 1), e.getMessage());
        h[0] ^= 1;
        h[HammerOndisk.H_VOLCRC] ^= 1;            // the stored CRC itself damaged
        assertTrue(assertThrows(IllegalStateException.class, () -> HammerOndisk.decodeHeader(h)).getMessage()
                .contains("CRC mismatch"));
    }

    @Test void theBlockmapCrcCoversExactlyTheBlockmapEntries() {
        byte[] h = HammerOndisk.newHeader(G, HammerOndisk.VERSION_4);
        int stored = HammerOndisk.le(h).getInt(HammerOndisk.H_BLOCKMAP_CRC);
        h[HammerOndisk.H_NEXT_TID] ^= 1;          // before the range
        HammerOndisk.setBlockmapCrc(h);
        assertEquals(stored, HammerOndisk.le(h).getInt(HammerOndisk.H_BLOCKMAP_CRC));
        h[HammerOndisk.H_BLOCKMAP_CRC - 1] ^= 1;  // last byte of the range
        HammerOndisk.setBlockmapCrc(h);
        assertFalse(stored == HammerOndisk.le(h).getInt(HammerOndisk.H_BLOCKMAP_CRC));
        assertEquals(HammerOndisk.H_DATA_NEXT, HammerOndisk.BLOCKMAP_UNDO_OFF);
        assertEquals(16, HammerOndisk.BLOCKMAP_UNDO_LEN);
    }

    // ---- meta blocks and slots

    @Test void aNewMetaBlockIsValidAndEmpty() {
        byte[] m = HammerOndisk.newMetaBlock();
        assertTrue(HammerOndisk.metaBlockValid(m));
        for (int k = 0; k < HammerOndisk.SLOTS_PER_BLOCK; k++) assertNull(HammerOndisk.Slot.decode(m, G.slotOffset(k)));
    }

    @Test void aMetaBlockWithAByteFlippedIsInvalidUntilItsCrcIsSet() {
        byte[] m = HammerOndisk.newMetaBlock();
        for (int i : new int[] {0, 4, 8, BUFSIZE / 2, BUFSIZE - 1}) {
            byte[] x = m.clone();
            x[i] ^= 1;
            assertFalse(HammerOndisk.metaBlockValid(x), "byte " + i + " flipped");
        }
        byte[] x = m.clone();
        HammerOndisk.Slot.encode(new HammerOndisk.Slot(3, 9, 4, 7), x, G.slotOffset(1));
        assertFalse(HammerOndisk.metaBlockValid(x), "a slot written without the delayed CRC");
        HammerOndisk.setMetaCrc(x);
        assertTrue(HammerOndisk.metaBlockValid(x));
        x[HammerOndisk.M_MAGIC] ^= 1;
        HammerOndisk.setMetaCrc(x);
        assertFalse(HammerOndisk.metaBlockValid(x), "the magic is checked besides the CRC");
    }

    @Test void slotsRoundTripAndAnEmptySlotClearsEveryField() {
        byte[] m = HammerOndisk.newMetaBlock();
        HammerOndisk.Slot s = new HammerOndisk.Slot(100, 0x1234_5678_9abcL, 42, 0xcafe);
        int off = G.slotOffset(7);
        java.util.Arrays.fill(m, off, off + HammerOndisk.SLOT_SIZE, (byte) 0xff);
        HammerOndisk.Slot.encode(s, m, off);
        assertEquals(s, HammerOndisk.Slot.decode(m, off));
        assertEquals(0, HammerOndisk.le(m).getInt(off + HammerOndisk.S_DATA_CRC + 4), "the slot's padding");
        assertNull(HammerOndisk.Slot.decode(m, G.slotOffset(6)));
        assertNull(HammerOndisk.Slot.decode(m, G.slotOffset(8)));
        HammerOndisk.Slot.encode(null, m, off);
        assertNull(HammerOndisk.Slot.decode(m, off));
        assertArrayEquals(new byte[HammerOndisk.SLOT_SIZE], java.util.Arrays.copyOfRange(m, off, off + HammerOndisk.SLOT_SIZE));
    }

    @Test void aSlotDescribesOnlyTheValueItsLengthAndCrcName() {
        byte[] v = HammerTestSupport.bytes(100, 3);
        HammerOndisk.Slot s = new HammerOndisk.Slot(100, 0, 1, HammerOndisk.crc(v, 0, 100));
        assertTrue(s.describes(v));
        byte[] w = v.clone();
        w[99] ^= 1;
        assertFalse(s.describes(w));
        assertFalse(s.describes(HammerTestSupport.bytes(101, 3)));
        assertFalse(new HammerOndisk.Slot(99, 0, 1, HammerOndisk.crc(v, 0, 99)).describes(v));
        assertEquals(crc32(v, 10, 50), HammerOndisk.crc(v, 10, 50));
    }

    // ---- UNDO and PAD records

    @Test void undoRecordSizesAreAlignedHeadPlusPayload() {
        assertEquals(32, HammerOndisk.undoRecordSize(0));
        assertEquals(64, HammerOndisk.undoRecordSize(1));
        assertEquals(64, HammerOndisk.undoRecordSize(32));
        assertEquals(96, HammerOndisk.undoRecordSize(33));
    }

    @Test void anUndoRecordRoundTrips() {
        byte[] buf = new byte[2 * BUFSIZE];
        java.util.Arrays.fill(buf, (byte) 0x77);
        byte[] old = HammerTestSupport.bytes(40, 9);
        old[0] = 1;
        int off = BUFSIZE + 96;
        HammerOndisk.encodeUndo(buf, off, 12, 0x9000, old, 0, 40);
        HammerOndisk.UndoRecord r = HammerOndisk.UndoRecord.decode(buf, off);
        assertNotNull(r);
        assertFalse(r.pad());
        assertEquals(12, r.seq());
        assertEquals(0x9000, r.target());
        assertArrayEquals(old, r.old());
        assertEquals(HammerOndisk.undoRecordSize(40), r.size());
        for (int i = off + HammerOndisk.UNDO_HEAD + 40; i < off + r.size(); i++) assertEquals(0, buf[i], "alignment fill at " + i);
        assertEquals(0x77, buf[off + r.size()], "the record wrote past its size");
        assertEquals(0x77, buf[off - 1]);
        byte[] before = buf.clone();
        HammerOndisk.UndoRecord.decode(buf, off);
        assertArrayEquals(before, buf, "decode left the buffer changed");
    }

    @Test void anUndoRecordCopiesFromTheGivenOffset() {
        byte[] buf = new byte[BUFSIZE];
        byte[] src = new byte[64];
        for (int i = 0; i < src.length; i++) src[i] = (byte) i;
        HammerOndisk.encodeUndo(buf, 0, 1, 2, src, 16, 8);
        assertArrayEquals(java.util.Arrays.copyOfRange(src, 16, 24), HammerOndisk.UndoRecord.decode(buf, 0).old());
    }

    @Test void anUndoRecordWithAnyByteFlippedIsNoRecord() {
        byte[] good = new byte[BUFSIZE];
        HammerOndisk.encodeUndo(good, 64, 5, 0x8000, HammerTestSupport.bytes(40, 4), 0, 40);
        for (int i = 64; i < 64 + HammerOndisk.UNDO_HEAD + 40; i++) {
            byte[] buf = good.clone();
            buf[i] ^= 0x01;
            byte[] flipped = buf.clone();
            assertNull(HammerOndisk.UndoRecord.decode(buf, 64), "byte " + (i - 64) + " of the record flipped");
            assertArrayEquals(flipped, buf, "decode left the buffer changed");
        }
    }

    @Test void aPadRecordFillsToTheBufferEndAndRoundTrips() {
        byte[] buf = new byte[2 * BUFSIZE];
        int off = BUFSIZE + BUFSIZE - 256;
        HammerOndisk.encodePad(buf, off, 33);
        ByteBuffer b = HammerOndisk.le(buf);
        assertEquals(HammerOndisk.PAD_MAGIC, b.getInt(off));
        assertEquals(256 - HammerOndisk.UNDO_HEAD, b.getInt(off + HammerOndisk.U_LEN));
        HammerOndisk.UndoRecord r = HammerOndisk.UndoRecord.decode(buf, off);
        assertNotNull(r);
        assertTrue(r.pad());
        assertEquals(33, r.seq());
        assertEquals(0, r.target());
        assertNull(r.old());
        assertEquals(256, r.size());
    }

    @Test void encodingWritesOnlyTheRecordsOwnBytesAndClearsItsFields() {
        // over stale bytes (a reused FIFO buffer): the record before it stays, every head field is set
        byte[] buf = new byte[BUFSIZE];
        java.util.Arrays.fill(buf, (byte) 0x77);
        HammerOndisk.encodeUndo(buf, 64, 3, 0x4000, new byte[8], 0, 8);
        HammerOndisk.encodePad(buf, 128, 4);
        for (int i = 0; i < 64; i++) assertEquals(0x77, buf[i], "byte " + i + " before the UNDO record");
        ByteBuffer b = HammerOndisk.le(buf);
        assertEquals(0, b.getLong(128 + HammerOndisk.U_TARGET), "the PAD's target");
        HammerOndisk.UndoRecord u = HammerOndisk.UndoRecord.decode(buf, 64);
        assertNotNull(u, "the PAD damaged the UNDO record before it");
        assertEquals(3, u.seq());
        HammerOndisk.UndoRecord p = HammerOndisk.UndoRecord.decode(buf, 128);
        assertNotNull(p, "a PAD encoded over stale bytes does not decode");
        assertTrue(p.pad());
        assertEquals(BUFSIZE - 128, p.size());
    }

    @Test void aPadRecordWithItsHeadDamagedOrTheWrongLengthIsNoRecord() {
        byte[] good = new byte[BUFSIZE];
        HammerOndisk.encodePad(good, BUFSIZE - 128, 8);
        for (int i = BUFSIZE - 128; i < BUFSIZE - 128 + HammerOndisk.UNDO_HEAD; i++) {
            byte[] buf = good.clone();
            buf[i] ^= 0x02;
            assertNull(HammerOndisk.UndoRecord.decode(buf, BUFSIZE - 128), "byte " + i + " flipped");
        }
        byte[] buf = good.clone();      // a shorter PAD with a valid CRC still does not reach the end
        ByteBuffer b = HammerOndisk.le(buf);
        b.putInt(BUFSIZE - 128 + HammerOndisk.U_LEN, 128 - HammerOndisk.UNDO_HEAD - 32);
        b.putInt(BUFSIZE - 128 + HammerOndisk.U_CRC, 0);
        b.putInt(BUFSIZE - 128 + HammerOndisk.U_CRC, HammerOndisk.crc(buf, BUFSIZE - 128, HammerOndisk.UNDO_HEAD));
        assertNull(HammerOndisk.UndoRecord.decode(buf, BUFSIZE - 128));
        byte[] tail = good.clone();     // the payload of a PAD is not covered: garbage there is fine
        tail[BUFSIZE - 1] ^= 1;
        assertNotNull(HammerOndisk.UndoRecord.decode(tail, BUFSIZE - 128));
    }

    @Test void aLengthOutsideTheBufferIsNoRecord() {
        byte[] buf = new byte[BUFSIZE];
        int off = BUFSIZE - 64;
        ByteBuffer b = HammerOndisk.le(buf);
        b.putInt(off + HammerOndisk.U_MAGIC, HammerOndisk.UNDO_MAGIC);
        for (int len : new int[] {-1, 64 - HammerOndisk.UNDO_HEAD + 1, Integer.MAX_VALUE}) {
            b.putInt(off + HammerOndisk.U_LEN, len);
            assertNull(HammerOndisk.UndoRecord.decode(buf, off), "len " + len);
        }
        // the largest length that fits, with a valid CRC, is a record
        HammerOndisk.encodeUndo(buf, off, 1, 2, new byte[32], 0, 32);
        assertNotNull(HammerOndisk.UndoRecord.decode(buf, off));
        HammerOndisk.encodeUndo(buf, off, 1, 2, new byte[0], 0, 0);
        assertEquals(HammerOndisk.UNDO_HEAD, HammerOndisk.UndoRecord.decode(buf, off).size());
    }

    @Test void zeroedBytesAreNoRecord() {
        assertNull(HammerOndisk.UndoRecord.decode(new byte[BUFSIZE], 0));
    }
}
