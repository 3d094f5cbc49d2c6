// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The HAMMER half of QuiescentInv: on a mount no operation runs on, no io is interlocked, no
 * buffer keeps a reference (except one held for a recorded I/O error, IoErrorRefInv), no HAMMER
 * lock is held, no modification or write interlock is open, no writer waits, group_lock is 0.
 * Mounts made through {@link HammerTestSupport#mount} and the gated-mount helpers are recorded
 * here; the check skips mutant mounts and mounts with a critical error.
 */
public final class HammerQuiescence {
    private HammerQuiescence() { }

    static final List<HammerMount> CREATED = Collections.synchronizedList(new ArrayList<>());

    /** Forgets the mounts of earlier tests. */
    public static void reset() { CREATED.clear(); }

    /** The buffer locks of mutant or crashed mounts, which a test may leave held on purpose. */
    public static java.util.Set<dev.bioref.kern.BufLock> exemptLocks() {
        java.util.Set<dev.bioref.kern.BufLock> out = new java.util.HashSet<>();
        synchronized (CREATED) {
            for (HammerMount hmp : CREATED) {
                if (!hmp.mutations.toString().equals("none") || hmp.criticalError || hmp.cache.panicked()) {
                    out.addAll(dev.bioref.buf.BufQuiescence.locksOf(hmp.cache));
                }
            }
        }
        return out;
    }

    /** The violations on every recorded mount; empty if quiescent. */
    public static List<String> violations() {
        List<HammerMount> mounts;
        synchronized (CREATED) {
            mounts = new ArrayList<>(CREATED);
        }
        List<String> out = new ArrayList<>();
        for (HammerMount hmp : mounts) {
            if (!hmp.mutations.toString().equals("none") || hmp.criticalError) continue;
            check(hmp, out);
        }
        return out;
    }

    static void check(HammerMount hmp, List<String> out) {
        hmp.fsToken.gettoken();
        hmp.ioToken.gettoken();
        try {
            List<HammerIo> all = new ArrayList<>(hmp.buffers.values());
            for (HammerIo io : all) {
                if (io.lock.interlocked()) out.add("interlock outstanding on " + io);
                if (io.lock.refCount() > (io.ioerror ? 1 : 0)) out.add("ref outstanding (" + io.lock.refCount() + ") on " + io);
                if (io.lock.lockCount() != 0) out.add("HAMMER lock held on " + io);
                if (io.modifyRefs != 0) out.add("modify_refs " + io.modifyRefs + " left on " + io);
                if (io.waiting || io.waitmod) out.add("a waiter is recorded on " + io);
            }
            HammerIo vol = hmp.rootVolume;
            if (vol.lock.interlocked() || vol.lock.lockCount() != 0 || vol.modifyRefs != 0) {
                out.add("volume header io held: " + vol);
            }
            if (hmp.flusher.groupLock != 0) out.add("group_lock " + hmp.flusher.groupLock + " left held");
            for (HammerLock l : List.of(hmp.syncLock, hmp.flusher.finalizeLock, hmp.undo.undoLock)) {
                if (l.lockCount() != 0) out.add("lock left held: " + l);
            }
        } finally {
            hmp.ioToken.reltoken();
            hmp.fsToken.reltoken();
        }
    }
}
