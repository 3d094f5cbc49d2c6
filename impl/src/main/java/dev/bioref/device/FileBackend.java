// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A durable image in a file, through a {@link FileChannel} with positional reads and writes.
 * Behaves exactly as {@link MemoryBackend} (the device's volatile cache sits above any backend);
 * "durable" here means "handed to the file", the simulation does not fsync, since the device,
 * not the host, defines what survives a simulated crash.
 */
public final class FileBackend implements Backend {
    private final Path path;
    private final FileChannel channel;
    private final long capacity;

    private FileBackend(Path path, FileChannel channel, long capacity) {
        this.path = path;
        this.channel = channel;
        this.capacity = capacity;
    }

    /**
     * Takes an exclusive lock on the whole image, so that a second process (or a second open in
     * this one) cannot write the same image at once; released by {@link #close}. Throws an
     * UncheckedIOException (an environment error) naming the path if someone else holds it.
     */
    private FileBackend locked() {
        try {
            if (channel.tryLock() == null) throw new IOException(path + " is locked by another process");
            return this;
        } catch (java.nio.channels.OverlappingFileLockException | IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing; the lock error is the one to report
            }
            IOException io = e instanceof IOException x ? x : new IOException(path + " is already open in this process", e);
            throw new UncheckedIOException("device image " + path + " is in use: " + io.getMessage(), io);
        }
    }

    /**
     * Creates {@code path}, which must not exist, as a zero-filled image of {@code capacity}
     * bytes, locked exclusively.
     */
    public static FileBackend createNew(Path path, long capacity) {
        checkCapacity(capacity);
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileBackend b = new FileBackend(path, ch, capacity).locked();
            ch.write(ByteBuffer.wrap(new byte[1]), capacity - 1);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create device image " + path, e);
        }
    }

    /** Opens an existing image, locked exclusively; its size is the capacity. */
    public static FileBackend openLocked(Path path) {
        FileBackend b = open(path);
        return b.locked();
    }

    private static void checkCapacity(long capacity) {
        if (capacity <= 0 || capacity % LoopbackDevice.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("capacity must be a positive multiple of "
                    + LoopbackDevice.SECTOR_SIZE + ": capacity=" + capacity);
        }
    }

    /**
     * Truncates {@code path} (which exists) and makes it a zero-filled image of {@code capacity}
     * bytes, locked exclusively: for an explicit reformat only.
     */
    public static FileBackend reformat(Path path, long capacity) {
        checkCapacity(capacity);
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileBackend b = new FileBackend(path, ch, capacity).locked();
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(new byte[1]), capacity - 1);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reformat device image " + path, e);
        }
    }

    /** Creates (or truncates) {@code path} as a zero-filled image of {@code capacity} bytes. */
    public static FileBackend create(Path path, long capacity) {
        if (capacity <= 0 || capacity % LoopbackDevice.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("capacity must be a positive multiple of "
                    + LoopbackDevice.SECTOR_SIZE + ": capacity=" + capacity);
        }
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ch.write(ByteBuffer.wrap(new byte[1]), capacity - 1);   // sparse zero-filled file of the full size
            return new FileBackend(path, ch, capacity);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create device image " + path, e);
        }
    }

    /** Opens an existing image; its size is the capacity. */
    public static FileBackend open(Path path) {
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long size = ch.size();
            if (size <= 0 || size % LoopbackDevice.SECTOR_SIZE != 0) {
                ch.close();
                throw new IllegalArgumentException("image " + path + " size is not a positive multiple of "
                        + LoopbackDevice.SECTOR_SIZE + ": " + size);
            }
            return new FileBackend(path, ch, size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open device image " + path, e);
        }
    }

    public Path path() { return path; }

    @Override public long capacity() { return capacity; }

    @Override public void read(long offset, byte[] dst, int dstOff, int len) {
        ByteBuffer b = ByteBuffer.wrap(dst, dstOff, len);
        try {
            while (b.hasRemaining()) {
                int n = channel.read(b, offset + (b.position() - dstOff));
                if (n < 0) throw new IOException("unexpected end of image at " + (offset + b.position() - dstOff));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read of " + len + " bytes at " + offset + " from " + path, e);
        }
    }

    @Override public void write(long offset, byte[] src, int srcOff, int len) {
        ByteBuffer b = ByteBuffer.wrap(src, srcOff, len);
        try {
            while (b.hasRemaining()) channel.write(b, offset + (b.position() - srcOff));
        } catch (IOException e) {
            throw new UncheckedIOException("write of " + len + " bytes at " + offset + " to " + path, e);
        }
    }

    @Override public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("close of " + path, e);
        }
    }

    @Override public String toString() { return "file(" + path + ")"; }
}
