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
 * J7 of notes §7.3 (RE-11, [MP]): {@code uvm_vnp_sync} unlinks a persisting object from
 * {@code uvn_wlist} while an attach(write) of another file inserts at the list's head.
 *
 * <p>File a was mapped writable and unmapped (it persists, still WRITEABLE, and an open file
 * keeps its vnode in use); file b is mapped writable; the list is head → a → b. Sync's step 3
 * finds a clean and unlinks it; the seed does that without {@code uvn_wl_lock} (L2010-2013), and
 * the port splits LIST_REMOVE as the C macro does (pause point {@code wlist.remove}, after
 * {@code a.next.prev = a.prev}, before {@code *a.prev = a.next}). An insert of c at the head in
 * between is overwritten: c is WRITEABLE but not on the list, so no later sync writes it
 * ({@code UvnWlistMatchesWriteableInv}). FIXED: sync takes uvn_wl_lock. Sync holds the window
 * for up to 2 ms while the mmap of c gets there.
 *
 * <p>r1 = sync ("ok" or what it threw); r2 = the mmap of c ("ok", "null", or what it threw);
 * r3 = the layer's invariants at rest ("ok" or the first broken clause).
 * The mutant {@code dev.bioref.uvm.mutants.SyncUnlinkVsAttachInsert_Re11SyncUnlinksWithoutWlLock}
 * runs the seed's unlink.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -t '^dev.bioref.uvm.SyncUnlinkVsAttachInsert$'</pre>
 */
@JCStressTest
@Outcome(id = "ok, ok, ok", expect = ACCEPTABLE,
        desc = "the insert went before or after the unlink: every WRITEABLE object is on the list once")
@Outcome(id = ".*, UvnWlistMatchesWriteableInv", expect = FORBIDDEN,
        desc = "the unlocked unlink overwrote the head: the inserted object is lost from uvn_wlist (RE-11)")
@Outcome(id = ".*deadlock.*", expect = FORBIDDEN,
        desc = "a wait passed the bound: a hang, reported as a deadlock")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, another broken invariant")
@State
public class SyncUnlinkVsAttachInsert {
    final VnodeLayer l;
    final UvmFaultClient c;
    final Vnode a, b, cc;
    volatile Thread syncer;
    volatile boolean mmapDone;

    public SyncUnlinkVsAttachInsert() { this(UvmRoughEdges.fixed()); }

    public SyncUnlinkVsAttachInsert(UvmRoughEdges re) {
        l = UvmStressRig.world(re, 3);
        c = new UvmFaultClient(l);
        a = l.vnode(0);
        b = l.vnode(1);
        cc = l.vnode(2);
        for (Vnode v : new Vnode[] {a, b, cc}) c.grow(v, UvmStressRig.PG);
        if (c.mmap(b, true) == null) throw new IllegalStateException("mmap of b failed");
        UvmFaultClient.Mapping ma = c.mmap(a, true);       // uvn_wlist: head -> a -> b
        if (ma == null) throw new IllegalStateException("mmap of a failed");
        a.vgetExternal();                                   // an open file: usecount stays > 0 (RE-12 is J13's)
        c.munmap(ma);                                       // a persists, still WRITEABLE, clean
        l.sched.pauseHook = (point, uvn) -> {
            if (point.equals("wlist.remove") && uvn == a.uvn && Thread.currentThread() == syncer) {
                UvmStressRig.hold(() -> mmapDone);
            }
        };
    }

    /** sync(2): uvm_vnp_sync of every mount. */
    @Actor
    public void sync(LLL_Result r) {
        syncer = Thread.currentThread();
        try {
            c.sync();
            r.r1 = "ok";
        } catch (Throwable t) {
            r.r1 = UvmStressRig.thrown(t);
        }
    }

    /** mmap(PROT_WRITE) of file c: its attach inserts it at the head of uvn_wlist. */
    @Actor
    public void mmap(LLL_Result r) {
        try {
            r.r2 = c.mmap(cc, true) == null ? "null" : "ok";
        } catch (Throwable t) {
            r.r2 = UvmStressRig.thrown(t);
        } finally {
            mmapDone = true;
        }
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = UvmStressRig.invariants(l);
    }
}
