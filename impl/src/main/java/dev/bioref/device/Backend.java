// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * Where the device keeps its durable image: the bytes that survive a crash. The volatile
 * write cache lives in {@link LoopbackDevice} itself, above the backend, so every backend
 * has exactly the same semantics; a backend only stores and returns bytes.
 * Calls are made with the device's lock held, never concurrently.
 */
public interface Backend extends AutoCloseable {
    /** Capacity in bytes, fixed at creation; a multiple of the sector size. */
    long capacity();

    /** Copies {@code len} durable bytes at {@code offset} into {@code dst[dstOff..]}. */
    void read(long offset, byte[] dst, int dstOff, int len);

    /** Makes {@code len} bytes of {@code src[srcOff..]} durable at {@code offset}. */
    void write(long offset, byte[] src, int srcOff, int len);

    @Override void close();
}
