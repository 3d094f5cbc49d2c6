// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;

/**
 * Stage-1 UNDO recovery (hammer_recover.c stand-in, not a seed) and newfs.
 *
 * <p>Interface: {@link #format} writes an empty volume. {@link #recover} replays the UNDO FIFO
 * of the durable header backwards, restoring every meta-data block to its contents at the start
 * of the recovery span, then empties the FIFO; mount calls it before anything else. Both talk to
 * the device directly with synchronous requests (deviation: HAMMER recovers through its buffers;
 * at mount nothing else is cached, so the effect on the media is the same).
 *
 * <p>The span is {@code [first_offset, end)}: for volume version 3 the end is the header's
 * next_offset, which the flusher made durable before any meta-data write; for version 4 the end
 * is found by scanning forward while records carry contiguous sequence numbers, starting from the
 * header's first sequence number, so the header need not be written before the meta-data.
 */
public final class HammerRecovery {
    private HammerRecovery() { }

    /** What one recovery did. */
    public record Result(int version, long first, long end, long firstSeq, long endSeq, int undos, int pads) {
        @Override public String toString() {
            return "recovery v" + version + ": span [" + first + ", " + end + ") seq [" + firstSeq + ", " + endSeq
                    + "), " + undos + " UNDO records applied, " + pads + " pads";
        }
    }

    /** newfs: an empty volume of geometry {@code g} and {@code version}, made durable. */
    public static void format(LoopbackDevice dev, HammerOndisk.Geometry g, int version) {
        if (dev.capacity() < g.size()) {
            throw new IllegalArgumentException("device capacity " + dev.capacity() + " is smaller than the volume, "
                    + g.size() + " bytes");
        }
        for (int i = 0; i < g.undoBlocks(); i++) write(dev, g.undoBase() + (long) i * BUFSIZE, new byte[BUFSIZE]);
        for (int i = 0; i < g.metaBlocks(); i++) {
            write(dev, g.metaBase() + (long) i * BUFSIZE, HammerOndisk.newMetaBlock());
        }
        flush(dev);
        write(dev, 0, HammerOndisk.newHeader(g, version));
        flush(dev);
    }

    /** Replays the UNDO FIFO described by the durable header; returns what it did. */
    public static Result recover(LoopbackDevice dev) {
        byte[] hdr = read(dev, 0, BUFSIZE);
        HammerOndisk.Header h = HammerOndisk.decodeHeader(hdr);
        HammerOndisk.Geometry g = h.geometry();
        long size = g.undoSize();
        byte[] fifo = read(dev, g.undoBase(), (int) size);

        List<HammerOndisk.UndoRecord> span = new ArrayList<>();
        long pos = h.undoFirst();
        long seq = h.undoFirstSeq();
        long walked = 0;
        int pads = 0;
        boolean v3 = h.version() < HammerOndisk.VERSION_4;
        while (walked < size) {
            if (v3 && pos == h.undoNext()) break;
            HammerOndisk.UndoRecord r = HammerOndisk.UndoRecord.decode(fifo, (int) pos);
            if (r == null || r.seq() != seq) {
                if (v3) {
                    // HeaderAfterUndoInv: a v3 header never points beyond durable UNDO records
                    throw new IllegalStateException("HeaderAfterUndoInv: UNDO FIFO record at " + pos
                            + " inside the header's span [" + h.undoFirst() + ", " + h.undoNext() + ") is "
                            + (r == null ? "missing or torn" : "from seq " + r.seq() + ", expected " + seq));
                }
                break;                  // v4: the first non-contiguous record ends the span
            }
            if (r.pad()) pads++; else span.add(r);
            seq++;
            walked += r.size();
            pos += r.size();
            if (pos == size) pos = 0;
        }

        // Apply backwards: the oldest pre-image of each byte wins.
        Map<Long, byte[]> blocks = new HashMap<>();
        for (int i = span.size() - 1; i >= 0; i--) {
            HammerOndisk.UndoRecord r = span.get(i);
            long blockOff = r.target() / BUFSIZE * BUFSIZE;
            byte[] b = blockOff == 0 ? hdr : blocks.computeIfAbsent(blockOff, o -> read(dev, o, BUFSIZE));
            System.arraycopy(r.old(), 0, b, (int) (r.target() - blockOff), r.old().length);
        }
        for (Map.Entry<Long, byte[]> e : new TreeMap<>(blocks).entrySet()) {
            HammerOndisk.setMetaCrc(e.getValue());
            write(dev, e.getKey(), e.getValue());
        }
        flush(dev);
        // The FIFO is empty from here on: first = next = the end of the span.
        java.nio.ByteBuffer b = HammerOndisk.le(hdr);
        b.putLong(HammerOndisk.H_UNDO_FIRST, pos);
        b.putLong(HammerOndisk.H_UNDO_NEXT, pos);
        b.putLong(HammerOndisk.H_UNDO_FIRST_SEQ, seq);
        b.putLong(HammerOndisk.H_UNDO_NEXT_SEQ, seq);
        HammerOndisk.setBlockmapCrc(hdr);
        HammerOndisk.setVolumeCrc(hdr);
        write(dev, 0, hdr);
        flush(dev);
        return new Result(h.version(), h.undoFirst(), pos, h.undoFirstSeq(), seq, span.size(), pads);
    }

    /** The index as the device holds it (visible contents): key → slot, only used slots. */
    public static TreeMap<Integer, HammerOndisk.Slot> readIndex(LoopbackDevice dev) {
        HammerOndisk.Geometry g = HammerOndisk.decodeHeader(read(dev, 0, BUFSIZE)).geometry();
        TreeMap<Integer, HammerOndisk.Slot> index = new TreeMap<>();
        for (int blk = 0; blk < g.metaBlocks(); blk++) {
            byte[] m = read(dev, g.metaBase() + (long) blk * BUFSIZE, BUFSIZE);
            if (!HammerOndisk.metaBlockValid(m)) {
                throw new IllegalStateException("meta block " + blk + " at " + (g.metaBase() + (long) blk * BUFSIZE)
                        + " has a bad magic or CRC after recovery (a meta write reached the media without its UNDO)");
            }
            for (int s = 0; s < HammerOndisk.SLOTS_PER_BLOCK; s++) {
                HammerOndisk.Slot slot = HammerOndisk.Slot.decode(m, HammerOndisk.M_SLOTS + s * HammerOndisk.SLOT_SIZE);
                if (slot != null) index.put(blk * HammerOndisk.SLOTS_PER_BLOCK + s, slot);
            }
        }
        return index;
    }

    static byte[] read(LoopbackDevice dev, long off, int len) {
        byte[] b = new byte[len];
        Completion c = dev.execute(Request.read(off, b));
        if (!c.ok()) throw new IllegalStateException("recovery: READ at " + off + " failed: " + c.status());
        return b;
    }

    static void write(LoopbackDevice dev, long off, byte[] data) {
        Completion c = dev.execute(Request.write(off, data));
        if (!c.ok()) throw new IllegalStateException("recovery: WRITE at " + off + " failed: " + c.status());
    }

    static void flush(LoopbackDevice dev) {
        Completion c = dev.execute(Request.flush());
        if (!c.ok()) throw new IllegalStateException("recovery: FLUSH failed: " + c.status());
    }
}
