// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.BdWaitVsBdSignalAsleep;
import dev.bioref.buf.BdWaitVsBdSignalAsleepRace;
import dev.bioref.buf.BufMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link BdWaitVsBdSignalAsleep} with BdSignalSkipsWakeup: bd_signal advances the
 * wake index and clears the ticket's slot but does not wake it (L508-509), so a writer already
 * asleep in bd_wait sleeps on until the watchdog ("lost wakeup").
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.buf.mutants.BdWaitVsBdSignalAsleep_BdSignalSkipsWakeup$'</pre>
 */
@JCStressTest
@JCStressMeta(BdWaitVsBdSignalAsleep.class)
@State
public class BdWaitVsBdSignalAsleep_BdSignalSkipsWakeup extends BdWaitVsBdSignalAsleepRace {
    public BdWaitVsBdSignalAsleep_BdSignalSkipsWakeup() { super(switches()); }

    static BufMutations switches() {
        BufMutations m = BufMutations.none();
        m.bdSignalSkipsWakeup = true;
        return m;
    }

    @Actor public void writer(IIII_Result r) { super.writer(r); }

    @Actor public void signaller(IIII_Result r) { super.signaller(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
