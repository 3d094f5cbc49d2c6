// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.FaultVsFlushFree;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link FaultVsFlushFree} in FIXED mode with the seed's guard {@code flushFreesBusy} removed
 * ({@code dev.bioref.uvm.UvmGuards}): flush frees the fault's busy page instead of marking it RELEASED ({@code PgBusyHasOwnerInv}).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.FaultVsFlushFree_FlushFreesBusy$'</pre>
 */
@JCStressTest
@JCStressMeta(FaultVsFlushFree.class)
@State
public class FaultVsFlushFree_FlushFreesBusy {
    final FaultVsFlushFree t = new FaultVsFlushFree(UvmRoughEdges.fixed(), "flushFreesBusy");

    @Actor public void fault(LLLL_Result r) { t.fault(r); }

    @Actor public void truncate(LLLL_Result r) { t.truncate(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
