// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;

import static dev.bioref.hammer.HammerTestSupport.withFsToken;

/** One hammer_io_wait (io:L166) against the completion of a gated write, for tests outside the package. */
public final class LostWakeupRig {
    private LostWakeupRig() { }

    /**
     * Starts a write held at the device, lets it complete once the waiter sleeps, and waits for
     * it with {@code HammerIo.waitIo} on the calling thread (which never returns if the
     * completion's wakeup is lost and nothing else wakes the channel).
     */
    public static void waitForGatedWrite(HammerMutations m) {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = HammerTestSupport.gatedMount(gate, m);
        HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        gate.shut();
        HammerWaitTest.startWrite(hmp, b);
        Thread opener = new Thread(() -> {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!b.waiting && System.nanoTime() < deadline) Thread.onSpinWait();
            gate.open();
        }, "completer");
        opener.start();
        b.waitIo();
        withFsToken(hmp, () -> hmp.relBuffer(b, false));
    }
}
