// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * One entry of a {@link WriteLog}.
 *
 * @param kind    WRITE (a DISCARD is logged as a WRITE of zeros, as dm-log-writes does), FLUSH or MARK
 * @param seq     the completion number of the request (for a MARK: the last completion number before it)
 * @param offset  WRITE: byte offset
 * @param data    WRITE: the bytes acknowledged (never null for a WRITE; shared, do not modify)
 * @param fua     WRITE: Force Unit Access, durable at its completion
 * @param barrier FLUSH: the last completion number when the FLUSH was submitted; the FLUSH made
 *                durable every WRITE with {@code seq <= barrier}
 * @param mark    MARK: the caller's name for this point
 */
public record LogEntry(Kind kind, long seq, long offset, byte[] data, boolean fua, long barrier, String mark) {
    public enum Kind { WRITE, FLUSH, MARK }

    public int length() { return data == null ? 0 : data.length; }

    public int sectors() { return length() / LoopbackDevice.SECTOR_SIZE; }

    static LogEntry write(long seq, long offset, byte[] data, boolean fua) {
        return new LogEntry(Kind.WRITE, seq, offset, data, fua, -1, null);
    }

    static LogEntry flush(long seq, long barrier) { return new LogEntry(Kind.FLUSH, seq, 0, null, false, barrier, null); }

    static LogEntry mark(long seq, String name) { return new LogEntry(Kind.MARK, seq, 0, null, false, -1, name); }

    @Override public String toString() {
        return switch (kind) {
            case WRITE -> "W#" + seq + (fua ? "+FUA" : "") + "[off=" + offset + ",len=" + length() + "]";
            case FLUSH -> "FLUSH#" + seq + "(<=" + barrier + ")";
            case MARK -> "MARK(" + mark + ")";
        };
    }
}
