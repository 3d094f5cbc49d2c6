// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.SetsizeVsIo;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link SetsizeVsIo} in FIXED mode but with {@code re10UnlockedSizeReadInIo} on:
 * the seed's {@code uvn_io}, which clips the write with {@code u_size} read before the truncate:
 * the write grows the file back to two pages.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.SetsizeVsIo_Re10UnlockedSizeReadInIo$'</pre>
 */
@JCStressTest
@JCStressMeta(SetsizeVsIo.class)
@State
public class SetsizeVsIo_Re10UnlockedSizeReadInIo {
    final SetsizeVsIo t = new SetsizeVsIo(UvmRoughEdges.fixed().with("re10UnlockedSizeReadInIo", true));

    @Actor public void msync(LLLL_Result r) { t.msync(r); }

    @Actor public void truncate(LLLL_Result r) { t.truncate(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
