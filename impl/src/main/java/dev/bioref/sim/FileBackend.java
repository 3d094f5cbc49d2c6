package dev.bioref.sim;

import dev.bioref.device.Backend;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;

/**
 * A durable image in a file, for {@code --device file:PATH}. A minimal stand-in used only by the
 * simulation (the device package's own file backend may replace it); writes are made durable
 * with the file's contents, the device's volatile cache above stays the same as for memory.
 */
final class FileBackend implements Backend {
    private final RandomAccessFile file;
    private final long capacity;

    FileBackend(String path, long capacity) {
        try {
            this.file = new RandomAccessFile(path, "rw");
            this.file.setLength(0);
            this.file.setLength(capacity);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open device file " + path, e);
        }
        this.capacity = capacity;
    }

    @Override public long capacity() { return capacity; }

    @Override public void read(long offset, byte[] dst, int dstOff, int len) {
        try {
            file.seek(offset);
            file.readFully(dst, dstOff, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public void write(long offset, byte[] src, int srcOff, int len) {
        try {
            file.seek(offset);
            file.write(src, srcOff, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
