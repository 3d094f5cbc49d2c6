// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.PersistVsSync;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link PersistVsSync} in FIXED mode but with {@code re12SyncVrefsFreeVnode} on:
 * the seed's sync, which VREFs a persisting object's vnode even with usecount 0: the
 * DIAGNOSTIC "vref used where vget required" ("panic").
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.PersistVsSync_Re12SyncVrefsFreeVnode$'</pre>
 */
@JCStressTest
@JCStressMeta(PersistVsSync.class)
@State
public class PersistVsSync_Re12SyncVrefsFreeVnode {
    final PersistVsSync t = new PersistVsSync(UvmRoughEdges.fixed().with("re12SyncVrefsFreeVnode", true));

    @Actor public void munmap(LLL_Result r) { t.munmap(r); }

    @Actor public void sync(LLL_Result r) { t.sync(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
