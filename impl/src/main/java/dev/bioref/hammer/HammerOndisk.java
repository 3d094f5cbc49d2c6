// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * The minimal on-disk format of the port's HAMMER volume (hammer_disk.h stand-in).
 *
 * <p>Interface: the layout constants, the {@link Geometry} of one volume, and codecs for the
 * three structures recovery and the checker read straight from the device: the volume header,
 * UNDO records and meta-data slots. Everything is little-endian, fixed-size and CRC-checked.
 *
 * <p>Layout (byte offsets on the device):
 * <pre>
 *   [0, BUFSIZE)            volume header (VOLUME io)
 *   undoBase ...            UNDO FIFO, undoBlocks buffers (UNDO ios)
 *   metaBase ...            meta-data, metaBlocks buffers of SLOTS_PER_BLOCK index slots (META ios)
 *   dataBase ...            small data, dataBlocks buffers of CHUNKS_PER_BLOCK chunks (DATA ios)
 *   largeBase ...           large data, largeBlocks whole buffers written by direct I/O
 * </pre>
 * The index is direct-mapped: key k lives in meta block k / SLOTS_PER_BLOCK, slot
 * k % SLOTS_PER_BLOCK. This stands in for the B-tree: what matters to the flusher is that meta
 * buffers are modified under sync_lock with an UNDO of the old slot first.
 */
public final class HammerOndisk {
    private HammerOndisk() { }

    /** Scaled-down HAMMER_BUFSIZE (16K in HAMMER): the size of every hammer buffer. */
    public static final int BUFSIZE = 4096;
    /** Allocation unit of the small-data zone. */
    public static final int CHUNK = 1024;
    public static final int CHUNKS_PER_BLOCK = BUFSIZE / CHUNK;

    // ---- volume header (hammer_volume_ondisk stand-in)
    public static final long VOL_MAGIC = 0x48414d4d45525631L;   // "HAMMERV1"
    static final int H_MAGIC = 0;          // long
    static final int H_VERSION = 8;        // int
    static final int H_VOLCRC = 12;        // int: crc of [16, H_END)
    static final int H_NEXT_TID = 16;      // long: vol0_next_tid
    // UNDO zone blockmap entry: never covered by an UNDO (finalize step 7 updates it with noundo)
    static final int H_UNDO_FIRST = 24;    // long: first_offset (zone-relative)
    static final int H_UNDO_NEXT = 32;     // long: next_offset
    static final int H_UNDO_FIRST_SEQ = 40;// long: sequence number of the record at first_offset
    static final int H_UNDO_NEXT_SEQ = 48; // long: sequence number the record at next_offset gets
    static final int H_UNDO_ALLOC = 56;    // long: alloc_offset = FIFO size
    // DATA zone blockmap entry: copied in at finalize step 5 with an UNDO
    static final int H_DATA_NEXT = 64;     // long: allocation rotor of the small-data zone
    static final int H_LARGE_NEXT = 72;    // long: allocation rotor of the large-data zone
    static final int H_BLOCKMAP_CRC = 80;  // int: crc of [24, 80)
    static final int H_GEOMETRY = 96;      // 4 ints: undo, meta, data, large blocks
    static final int H_END = 112;
    /** The header region finalize step 5 copies in with an UNDO (the non-UNDO zones' entries). */
    public static final int BLOCKMAP_UNDO_OFF = H_DATA_NEXT;
    public static final int BLOCKMAP_UNDO_LEN = 16;

    /** Volume versions: below 4 recovery trusts the header's next_offset; 4+ scans sequence numbers. */
    public static final int VERSION_3 = 3;
    public static final int VERSION_4 = 4;

