// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Misuse of mount gets a clear exception and changes nothing: a second mount of one device, null options. */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class MountMisuseTest {

    @Test void aSecondMountOfOneDeviceIsRefusedUntilTheFirstEnds() {
        HammerOptions o = options();
        HammerMount first = mount(o, HammerMutations.none(), HammerHooks.NONE);
        first.put(1, bytes(10, 1));
        LoopbackDevice dev = first.device();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE));
        assertTrue(e.getMessage().contains("already mounted") && e.getMessage().contains("second mount"), e.getMessage());
        assertArrayEquals(bytes(10, 1), first.get(1), "the refused mount changed the first one");
        first.sync();
        first.close();
        HammerMount second = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(second);
        assertArrayEquals(bytes(10, 1), second.get(1));
        dev.crash();                                  // power loss ends every mount
        HammerMount third = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(third);
        assertArrayEquals(bytes(10, 1), third.get(1));
    }

    @Test void nullMountArgumentsAreClearErrors() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HammerMount.mount(dev, null, HammerMutations.none(), HammerHooks.NONE));
        assertTrue(e.getMessage().contains("options must not be null"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HammerMount.mount(dev, o, null, HammerHooks.NONE));
        assertThrows(IllegalArgumentException.class, () -> HammerMount.mount(dev, o, HammerMutations.none(), null));
        HammerMount ok = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // nothing was claimed
        HammerInvariantsExtension.register(ok);
    }

    @Test void everyOperationAfterUnmountOrAbandonIsAClearErrorAndChangesNothing() {
        for (boolean abandon : new boolean[] {false, true}) {
            HammerOptions o = options();
            HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
            hmp.put(1, bytes(10, 1));
            hmp.sync();
            if (abandon) hmp.abandon(); else hmp.close();
            long writes = hmp.device().stats().writes();
            String how = abandon ? "abandoned" : "unmounted by close()";
            java.util.Map<String, org.junit.jupiter.api.function.Executable> ops = new java.util.LinkedHashMap<>();
            ops.put("put", () -> hmp.put(2, bytes(5, 2)));
            ops.put("delete", () -> hmp.delete(1));
            ops.put("get", () -> hmp.get(1));
            ops.put("fsync", () -> hmp.fsync(1));
            ops.put("sync", hmp::sync);              // after abandon() it must not block either
            ops.put("bufDaemonStep", hmp::bufDaemonStep);
            ops.put("kernelSync", hmp::kernelSync);
            ops.forEach((name, op) -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, op, name + " after " + how);
                assertEquals(name + ": the mount was " + how + "; mount the device again", e.getMessage());
            });
            hmp.close();                             // idempotent
            hmp.abandon();
            assertEquals(writes, hmp.device().stats().writes(), "a refused operation wrote to the device");
            hmp.checkInvariants();
        }
    }
}
