// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.FaultPlan;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Op;
import dev.bioref.device.Request;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.TreeMap;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerRecovery on crash states written by hand (proofs-notes/pit.md §9.3): the UNDO FIFO of
 * the durable header is replayed backwards so the OLDEST pre-image of each byte wins; the span
 * ends at the header's next_offset for v3 and at the first non-contiguous sequence number for v4;
 * a v3 header pointing past a missing or stale record is refused (HeaderAfterUndoInv) before
 * anything is written; the span may wrap at the FIFO's end; PADs are counted, not applied; an
 * UNDO of the header's own blockmap region is applied to the header; afterwards the FIFO is empty
 * (first = next = the end of the span), the blocks written carry a valid CRC, and a second
 * recovery replays nothing. A mutant here can lose acknowledged-durable data or keep torn
 * meta-data after a crash.
 */
class HammerRecoveryTest {
    /** 4 UNDO buffers (16 KiB FIFO), 1 meta block, 1 data block, 1 large block. */
    private static final HammerOndisk.Geometry G = new HammerOndisk.Geometry(4, 1, 1, 1);
    private static final long FIFO = G.undoSize();

    private static LoopbackDevice formatted(int version) {
        LoopbackDevice dev = LoopbackDevice.inMemory(G.size());
        HammerRecovery.format(dev, G, version);
        return dev;
    }

    private static byte[] slotBytes(HammerOndisk.Slot s) {
        byte[] b = new byte[HammerOndisk.SLOT_SIZE];
        HammerOndisk.Slot.encode(s, b, 0);
        return b;
    }

    private static long slotTarget(int key) { return G.metaBlockOffset(key) + G.slotOffset(key); }

    private static HammerOndisk.Slot slot(int len) { return new HammerOndisk.Slot(len, G.dataBase(), 7, 0x1234 + len); }

    /** The current (torn, post-crash) meta contents: key's slot holds {@code s}, CRC valid. */
    private static void setSlot(LoopbackDevice dev, int key, HammerOndisk.Slot s) {
        byte[] m = HammerRecovery.read(dev, G.metaBlockOffset(key), BUFSIZE);
        HammerOndisk.Slot.encode(s, m, G.slotOffset(key));
        HammerOndisk.setMetaCrc(m);
        HammerRecovery.write(dev, G.metaBlockOffset(key), m);
    }

    private static HammerOndisk.Slot slotOnDisk(LoopbackDevice dev, int key) {
        return HammerOndisk.Slot.decode(HammerRecovery.read(dev, G.metaBlockOffset(key), BUFSIZE), G.slotOffset(key));
    }

    /** Writes an UNDO record of {@code old} for {@code target} at FIFO offset {@code pos}; returns the next offset. */
    private static long putUndo(LoopbackDevice dev, long pos, long seq, long target, byte[] old) {
        long blk = G.undoBase() + pos / BUFSIZE * BUFSIZE;
        byte[] b = HammerRecovery.read(dev, blk, BUFSIZE);
        HammerOndisk.encodeUndo(b, (int) (pos % BUFSIZE), seq, target, old, 0, old.length);
        HammerRecovery.write(dev, blk, b);
        return pos + HammerOndisk.undoRecordSize(old.length);
    }

    private static long putPad(LoopbackDevice dev, long pos, long seq) {
        long blk = G.undoBase() + pos / BUFSIZE * BUFSIZE;
        byte[] b = HammerRecovery.read(dev, blk, BUFSIZE);
        HammerOndisk.encodePad(b, (int) (pos % BUFSIZE), seq);
        HammerRecovery.write(dev, blk, b);
        return pos / BUFSIZE * BUFSIZE + BUFSIZE;
    }

