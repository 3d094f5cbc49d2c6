// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.BufQuirks;
import dev.bioref.buf.GetnewbufLostWakeup;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link GetnewbufLostWakeup} with the seed's order in getnewbuf (publish the need
 * only after the failed scan, no second look: {@code BufQuirks.seedGetnewbufLostWakeup}, this
 * state's cache only). A release that lands between the scan and the publication wakes nobody
 * and the reader sleeps its whole timeout although the only header is free.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.GetnewbufLostWakeup_SeedOrder$'</pre>
 */
@JCStressTest
@JCStressMeta(GetnewbufLostWakeup.Outcomes.class)
@State
public class GetnewbufLostWakeup_SeedOrder {
    final GetnewbufLostWakeup t;

    public GetnewbufLostWakeup_SeedOrder() {
        BufQuirks q = BufQuirks.none();
        q.seedGetnewbufLostWakeup = true;
        t = new GetnewbufLostWakeup(q);
    }

    @Actor public void a(LLL_Result r) { t.a(r); }

    @Actor public void b(LLL_Result r) { t.b(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
