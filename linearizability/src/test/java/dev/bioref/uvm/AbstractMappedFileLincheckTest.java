// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * Lincheck's "MappedFileFacade" (notes §7.2 target 2), cut to the byte the notes' RE-5 witness
 * uses: a two-page file mapped writable; {@link #write} stores one byte at offset 4500 through the
 * mapping (a write fault, then the store), {@link #read} loads it, {@link #truncate} is
 * {@code ftruncate(5000)} (FS size, {@code uvm_vnp_setsize}, {@code uvm_vnp_uncache}). Against
 * {@link MappedFileSpec} every history is linearizable when truncate keeps the bytes below the
 * new EOF. The seed's setsize frees from {@code trunc_page(5000)} = 4096 (RE-5): a dirty page 1
 * is freed with the byte at 4500 unwritten, and the next read faults the old byte back in. The
 * FIXED port must pass ({@link MappedFileFixedLincheckTest}); the FAITHFUL one must be refuted
 * ({@link MappedFileFaithfulRefutedTest}). {@link #validate} runs the port's
 * {@code checkInvariants()}, which rethrows the recorded {@code PagerNoSilentLossInv} too.
 */
public abstract class AbstractMappedFileLincheckTest {
    static final int OFF = 4500;
    static final int EOF = 5000;
    private final VnodeLayer l = newLayer(roughEdges());
    private final UvmFaultClient c = new UvmFaultClient(l);
    private final Vnode vp = l.vnode(0);
    private final UvmFaultClient.Mapping m;

    {
        c.grow(vp, 2L * VmPage.PAGE_SIZE);
        m = c.mmap(vp, true);
        if (m == null) throw new IllegalStateException("mmap of vnode 0 failed");
    }

    /** The rough-edge switches of the port under test. */
    protected abstract UvmRoughEdges roughEdges();

    private static VnodeLayer newLayer(UvmRoughEdges re) {
        VnodeLayer l = new VnodeLayer(re, 1, 2, 8, 2);
        l.sched.deadlockBoundNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        return l;
    }

    /** A store of {@code v} at 4500 through the writable mapping. */
    @Operation
    public void write(@Param(gen = IntGen.class, conf = "1:3") int v) {
        int r = c.store(m, OFF, new byte[] {(byte) v});
        if (r != 0) throw new IllegalStateException("store at " + OFF + " failed: " + r);
    }

    /** A load of the byte at 4500. */
    @Operation
    public int read() {
        int[] err = {0};
        byte[] got = c.load(m, OFF, 1, err);
        if (err[0] != 0) throw new IllegalStateException("load at " + OFF + " failed: " + err[0]);
        return got[0];
    }

    /** ftruncate(5000). */
    @Operation
    public void truncate() { c.truncate(vp, EOF); }

    @Validate
    public void validate() { l.checkInvariants(); }
}
