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
