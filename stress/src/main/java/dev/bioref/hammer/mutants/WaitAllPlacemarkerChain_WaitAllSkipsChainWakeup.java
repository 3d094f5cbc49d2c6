// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.WaitAllPlacemarkerChain;
import dev.bioref.hammer.WaitAllPlacemarkerChainRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link WaitAllPlacemarkerChain} with WaitAllSkipsChainWakeup: wait_all removes its
 * placemarker but does not wake the DUMMY that is now the head (io:L216-222), so the second
 * waiter sleeps on until the watchdog ("lost wakeup of the second in line").
 */
@JCStressTest
@JCStressMeta(WaitAllPlacemarkerChain.class)
@State
public class WaitAllPlacemarkerChain_WaitAllSkipsChainWakeup extends WaitAllPlacemarkerChainRace {
    public WaitAllPlacemarkerChain_WaitAllSkipsChainWakeup() { super(switches()); }

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.waitAllSkipsChainWakeup = true;
        return m;
    }

    @Actor public void waiter(IIII_Result r) { super.waiter(r); }

    @Actor public void completer(IIII_Result r) { super.completer(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
