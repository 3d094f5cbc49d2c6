// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.SetsizeVsAttach;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link SetsizeVsAttach} in FIXED mode but with {@code re1AttachWindowIgnored} on:
 * the seed's setsize, which tests VALID only: a grow during attach's GETATTR is dropped and
 * {@code u_size} keeps GETATTR's old size ("stale").
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.SetsizeVsAttach_Re1AttachWindowIgnored$'</pre>
 */
@JCStressTest
@JCStressMeta(SetsizeVsAttach.class)
@State
public class SetsizeVsAttach_Re1AttachWindowIgnored {
    final SetsizeVsAttach t = new SetsizeVsAttach(UvmRoughEdges.fixed().with("re1AttachWindowIgnored", true));

    @Actor public void attach(LLLL_Result r) { t.attach(r); }

    @Actor public void grow(LLLL_Result r) { t.grow(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
