// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/** A durable image held in a byte array: the default backend, and the only one Lincheck allows. */
public final class MemoryBackend implements Backend {
    private final byte[] image;

    public MemoryBackend(long capacity) {
        if (capacity <= 0 || capacity % LoopbackDevice.SECTOR_SIZE != 0 || capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("capacity must be a positive multiple of "
                    + LoopbackDevice.SECTOR_SIZE + " below 2 GiB: capacity=" + capacity);
        }
        this.image = new byte[(int) capacity];
    }

    /** A backend holding a copy of {@code image} (a crash state, a saved disk). */
    public static MemoryBackend copyOf(byte[] image) {
        if (image == null) throw new IllegalArgumentException("image is null");
        MemoryBackend b = new MemoryBackend(image.length);
        System.arraycopy(image, 0, b.image, 0, image.length);
        return b;
    }

    @Override public long capacity() { return image.length; }

    @Override public void read(long offset, byte[] dst, int dstOff, int len) {
        System.arraycopy(image, (int) offset, dst, dstOff, len);
    }

    @Override public void write(long offset, byte[] src, int srcOff, int len) {
        System.arraycopy(src, srcOff, image, (int) offset, len);
    }

    @Override public void close() { }
}