    /** The durable header names the FIFO span: first/next offsets and sequence numbers. */
    private static void setHeader(LoopbackDevice dev, long first, long next, long firstSeq, long nextSeq) {
        byte[] h = HammerRecovery.read(dev, 0, BUFSIZE);
        ByteBuffer b = HammerOndisk.le(h);
        b.putLong(HammerOndisk.H_UNDO_FIRST, first);
        b.putLong(HammerOndisk.H_UNDO_NEXT, next);
        b.putLong(HammerOndisk.H_UNDO_FIRST_SEQ, firstSeq);
        b.putLong(HammerOndisk.H_UNDO_NEXT_SEQ, nextSeq);
        HammerOndisk.setBlockmapCrc(h);
        HammerOndisk.setVolumeCrc(h);
        HammerRecovery.write(dev, 0, h);
        HammerRecovery.flush(dev);
    }

    private static HammerOndisk.Header header(LoopbackDevice dev) {
        return HammerOndisk.decodeHeader(HammerRecovery.read(dev, 0, BUFSIZE));
    }

    /** After a replay the FIFO is empty at {@code end}/{@code seq}, and replaying again changes nothing. */
    private static void assertEmptiedAt(LoopbackDevice dev, long end, long seq) {
        HammerOndisk.Header h = header(dev);
        assertEquals(end, h.undoFirst(), "first_offset after recovery");
        assertEquals(end, h.undoNext(), "next_offset after recovery");
        assertEquals(seq, h.undoFirstSeq(), "first seq after recovery");
        assertEquals(seq, h.undoNextSeq(), "next seq after recovery");
        byte[] raw = HammerRecovery.read(dev, 0, BUFSIZE);
        assertEquals(HammerOndisk.crc(raw, HammerOndisk.H_UNDO_FIRST, HammerOndisk.H_BLOCKMAP_CRC - HammerOndisk.H_UNDO_FIRST),
                HammerOndisk.le(raw).getInt(HammerOndisk.H_BLOCKMAP_CRC), "the header's blockmap CRC after recovery");
        assertArrayEquals(dev.peekVisible(0, (int) G.dataBase()), dev.peekDurable(0, (int) G.dataBase()),
                "recovery returned before its writes were durable");
        HammerRecovery.Result again = HammerRecovery.recover(dev);
        assertEquals(0, again.undos(), "a second recovery replayed something: " + again);
        assertEquals(end, again.first());
        assertEquals(end, again.end());
    }

    @Test void twoUndosOfOneSlotRestoreTheOldestPreImage() {
        for (int version : new int[] {HammerOndisk.VERSION_3, HammerOndisk.VERSION_4}) {
            LoopbackDevice dev = formatted(version);
            setSlot(dev, 5, slot(30));                                   // torn state on the media
            long p = putUndo(dev, 0, 1, slotTarget(5), slotBytes(slot(10)));   // the span's first pre-image
            p = putUndo(dev, p, 2, slotTarget(5), slotBytes(slot(20)));        // a later one (same bytes)
            setHeader(dev, 0, p, 1, 3);
            HammerRecovery.Result r = HammerRecovery.recover(dev);
            assertEquals(slot(10), slotOnDisk(dev, 5), "v" + version + ": the oldest pre-image must win");
            assertEquals(new HammerRecovery.Result(version, 0, p, 1, 3, 2, 0), r);
            assertEquals(slot(10), HammerRecovery.readIndex(dev).get(5), "the restored block must carry a valid CRC");
            assertEmptiedAt(dev, p, 3);
        }
    }

