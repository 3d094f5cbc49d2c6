// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.device.LincheckOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lincheck for the object lifecycle of one vnode (notes §7.2 target 1, "ObjectLifecycleFacade"):
 * mmap (uvn_attach), munmap (uvn_detach), uvm_vnp_uncache and the object's state, against
 * {@link UvnLifecycleSpec}.
 *
 * <p>Operations: {@link #attachRead}/{@link #attachWrite} (uvm_mmap: vget, uvn_attach, vrele);
 * {@link #detachOne} (uvn_detach of one of the two references the scenario starts with: they
 * come from an {@link AtomicInteger} pool, pre-seeded, so that the bookkeeping does not
 * serialize the object and the pool's decrement is the linearization point of a FALSE result;
 * a reference an attach adds is never dropped, since its "handle" would appear only after
 * attach returned); {@link #uncache} (under the vnode lock, as its callers hold it);
 * {@link #state} (VALID, CANPERSIST, WRITEABLE and refs read under the object lock).
 *
 * <p>Scope: every operation is linearizable; this class runs the FIXED port (the FAITHFUL one
 * takes the same paths here, and the model checker's cost on this machine, about 3 minutes at
 * 5x100, keeps it to one mode in {@code mvn verify}); the rough edges of these paths
 * (RE-1 needs GETATTR to race terminate or uncache's caller; RE-13's vrele under the object
 * lock sleeps only when VOP_INACTIVE does) are not reachable with a file that has no pages and
 * a vnode that is never recycled here: they are JCStress's and the port's deterministic tests'.
 * {@link #validate} runs the port's {@code checkInvariants()} after every scenario (O1-O8, O11,
 * G1-G7 and the recorded action properties).
 */
public abstract class AbstractUvnLifecycleLincheckTest {
    private final VnodeLayer l = newLayer(roughEdges());
    private final UvmFaultClient c = new UvmFaultClient(l);
    private final Vnode vp = l.vnode(0);
    private final AtomicInteger handles = new AtomicInteger(2);

    {   // the starting state of UvnLifecycleSpec: two mappings, one writable, both droppable
        c.mmap(vp, true);
        c.mmap(vp, false);
    }

    /** The rough-edge switches of the port under test. */
    protected abstract UvmRoughEdges roughEdges();

    private static VnodeLayer newLayer(UvmRoughEdges re) {
        VnodeLayer l = new VnodeLayer(re, 1, 2, 8, 2);
        l.sched.deadlockBoundNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        return l;
    }

    private boolean attach(boolean write) {
        return c.mmap(vp, write) != null;
    }

    @Operation
    public boolean attachRead() { return attach(false); }

    @Operation
    public boolean attachWrite() { return attach(true); }

    @Operation
    public boolean detachOne() {
        int h;
        do {
            h = handles.get();
            if (h == 0) return false;
        } while (!handles.compareAndSet(h, h - 1));
        vp.uvn.detach();
        return true;
    }

    @Operation
    public boolean uncache() {
        vp.vgetExternal();
        vp.vnLock();
        try {
            return vp.uvn.uncache();
        } finally {
            vp.vopUnlock();
            vp.vreleExternal();
        }
    }

    @Operation
    public String state() {
        UvmVnode u = vp.uvn;
        u.lock();
        try {
            int f = u.u_flags;           // one snapshot under the object lock (flags()/refs() lock it again)
            return ((f & UvmVnode.UVM_VNODE_VALID) != 0 ? "VALID" : "-")
                    + ((f & UvmVnode.UVM_VNODE_CANPERSIST) != 0 ? "|CANPERSIST" : "")
                    + ((f & UvmVnode.UVM_VNODE_WRITEABLE) != 0 ? "|WRITEABLE" : "")
                    + " refs=" + u.uo_refs;
        } finally {
            u.unlock();
        }
    }

    @Validate
    public void validate() { l.checkInvariants(); }

    @Test
    public void modelCheckingTest() {
        LincheckOptions.modelChecking(LincheckOptions.UVN_LIFECYCLE).sequentialSpecification(UvnLifecycleSpec.class).check(getClass());
    }

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.UVN_LIFECYCLE).sequentialSpecification(UvnLifecycleSpec.class).check(getClass());
    }
}
