// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.WaitVsCompleteAsleep;
import dev.bioref.hammer.WaitVsCompleteAsleepRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link WaitVsCompleteAsleep} with CompleteSkipsWakeup: io_complete clears running
 * and waiting but does not wake the io (io:L1148-1151), so a waiter already asleep sleeps on
 * until the watchdog ("lost wakeup").
 */
@JCStressTest
@JCStressMeta(WaitVsCompleteAsleep.class)
@State
public class WaitVsCompleteAsleep_CompleteSkipsWakeup extends WaitVsCompleteAsleepRace {
    public WaitVsCompleteAsleep_CompleteSkipsWakeup() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.completeSkipsWakeup = true;
        return m;
    }

    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
