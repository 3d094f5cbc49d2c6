// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.BqholdVsGetnewbuf;
import dev.bioref.buf.BufMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link BqholdVsGetnewbuf} with {@code BufMutations.getnewbufIgnoresRefs} on (this state's cache only). getnewbuf skips no held header, so it recycles the held block 0 in every interleaving (the arbiter sees it recycled).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.BqholdVsGetnewbuf_GetnewbufIgnoresRefs$'</pre>
 */
@JCStressTest
@JCStressMeta(BqholdVsGetnewbuf.class)
@State
public class BqholdVsGetnewbuf_GetnewbufIgnoresRefs {
    final BqholdVsGetnewbuf t;

    public BqholdVsGetnewbuf_GetnewbufIgnoresRefs() {
        BufMutations m = BufMutations.none();
        m.getnewbufIgnoresRefs = true;
        t = new BqholdVsGetnewbuf(m);
    }

    @Actor public void holder(LLLL_Result r) { t.holder(r); }

    @Actor public void pressure(LLLL_Result r) { t.pressure(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
