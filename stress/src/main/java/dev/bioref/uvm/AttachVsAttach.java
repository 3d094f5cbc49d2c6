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
 * J2 of notes §7.3 (AttachVsAttach): two read mmaps of an unattached file; the first attach
 * sets ALOCK and sleeps in VOP_GETATTR (L238-241) while the second arrives.
 *
 * <p>The seed's guard, kept in both modes: attach sleeps while any BLOCKED bit (ALOCK, DYING,
 * RELKILL) is set (L188-195), then finds the object VALID and only adds a reference. Without it
 * ({@link UvmGuards#attachIgnoresBlocked}) both attaches initialise the object: one reference
 * for two mappings, the uvn's VREF taken twice. The first attacher holds the GETATTR window for up
 * to 2 ms while the second gets there.
 *
 * <p>r1, r2 = the two mmaps ("ok", "null", or what they threw); r3 = the object's references at
 * rest; r4 = the layer's invariants at rest ("ok" or the first broken clause).
 * The mutant {@code dev.bioref.uvm.mutants.AttachVsAttach_AttachIgnoresBlocked} removes the guard.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.AttachVsAttach$'</pre>
 */
@JCStressTest
@Outcome(id = "ok, ok, 2, ok", expect = ACCEPTABLE,
        desc = "one attach initialised the object, the other waited or came after: two references")
@Outcome(id = "ok, ok, 1, .*", expect = FORBIDDEN,
        desc = "both attaches initialised the object: one reference for two mappings (guard attachIgnoresBlocked removed)")
@Outcome(id = ".*deadlock.*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: an attach failed, a panic, a broken invariant")
@State
public class AttachVsAttach {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    volatile Thread first;
    volatile boolean secondStarted, secondDone;

    public AttachVsAttach() { this(UvmRoughEdges.fixed(), null); }

    /** {@code guard}: the {@link UvmGuards} switch to turn on, or null. */
    public AttachVsAttach(UvmRoughEdges re, String guard) {
        l = UvmStressRig.world(re);
        if (guard != null) l.guards.with(guard, true);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        c.grow(vp, UvmStressRig.PG);
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("attach.getattr")) {
                if (first == null) first = Thread.currentThread();     // whichever attach got ALOCK first
                if (Thread.currentThread() == first) {
                    UvmStressRig.hold(() -> secondDone || (secondStarted && !l.sched.waiters().isEmpty()));
                }
            }
        };
    }

    @Actor
    public void mmap1(LLLL_Result r) { r.r1 = attach(); }

    @Actor
    public void mmap2(LLLL_Result r) { r.r2 = attach(); }

    private String attach() {
        boolean mine = false;
        synchronized (this) {
            if (!secondStarted && first != null) { secondStarted = true; mine = true; }
        }
        try {
            return c.mmap(vp, false) == null ? "null" : "ok";
        } catch (Throwable t) {
            return UvmStressRig.thrown(t);
        } finally {
            if (mine) secondDone = true;
        }
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r3 = Integer.toString(vp.uvn.uo_refs);
        r.r4 = UvmStressRig.invariants(l);
    }
}
