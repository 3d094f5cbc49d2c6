// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck;

import dev.bioref.device.LoopbackDevice;

import java.util.List;
import java.util.Objects;

/**
 * What the TCK gives a {@link BlockCacheFactory}: one device per owner, the block size, and the
 * number of blocks the cache may keep in memory. Every device's capacity is a multiple of the
 * block size; the block size is a multiple of the 512-byte sector.
 */
public record BlockCacheConfig(List<LoopbackDevice> devices, int blockSize, int capacity) {
    public BlockCacheConfig {
        devices = List.copyOf(Objects.requireNonNull(devices, "devices"));
        if (devices.isEmpty()) throw new IllegalArgumentException("at least one device (owner) is needed");
        if (blockSize <= 0 || blockSize % LoopbackDevice.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("blockSize must be a positive multiple of " + LoopbackDevice.SECTOR_SIZE + ", was " + blockSize);
        }
        for (LoopbackDevice d : devices) {
            if (d.capacity() % blockSize != 0) {
                throw new IllegalArgumentException("device capacity " + d.capacity() + " is not a multiple of blockSize " + blockSize);
            }
        }
        if (capacity < 2) throw new IllegalArgumentException("capacity must be at least 2 blocks, was " + capacity);
    }

    /** Blocks of device {@code owner}. */
    public long blocks(int owner) { return devices.get(owner).capacity() / blockSize; }
}
