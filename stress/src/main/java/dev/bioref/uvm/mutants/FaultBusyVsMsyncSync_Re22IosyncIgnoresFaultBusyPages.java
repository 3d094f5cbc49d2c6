// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.FaultBusyVsMsyncSync;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link FaultBusyVsMsyncSync} in FIXED mode but with
 * {@code re22IosyncIgnoresFaultBusyPages} on (the seed's iosync, which waits for u_nio only).
 * When msync meets page 0 busy in the fault routine it returns TRUE without writing it: the port
 * records {@code FlushSyncPostInv}.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.uvm.mutants.FaultBusyVsMsyncSync_Re22IosyncIgnoresFaultBusyPages$'</pre>
 */
@JCStressTest
@JCStressMeta(FaultBusyVsMsyncSync.class)
@State
public class FaultBusyVsMsyncSync_Re22IosyncIgnoresFaultBusyPages {
    final FaultBusyVsMsyncSync t = new FaultBusyVsMsyncSync(UvmRoughEdges.fixed().with("re22IosyncIgnoresFaultBusyPages", true));

    @Actor public void fault(LLLL_Result r) { t.fault(r); }

    @Actor public void msync(LLLL_Result r) { t.msync(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
