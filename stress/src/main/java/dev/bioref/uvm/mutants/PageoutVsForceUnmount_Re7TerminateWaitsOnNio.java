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
 * MUST FAIL: {@link PageoutVsForceUnmount} in FIXED mode but with {@code re7TerminateWaitsOnNio}
 * on (the seed's terminate: loop on the pages, sleep on &amp;u_nio). When the daemon's I/O ends
 * before it frees its RELEASED page, the woken terminator finds a page and no I/O: the DIAGNOSTIC
 * fires ("panic"), or it sleeps on &amp;u_nio for good ("deadlock" after the bound).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.uvm.mutants.PageoutVsForceUnmount_Re7TerminateWaitsOnNio$'</pre>
 */
@JCStressTest
@JCStressMeta(PageoutVsForceUnmount.class)
@State
public class PageoutVsForceUnmount_Re7TerminateWaitsOnNio {
    final PageoutVsForceUnmount t = new PageoutVsForceUnmount(UvmRoughEdges.fixed().with("re7TerminateWaitsOnNio", true));

    @Actor public void pagedaemon(LLLL_Result r) { t.pagedaemon(r); }

    @Actor public void vgone(LLLL_Result r) { t.vgone(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
