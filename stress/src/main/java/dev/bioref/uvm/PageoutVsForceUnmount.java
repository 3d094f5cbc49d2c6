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
 * J8 of notes §7.3 (RE-7, [MP]): the pagedaemon's page-out of a dirty page races a forced
 * unmount (vgone → vclean → {@code uvm_vnp_terminate} with refs &gt; 0).
 *
 * <p>The interleaving that matters: the daemon has page 0 busy inside {@code uvn_io}
 * (u_nio = 1); terminate's FREE flush marks it RELEASED and terminate waits for the pages to go.
 * The daemon's I/O ends: u_nio drops to 0, which (seed) wakes &amp;u_nio; the daemon has not yet
 * freed its RELEASED page (uvn_releasepg runs after it relocks). A terminator that runs in this
 * window finds a page left and no I/O: the seed's DIAGNOSTIC "no I/O to wait for?" (L581-582)
 * fires, and without DIAGNOSTIC it sleeps on &amp;u_nio, which nobody wakes again (L573-593).
 * FIXED: terminate sleeps on a "pages drained" channel that releasepg wakes. The daemon holds
 * each of the two windows (inside uvn_io; after the I/O, before releasepg) for up to 2 ms while
 * the terminator gets there, so the race is reached in most samples.
 *
 * <p>r1 = the page-out's result (0 OK, -1 nothing to page out: terminate got the page first) or
 * what it threw; r2 = what terminate did; r3 = IOSYNC left set at rest ("iosync") or "-";
 * r4 = the layer's invariants after both ("ok" or the first broken clause).
 * The mutant {@code dev.bioref.uvm.mutants.PageoutVsForceUnmount_Re7TerminateWaitsOnNio} runs
 * the same with the seed's wait.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=PageoutVsForceUnmount -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "-?\\d+, ok, -, ok", expect = ACCEPTABLE,
        desc = "terminate waited for the page-out (or took the page first) and disposed of every page")
@Outcome(id = ".*, panic, .*", expect = FORBIDDEN,
        desc = "terminate's DIAGNOSTIC 'no I/O to wait for?': a page left, u_nio already 0 (RE-7)")
@Outcome(id = ".*, deadlock, .*", expect = FORBIDDEN,
        desc = "terminate sleeps on &u_nio and nobody wakes it (RE-7): bounded wait reported as a deadlock")
@Outcome(id = ".*, iosync, .*", expect = FORBIDDEN,
        desc = "the zombie keeps IOSYNC set: every later SYNCIO I/O would sleep for ever (RE-8)")
@Outcome(expect = FORBIDDEN, desc = "anything else: a broken invariant (named in r4) or an unexpected error")
@State
public class PageoutVsForceUnmount {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    volatile boolean termStarted, termDone;
    volatile Thread daemon;

    public PageoutVsForceUnmount() { this(UvmRoughEdges.fixed()); }

    public PageoutVsForceUnmount(UvmRoughEdges re) {
        l = UvmStressRig.world(re);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        UvmStressRig.dirtyPage(c, vp);
        l.sched.pauseHook = (point, uvn) -> {
            if (Thread.currentThread() != daemon) return;
            if (point.equals("io.unlocked")) {
                UvmStressRig.hold(() -> termStarted && !l.sched.waiters().isEmpty());
            } else if (point.equals("pageout.done")) {
                UvmStressRig.hold(() -> termDone);
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

    /** vgone of the in-use vnode: terminate with refs &gt; 0, then deadfs. */
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
        // read without the object lock: a terminate that panicked may still hold it (both actors are done)
        r.r3 = (vp.uvn.u_flags & UvmVnode.UVM_VNODE_IOSYNC) != 0 ? "iosync" : "-";
        r.r4 = UvmStressRig.invariants(l);
    }
}
