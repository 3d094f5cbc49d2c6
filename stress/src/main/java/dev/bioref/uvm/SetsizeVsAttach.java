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
 * J10 of notes §7.3 (RE-1, the attach window): the first {@code mmap} of a file attaches its
 * object, and {@code uvn_attach} sets ALOCK, unlocks and sleeps in VOP_GETATTR (L238-241);
 * meanwhile the file system grows the file and calls {@code uvm_vnp_setsize}.
 *
 * <p>The seed's setsize tests only VALID (L1884), which ALOCK does not have, so it returns
 * without a word; attach then stores the size GETATTR read before the grow (L277): the object's
 * {@code u_size} stays below the file's size for good, and the pages past it are never paged in
 * (uvn_get would treat them as past EOF). FIXED: setsize sleeps on the object while ALOCK and
 * applies the new size after attach finished. The attacher holds the GETATTR window (pause
 * point {@code attach.getattr}) for up to 2 ms while the grower gets there.
 *
 * <p>r1 = the mmap ("ok", "null" if attach failed, or what it threw); r2 = the grow ("ok" or
 * what it threw); r3 = "same" if the object's u_size equals the file's size at rest, else
 * "stale"; r4 = the layer's invariants ("ok" or the first broken clause).
 * The mutant {@code dev.bioref.uvm.mutants.SetsizeVsAttach_Re1AttachWindowIgnored} runs the
 * seed's setsize.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.SetsizeVsAttach$'</pre>
 */
@JCStressTest
@Outcome(id = "ok, ok, same, ok", expect = ACCEPTABLE,
        desc = "setsize ran before the attach, after it, or waited for it: u_size is the file's size")
@Outcome(id = ".*, stale, .*", expect = FORBIDDEN,
        desc = "setsize during GETATTR was dropped: u_size keeps GETATTR's old size (RE-1)")
@Outcome(id = ".*deadlock.*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: attach failed, a panic, a broken invariant")
@State
public class SetsizeVsAttach {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    volatile Thread attacher, grower;
    volatile boolean growDone;

    public SetsizeVsAttach() { this(UvmRoughEdges.fixed()); }

    public SetsizeVsAttach(UvmRoughEdges re) {
        l = UvmStressRig.world(re);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        c.grow(vp, UvmStressRig.PG);                        // the object is not attached yet: the FS size only
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("attach.getattr") && Thread.currentThread() == attacher) {
                UvmStressRig.hold(() -> growDone || (grower != null && !l.sched.waiters().isEmpty()));
            }
        };
    }

    /** mmap(PROT_WRITE) of the file: uvn_attach. */
    @Actor
    public void attach(LLLL_Result r) {
        attacher = Thread.currentThread();
        try {
            r.r1 = c.mmap(vp, true) == null ? "null" : "ok";
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        }
    }

    /** The file system grows the file to 3 pages: VOP size change, then uvm_vnp_setsize. */
    @Actor
    public void grow(LLLL_Result r) {
        grower = Thread.currentThread();
        try {
            c.grow(vp, 3L * UvmStressRig.PG);
            r.r2 = "ok";
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        } finally {
            growDone = true;
        }
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r3 = vp.uvn.size() == vp.fsSize() ? "same" : "stale";
        r.r4 = UvmStressRig.invariants(l);
    }
}
