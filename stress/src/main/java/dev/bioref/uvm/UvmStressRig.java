// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Panic;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Shared set-up of the pager's JCStress races (notes §7.3): a one-file world per sample, the
 * outcome words, and a bounded spin that widens a race window at one of the port's pause
 * points. Every wait in the port is bounded ({@link UvmSched#deadlockBoundNanos}, set here to
 * {@link #BOUND_MS} ms), so a hang of a mutant ends as a {@code deadlock} outcome, never as a
 * hung run.
 */
public final class UvmStressRig {
    static final int PG = VmPage.PAGE_SIZE;
    /**
     * The port's wait bound in these tests: a wait longer than this is reported as a deadlock.
     * 200 ms gave false deadlocks at load average 40 on the 2 cores (a vnode lock held for the
     * bound by a descheduled truncate, then released: "-> nobody"); 1 s did not (concurrency-uvm.md).
     */
    static final long BOUND_MS = 1000;
    /** How long an actor parked at a pause point waits for the other actor (bounded). */
    static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private UvmStressRig() { }

    /** One file of 4 pages, 32 frames, 4 pager-map slots, waits bounded at {@link #BOUND_MS} ms. */
    static VnodeLayer world(UvmRoughEdges re) {
        VnodeLayer l = new VnodeLayer(re, 1, 4, 32, 4);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        return l;
    }

    /** {@code files} files of 4 pages, 32 frames, 4 pager-map slots, waits bounded at {@link #BOUND_MS} ms. */
    static VnodeLayer world(UvmRoughEdges re, int files) {
        VnodeLayer l = new VnodeLayer(re, files, 4, 32, 4);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        return l;
    }

    /** True if {@code t} has finished or is parked (a sleep, a lock, a monitor): it is waiting for the other actor. */
    static boolean parkedOrDone(Thread t) {
        if (t == null) return false;
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED
                || s == Thread.State.TERMINATED;
    }

    /** FIXED with exactly one rough-edge switch on: the mutant of that switch. */
    static UvmRoughEdges fixedBut(String roughEdge) {
        return UvmRoughEdges.fixed().with(roughEdge, true);
    }

    /** A one-page file, mapped writable, whose page 0 is resident, mapped and dirty. */
    static UvmFaultClient.Mapping dirtyPage(UvmFaultClient c, Vnode vp) {
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        if (m == null) throw new IllegalStateException("mmap of vnode " + vp.fileId + " failed");
        int r = c.store(m, 0, new byte[] {7, 7, 7, 7});
        if (r != 0) throw new IllegalStateException("store failed: " + r);
        return m;
    }

    /** Spins (yielding) until {@code done} or the window has passed. */
    static void hold(BooleanSupplier done) {
        long end = System.nanoTime() + WINDOW_NANOS;
        while (!done.getAsBoolean() && System.nanoTime() < end) Thread.yield();
    }

    /** An outcome word for a throwable: deadlock, panic (a seed check fired), the flaw's invariant, or threw. */
    static String thrown(Throwable t) {
        if (t instanceof UvmDeadlock) {
            report(t);                                      // the cycle, in the JCStress report's messages
            return "deadlock";
        }
        if (t instanceof Panic) {
            report(t);
            return "panic";
        }
        if (t instanceof UvmFlaw f) return f.invariant();
        return "threw";
    }

    private static final java.util.concurrent.atomic.AtomicInteger REPORTED = new java.util.concurrent.atomic.AtomicInteger();

    /** Prints a deadlock's cycle or a panic's message to stderr (the first 3 per JVM), so the failure names it. */
    private static void report(Throwable t) {
        if (REPORTED.getAndIncrement() < 3) {
            System.err.println("[uvm] " + Thread.currentThread().getName() + ": " + t.getClass().getSimpleName() + ": " + t.getMessage());
        }
    }

    /** "ok", or the name of the first broken invariant or action property. */
    static String invariants(VnodeLayer l) {
        try {
            l.checkInvariants();
            return "ok";
        } catch (UvmFlaw f) {
            return f.invariant();
        } catch (Throwable t) {
            return thrown(t);
        }
    }
}
