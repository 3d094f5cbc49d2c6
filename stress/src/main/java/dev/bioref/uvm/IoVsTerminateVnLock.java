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
 * J11 of notes §7.3 (RE-9): the pagedaemon's {@code uvn_io} of a dirty page races a forced
 * unmount (vgone → vclean, which holds the vnode lock, → {@code uvm_vnp_terminate}).
 *
 * <p>The seed's {@code uvn_io} reads the object flag VNISLOCKED, unlocked, and takes the vnode
 * lock if it is clear (L1641-1645). An I/O that read the flag before terminate set it blocks in
 * {@code vn_lock} behind the terminator, which holds the vnode lock and waits for the I/O's busy
 * page: a deadlock ({@code pagedaemon -[vn_lock]-> vgone -[uvn_term]-> pagedaemon}). FIXED
 * (finding F1 of proofs-notes/uvm.md): uvn_io try-locks and, on contention, re-reads VNISLOCKED
 * under the object lock and borrows the terminator's lock. The daemon holds the window before
 * {@code vn_lock} (pause point {@code io.beforeVnLock}) for up to 2 ms while the terminator gets
 * to its wait.
 *
 * <p>r1 = the page-out's result (0 OK, -1 nothing to page out) or what it threw; r2 = what
 * terminate did ("ok" or what it threw); r3 = "deadlock" if either side reported one, else "-";
 * r4 = the layer's invariants at rest.
 * The mutant {@code dev.bioref.uvm.mutants.IoVsTerminateVnLock_Re9VnIsLockedIsObjectFlag} runs
 * the seed's flag.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.IoVsTerminateVnLock$'</pre>
 */
@JCStressTest
@Outcome(id = "-?\\d+, ok, -, ok", expect = ACCEPTABLE,
        desc = "the I/O finished (borrowing the terminator's vnode lock, or before terminate) and terminate disposed of the page")
@Outcome(id = ".*, deadlock, .*", expect = FORBIDDEN,
        desc = "uvn_io waits in vn_lock for the terminator, which waits for the I/O's busy page (RE-9); the cycle is reported at the bound")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, a broken invariant (named in r4)")
@State
public class IoVsTerminateVnLock {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    volatile boolean termStarted, termDone;
    volatile Thread daemon;

    public IoVsTerminateVnLock() { this(UvmRoughEdges.fixed()); }

    public IoVsTerminateVnLock(UvmRoughEdges re) {
        l = UvmStressRig.world(re);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        UvmStressRig.dirtyPage(c, vp);
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("io.beforeVnLock") && Thread.currentThread() == daemon) {
                UvmStressRig.hold(() -> termDone || (termStarted && !l.sched.waiters().isEmpty()));
            }
        };
    }

    /** The pagedaemon: one page-out of page 0. */
    @Actor
    public void pagedaemon(LLLL_Result r) {
        daemon = Thread.currentThread();
        try {
            r.r1 = Integer.toString(c.pageout(vp, 0));
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        }
    }

    /** vgone of the in-use vnode: vclean holds the vnode lock, terminate with refs &gt; 0. */
    @Actor
    public void vgone(LLLL_Result r) {
        termStarted = true;
        try {
            l.forceUnmount(vp);
            r.r2 = "ok";
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        } finally {
            termDone = true;
        }
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r3 = "deadlock".equals(r.r1) || "deadlock".equals(r.r2) ? "deadlock" : "-";
        if ("deadlock".equals(r.r1)) r.r2 = "deadlock";     // one outcome id for the cycle, whichever side hit the bound
        r.r4 = UvmStressRig.invariants(l);
    }
}
