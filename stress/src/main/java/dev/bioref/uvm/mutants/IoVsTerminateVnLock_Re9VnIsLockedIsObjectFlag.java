// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm.mutants;

import dev.bioref.uvm.IoVsTerminateVnLock;
import dev.bioref.uvm.UvmRoughEdges;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * MUST FAIL: {@link IoVsTerminateVnLock} in FIXED mode but with {@code re9VnIsLockedIsObjectFlag} on:
 * the seed's VNISLOCKED flag: an I/O that read it clear before terminate set it blocks in
 * {@code vn_lock} behind the terminator, which waits for the I/O's page ("deadlock", with the cycle
 * in the exception's message).
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.mutants.IoVsTerminateVnLock_Re9VnIsLockedIsObjectFlag$'</pre>
 */
@JCStressTest
@JCStressMeta(IoVsTerminateVnLock.class)
@State
public class IoVsTerminateVnLock_Re9VnIsLockedIsObjectFlag {
    final IoVsTerminateVnLock t = new IoVsTerminateVnLock(UvmRoughEdges.fixed().with("re9VnIsLockedIsObjectFlag", true));

    @Actor public void pagedaemon(LLLL_Result r) { t.pagedaemon(r); }

    @Actor public void vgone(LLLL_Result r) { t.vgone(r); }

    @Arbiter public void arbiter(LLLL_Result r) { t.arbiter(r); }
}
