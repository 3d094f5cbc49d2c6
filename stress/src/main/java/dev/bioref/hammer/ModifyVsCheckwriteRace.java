// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The race of {@link ModifyVsCheckwrite} (notes §7.4 J1, race R1 and §2.6 (2)), shared by the
 * test and its mutants, which differ only in the switches they turn on.
 */
public class ModifyVsCheckwriteRace {
    final HammerRig rig;
    /** Set by the frontend when it reaches regetblk inside modify (it holds a ref and modify_refs). */
    volatile boolean frontendAtReget;
    /** Set by the kernel when checkwrite has decided (read modify_refs/modified), before it acts. */
    volatile boolean kernelDecided;
    /** Every other sample lets the kernel decide first (see the constructor); the rest start freely. */
    private static final java.util.concurrent.atomic.AtomicInteger SAMPLES = new java.util.concurrent.atomic.AtomicInteger();
    final boolean kernelFirst = (SAMPLES.getAndIncrement() & 1) == 0;

    /**
     * Two blocking points widen the two windows of the race; each waits at most
     * {@link HammerRig#WINDOW_NANOS} and decides nothing:
     * <ul>
     * <li>the frontend, just before regetblk (holding a ref and modify_refs, the bp still the
     *     kernel's), waits for the kernel's attempt to end;
     * <li>the kernel, inside checkwrite between its read of modify_refs/modified and its act on
     *     them (io:L1345), waits for the frontend to reach regetblk. With the interlock guard
     *     the frontend cannot get there (it has no ref yet and sleeps in ref_interlock, or it
     *     had one and checkwrite refused), so the wait times out; without it, this is where a
     *     frontend's modify slips in between checkwrite's decision and its clear (finding F7).
     * </ul>
     * And in every other sample ({@link #kernelFirst}) the frontend, holding its ref but not yet
     * modify_refs, waits (also at most {@link HammerRig#WINDOW_NANOS}) for checkwrite to decide:
     * F7's window opens only when checkwrite reads modify_refs == 0 while the frontend already
     * holds a ref (before the ref, checkwrite's own interlock keeps the frontend out). With
     * whole-JVM configurations (-sc false, the default build) that order was rare enough that
     * the only-modify_refs-test mutant escaped three sanity runs in a row (session 3 CI). The
     * other half of the samples keeps the free interleavings.
     */
    public ModifyVsCheckwriteRace(HammerMutations m) {
        rig = new HammerRig(m, new HammerHooks() {
            @Override public void beforeReget(HammerIo io) {
                if (rig != null && rig.armed && io.type == HammerIoType.DATA_BUFFER) {
                    frontendAtReget = true;
                    HammerRig.blockUntil(() -> rig.kernelDone);
                }
            }

            @Override public void checkwriteDecided(HammerIo io, boolean clear) {
                if (rig != null && rig.armed && io.type == HammerIoType.DATA_BUFFER) {
                    kernelDecided = true;
                    HammerRig.blockUntil(() -> frontendAtReget || rig.otherDone);
                }
            }
        }).relDirty();
        rig.armed = true;
    }

    /** The frontend: modify the DATA buffer (X := 2) and release it. r4 = 1 if it finished without a panic. */
    public void frontend(IIII_Result r) {
        try {
            rig.frontendModify(b -> b.data()[HammerRig.X] = 2,
                    kernelFirst ? () -> HammerRig.blockUntil(() -> kernelDecided || rig.kernelDone) : null);
            r.r4 = 1;
        } catch (RuntimeException e) {
            r.r4 = 0;
        } finally {
            rig.otherDone = true;
        }
    }

    /** The buf daemon: one flushbufqueues visit of the bp. r1 = -1 skipped, 0 written, 1 refused. */
    public void kernel(IIII_Result r) {
        try {
            r.r1 = rig.bufDaemonVisit(rig.io().bp);
        } catch (RuntimeException e) {
            r.r1 = 9;
        } finally {
            rig.kernelDone = true;
        }
    }

    /** r2 = modified at the end; r3 = the invariant verdict (0 ok, 1 modification lost, 2 other). */
    public void arbiter(IIII_Result r) {
        r.r2 = rig.io().modified ? 1 : 0;
        r.r3 = rig.verdict();
    }
}
