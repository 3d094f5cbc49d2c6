// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Lincheck for the modify gate of {@link HammerIo} (notes §7.3 target 5): {@code modify_refs}
 * as an integer semaphore between modifiers ({@code hammer_io_modify}/{@code modify_done}) and
 * the flusher's write interlock ({@code write_interlock}/{@code done_interlock}), through
 * non-blocking try-variants so that every operation terminates in the sequential spec.
 *
 * <p>Operations and their sequential specification ({@link ModifyGateSpec}, an integer m):
 * <ul>
 *   <li>{@link #tryBeginModify}: fails (false) if m &lt; 0 (the interlock is held; the real
 *       modify would sleep); otherwise m += 1 and true. Facade: under fs_token, check
 *       {@code modify_refs >= 0}, then the port's {@link HammerIo#modify}(1).</li>
 *   <li>{@link #endModify}: m -= 1 ({@link HammerIo#modifyDone}); -1 if the modifier role holds
 *       no open modify.</li>
 *   <li>{@link #tryWriteInterlock}: succeeds iff m == 0, then m = -1. Facade: under fs_token,
 *       check {@code modify_refs == 0}, then the port's {@link HammerIo#writeInterlock}.</li>
 *   <li>{@link #doneInterlock}: m = 0 ({@link HammerIo#doneInterlock}); false if the flusher role
 *       does not hold the interlock.</li>
 *   <li>{@link #modRefs}: m.</li>
 * </ul>
 *
 * <p>Scope: the io is OWNED-DIRTY (HAMMER holds the bp, modified is set), so modify takes its
 * shortcut and never regets; the bp-ownership half of modify is JCStress's (ModifyVsCheckwrite).
 * The modifier ops and the flusher ops are each a {@code nonParallelGroup} (one thread per
 * role), which keeps the facade's "do I hold it" bookkeeping thread-confined and every
 * modify_done/done_interlock paired as the seed's callers pair them. Every caller holds
 * fs_token, as HAMMER's do: fs_token (released only when a holder sleeps) is what makes the
 * check-then-call of the try-variants atomic, and Lincheck checks that the port's token and
 * io_token use in modify/write_interlock keeps the gate a semaphore. The blocking variants
 * (modify sleeping on a held interlock, write_interlock sleeping on modifiers) are the JCStress
 * test ModifyDoneVsWriteInterlock's.
 */
public abstract class AbstractModifyGateLincheckTest {
    private final HammerIo io = newOwnedDirtyIo();
    private int openModifies;         // confined to the "modifier" group's thread
    private boolean interlockHeld;    // confined to the "flusher" group's thread

    /** A fresh OWNED-DIRTY io (refs 1, bp held by HAMMER, modified, modify_refs 0). */
    protected abstract HammerIo newOwnedDirtyIo();

    private HammerMount hmp() { return io.hmp; }

    /** True (the default): every caller holds fs_token, as HAMMER's do. */
    protected boolean callersHoldFsToken() { return true; }

    /* --------------- hammer_io_modify / modify_done --------------- */

    @Operation(nonParallelGroup = "modifier")
    public boolean tryBeginModify() {
        if (callersHoldFsToken()) hmp().fsToken.gettoken();
        try {
            if (io.modifyRefs < 0) return false;
            io.modify(1);
            openModifies++;
            return true;
        } finally {
            if (callersHoldFsToken()) hmp().fsToken.reltoken();
        }
    }

    @Operation(nonParallelGroup = "modifier")
    public int endModify() {
        if (openModifies == 0) return -1;
        if (callersHoldFsToken()) hmp().fsToken.gettoken();
        try {
            io.modifyDone();
            openModifies--;
            return 0;
        } finally {
            if (callersHoldFsToken()) hmp().fsToken.reltoken();
        }
    }

    /* --------------- hammer_io_write_interlock / done_interlock --------------- */

    @Operation(nonParallelGroup = "flusher")
    public boolean tryWriteInterlock() {
        if (interlockHeld) return false;
        if (callersHoldFsToken()) hmp().fsToken.gettoken();
        try {
            if (io.modifyRefs != 0) return false;
            io.writeInterlock();
            interlockHeld = true;
            return true;
        } finally {
            if (callersHoldFsToken()) hmp().fsToken.reltoken();
        }
    }

    @Operation(nonParallelGroup = "flusher")
    public boolean doneInterlock() {
        if (!interlockHeld) return false;
        if (callersHoldFsToken()) hmp().fsToken.gettoken();
        try {
            io.doneInterlock();
            interlockHeld = false;
            return true;
        } finally {
            if (callersHoldFsToken()) hmp().fsToken.reltoken();
        }
    }

    /* --------------- inspection --------------- */

    @Operation
    public int modRefs() { return io.modifyRefs; }

    /* --------------- the two modes --------------- */

    @Test
    public void modelCheckingTest() {
        LincheckOptions.modelChecking(LincheckOptions.MODIFY_GATE).sequentialSpecification(ModifyGateSpec.class).check(getClass());
    }

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.MODIFY_GATE).sequentialSpecification(ModifyGateSpec.class).check(getClass());
    }
}
