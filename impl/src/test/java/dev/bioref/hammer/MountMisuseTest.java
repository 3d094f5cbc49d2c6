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

    /** Every public operation of a mount that reads or changes its state, by name. */
    static java.util.Map<String, java.util.function.Consumer<HammerMount>> operations() {
        java.util.Map<String, java.util.function.Consumer<HammerMount>> ops = new java.util.LinkedHashMap<>();
        ops.put("put", m -> m.put(2, bytes(5, 2)));
        ops.put("delete", m -> m.delete(1));
        ops.put("get", m -> m.get(1));
        ops.put("fsync", m -> m.fsync(1));
        ops.put("sync", HammerMount::sync);              // after abandon() it must not block either
        ops.put("bufDaemonStep", HammerMount::bufDaemonStep);
        ops.put("kernelSync", HammerMount::kernelSync);
        return ops;
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> operationsAfterEnd() {
        return operations().keySet().stream().flatMap(op -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(op, false), org.junit.jupiter.params.provider.Arguments.of(op, true)));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} after abandon={1}")
    @org.junit.jupiter.params.provider.MethodSource("operationsAfterEnd")
    void everyOperationAfterUnmountOrAbandonIsAClearErrorAndChangesNothing(String name, boolean abandon) {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        if (abandon) hmp.abandon(); else hmp.close();
        long writes = hmp.device().stats().writes();
        String how = abandon ? "abandoned" : "unmounted by close()";
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bounded(name, () -> operations().get(name).accept(hmp)),
                name + " after " + how);
        assertEquals(name + ": the mount was " + how + "; mount the device again", e.getMessage());
        hmp.close();                             // idempotent
        hmp.abandon();
        assertEquals(writes, hmp.device().stats().writes(), "a refused operation wrote to the device");
        hmp.checkInvariants();
    }

    /**
     * The device goes away under a live mount (closed, not unmounted first): each operation
     * either works from memory or fails with a clear error (the I/O error path: a critical error,
     * the mount read-only), none blocks, and unmount afterwards returns and leaves the
     * invariants holding (what the failed I/O locked was released).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} after the device closed under the mount")
    @org.junit.jupiter.params.provider.MethodSource("operationNames")
    void everyOperationWhenTheDeviceClosedUnderTheMountFailsClearlyAndUnmountReturns(String name) {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.put(3, bytes(7, 3));                 // dirty, not yet flushed
        hmp.device().close();
        try {
            bounded(name, () -> operations().get(name).accept(hmp));
        } catch (HammerCriticalError | IllegalStateException e) {
            assertNotNull(e.getMessage(), name);
            assertFalse(e.getMessage().isBlank(), name);
        }
        bounded("close after " + name, hmp::close);
        hmp.checkInvariants();
        assertThrows(IllegalStateException.class, () -> hmp.put(4, bytes(3, 4)), "put after close");
    }

    static java.util.stream.Stream<String> operationNames() { return operations().keySet().stream(); }

    /** Runs {@code r} with a 20 s bound: a call that blocks fails with the hang report (sleepers, stacks). */
    private static void bounded(String what, Runnable r) {
        dev.bioref.kern.HangWatchdog.runBounded(what, java.util.concurrent.TimeUnit.SECONDS.toNanos(20), r,
                "mvn -B -pl impl -am test -Dtest=MountMisuseTest -Dsurefire.failIfNoSpecifiedTests=false");
    }
}
