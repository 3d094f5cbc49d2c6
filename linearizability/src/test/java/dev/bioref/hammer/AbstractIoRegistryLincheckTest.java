// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import dev.bioref.device.LoopbackDevice;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

/**
 * Lincheck for the io registry (notes §7.3 target 3): the mod trees, the lose tree and
 * locked_dirty_space of {@link HammerMount}, which io_token guards, as the frontend, the
 * flusher and the kernel's bioops change them, on two ios (0: META, counted in
 * locked_dirty_space; 1: DATA) of a fresh mount per scenario (in-memory device, inline
 * completion).
 *
 * <p>Operations and their sequential specification ({@link IoRegistrySpec}: per io its tree,
 * modified, whether a bp is associated, whether the frontend holds its ref; plus the counter):
 * <ul>
 *   <li>{@link #reRef}{@code (k)} (frontend, fs_token): get_buffer's first half, the port's own
 *       order: {@code hammer_ref_interlock}, then {@link HammerMount#takeOffLoseTree} (under
 *       io_token), then the load (the io has a bp again) and {@code ref_interlock_done}. Returns
 *       false if the frontend already holds the io.</li>
 *   <li>{@link #relRef}{@code (k)} (frontend): {@code hammer_rel_interlock}/{@code _done}; the
 *       clean bp stays associated (release hands it to the kernel). False if not held.</li>
 *   <li>{@link #setModlist}{@code (k)} (frontend, holding its ref): {@link HammerIo#setModlist}
 *       (io:L1011) and modified = 1, as hammer_io_modify does (io:L799-802). False (nothing
 *       done) if the io is not held or already modified.</li>
 *   <li>{@link #clearModify}{@code (k)} (flusher, fs_token): a plain ref, {@link HammerIo#clearModify}
 *       (io:L923), rel, as the flush path does; the facade holds io_token around the three, so
 *       the kernel never sees the flusher's transient ref. In the seed it can: a deallocate
 *       during the flush is refused (B_LOCKED) although the io is clean and, once the flusher
 *       is done, unreferenced. That refusal is correct but not linearizable against an atomic
 *       clear (Lincheck found exactly this interleaving when the ref was outside io_token);
 *       the refused deallocate and its B_LOCKED debt are JCStress's (DeallocVsCheckwrite).</li>
 *   <li>{@link #deallocToLose}{@code (k)} (kernel, io_token only): hammer_io_deallocate's path
 *       for an associated, unreferenced, unmodified io (io:L1186-1227): try_interlock_norefs,
 *       disassociate, onto lose_root, put_interlock. Returns whether it disposed of the io
 *       (false: refs held, modified, or no bp). The facade writes this path out because the
 *       port's io_deallocate needs a real buffer; the tree and the interlock are the port's.</li>
 *   <li>{@link #cleanLoose} (flusher, fs_token): {@link HammerFlusher#cleanLooseIos} (fl:L494).</li>
 *   <li>{@link #lockedDirtySpace}, {@link #treeOf}{@code (k)} (io_token): the counter, and 0 none,
 *       1 lose, 2 meta, 3 data.</li>
 * </ul>
 *
 * <p>Scope: frontend ops are one {@code nonParallelGroup} (the facade's "held" flags are
 * confined to it), the flusher's are another, the kernel's a third (bioops run under io_token,
 * one at a time). What is checked is the registry: that every change of mod_root, the trees and
 * the counter is one atomic step under io_token and that get_buffer takes the io off the lose
 * tree only once its ref keeps the kernel away (finding F2 of proofs-notes/concurrency-hammer.md,
 * which {@link IoRegistryUnloseBeforeRef} reintroduces and Lincheck must reject). Not covered:
 * the bp itself (association is a flag here; the bp's states are JCStress's), write paths.
 */
public abstract class AbstractIoRegistryLincheckTest {
    static final int IOS = 2;
    static final long BYTES = HammerOndisk.BUFSIZE;
    private final HammerMount hmp;
    private final HammerBuffer[] ios = new HammerBuffer[IOS];
    private final boolean[] associated = new boolean[IOS];   // "has a bp": kernel and frontend, under io_token/interlock
    private final boolean[] held = new boolean[IOS];         // the frontend holds a ref; confined to the "frontend" group

    protected AbstractIoRegistryLincheckTest() {
        HammerOptions o = new HammerOptions();
        o.geometry = new HammerOndisk.Geometry(4, 1, 1, 0);
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        // two released, clean, unreferenced ios with a bp the kernel may reclaim (not in hmp.buffers)
        ios[0] = new HammerBuffer(hmp, HammerIoType.META_BUFFER, hmp.geometry.metaBase());
        ios[1] = new HammerBuffer(hmp, HammerIoType.DATA_BUFFER, hmp.geometry.dataBase());
        associated[0] = associated[1] = true;
    }

