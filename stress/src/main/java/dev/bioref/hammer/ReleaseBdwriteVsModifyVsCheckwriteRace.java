// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.BufCache;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The race of {@link ReleaseBdwriteVsModifyVsCheckwrite} (notes §7.4 J2), shared by the test and
 * its mutant, which differ only in the switches they turn on.
 *
 * <p>Three parties on two CPUs: JCStress skips a test with more actors than CPUs (the runner
 * guard {@code dev.bioref.stress.EveryTestRan} now fails the build on that), so the releaser and
 * the frontend are the actors and the buf daemon is a thread the releaser starts as its first
 * step and the arbiter joins.
 */
public class ReleaseBdwriteVsModifyVsCheckwriteRace {
    /** How long the arbiter waits for the daemon thread before calling it hung. */
    static final long JOIN_MILLIS = 2_000;

    final HammerRig rig;
    /** Set by the frontend when it reaches regetblk inside modify (it holds a ref and modify_refs). */
    volatile boolean frontendAtReget;
    /** Set by the releaser once its rel_buffer returned (or panicked). */
    volatile boolean releaserDone;
    /** Set by the checkwrite hook if checkwrite ever decided on an io HAMMER still owns (released == 0). */
    volatile boolean checkwriteOnOwned;
    /** The daemon's verdict: -1 every visit skipped, 0 written, 1 refused, 9 panicked. */
    volatile int daemonResult = Integer.MIN_VALUE;
    Thread daemon;
    /** r4 bits of the two actors: 1 releaser finished, 2 frontend finished, without a panic. */
    volatile int releaserOk, frontendOk;

    /**
     * The blocking points of {@link ModifyVsCheckwriteRace}, each ≤ {@link HammerRig#WINDOW_NANOS},
     * deciding nothing: the frontend waits before regetblk for the daemon's attempt; checkwrite
     * waits between its decision and its act for the frontend to reach regetblk (or finish).
     * The checkwrite hook also records a decision on an io whose bp HAMMER still owns.
     */
    public ReleaseBdwriteVsModifyVsCheckwriteRace(HammerMutations m) {
        rig = new HammerRig(m, new HammerHooks() {
            @Override public void beforeReget(HammerIo io) {
                if (rig != null && rig.armed && io.type == HammerIoType.DATA_BUFFER) {
                    frontendAtReget = true;
                    HammerRig.blockUntil(() -> rig.kernelDone);
                }
            }

            @Override public void checkwriteDecided(HammerIo io, boolean clear) {
                if (rig != null && rig.armed && io.type == HammerIoType.DATA_BUFFER) {
                    if (!io.released) checkwriteOnOwned = true;
                    HammerRig.blockUntil(() -> frontendAtReget || rig.otherDone);
                }
            }
        }).relDirty();
        ownedDirty();
        rig.armed = true;
    }

    /**
     * OWNED-DIRTY DATA with the releaser's one ref: from REL-DIRTY, get_buffer, modify(1)
     * (regetblk: HAMMER owns the bp again, released 0), X := 1, modify_done; no rel.
     */
    private void ownedDirty() {
        HammerMount hmp = rig.hmp;
        hmp.fsToken.gettoken();
        try {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, rig.dataOffset, false);
            b.modify(1);
            b.data()[HammerRig.X] = 1;
            b.modifyDone();
            if (!(b.modified && !b.released && b.lock.refCount() == 1 && b == rig.io())) {
                throw new IllegalStateException("ReleaseBdwriteVsModifyVsCheckwrite: could not build OWNED-DIRTY: " + b);
            }
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /**
     * The buf daemon (notes' A2), on its own thread: visits the DATA bp (flushbufqueues' own
     * per-buffer step) until a visit is not skipped, i.e. it found the unlocked delayed write
     * and asked io_checkwrite, or until both actors are done and one last visit was made. A
     * skipped visit means the bp is still HAMMER's (locked) or not a delayed write yet.
     */
    private void daemonLoop() {
        int res = BufCache.STEP_SKIPPED;
        try {
            for (;;) {
                boolean last = releaserDone && rig.otherDone;
                res = rig.bufDaemonVisit(rig.io().bp);
                if (res != BufCache.STEP_SKIPPED || last) break;
                Thread.yield();
            }
        } catch (RuntimeException e) {
            res = 9;
        } finally {
            daemonResult = res;
            rig.kernelDone = true;
        }
    }

    /** The releaser (notes' A3): starts the daemon, then drops the last ref of the modified io (bdwrite). */
    public void releaser() {
        daemon = new Thread(this::daemonLoop, "buf_daemon");
        daemon.setDaemon(true);
        daemon.start();
        rig.hmp.fsToken.gettoken();
        try {
            rig.hmp.relBuffer(rig.io(), false);
            releaserOk = 1;
        } catch (RuntimeException e) {
            releaserOk = 0;
        } finally {
            rig.hmp.fsToken.reltoken();
            releaserDone = true;
        }
    }

    /** The frontend (notes' A1): get_buffer, modify(1), X := 2, modify_done, rel_buffer. */
    public void frontend() {
        try {
            rig.frontendModify(b -> b.data()[HammerRig.X] = 2);
            frontendOk = 2;
        } catch (RuntimeException e) {
            frontendOk = 0;
        } finally {
            rig.otherDone = true;
        }
    }

    /**
     * r1 = the daemon's result (-1 skipped throughout, 0 written, 1 refused, 9 panicked, 8 hung);
     * r2 = modified at the end; r3 = the invariant verdict (0 ok, 1 modification lost, 2 other);
     * r4 = 3 if both actors finished without a panic and checkwrite never decided on a
     * HAMMER-owned io, 4 if it did, else the bits of the actors that finished (1 releaser, 2 frontend).
     */
    public void arbiter(IIII_Result r) {
        try {
            daemon.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        r.r1 = daemon.isAlive() ? 8 : daemonResult;
        r.r2 = rig.io().modified ? 1 : 0;
        r.r3 = rig.verdict();
        r.r4 = checkwriteOnOwned ? 4 : releaserOk + frontendOk;
    }
}
