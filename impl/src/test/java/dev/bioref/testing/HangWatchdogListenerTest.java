// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.testing;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.LostWakeupRig;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The build-wide guard fires on a real hang: an inner test class (run by its own launcher, not
 * by surefire: surefire skips nested classes) waits for a write whose wakeup
 * {@code completeSkipsWakeup} loses. The listener, with a 2 s bound, must report the test in
 * progress with its rerun command and the sleeper; its expiry action here wakes the sleeper's
 * channel instead of stopping the JVM, so the inner test then ends.
 */
class HangWatchdogListenerTest {

    /** Run only through {@link #aLostWakeupInATestIsReportedWithItsSleeper}. */
    static class HangsOnALostWakeup {
        @Test void waitsForAWriteWhoseWakeupIsLost() {
            HammerMutations m = new HammerMutations();
            m.completeSkipsWakeup = true;
            LostWakeupRig.waitForGatedWrite(m);
        }
    }

    @Test void aLostWakeupInATestIsReportedWithItsSleeper() {
        AtomicReference<String> report = new AtomicReference<>();
        HangWatchdogListener guard = new HangWatchdogListener(2_000_000_000L, r -> {
            report.set(r);
            for (Sleepq.Sleeper s : Sleepq.sleepers()) Sleepq.wakeup(s.chan());   // rescue, instead of halt(1)
        });
        Launcher launcher = LauncherFactory.create();
        // a wakeup of another channel hashed onto the same sleep bucket can rescue the waiter: retry
        for (int i = 0; i < 3 && report.get() == null; i++) {
            launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(HangsOnALostWakeup.class)).build(),
                    guard);
        }
        String r = report.get();
        assertNotNull(r, "the guard did not fire on a lost wakeup");
        assertTrue(r.contains("operation in progress: waitsForAWriteWhoseWakeupIsLost()"), r);
        assertTrue(r.contains("rerun: mvn -B -pl impl -am test -Dtest='dev.bioref.testing.HangWatchdogListenerTest$HangsOnALostWakeup#waitsForAWriteWhoseWakeupIsLost'"), r);
        assertTrue(r.matches("(?s).*asleep on \"hmrflw\" channel HammerBuffer@\\p{XDigit}+ since .*in dev\\.bioref\\.hammer\\.HammerIo\\.waitIo.*"), r);
    }
}