    // ---- meta block (B-tree node stand-in)
    public static final int META_MAGIC = 0x4d455441;            // "META"
    static final int M_MAGIC = 0;
    static final int M_CRC = 4;            // crc of [8, BUFSIZE): the "delayed CRC" clear_modify sets
    static final int M_SLOTS = 64;
    public static final int SLOT_SIZE = 32;
    public static final int SLOTS_PER_BLOCK = (BUFSIZE - M_SLOTS) / SLOT_SIZE;
    static final int S_USED = 0;           // int 1/0
    static final int S_LEN = 4;            // int
    static final int S_DATA_OFF = 8;       // long: device offset of the data
    static final int S_TID = 16;           // long: transaction id that wrote it
    static final int S_DATA_CRC = 24;      // int

    // ---- UNDO record (hammer_fifo_undo stand-in)
    public static final int UNDO_MAGIC = 0x554e444f;            // "UNDO"
    public static final int PAD_MAGIC = 0x50414453;             // "PADS"
    static final int U_MAGIC = 0;          // int
    static final int U_LEN = 4;            // int: payload length (PAD: bytes to the buffer end after the head)
    static final int U_SEQ = 8;            // long: hdr_seq, contiguous within a recovery span
    static final int U_TARGET = 16;        // long: device offset the old bytes belong to
    static final int U_CRC = 24;           // int: crc of head (minus this field) and payload
    public static final int UNDO_HEAD = 32;
    /** Records are aligned to this; a record never crosses a buffer boundary. */
    public static final int UNDO_ALIGN = 32;

    /** Where the zones lie, from the four zone sizes in buffers. */
    public record Geometry(int undoBlocks, int metaBlocks, int dataBlocks, int largeBlocks) {
        public Geometry {
            if (undoBlocks < 4) throw new IllegalArgumentException("undoBlocks must be at least 4, was " + undoBlocks);
            if (metaBlocks < 1) throw new IllegalArgumentException("metaBlocks must be at least 1, was " + metaBlocks);
            if (dataBlocks < 1) throw new IllegalArgumentException("dataBlocks must be at least 1, was " + dataBlocks);
            if (largeBlocks < 0) throw new IllegalArgumentException("largeBlocks must be >= 0, was " + largeBlocks);
        }
        /** A small volume that keeps crash-state enumeration cheap. */
        public static Geometry small() { return new Geometry(16, 2, 32, 16); }
        public long undoBase() { return BUFSIZE; }
        public long undoSize() { return (long) undoBlocks * BUFSIZE; }
        public long metaBase() { return undoBase() + undoSize(); }
        public long dataBase() { return metaBase() + (long) metaBlocks * BUFSIZE; }
        public long largeBase() { return dataBase() + (long) dataBlocks * BUFSIZE; }
        public long size() { return largeBase() + (long) largeBlocks * BUFSIZE; }
        public int keys() { return metaBlocks * SLOTS_PER_BLOCK; }
        public int chunks() { return dataBlocks * CHUNKS_PER_BLOCK; }
        public long metaBlockOffset(int key) { return metaBase() + (long) (key / SLOTS_PER_BLOCK) * BUFSIZE; }
        public int slotOffset(int key) { return M_SLOTS + (key % SLOTS_PER_BLOCK) * SLOT_SIZE; }
        public long chunkOffset(int chunk) { return dataBase() + (long) chunk * CHUNK; }
        public long largeOffset(int block) { return largeBase() + (long) block * BUFSIZE; }
    }

    /** One index slot: where a key's current value lives. */
    public record Slot(int len, long dataOff, long tid, int dataCrc) {
        public static Slot decode(byte[] block, int off) {
            ByteBuffer b = le(block);
            if (b.getInt(off + S_USED) == 0) return null;
            return new Slot(b.getInt(off + S_LEN), b.getLong(off + S_DATA_OFF), b.getLong(off + S_TID),
                    b.getInt(off + S_DATA_CRC));
        }
        /** Writes {@code s} (null = empty) into {@code block} at {@code off}. */
        public static void encode(Slot s, byte[] block, int off) {
            ByteBuffer b = le(block);
            b.putInt(off + S_USED, s == null ? 0 : 1);
            b.putInt(off + S_LEN, s == null ? 0 : s.len);
            b.putLong(off + S_DATA_OFF, s == null ? 0 : s.dataOff);
            b.putLong(off + S_TID, s == null ? 0 : s.tid);
            b.putInt(off + S_DATA_CRC, s == null ? 0 : s.dataCrc);
            b.putInt(off + S_DATA_CRC + 4, 0);
        }
        /** The value this slot describes matches {@code data}. */
        public boolean describes(byte[] data) { return data.length == len && crc(data, 0, len) == dataCrc; }
    }

