// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.AttachVsAttach;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link AttachVsAttach} in FIXED mode with the seed's guard {@code attachIgnoresBlocked} removed
 * ({@code dev.bioref.uvm.UvmGuards}): the second attach does not wait for ALOCK and initialises the object again (refs 1 for two mappings).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.AttachVsAttach_AttachIgnoresBlocked$'</pre>
 */
@JCStressTest
@JCStressMeta(AttachVsAttach.class)
@State
public class AttachVsAttach_AttachIgnoresBlocked {
    final AttachVsAttach t = new AttachVsAttach(UvmRoughEdges.fixed(), "attachIgnoresBlocked");

    @Actor public void mmap1(LLLL_Result r) { t.mmap1(r); }

    @Actor public void mmap2(LLLL_Result r) { t.mmap2(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
