// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.sim;

import dev.bioref.device.Backend;
import dev.bioref.hammer.HammerOndisk;

import java.util.HashMap;
import java.util.Map;

/**
 * A crash image without copying the disk: a shared read-only base image, the pending buffers a
 * crash state keeps, and copy-on-write for what recovery writes. Block granularity is
 * HAMMER's buffer size.
 */
final class OverlayBackend implements Backend {
    private static final int B = HammerOndisk.BUFSIZE;
    private final byte[] base;
    private final Map<Long, byte[]> blocks = new HashMap<>();

    OverlayBackend(byte[] base) { this.base = base; }

    /** Puts the buffer at block {@code blk} of {@code src} into this image. */
    void keep(long blk, byte[] src) {
        byte[] b = new byte[B];
        System.arraycopy(src, (int) (blk * B), b, 0, B);
        blocks.put(blk, b);
    }

    /** Puts the first {@code bytes} of the buffer at block {@code blk} of {@code src} into this image (a torn write). */
    void keepPrefix(long blk, byte[] src, int bytes) {
        byte[] b = new byte[B];
        System.arraycopy(base, (int) (blk * B), b, 0, B);
        System.arraycopy(src, (int) (blk * B), b, 0, bytes);
        blocks.put(blk, b);
    }

    @Override public long capacity() { return base.length; }

    @Override public void read(long offset, byte[] dst, int dstOff, int len) {
        while (len > 0) {
            long blk = offset / B;
            int in = (int) (offset % B);
            int n = Math.min(len, B - in);
            byte[] b = blocks.get(blk);
            if (b != null) System.arraycopy(b, in, dst, dstOff, n);
            else System.arraycopy(base, (int) offset, dst, dstOff, n);
            offset += n; dstOff += n; len -= n;
        }
    }

    @Override public void write(long offset, byte[] src, int srcOff, int len) {
        while (len > 0) {
            long blk = offset / B;
            int in = (int) (offset % B);
            int n = Math.min(len, B - in);
            byte[] b = blocks.get(blk);
            if (b == null) {
                b = new byte[B];
                System.arraycopy(base, (int) (blk * B), b, 0, B);
                blocks.put(blk, b);
            }
            System.arraycopy(src, srcOff, b, in, n);
            offset += n; srcOff += n; len -= n;
        }
    }

    @Override public void close() { }
}
