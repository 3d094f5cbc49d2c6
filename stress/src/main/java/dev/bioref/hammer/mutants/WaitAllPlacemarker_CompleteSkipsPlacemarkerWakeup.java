// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.WaitAllPlacemarker;
import dev.bioref.hammer.WaitAllPlacemarkerRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link WaitAllPlacemarker} with CompleteSkipsPlacemarkerWakeup: io_complete removes
 * the head io from iorun but does not wake the DUMMY placemarker behind it (io:L1138-1142, race
 * R6), so wait_all sleeps on until the watchdog although its placemarker is the head ("lost
 * wakeup").
 */
@JCStressTest
@JCStressMeta(WaitAllPlacemarker.class)
@State
public class WaitAllPlacemarker_CompleteSkipsPlacemarkerWakeup extends WaitAllPlacemarkerRace {
    public WaitAllPlacemarker_CompleteSkipsPlacemarkerWakeup() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.completeSkipsPlacemarkerWakeup = true;
        return m;
    }

    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