    /** False only in the refuted variant: get_buffer's pre-F2 order, lose removal before the ref. */
    protected boolean unloseAfterRef() { return true; }

    /* --------------- frontend (fs_token) --------------- */

    @Operation(nonParallelGroup = "frontend", blocking = true)
    public boolean reRef(@Param(gen = IntGen.class, conf = "0:1") int k) {
        if (held[k]) return false;
        HammerBuffer b = ios[k];
        hmp.fsToken.gettoken();
        try {
            if (!unloseAfterRef()) hmp.takeOffLoseTree(b);
            boolean mustLoad = b.lock.refInterlock();
            if (unloseAfterRef()) hmp.takeOffLoseTree(b);
            if (mustLoad) {
                associated[k] = true;        // hammer_io_read/new: the io has a bp again
                b.lock.refInterlockDone();
            }
            held[k] = true;
            return true;
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    @Operation(nonParallelGroup = "frontend", blocking = true)
    public boolean relRef(@Param(gen = IntGen.class, conf = "0:1") int k) {
        if (!held[k]) return false;
        HammerBuffer b = ios[k];
        hmp.fsToken.gettoken();
        try {
            if (b.lock.relInterlock()) b.lock.relInterlockDone();
            held[k] = false;
            return true;
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    @Operation(nonParallelGroup = "frontend", blocking = true)
    public boolean setModlist(@Param(gen = IntGen.class, conf = "0:1") int k) {
        if (!held[k]) return false;
        HammerBuffer b = ios[k];
        hmp.fsToken.gettoken();
        try {
            if (b.modified) return false;
            b.setModlist();
            b.modified = true;
            return true;
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /* --------------- flusher (fs_token) --------------- */

    @Operation(nonParallelGroup = "flusher", blocking = true)
    public void clearModify(@Param(gen = IntGen.class, conf = "0:1") int k) {
        HammerBuffer b = ios[k];
        hmp.fsToken.gettoken();
        hmp.ioToken.gettoken();      // the transient ref stays invisible to the kernel (see the scope note)
        try {
            b.lock.ref();
            b.clearModify(false);
            b.lock.rel();
        } finally {
            hmp.ioToken.reltoken();
            hmp.fsToken.reltoken();
        }
    }

    @Operation(nonParallelGroup = "flusher", blocking = true)
    public void cleanLoose() {
        hmp.fsToken.gettoken();
        try {
            hmp.flusher.cleanLooseIos();
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /* --------------- kernel (io_token) --------------- */

    @Operation(nonParallelGroup = "kernel", blocking = true)
    public boolean deallocToLose(@Param(gen = IntGen.class, conf = "0:1") int k) {
        HammerBuffer b = ios[k];
        hmp.ioToken.gettoken();
        try {
            if (!associated[k]) return false;                  // no bp: the kernel cannot reach it
            if (!b.lock.tryInterlockNorefs()) return false;    // refs held: B_LOCKED (io:L1197-1202)
            if (b.modified) {                                  // io:L1203-1208
                b.lock.putInterlock(0);
                return false;
            }
            associated[k] = false;                             // hammer_io_disassociate (io:L1215)
            dev.bioref.kern.Panic.KKASSERT(b.modRoot == null, () -> "hammer_io_deallocate: io on a mod tree " + b);
            b.modRoot = hmp.loseRoot;                          // io:L1219-1227
            if (!hmp.loseRoot.insert(b)) throw new dev.bioref.kern.Panic("hammer_io_deallocate: duplicate on the lose tree " + b);
            b.lock.putInterlock(1);
            return true;
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    /* --------------- inspection (io_token) --------------- */

    @Operation(blocking = true)
    public long lockedDirtySpace() {
        hmp.ioToken.gettoken();
        try {
            return hmp.lockedDirtySpace;
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    @Operation(blocking = true)
    public int treeOf(@Param(gen = IntGen.class, conf = "0:1") int k) {
        hmp.ioToken.gettoken();
        try {
            HammerModTree t = ios[k].modRoot;
            if (t == null) return 0;
            if (t == hmp.loseRoot) return t.contains(ios[k]) ? 1 : -1;
            if (t == hmp.metaRoot) return t.contains(ios[k]) ? 2 : -2;
            if (t == hmp.dataRoot) return t.contains(ios[k]) ? 3 : -3;
            return -9;
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    /* --------------- the two modes --------------- */

    static ModelCheckingOptions modelChecking(LincheckOptions.Budget budget) {
        return LincheckOptions.modelChecking(budget)
                .addGuarantee(forClasses(AbstractUndoFifoLincheckTest::ioStack).allMethods().ignore());
    }

    @Test
    public void modelCheckingTest() {
        modelChecking(LincheckOptions.IO_REGISTRY).sequentialSpecification(IoRegistrySpec.class).check(getClass());
    }

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.IO_REGISTRY).sequentialSpecification(IoRegistrySpec.class).check(getClass());
    }
}
