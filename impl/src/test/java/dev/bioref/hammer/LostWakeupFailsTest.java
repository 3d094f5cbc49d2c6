// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;
import dev.bioref.kern.HangWatchdog;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A hang is a failure that names its sleeper: with {@code completeSkipsWakeup} on, hammer_io_wait
 * (io:L166) sleeps forever after its write completed; {@link HangWatchdog#runBounded} turns that
 * into a {@link HangWatchdog.Hang} whose report names the sleeping thread, its wait message
 * ({@code hmrflw}), the routine that waits ({@code HammerIo.waitIo}), the operation and the
 * replay line. Without the switch the same wait returns. No {@code Sleepq.armWatchdog} here: this
 * is the hang a test would see, not the JCStress twin's bounded sleep.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class LostWakeupFailsTest {
    static final long BOUND = 1_500_000_000L;
    static final String REPLAY = "mvn -B -pl impl -am test -Dtest=LostWakeupFailsTest -Dsurefire.failIfNoSpecifiedTests=false";

    /** Waits for one gated write on a thread named {@code name}; returns the watchdog's report or null. */
    static String waitForGatedWrite(HammerMutations m, String name) throws Exception {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = HammerTestSupport.gatedMount(gate, m);
        HammerBuffer b = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        gate.shut();
        HammerWaitTest.startWrite(hmp, b);
        Thread opener = new Thread(() -> {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!b.waiting && System.nanoTime() < deadline) Thread.onSpinWait();
            gate.open();                      // the write completes while the waiter sleeps
        }, "completer");
        opener.start();
        try {
            HangWatchdog.runBounded(name, BOUND, b::waitIo, REPLAY);
            return null;
        } catch (HangWatchdog.Hang h) {
            return h.getMessage();
        } finally {
            opener.join(10_000);
            assertFalse(b.running, "the write never completed");
            withFsToken(hmp, () -> hmp.relBuffer(b, false));
        }
    }

    @Test void theWaitReturnsWithoutTheSwitch() throws Exception {
        assertNull(waitForGatedWrite(HammerMutations.none(), "io-waiter-genuine"));
    }

    @Test void aLostWakeupFailsWithTheSleeperNamedInsteadOfHanging() throws Exception {
        HammerMutations m = new HammerMutations();
        m.completeSkipsWakeup = true;
        String report = null;
        // a wakeup of another channel hashed onto the same sleep bucket can rescue the waiter: retry
        for (int i = 0; i < 5 && report == null; i++) report = waitForGatedWrite(m, "io-waiter-" + i);
        assertNotNull(report, "completeSkipsWakeup never left the waiter asleep in 5 attempts");
        String r = report;
        assertTrue(r.startsWith("HANG: io-waiter-"), r);
        assertTrue(r.matches("(?s).*\"io-waiter-\\d\" asleep on \"hmrflw\" channel HammerBuffer@\\p{XDigit}+ since .*no timeout, in dev\\.bioref\\.hammer\\.HammerIo\\.waitIo.*"),
                "the sleeper is not named in:\n" + r);
        assertTrue(r.contains("replay: " + REPLAY), r);
        assertTrue(r.contains("operation in progress: \"io-waiter-"), r);
        assertTrue(r.contains("threads:\n"), r);
    }
}
