// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.DirectWriteCompleteVsWait;
import dev.bioref.hammer.DirectWriteCompleteVsWaitRace;
import dev.bioref.hammer.HammerMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link DirectWriteCompleteVsWait} with DirectCompleteSkipsWakeup:
 * direct_write_complete clears DIRECT_IO and DIRECT_WAIT but does not wake the record
 * (io:L1820-1824), so a waiter already asleep sleeps on until the watchdog ("lost wakeup").
 */
@JCStressTest
@JCStressMeta(DirectWriteCompleteVsWait.class)
@State
public class DirectWriteCompleteVsWait_DirectCompleteSkipsWakeup extends DirectWriteCompleteVsWaitRace {
    public DirectWriteCompleteVsWait_DirectCompleteSkipsWakeup() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.directCompleteSkipsWakeup = true;
        return m;
    }

    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
