// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J13 of notes §7.3 (RE-12): the last {@code munmap} of a dirty writable mapping (the object
 * persists; the vnode's last reference goes, so it is on the free list with usecount 0) races
 * {@code sync(2)}.
 *
 * <p>The seed's {@code uvm_vnp_sync} takes every WRITEABLE object off {@code uvn_wlist} and
 * VREFs its vnode (L1965-1970) whatever its usecount: a vnode on the free list is revived
 * without being taken off it (the vref/vget DIAGNOSTIC of later kernels fires; getnewvnode
 * could recycle a vnode in use). FIXED: vget-style, a vnode with usecount 0 is skipped (its
 * pages were written when it persisted). Sync gives the unmap up to 2 ms to finish first.
 *
 * <p>r1 = the munmap ("ok" or what it threw); r2 = sync ("ok", or "panic" for the DIAGNOSTIC);
 * r3 = the layer's invariants at rest, and the vnode back on the free list with usecount 0
 * ("ok", the first broken clause, or "inuse").
 * The mutant {@code dev.bioref.uvm.mutants.PersistVsSync_Re12SyncVrefsFreeVnode} runs the seed's
 * vref.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.PersistVsSync$'</pre>
 */
@JCStressTest
@Outcome(id = "ok, ok, ok", expect = ACCEPTABLE,
        desc = "sync ran before the unmap (vnode in use), or skipped the free vnode; the vnode ends free")
@Outcome(id = ".*, panic, .*", expect = FORBIDDEN,
        desc = "sync VREF'd a vnode on the free list: 'vref used where vget required' (RE-12)")
@Outcome(id = ".*deadlock.*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: a broken invariant, a vnode left in use")
@State
public class PersistVsSync {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode vp;
    final UvmFaultClient.Mapping m;
    volatile boolean unmapped;

    public PersistVsSync() { this(UvmRoughEdges.fixed()); }

    public PersistVsSync(UvmRoughEdges re) {
        l = UvmStressRig.world(re);
        c = new UvmFaultClient(l);
        vp = l.vnode(0);
        m = UvmStressRig.dirtyPage(c, vp);
    }

    /** The last munmap: uvn_detach persists the object, the vnode's usecount drops to 0. */
    @Actor
    public void munmap(LLL_Result r) {
        try {
            c.munmap(m);
            r.r1 = "ok";
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        } finally {
            unmapped = true;
        }
    }

    /** sync(2): uvm_vnp_sync. */
    @Actor
    public void sync(LLL_Result r) {
        UvmStressRig.hold(() -> unmapped);
        try {
            c.sync();
            r.r2 = "ok";
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        }
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        String inv = UvmStressRig.invariants(l);
        r.r3 = !inv.equals("ok") ? inv : (vp.usecount() == 0 && vp.onFreeList() ? "ok" : "inuse");
    }
}