    @Test void undosOfDifferentBlocksAndSlotsAreAllApplied() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_4);
        setSlot(dev, 1, slot(31));
        setSlot(dev, 2, slot(32));
        long p = putUndo(dev, 0, 1, slotTarget(1), slotBytes(null));   // key 1 did not exist
        p = putUndo(dev, p, 2, slotTarget(2), slotBytes(slot(12)));
        setHeader(dev, 0, 0, 1, 1);                                    // v4 ignores next_offset
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        assertEquals(2, r.undos());
        TreeMap<Integer, HammerOndisk.Slot> idx = HammerRecovery.readIndex(dev);
        assertEquals(1, idx.size(), "index after recovery: " + idx);
        assertEquals(slot(12), idx.get(2));
        assertEmptiedAt(dev, p, 3);
    }

    @Test void v4SpanEndsAtTheFirstNonContiguousSequenceNumber() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_4);
        setSlot(dev, 3, slot(33));
        long p = putUndo(dev, 0, 5, slotTarget(3), slotBytes(slot(13)));
        long stale = putUndo(dev, p, 2, slotTarget(3), slotBytes(slot(3)));   // an older lap's record
        assertTrue(stale > p);
        setHeader(dev, 0, 0, 5, 5);
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        assertEquals(new HammerRecovery.Result(4, 0, p, 5, 6, 1, 0), r);
        assertEquals(slot(13), slotOnDisk(dev, 3), "the stale record after the span was applied");
        assertEmptiedAt(dev, p, 6);
    }

    @Test void v4SpanEndsAtATornRecord() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_4);
        setSlot(dev, 3, slot(33));
        long p = putUndo(dev, 0, 1, slotTarget(3), slotBytes(slot(13)));
        long q = putUndo(dev, p, 2, slotTarget(3), slotBytes(slot(3)));
        byte[] b = HammerRecovery.read(dev, G.undoBase(), BUFSIZE);
        b[(int) p + HammerOndisk.UNDO_HEAD] ^= 1;                        // tear the second record's payload
        HammerRecovery.write(dev, G.undoBase(), b);
        setHeader(dev, 0, 0, 1, 1);
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        assertEquals(1, r.undos());
        assertEquals(p, r.end(), "the span must end before the torn record at " + p + " (next record at " + q + ")");
        assertEquals(slot(13), slotOnDisk(dev, 3));
    }

    @Test void v3DoesNotApplyARecordBeyondNextOffset() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_3);
        setSlot(dev, 4, slot(34));
        setSlot(dev, 6, slot(36));
        long p = putUndo(dev, 0, 1, slotTarget(4), slotBytes(slot(14)));
        putUndo(dev, p, 2, slotTarget(6), slotBytes(slot(16)));         // contiguous, beyond next_offset
        setHeader(dev, 0, p, 1, 2);
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        assertEquals(new HammerRecovery.Result(3, 0, p, 1, 2, 1, 0), r);
        assertEquals(slot(14), slotOnDisk(dev, 4));
        assertEquals(slot(36), slotOnDisk(dev, 6), "v3 applied a record beyond the header's next_offset");
        assertEmptiedAt(dev, p, 2);
    }

    @Test void v3HeaderPointingPastAMissingRecordIsRefusedAndChangesNothing() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_3);
        setSlot(dev, 4, slot(34));
        long p = putUndo(dev, 0, 1, slotTarget(4), slotBytes(slot(14)));
        setHeader(dev, 0, p + 64, 1, 3);                                // claims a second record that is not there
        byte[] before = dev.peekVisible(0, (int) G.size());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HammerRecovery.recover(dev));
        assertEquals("HeaderAfterUndoInv: UNDO FIFO record at " + p + " inside the header's span [0, " + (p + 64)
                + ") is missing or torn", e.getMessage());
        assertArrayEquals(before, dev.peekVisible(0, (int) G.size()), "a refused recovery wrote something");
    }

    @Test void v3HeaderPointingPastAStaleRecordIsRefused() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_3);
        long p = putUndo(dev, 0, 1, slotTarget(4), slotBytes(slot(14)));
        long q = putUndo(dev, p, 9, slotTarget(4), slotBytes(slot(4)));
        setHeader(dev, 0, q, 1, 3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HammerRecovery.recover(dev));
        assertEquals("HeaderAfterUndoInv: UNDO FIFO record at " + p + " inside the header's span [0, " + q
                + ") is from seq 9, expected 2", e.getMessage());
    }

    @Test void aSpanWrapsAtTheFifoEndAndPadsAreCountedNotApplied() {
        for (int version : new int[] {HammerOndisk.VERSION_3, HammerOndisk.VERSION_4}) {
            LoopbackDevice dev = formatted(version);
            setSlot(dev, 1, slot(31));
            setSlot(dev, 2, slot(32));
            setSlot(dev, 3, slot(33));
            long start = FIFO - 2 * BUFSIZE;                               // the last two buffers
            long p = putUndo(dev, start, 10, slotTarget(1), slotBytes(slot(11)));
            p = putPad(dev, p, 11);                                        // the rest of that buffer
            p = putUndo(dev, p, 12, slotTarget(2), slotBytes(slot(12)));
            p = putPad(dev, p, 13);                                        // the rest of the FIFO
            assertEquals(FIFO, p);
            long end = putUndo(dev, 0, 14, slotTarget(3), slotBytes(slot(13)));   // wrapped to offset 0
            setHeader(dev, start, end, 10, 15);
            HammerRecovery.Result r = HammerRecovery.recover(dev);
            assertEquals(new HammerRecovery.Result(version, start, end, 10, 15, 3, 2), r, "v" + version);
            assertEquals(slot(11), slotOnDisk(dev, 1));
            assertEquals(slot(12), slotOnDisk(dev, 2));
            assertEquals(slot(13), slotOnDisk(dev, 3), "v" + version + ": the record after the wrap was not applied");
            assertEmptiedAt(dev, end, 15);
        }
    }

    /** Finalize step 5 UNDOes the header's blockmap region: recovery applies it to the header it rewrites. */
    @Test void anUndoOfTheHeadersBlockmapRegionRestoresTheHeader() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_4);
        byte[] old = new byte[HammerOndisk.BLOCKMAP_UNDO_LEN];
        ByteBuffer ob = HammerOndisk.le(old);
        ob.putLong(0, 3);                                                  // data rotor before the span
        ob.putLong(8, 1);                                                  // large rotor before the span
        long p = putUndo(dev, 0, 1, HammerOndisk.BLOCKMAP_UNDO_OFF, old);
        byte[] h = HammerRecovery.read(dev, 0, BUFSIZE);
        HammerOndisk.le(h).putLong(HammerOndisk.H_DATA_NEXT, 9);           // the span moved the rotors
        HammerOndisk.le(h).putLong(HammerOndisk.H_LARGE_NEXT, 5);
        HammerRecovery.write(dev, 0, h);
        setHeader(dev, 0, 0, 1, 1);
        assertEquals(9, header(dev).dataNext());
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        assertEquals(1, r.undos());
        HammerOndisk.Header after = header(dev);
        assertEquals(3, after.dataNext(), "the header's data rotor was not rolled back");
        assertEquals(1, after.largeNext(), "the header's large rotor was not rolled back");
        assertEmptiedAt(dev, p, 2);
    }

    @Test void resultNamesTheSpan() {
        assertEquals("recovery v4: span [0, 128) seq [1, 3), 2 UNDO records applied, 1 pads",
                new HammerRecovery.Result(4, 0, 128, 1, 3, 2, 1).toString());
    }

    /** newfs clears a stale UNDO FIFO and index, and leaves an empty FIFO at offset 0, seq 1. */
    @Test void formatClearsTheFifoAndTheIndex() {
        LoopbackDevice dev = formatted(HammerOndisk.VERSION_4);
        setSlot(dev, 7, slot(17));
        putUndo(dev, 0, 1, slotTarget(7), slotBytes(null));
        putUndo(dev, FIFO - BUFSIZE, 2, slotTarget(7), slotBytes(null));
        HammerRecovery.format(dev, G, HammerOndisk.VERSION_3);
        assertArrayEquals(new byte[(int) FIFO], dev.peekDurable(G.undoBase(), (int) FIFO), "the FIFO was not zeroed");
        assertTrue(HammerRecovery.readIndex(dev).isEmpty());
        HammerOndisk.Header h = header(dev);
        assertEquals(HammerOndisk.VERSION_3, h.version());
        assertEquals(G, h.geometry());
        assertEquals(0, h.undoFirst());
        assertEquals(1, h.undoFirstSeq());
        assertArrayEquals(dev.peekVisible(0, (int) G.largeBase()), dev.peekDurable(0, (int) G.largeBase()),
                "format left something not durable");
        HammerRecovery.Result r = HammerRecovery.recover(dev);
        assertEquals(new HammerRecovery.Result(3, 0, 0, 1, 1, 0, 0), r);
    }

    /** newfs writes the header, the FIFO and the meta-data blocks, and nothing of the data zones. */
    @Test void formatLeavesTheDataZonesAlone() {
        LoopbackDevice dev = LoopbackDevice.inMemory(G.size());
        byte[] fill = new byte[(int) (G.size() - G.dataBase())];
        java.util.Arrays.fill(fill, (byte) 0x77);
        assertTrue(dev.execute(Request.write(G.dataBase(), fill)).ok());
        HammerRecovery.format(dev, G, HammerOndisk.VERSION_4);
        assertArrayEquals(fill, dev.peekVisible(G.dataBase(), fill.length), "format wrote into the data zones");
    }

    @Test void formatRefusesASmallDeviceAndWritesNothing() {
        LoopbackDevice dev = LoopbackDevice.inMemory(G.size() - HammerOndisk.BUFSIZE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HammerRecovery.format(dev, G, HammerOndisk.VERSION_4));
        assertEquals("device capacity " + (G.size() - BUFSIZE) + " is smaller than the volume, " + G.size() + " bytes",
                e.getMessage());
        assertEquals(0, dev.stats().writes());
        HammerRecovery.format(LoopbackDevice.inMemory(G.size()), G, HammerOndisk.VERSION_4);   // exactly the size: fine
    }

    @Test void readIndexNamesABadMetaBlock() {
        HammerOndisk.Geometry g2 = new HammerOndisk.Geometry(4, 2, 1, 0);
        LoopbackDevice dev = LoopbackDevice.inMemory(g2.size());
        HammerRecovery.format(dev, g2, HammerOndisk.VERSION_4);
        int key = HammerOndisk.SLOTS_PER_BLOCK + 3;                         // block 1, slot 3
        byte[] m = HammerRecovery.read(dev, g2.metaBlockOffset(key), BUFSIZE);
        HammerOndisk.Slot.encode(slot(5), m, g2.slotOffset(key));
        HammerOndisk.setMetaCrc(m);
        HammerRecovery.write(dev, g2.metaBlockOffset(key), m);
        assertEquals(new TreeMap<>(java.util.Map.of(key, slot(5))), HammerRecovery.readIndex(dev));
        m[100] ^= 1;                                                        // no CRC update: torn
        HammerRecovery.write(dev, g2.metaBlockOffset(key), m);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HammerRecovery.readIndex(dev));
        assertEquals("meta block 1 at " + g2.metaBlockOffset(key) + " has a bad magic or CRC after recovery"
                + " (a meta write reached the media without its UNDO)", e.getMessage());
    }

    @Test void deviceErrorsAreNamedWithTheOffset() {
        long sector = G.metaBase() / LoopbackDevice.SECTOR_SIZE;
        LoopbackDevice dev = LoopbackDevice.inMemory(G.size(), FaultPlan.builder(1)
                .eioOnSector(Op.WRITE, sector).build());
        IllegalStateException w = assertThrows(IllegalStateException.class,
                () -> HammerRecovery.format(dev, G, HammerOndisk.VERSION_4));
        assertEquals("recovery: WRITE at " + G.metaBase() + " failed: EIO", w.getMessage());

        LoopbackDevice rd = LoopbackDevice.inMemory(G.size(), FaultPlan.builder(1)
                .eioOnSector(Op.READ, G.undoBase() / LoopbackDevice.SECTOR_SIZE).build());
        HammerRecovery.format(rd, G, HammerOndisk.VERSION_4);
        IllegalStateException r = assertThrows(IllegalStateException.class, () -> HammerRecovery.recover(rd));
        assertEquals("recovery: READ at " + G.undoBase() + " failed: EIO", r.getMessage());

        LoopbackDevice fl = LoopbackDevice.inMemory(G.size(), FaultPlan.builder(1).eioOnNth(Op.FLUSH, 1).build());
        IllegalStateException f = assertThrows(IllegalStateException.class,
                () -> HammerRecovery.format(fl, G, HammerOndisk.VERSION_4));
        assertEquals("recovery: FLUSH failed: EIO", f.getMessage());
        assertEquals(0, HammerOndisk.le(fl.peekDurable(0, LoopbackDevice.SECTOR_SIZE)).getLong(HammerOndisk.H_MAGIC),
                "the header was written although the FLUSH before it failed");
    }
}
