// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck;

import dev.bioref.device.LoopbackDevice;

/** Formats and mounts a {@link CrashSafeStore} on a device: the one thing a TCK user supplies. */
public interface CrashSafeStoreFactory {
    /** The device size this store wants, in bytes (a multiple of 512). */
    long deviceBytes();

    /** Makes an empty store on {@code dev}. */
    void format(LoopbackDevice dev);

    /** Recovers whatever a crash or unmount left on {@code dev} and mounts it. */
    CrashSafeStore mount(LoopbackDevice dev);
}