    /** The header fields recovery and mount read. */
    public record Header(int version, long nextTid, long undoFirst, long undoNext, long undoFirstSeq,
                         long undoNextSeq, long dataNext, long largeNext, Geometry geometry) { }

    static ByteBuffer le(byte[] a) { return ByteBuffer.wrap(a).order(java.nio.ByteOrder.LITTLE_ENDIAN); }

    public static int crc(byte[] a, int off, int len) {
        CRC32 c = new CRC32();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    // ---- header

    /** A freshly formatted header (newfs_hammer stand-in). */
    static byte[] newHeader(Geometry g, int version) {
        if (version != VERSION_3 && version != VERSION_4) {
            throw new IllegalArgumentException("volume version must be 3 or 4, was " + version);
        }
        byte[] h = new byte[BUFSIZE];
        ByteBuffer b = le(h);
        b.putLong(H_MAGIC, VOL_MAGIC);
        b.putInt(H_VERSION, version);
        b.putLong(H_NEXT_TID, 1);
        b.putLong(H_UNDO_FIRST, 0);
        b.putLong(H_UNDO_NEXT, 0);
        b.putLong(H_UNDO_FIRST_SEQ, 1);
        b.putLong(H_UNDO_NEXT_SEQ, 1);
        b.putLong(H_UNDO_ALLOC, g.undoSize());
        b.putInt(H_GEOMETRY, g.undoBlocks());
        b.putInt(H_GEOMETRY + 4, g.metaBlocks());
        b.putInt(H_GEOMETRY + 8, g.dataBlocks());
        b.putInt(H_GEOMETRY + 12, g.largeBlocks());
        setBlockmapCrc(h);
        setVolumeCrc(h);
        return h;
    }

    /** hammer_crc_set_blockmap stand-in. */
    static void setBlockmapCrc(byte[] h) { le(h).putInt(H_BLOCKMAP_CRC, crc(h, H_UNDO_FIRST, H_BLOCKMAP_CRC - H_UNDO_FIRST)); }

    /** hammer_crc_set_volume stand-in. */
    static void setVolumeCrc(byte[] h) { le(h).putInt(H_VOLCRC, crc(h, H_NEXT_TID, H_END - H_NEXT_TID)); }

    /** Decodes and checks a header; throws naming what is wrong. */
    public static Header decodeHeader(byte[] h) {
        ByteBuffer b = le(h);
        if (b.getLong(H_MAGIC) != VOL_MAGIC) {
            throw new IllegalStateException("volume header: bad magic " + Long.toHexString(b.getLong(H_MAGIC)));
        }
        int vcrc = crc(h, H_NEXT_TID, H_END - H_NEXT_TID);
        if (b.getInt(H_VOLCRC) != vcrc) {
            throw new IllegalStateException("volume header: CRC mismatch, stored " + b.getInt(H_VOLCRC) + " computed " + vcrc);
        }
        Geometry g = new Geometry(b.getInt(H_GEOMETRY), b.getInt(H_GEOMETRY + 4), b.getInt(H_GEOMETRY + 8),
                b.getInt(H_GEOMETRY + 12));
        return new Header(b.getInt(H_VERSION), b.getLong(H_NEXT_TID), b.getLong(H_UNDO_FIRST), b.getLong(H_UNDO_NEXT),
                b.getLong(H_UNDO_FIRST_SEQ), b.getLong(H_UNDO_NEXT_SEQ), b.getLong(H_DATA_NEXT),
                b.getLong(H_LARGE_NEXT), g);
    }

    // ---- meta blocks

    /** A freshly formatted meta block with no used slots. */
    static byte[] newMetaBlock() {
        byte[] m = new byte[BUFSIZE];
        le(m).putInt(M_MAGIC, META_MAGIC);
        setMetaCrc(m);
        return m;
    }

    /** The meta block's delayed CRC (what clear_modify finalises before any write). */
    static void setMetaCrc(byte[] m) { le(m).putInt(M_CRC, crc(m, 8, BUFSIZE - 8)); }

    /** Whether the meta block is well formed: magic and CRC. */
    public static boolean metaBlockValid(byte[] m) {
        ByteBuffer b = le(m);
        return b.getInt(M_MAGIC) == META_MAGIC && b.getInt(M_CRC) == crc(m, 8, BUFSIZE - 8);
    }

    // ---- UNDO records

    /** Size of the record holding {@code payload} bytes, aligned. */
    public static int undoRecordSize(int payload) {
        int raw = UNDO_HEAD + payload;
        return (raw + UNDO_ALIGN - 1) / UNDO_ALIGN * UNDO_ALIGN;
    }

    /** Writes an UNDO record into {@code buf} at {@code off}. */
    static void encodeUndo(byte[] buf, int off, long seq, long target, byte[] old, int oldOff, int len) {
        ByteBuffer b = le(buf);
        b.putInt(off + U_MAGIC, UNDO_MAGIC);
        b.putInt(off + U_LEN, len);
        b.putLong(off + U_SEQ, seq);
        b.putLong(off + U_TARGET, target);
        b.putInt(off + U_CRC, 0);
        System.arraycopy(old, oldOff, buf, off + UNDO_HEAD, len);
        int size = undoRecordSize(len);
        java.util.Arrays.fill(buf, off + UNDO_HEAD + len, off + size, (byte) 0);
        b.putInt(off + U_CRC, crc(buf, off, UNDO_HEAD + len));
    }

    /** Writes a PAD record filling {@code buf} from {@code off} to the buffer end. */
    static void encodePad(byte[] buf, int off, long seq) {
        ByteBuffer b = le(buf);
        int len = BUFSIZE - (off % BUFSIZE) - UNDO_HEAD;
        b.putInt(off + U_MAGIC, PAD_MAGIC);
        b.putInt(off + U_LEN, len);
        b.putLong(off + U_SEQ, seq);
        b.putLong(off + U_TARGET, 0);
        b.putInt(off + U_CRC, 0);
        b.putInt(off + U_CRC, crc(buf, off, UNDO_HEAD));
    }

    /** A decoded UNDO or PAD record, or null if the bytes at that place are not a valid record. */
    public record UndoRecord(boolean pad, long seq, long target, byte[] old, int size) {
        public static UndoRecord decode(byte[] buf, int off) {
            ByteBuffer b = le(buf);
            int magic = b.getInt(off + U_MAGIC);
            int len = b.getInt(off + U_LEN);
            int room = BUFSIZE - (off % BUFSIZE) - UNDO_HEAD;
            if (len < 0 || len > room) return null;
            int stored = b.getInt(off + U_CRC);
            b.putInt(off + U_CRC, 0);
            try {
                if (magic == PAD_MAGIC) {
                    if (len != room || stored != crc(buf, off, UNDO_HEAD)) return null;
                    return new UndoRecord(true, b.getLong(off + U_SEQ), 0, null, UNDO_HEAD + len);
                }
                if (magic != UNDO_MAGIC || stored != crc(buf, off, UNDO_HEAD + len)) return null;
                byte[] old = new byte[len];
                System.arraycopy(buf, off + UNDO_HEAD, old, 0, len);
                return new UndoRecord(false, b.getLong(off + U_SEQ), b.getLong(off + U_TARGET), old, undoRecordSize(len));
            } finally {
                b.putInt(off + U_CRC, stored);
            }
        }
    }
}
