// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.Arrays;

/** Small helpers shared by the device tests. */
final class DeviceTesting {
    static final int S = LoopbackDevice.SECTOR_SIZE;

    private DeviceTesting() { }

    /** {@code sectors} sectors filled with {@code value}. */
    static byte[] fill(int sectors, int value) {
        byte[] b = new byte[sectors * S];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** Everything observable about a device: visible image, durable image, cache, counters. */
    record Snapshot(String visible, String durable, java.util.List<PendingWrite> pending, DeviceStats stats) { }

    static Snapshot snapshot(LoopbackDevice d) {
        return new Snapshot(Arrays.toString(d.peekVisible(0, (int) d.capacity())),
                Arrays.toString(d.peekDurable(0, (int) d.capacity())), d.pendingWrites(), d.stats());
    }
}
