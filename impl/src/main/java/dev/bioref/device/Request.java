// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.Objects;

/**
 * One request to the device: a command, a byte range and, for READ and WRITE, the buffer.
 *
 * <p>Offsets and lengths are in bytes and must be multiples of {@link LoopbackDevice#SECTOR_SIZE};
 * the device checks that when the request is submitted, not here, so that a bad request is
 * reported against the device it was sent to. A WRITE's data is captured when the request is
 * submitted (the "DMA" happens at submit): a caller that changes its buffer afterwards does
 * not change what reaches the disk, exactly the hazard HAMMER's write interlock exists for.
 */
public final class Request {
    private final Op op;
    private final long offset;
    private final int length;
    private final byte[] buffer;
    private final boolean fua;

    private Request(Op op, long offset, int length, byte[] buffer, boolean fua) {
        this.op = Objects.requireNonNull(op, "op");
        this.offset = offset;
        this.length = length;
        this.buffer = buffer;
        this.fua = fua;
    }

    /** Read {@code into.length} bytes at {@code offset} into {@code into}. */
    public static Request read(long offset, byte[] into) {
        if (into == null) throw new IllegalArgumentException("READ buffer is null (offset=" + offset + ")");
        return new Request(Op.READ, offset, into.length, into, false);
    }

    /** Write {@code data} at {@code offset}; durable only after a later FLUSH completes. */
    public static Request write(long offset, byte[] data) {
        if (data == null) throw new IllegalArgumentException("WRITE buffer is null (offset=" + offset + ")");
        return new Request(Op.WRITE, offset, data.length, data, false);
    }

    /** Write {@code data} at {@code offset} with Force Unit Access: durable when it completes. */
    public static Request writeFua(long offset, byte[] data) {
        if (data == null) throw new IllegalArgumentException("WRITE buffer is null (offset=" + offset + ")");
        return new Request(Op.WRITE, offset, data.length, data, true);
    }

    /** Flush the volatile write cache. */
    public static Request flush() { return new Request(Op.FLUSH, 0, 0, null, false); }

    /** Discard {@code length} bytes at {@code offset}. */
    public static Request discard(long offset, int length) {
        return new Request(Op.DISCARD, offset, length, null, false);
    }

    public Op op() { return op; }
    public long offset() { return offset; }
    public int length() { return length; }
    /** The caller's buffer (READ destination, WRITE source); null for FLUSH and DISCARD. */
    public byte[] buffer() { return buffer; }
    public boolean fua() { return fua; }

    @Override public String toString() {
        return switch (op) {
            case FLUSH -> "FLUSH";
            default -> op + (fua ? "+FUA" : "") + "[off=" + offset + ",len=" + length + "]";
        };
    }
}
