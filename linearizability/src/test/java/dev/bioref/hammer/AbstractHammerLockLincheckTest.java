// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import dev.bioref.kern.Token;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Lincheck for the refs/interlock word of {@link HammerLock} (notes §7.3 target 1): one
 * {@code @Operation} per way the I/O layer uses the word, named after the seed call it wraps,
 * and the two tests every Lincheck class here has, model checking and stress.
 *
 * <p>Operations and their sequential specification ({@link HammerLockSpec}, a counter plus the
 * CHECK bit):
 * <ul>
 *   <li>{@link #refAndMaybeLoad}: {@code hammer_ref_interlock}, then {@code ref_interlock_done}
 *       if it returned true. Returns 1 ("this thread loaded") iff the refs were 0 or CHECK was
 *       set, and clears CHECK; 0 otherwise; -1 (nothing called) while the frontend is still
 *       disposing.</li>
 *   <li>{@link #relAndMaybeUnload}: {@code hammer_rel_interlock}. Returns -1 when the frontend
 *       holds no ref (nothing is called), 0 for an N→N-1 drop, 1 for the 1→0 drop, after which
 *       the frontend holds the interlock ("disposing", where hammer_io_release runs) until
 *       {@link #unloadDone} ({@code rel_interlock_done}). The disposal window is a state of its
 *       own because a bioops callback during it must fail to interlock although the refs are 0
 *       (it then sets B_LOCKED, and release pays that debt): Lincheck found this window at
 *       once when the unload was one operation.</li>
 *   <li>{@link #plainRef}/{@link #plainRel}: {@code hammer_ref}/{@code hammer_rel}, the
 *       flusher's non-blocking ref. A 0→1 plain ref sets CHECK, so the next ref_interlock
 *       loads; the 1→0 plain rel clears it.</li>
 *   <li>{@link #kernelProbe}: a bioops callback's {@code hammer_try_interlock_norefs} and, if
 *       it won, {@code hammer_put_interlock(1)}. Succeeds iff the refs are 0 and nobody is
 *       disposing.</li>
 *   <li>{@link #refs}: the ref count without the flags.</li>
 * </ul>
 *
 * <p>Callers hold tokens as HAMMER's do: the frontend and the flusher hold fs_token (released
 * while one sleeps on the interlock), a bioops callback holds io_token. Checked with the tokens
 * ({@link HammerLockLincheckTest}) and without ({@link HammerLockWithoutTokensLincheckTest}); both
 * found a port bug, since fixed (proofs-notes/concurrency-hammer.md, F1).
 * {@link HammerLockNaiveSpecRefutedTest} proves the harness and spec reject a wrong answer.
 *
 * <p>Scope: refs are owned by roles, not by the word. The frontend's ref_interlock/rel_interlock
 * pair and the flusher's plain ref/rel are each a {@code nonParallelGroup}, so each group runs
 * on one thread and the per-role "refs held" counter (the facade's bookkeeping, which keeps
 * every rel paired with a ref as the seed's callers do) is confined to it. The kernel probe is
 * a group of its own because every bioops callback runs under io_token, so two probes never
 * overlap in the seed: without the group Lincheck rejects the word at once (two overlapping
 * probes, one sees the other's transient LOCKED bit and fails although the refs are 0; a
 * finding recorded in proofs-notes/concurrency-hammer.md). The ref count runs on any thread. The ops that take the interlock release it before they
 * return, so no scenario leaves the interlock held. Not covered: the lockval half
 * ({@code lockEx}/{@code lockSh}), whose owner checks need thread identity the spec cannot see.
 */
public abstract class AbstractHammerLockLincheckTest {
    private final HammerLock lock = new HammerLock();
    private final Token fsToken = new Token("lincheck.fs_token");
    private final Token ioToken = new Token("lincheck.io_token");
    private int frontendHeld;   // refs the frontend role holds; confined to the "frontend" group's thread
    private boolean disposing;  // the frontend holds the interlock after its 1→0 rel; same thread
    private int flusherHeld;    // plain refs the flusher role holds; confined to the "flusher" group's thread

    /* --------------- hammer_subs.c, as the I/O layer calls it --------------- */

    @Operation(nonParallelGroup = "frontend", blocking = true)
    public int refAndMaybeLoad() {
        if (disposing) return -1;
        return underTokens(() -> {
            boolean load = lock.refInterlock();
            if (load) lock.refInterlockDone();
            frontendHeld++;
            return load ? 1 : 0;
        });
    }

    @Operation(nonParallelGroup = "frontend", blocking = true)
    public int relAndMaybeUnload() {
        if (frontendHeld == 0) return -1;
        frontendHeld--;
        return underTokens(() -> {
            boolean last = lock.relInterlock();
            disposing = last;
            return last ? 1 : 0;
        });
    }

    @Operation(nonParallelGroup = "frontend")
    public boolean unloadDone() {
        if (!disposing) return false;
        return underTokens(() -> {
            lock.relInterlockDone();
            disposing = false;
            return true;
        });
    }

    @Operation(nonParallelGroup = "flusher")
    public void plainRef() {
        underTokens(() -> {
            lock.ref();
            flusherHeld++;
            return null;
        });
    }

    @Operation(nonParallelGroup = "flusher")
    public boolean plainRel() {
        if (flusherHeld == 0) return false;
        flusherHeld--;
        return underTokens(() -> {
            lock.rel();
            return true;
        });
    }

    @Operation(nonParallelGroup = "kernel")
    public boolean kernelProbe() {
        if (!callersHoldTokens()) return probe();
        ioToken.gettoken();
        try {
            return probe();
        } finally {
            ioToken.reltoken();
        }
    }

    private boolean probe() {
        if (!lock.tryInterlockNorefs()) return false;
        lock.putInterlock(1);
        return true;
    }

    @Operation
    public int refs() {
        return lock.refCount();
    }

    /**
     * True (the default): every frontend and flusher call holds fs_token and every kernel probe
     * io_token, as in HAMMER. False: the bare word, checked against the same spec.
     */
    protected boolean callersHoldTokens() { return true; }

    private <T> T underTokens(java.util.function.Supplier<T> op) {
        if (!callersHoldTokens()) return op.get();
        fsToken.gettoken();
        try {
            return op.get();
        } finally {
            fsToken.reltoken();
        }
    }

    /** The sequential specification the concurrent runs are checked against. */
    protected Class<?> sequentialSpecification() { return HammerLockSpec.class; }

    /* --------------- the two modes --------------- */

    @Test
    public void modelCheckingTest() {
        LincheckOptions.modelChecking(LincheckOptions.HAMMER_LOCK).sequentialSpecification(sequentialSpecification()).check(getClass());
    }

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.HAMMER_LOCK).sequentialSpecification(sequentialSpecification()).check(getClass());
    }
}
