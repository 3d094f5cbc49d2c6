// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/** The in-memory device with the inline completer: the one every other layer's tests run on. */
public class MemoryLoopbackDeviceLincheckTest extends AbstractLoopbackDeviceLincheckTest {
    @Override protected LoopbackDevice newDevice() {
        return LoopbackDevice.inMemory((long) SECTORS * S);
    }
}
