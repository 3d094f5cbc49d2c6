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
 * J6 of notes §7.3 (RE-10): {@code msync} writes the file's last page (page 1 of 2) while a
 * truncate shrinks the file to one page.
 *
 * <p>The seed's {@code uvn_io} reads {@code u_size} without the object lock to clip the transfer
 * (L1623-1632), then takes the vnode lock and calls VOP_WRITE. A truncate that runs between the
 * two (it takes the vnode lock, sets the FS size, setsize, uncache; the busy page is only marked
 * RELEASED) is undone by the write: VOP_WRITE at offset PAGE_SIZE extends the file back to two
 * pages past the new EOF. FIXED: the length is re-clipped under the vnode lock. The msync holds
 * the window before {@code vn_lock} (pause point {@code io.beforeVnLock}) for up to 2 ms while
 * the truncate gets there.
 *
 * <p>r1 = msync's result ("true"/"false" or what it threw); r2 = the truncate ("ok" or what it
 * threw); r3 = the file's size at rest in pages; r4 = the layer's invariants.
 * The mutant {@code dev.bioref.uvm.mutants.SetsizeVsIo_Re10UnlockedSizeReadInIo} runs the seed's
 * unlocked read.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.SetsizeVsIo$'</pre>
 */
@JCStressTest
@Outcome(id = "(true|false), ok, 1, ok", expect = ACCEPTABLE,
        desc = "the file is one page at rest: the write was clipped, or ran before the truncate")
@Outcome(id = ".*, 2, .*", expect = FORBIDDEN,
        desc = "the write that raced the truncate grew the file back past the new EOF (RE-10)")
@Outcome(id = ".*deadlock.*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, a broken invariant")
@State
public class SetsizeVsIo {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    final UvmFaultClient.Mapping m;
    volatile Thread writer;
    volatile boolean truncDone;

    public SetsizeVsIo() { this(UvmRoughEdges.fixed()); }

    public SetsizeVsIo(UvmRoughEdges re) {
        l = UvmStressRig.world(re);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        int pg = UvmStressRig.PG;
        c.grow(vp, 2L * pg);
        m = c.mmap(vp, true);
        if (m == null) throw new IllegalStateException("mmap failed");
        int s = c.store(m, pg, new byte[] {10, 10, 10, 10});
        if (s != 0) throw new IllegalStateException("store failed: " + s);
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("io.beforeVnLock") && Thread.currentThread() == writer) UvmStressRig.hold(() -> truncDone);
        };
    }

    /** msync of page 1 (asynchronous flush CLEANIT): uvn_io writes it. */
    @Actor
    public void msync(LLLL_Result r) {
        writer = Thread.currentThread();
        try {
            r.r1 = Boolean.toString(c.msync(m, UvmStressRig.PG, 2L * UvmStressRig.PG, false));
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        }
    }

    /** ftruncate to one page. */
    @Actor
    public void truncate(LLLL_Result r) {
        try {
            c.truncate(vp, UvmStressRig.PG);
            r.r2 = "ok";
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        } finally {
            truncDone = true;
        }
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r3 = Long.toString((vp.fsSize() + UvmStressRig.PG - 1) / UvmStressRig.PG);
        r.r4 = UvmStressRig.invariants(l);
    }
}
