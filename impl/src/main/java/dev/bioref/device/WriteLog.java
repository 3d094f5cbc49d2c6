// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a device did from the moment {@link LoopbackDevice#startLog()} was called: the durable
 * image at that moment and every completed WRITE, DISCARD and FLUSH since, in completion order,
 * with the caller's marks, as Linux dm-log-writes records them for xfstests' power-fail tests.
 *
 * <p>Like dm-log-writes: a DISCARD is logged as a write of zeros; a FUA write is durable at its
 * completion; a FLUSH makes durable exactly the writes that completed before it was submitted
 * (its {@code barrier}). Unlike dm-log-writes, which moves a write that completes while a FLUSH
 * is in flight to after that FLUSH, the log keeps true completion order and records the barrier
 * in the FLUSH entry; {@link #epochOf} gives each write its flush epoch. Failed requests are not
 * logged (they took no effect); injected lost or misdirected writes are logged as the writes the
 * device acknowledged, since the log is what a correct device would have to make of them.
 *
 * <p>{@link CrashStates} enumerates the images a crash could leave. Thread-safe: the device
 * appends under its lock; readers get snapshots.
 */
public final class WriteLog {
    private final byte[] startImage;                 // durable image when logging began; never modified
    private final List<LogEntry> entries = new ArrayList<>();   // guarded by this
    private boolean stopped;                         // guarded by this

    WriteLog(byte[] startImage) { this.startImage = startImage; }

    synchronized void append(LogEntry e) {
        if (!stopped) entries.add(e);
    }

    /** Logging stops at a crash; a new log must be started from the new durable image. */
    synchronized void stop() { stopped = true; }

    public synchronized boolean stopped() { return stopped; }

    /** The device's durable image when the log began (a copy). */
    public byte[] startImage() { return startImage.clone(); }

    byte[] startImageShared() { return startImage; }

    public long capacity() { return startImage.length; }

    /** A snapshot of the entries so far, in completion order. */
    public synchronized List<LogEntry> entries() { return Collections.unmodifiableList(new ArrayList<>(entries)); }

    /** The number of WRITE entries. */
    public synchronized int writes() {
        int n = 0;
        for (LogEntry e : entries) if (e.kind() == LogEntry.Kind.WRITE) n++;
        return n;
    }

    /**
     * The flush epoch of the WRITE at {@code index}: the number of FLUSH entries before the first
     * FLUSH that made it durable (0 for the first epoch), or -1 if it is FUA (durable by itself)
     * or no FLUSH in the log covered it (still volatile at the end of the log).
     */
    public synchronized int epochOf(int index) {
        LogEntry w = entries.get(index);
        if (w.kind() != LogEntry.Kind.WRITE) throw new IllegalArgumentException("entry " + index + " is not a WRITE: " + w);
        if (w.fua()) return -1;
        int flushes = 0;
        for (int i = index + 1; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (e.kind() != LogEntry.Kind.FLUSH) continue;
            if (e.barrier() >= w.seq()) return flushes;
            flushes++;
        }
        return -1;
    }

    /** The index of the entry just after the mark {@code name}; throws if there is no such mark. */
    public synchronized int indexAfterMark(String name) {
        for (int i = 0; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (e.kind() == LogEntry.Kind.MARK && e.mark().equals(name)) return i + 1;
        }
        throw new IllegalArgumentException("no mark named '" + name + "' in the log");
    }

    @Override public synchronized String toString() { return "WriteLog" + entries; }
}
