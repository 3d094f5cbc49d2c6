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
 * J4 of notes §7.3 (ReleasepgVsFlush): a read fault owns page 0 busy (its slow get read it; the
 * fault routine holds it with the object unlocked) while a truncate to 0 flushes the file's
 * pages with FREE.
 *
 * <p>The seed's guards, both kept in both modes: flush marks a busy page RELEASED instead of
 * freeing it under its owner (L975-977), and the owner, when it relocks, frees a RELEASED page
 * through {@code uvn_releasepg} instead of unbusying it (the fault's RELEASED check, like the
 * flush's at L1136-1141). Without the first the page is freed while its owner still uses it
 * ({@code PgBusyHasOwnerInv}); without the second a RELEASED page is left unbusy in the object
 * ({@code PgReleasedImpliesBusyInv}) past the new EOF. The fault holds its busy page for up to 2 ms
 * while the truncate gets there.
 *
 * <p>r1 = the fault's result (0 OK, 1 error: the page was released) or what it threw; r2 = the
 * truncate ("ok" or what it threw); r3 = the first action property the port recorded, or "-";
 * r4 = the layer's invariants at rest ("ok" or the first broken clause).
 * The mutants {@code dev.bioref.uvm.mutants.FaultVsFlushFree_FlushFreesBusy} and
 * {@code FaultVsFlushFree_OwnerIgnoresReleased} remove one guard each ({@link UvmGuards}).
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.FaultVsFlushFree$'</pre>
 */
@JCStressTest
@Outcome(id = "-?\\d+, ok, -, ok", expect = ACCEPTABLE,
        desc = "the page was faulted in before or after the truncate, or released by its owner")
@Outcome(id = ".*, PgBusyHasOwnerInv, .*", expect = FORBIDDEN,
        desc = "the flush freed the fault's busy page under it (guard flushFreesBusy removed)")
@Outcome(id = ".*, PgReleasedImpliesBusyInv", expect = FORBIDDEN,
        desc = "the fault unbusied a RELEASED page instead of freeing it (guard ownerIgnoresReleased removed)")
@Outcome(id = ".*deadlock.*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, another broken invariant")
@State
public class FaultVsFlushFree {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    final UvmFaultClient.Mapping m;
    volatile Thread faulter;
    volatile boolean truncDone;

    public FaultVsFlushFree() { this(UvmRoughEdges.fixed(), null); }

    /** {@code guard}: the {@link UvmGuards} switch to turn on, or null. */
    public FaultVsFlushFree(UvmRoughEdges re, String guard) {
        l = UvmStressRig.world(re);
        if (guard != null) l.guards.with(guard, true);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        c.grow(vp, UvmStressRig.PG);
        m = c.mmap(vp, false);
        if (m == null) throw new IllegalStateException("mmap failed");
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("fault.busy") && Thread.currentThread() == faulter) UvmStressRig.hold(() -> truncDone);
        };
    }

    /** A read fault on page 0 (not resident: the slow get reads it). */
    @Actor
    public void fault(LLLL_Result r) {
        faulter = Thread.currentThread();
        try {
            r.r1 = Integer.toString(c.fault(m, 0, false));
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        }
    }

    /** ftruncate to 0: setsize flushes every page with FREE. */
    @Actor
    public void truncate(LLLL_Result r) {
        try {
            c.truncate(vp, 0);
            r.r2 = "ok";
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        } finally {
            truncDone = true;
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
