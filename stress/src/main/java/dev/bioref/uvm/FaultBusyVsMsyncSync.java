// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J5 of notes §7.3 in its two-thread form (RE-22, the fault-owner half of RE-2): a write fault
 * races {@code msync(MS_SYNC)} (flush CLEANIT|SYNCIO) of the same dirty page.
 *
 * <p>The fault's PGO_LOCKED get makes the resident dirty page 0 busy and hands it to the fault
 * routine, which holds it busy with the object unlocked (no I/O: u_nio stays 0). A SYNCIO flush
 * that meets it sets need_iosync, and the seed's iosync step (L1200-1212) waits only for
 * u_nio = 0, which is already true: the flush returns TRUE while page 0, dirty when it started,
 * was never written (notes D1, {@code FlushSyncPostInv}, which the port records). FIXED: the
 * flush sleeps on each busy page it saw (PG_WANTED) and cleans it again. The faulting thread
 * holds its busy page for up to 2 ms while the msync gets there.
 *
 * <p>r1 = the fault's result; r2 = msync's result; r3 = the action property the port recorded
 * ("-" if none); r4 = the invariants after both ("ok" or the first broken clause).
 * The mutant {@code dev.bioref.uvm.mutants.FaultBusyVsMsyncSync_Re22IosyncIgnoresFaultBusyPages}
 * runs the same with the seed's iosync.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=FaultBusyVsMsyncSync -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "0, true, -, ok", expect = ACCEPTABLE,
        desc = "msync wrote page 0 (before the fault busied it, or after waiting for it) and returned TRUE")
@Outcome(id = ".*, FlushSyncPostInv, .*", expect = FORBIDDEN,
        desc = "msync(MS_SYNC) returned TRUE but page 0, dirty at its start, is not on the device (RE-22/RE-2)")
@Outcome(id = ".*, deadlock, .*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: msync FALSE without an error, a panic, a broken invariant")
@State
public class FaultBusyVsMsyncSync {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    final UvmFaultClient.Mapping m;
    volatile boolean msyncDone;
    volatile Thread faulter;

    public FaultBusyVsMsyncSync() { this(UvmRoughEdges.fixed()); }

    public FaultBusyVsMsyncSync(UvmRoughEdges re) {
        l = UvmStressRig.world(re);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        m = UvmStressRig.dirtyPage(c, vp);
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("fault.busy") && Thread.currentThread() == faulter) UvmStressRig.hold(() -> msyncDone);
        };
    }

    /** A write fault on page 0 (resident, dirty): LOCKED get busies it, then the fault routine un-busies it. */
    @Actor
    public void fault(LLLL_Result r) {
        faulter = Thread.currentThread();
        try {
            r.r1 = Integer.toString(c.fault(m, 0, true));
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        }
    }

    /** msync(MS_SYNC) of page 0: flush CLEANIT|SYNCIO, then VOP_FSYNC. */
    @Actor
    public void msync(LLLL_Result r) {
        try {
            r.r2 = Boolean.toString(c.msync(m, 0, UvmStressRig.PG, true));
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        } finally {
            msyncDone = true;
        }
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        var flaws = l.flaws();
        r.r3 = flaws.isEmpty() ? "-" : flaws.get(0).invariant();
        l.clearFlaws();
        r.r4 = UvmStressRig.invariants(l);
    }
}
