// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.SyncUnlinkVsAttachInsert;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link SyncUnlinkVsAttachInsert} in FIXED mode but with {@code re11SyncUnlinksWithoutWlLock} on:
 * the seed's sync, which unlinks without {@code uvn_wl_lock}: the insert of c between the two
 * halves of LIST_REMOVE is lost ({@code UvnWlistMatchesWriteableInv}).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.SyncUnlinkVsAttachInsert_Re11SyncUnlinksWithoutWlLock$'</pre>
 */
@JCStressTest
@JCStressMeta(SyncUnlinkVsAttachInsert.class)
@State
public class SyncUnlinkVsAttachInsert_Re11SyncUnlinksWithoutWlLock {
    final SyncUnlinkVsAttachInsert t = new SyncUnlinkVsAttachInsert(UvmRoughEdges.fixed().with("re11SyncUnlinksWithoutWlLock", true));

    @Actor public void sync(LLL_Result r) { t.sync(r); }

    @Actor public void mmap(LLL_Result r) { t.mmap(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
