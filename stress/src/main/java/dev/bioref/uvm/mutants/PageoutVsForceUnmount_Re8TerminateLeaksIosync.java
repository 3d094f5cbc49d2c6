// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.PageoutVsForceUnmount;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link PageoutVsForceUnmount} in FIXED mode but with {@code re8TerminateLeaksIosync} on:
 * the seed's terminate, which leaves IOSYNC set on the zombie when its flush waited for the
 * daemon's I/O ("iosync", or {@code UvnNoLeakedIosyncInv} in r4).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.PageoutVsForceUnmount_Re8TerminateLeaksIosync$'</pre>
 */
@JCStressTest
@JCStressMeta(PageoutVsForceUnmount.class)
@State
public class PageoutVsForceUnmount_Re8TerminateLeaksIosync {
    final PageoutVsForceUnmount t = new PageoutVsForceUnmount(UvmRoughEdges.fixed().with("re8TerminateLeaksIosync", true));

    @Actor public void pagedaemon(LLLL_Result r) { t.pagedaemon(r); }

    @Actor public void vgone(LLLL_Result r) { t.vgone(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
