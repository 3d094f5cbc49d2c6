// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.GetVsInflightRead;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * MUST FAIL: {@link GetVsInflightRead} with {@code BufioMutations.getIgnoresReading} on (this
 * state's module only): dm_bufio_get takes a hold on block 0's buffer while its read is in flight
 * and would wait for it (GetNeverWaitsForIoInv thrown, a forbidden outcome).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.GetVsInflightRead_GetIgnoresReading$'</pre>
 */
@JCStressTest
@JCStressMeta(GetVsInflightRead.class)
@State
public class GetVsInflightRead_GetIgnoresReading {
    final GetVsInflightRead t;

    public GetVsInflightRead_GetIgnoresReading() {
        BufioMutations m = BufioMutations.none();
        m.getIgnoresReading = true;
        t = new GetVsInflightRead(m);
    }

    @Actor public void reader() { t.reader(); }

    @Actor public void getter() { t.getter(); }

    @Arbiter public void arbiter(LL_Result r) { t.arbiter(r); }
}
