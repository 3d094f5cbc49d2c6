// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.BufLock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The invariants of reference §6.2 (I1-I20), one named clause each, with the names of
 * proofs-notes/invariants.md (the same names as the TLA+ operators of BufCache.tla).
 * {@link #check} runs them all on a quiescent cache and throws a {@link Violation} whose
 * message starts with the clause name and carries the values.
 *
 * <p>Four clauses are about histories rather than states (I14, I15, I18, I20); the cache
 * records the offending transition in a {@link Ghost} when it happens and the clause reports it.
 */
public final class BufInvariants {
    private BufInvariants() { }

    /** A failed invariant clause. */
    public static final class Violation extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final String clause;

        Violation(String clause, String detail) {
            super(clause + ": " + detail);
            this.clause = clause;
        }

        /** The clause name, as in proofs-notes/invariants.md. */
        public String clause() { return clause; }
    }

    /** Ghost history of the transitions the history clauses forbid. */
    static final class Ghost {
        /** Why a B_DELWRI 1→0 transition happened (I18). */
        enum Cause {
            /** bpdone after a successful write: allowed (a). */
            WRITTEN,
            /** the owner or a filesystem hook called bundirty: allowed (b, c). */
            OWNER,
            /** brelse of a B_NOCACHE dirty buffer: the owner asked (b). */
            NOCACHE,
            /** a B_INVAL destroy: the owner asked (b). */
            INVAL,
            /** bpdone after a FAILED write marked the buffer clean: forbidden. */
            FAILED_WRITE
        }

        final List<String> silentLoss = Collections.synchronizedList(new ArrayList<>());
        final List<String> lockedRecycled = Collections.synchronizedList(new ArrayList<>());
        final List<String> reusedUnderHold = Collections.synchronizedList(new ArrayList<>());
        final List<String> readOverValid = Collections.synchronizedList(new ArrayList<>());

        void delwriCleared(Buf bp, Cause cause) {
            if (cause == Cause.FAILED_WRITE) silentLoss.add("failed write marked clean: " + bp);
        }

        void recycling(Buf bp) {
            if (bp.hasFlags(Buf.B_LOCKED)) lockedRecycled.add("getnewbuf recycled a B_LOCKED buffer: " + bp);
        }

        void returnedByGetnewbuf(Buf bp) {
            if (bp.b_refs() != 0) reusedUnderHold.add("getnewbuf returned a header with b_refs=" + bp.b_refs() + ": " + bp);
        }

        void readOverValid(Buf bp) {
            readOverValid.add("READ issued on a B_CACHE buffer: " + bp);
        }
    }

    static void check(BufCache c) {
        Map<Buf, Integer> seen = queueWellFormed(c);
        uniqueIdentity(c);
        for (Buf bp : c.buf) {
            boolean locked = bp.b_lock.isLocked();
            hashedIffVnode(bp);
            if (!locked) vnodeTreeMatchesDelwri(bp);
            if (!locked) queueContent(bp);
            possession(bp, locked, seen);
            cmdInFlightLocked(bp, locked);
            runningSpaceOnlyWrites(bp);
            kernprocHasIo(bp);
            delwriHasBacking(bp);
            bufsizeImpliesVmio(bp);
            if (!locked) delwriImpliesCache(bp);
            if (!locked) lockedNotRecycled(bp);
            refsNonNegative(bp);
            bioChain(bp, locked);
            if (!locked) coherence(bp);
        }
        accounting(c);
        ghostEmpty("LockedNotRecycledInv", c.ghost.lockedRecycled);
        ghostEmpty("NoReuseUnderHoldInv", c.ghost.reusedUnderHold);
        ghostEmpty("NoSilentLossInv", c.ghost.silentLoss);
        ghostEmpty("NoReadOverValidInv", c.ghost.readOverValid);
        for (Vnode vp : c.vnodes) {
            trackSane("RefsNonNegativeInv", vp.v_track_read);
            trackSane("RefsNonNegativeInv", vp.v_track_write);
        }
    }

    private static void fail(String clause, String detail) { throw new Violation(clause, detail); }

    /** I4: every header is on exactly the list its (b_qcpu, b_qindex) names, or on none. */
    private static Map<Buf, Integer> queueWellFormed(BufCache c) {
        Map<Buf, Integer> seen = new IdentityHashMap<>();
        for (int cpu = 0; cpu < c.bufpcpu.length; cpu++) {
            BufCache.Bufpcpu pcpu = c.bufpcpu[cpu];
            pcpu.spin.spin_lock();
            try {
                for (int q = 1; q < Buf.BUFFER_QUEUES; q++) {
                    BufQueue queue = pcpu.bufqueues[q];
                    int n = 0;
                    Buf prev = null;
                    for (Buf bp = queue.first(); bp != null; bp = BufQueue.next(bp)) {
                        if (bp.fl_prev != prev) {
                            fail("QueueWellFormedInv", "broken back link at " + bp + " on cpu " + cpu + " " + Buf.queueName(q));
                        }
                        prev = bp;
                        n++;
                        if (bp.hasFlags(Buf.B_MARKER)) {
                            fail("QueueWellFormedInv", "flush marker left on cpu " + cpu + " " + Buf.queueName(q));
                        }
                        if (bp.b_qindex != q || bp.b_qcpu != cpu) {
                            fail("QueueWellFormedInv", bp + " found on cpu " + cpu + " " + Buf.queueName(q)
                                    + " but b_qcpu=" + bp.b_qcpu + " b_qindex=" + Buf.queueName(bp.b_qindex));
                        }
                        if (seen.put(bp, q) != null) fail("QueueWellFormedInv", bp + " is on two queues (or twice)");
                        if (n > c.nbuf) fail("QueueWellFormedInv", "cycle on cpu " + cpu + " " + Buf.queueName(q));
                    }
                    if (queue.tail != prev) fail("QueueWellFormedInv", "tail pointer wrong on cpu " + cpu + " " + Buf.queueName(q));
                    if (queue.count != n) {
                        fail("QueueWellFormedInv", "count " + queue.count + " != length " + n + " on cpu " + cpu + " " + Buf.queueName(q));
                    }
                }
            } finally {
                pcpu.spin.spin_unlock();
            }
        }
        for (Buf bp : c.buf) {
            if (bp.b_qindex != Buf.BQUEUE_NONE && !seen.containsKey(bp)) {
                fail("QueueWellFormedInv", bp + " claims queue " + Buf.queueName(bp.b_qindex) + " but is not on it");
            }
        }
        if (c.marker.b_qindex != Buf.BQUEUE_NONE || c.marker_hw.b_qindex != Buf.BQUEUE_NONE) {
            fail("QueueWellFormedInv", "a flush marker is still queued");
        }
        return seen;
    }

    /** I1: at most one hashed header per (vnode, offset); each vnode's hash is exactly that set. */
    private static void uniqueIdentity(BufCache c) {
        for (Vnode vp : c.vnodes) {
            vp.v_token.gettoken_shared();
            try {
                for (Map.Entry<Long, Buf> e : vp.v_rbhash_tree.entrySet()) {
                    Buf bp = e.getValue();
                    if (bp.b_vp != vp || bp.b_loffset != e.getKey() || !bp.hasFlags(Buf.B_HASHED)) {
                        fail("UniqueIdentityInv", vp.name() + " hash has " + bp + " under offset " + e.getKey());
                    }
                }
            } finally {
                vp.v_token.reltoken();
            }
        }
        for (Buf bp : c.buf) {
            Vnode vp = bp.b_vp;
            if (vp != null && bp.hasFlags(Buf.B_HASHED)) {
                Buf there;
                vp.v_token.gettoken_shared();
                try {
                    there = vp.v_rbhash_tree.get(bp.b_loffset);
                } finally {
                    vp.v_token.reltoken();
                }
                if (there != bp) {
                    fail("UniqueIdentityInv", bp + " is hashed but " + vp.name() + "'s hash holds " + there
                            + " at offset " + bp.b_loffset);
                }
            }
        }
    }

    /** I2: B_HASHED ⇔ b_vp ≠ null. */
    private static void hashedIffVnode(Buf bp) {
        if (bp.hasFlags(Buf.B_HASHED) != (bp.b_vp != null)) {
            fail("HashedIffVnodeInv", bp + ": B_HASHED=" + bp.hasFlags(Buf.B_HASHED) + " but b_vp=" + bp.b_vp);
        }
    }

    /** I3: an unlocked associated buffer is on exactly one vnode tree; dirty tree ⇔ B_DELWRI. */
    private static void vnodeTreeMatchesDelwri(Buf bp) {
        Vnode vp = bp.b_vp;
        boolean vnclean = bp.hasFlags(Buf.B_VNCLEAN);
        boolean vndirty = bp.hasFlags(Buf.B_VNDIRTY);
        if (vp == null) {
            if (vnclean || vndirty) fail("VnodeTreeMatchesDelwriInv", bp + " has tree flags but no vnode");
            return;
        }
        if (vnclean == vndirty) fail("VnodeTreeMatchesDelwriInv", bp + " must be on exactly one of the clean/dirty trees");
        if (vndirty != bp.hasFlags(Buf.B_DELWRI)) {
            fail("VnodeTreeMatchesDelwriInv", bp + ": B_VNDIRTY=" + vndirty + " but B_DELWRI=" + bp.hasFlags(Buf.B_DELWRI));
        }
        vp.v_token.gettoken_shared();
        try {
            boolean inClean = vp.v_rbclean_tree.get(bp.b_loffset) == bp;
            boolean inDirty = vp.v_rbdirty_tree.get(bp.b_loffset) == bp;
            if (inClean != vnclean || inDirty != vndirty) {
                fail("VnodeTreeMatchesDelwriInv", bp + ": in clean tree=" + inClean + ", in dirty tree=" + inDirty);
            }
        } finally {
            vp.v_token.reltoken();
        }
    }

    /** I5: each queue holds only buffers with the matching flags (unlocked buffers). */
    private static void queueContent(Buf bp) {
        int f = bp.b_flags();
        boolean ok = switch (bp.b_qindex) {
            case Buf.BQUEUE_EMPTY -> bp.b_bufsize == 0 && bp.b_vp == null && (f & Buf.B_INVAL) != 0 && (f & Buf.B_DELWRI) == 0;
            case Buf.BQUEUE_CLEAN -> (f & (Buf.B_DELWRI | Buf.B_LOCKED)) == 0;
            case Buf.BQUEUE_DIRTY -> (f & (Buf.B_DELWRI | Buf.B_HEAVY | Buf.B_LOCKED)) == Buf.B_DELWRI;
            case Buf.BQUEUE_DIRTY_HW -> (f & (Buf.B_DELWRI | Buf.B_HEAVY | Buf.B_LOCKED)) == (Buf.B_DELWRI | Buf.B_HEAVY);
            case Buf.BQUEUE_LOCKED -> (f & Buf.B_LOCKED) != 0;
            default -> true;
        };
        if (!ok) fail("QueueContentInv", bp + " does not belong on " + Buf.queueName(bp.b_qindex));
    }

    /** I6: a buffer on no queue is held (locked by a thread or the kernel); a held buffer is on no queue. */
    private static void possession(Buf bp, boolean locked, Map<Buf, Integer> seen) {
        if (bp.b_qindex == Buf.BQUEUE_NONE && !locked) {
            fail("PossessionInv", bp + " is on no queue and nobody holds it (lost)");
        }
        if (bp.b_qindex != Buf.BQUEUE_NONE && locked) {
            fail("PossessionInv", bp + " is locked by " + bp.b_lock.owner() + " while on queue "
                    + Buf.queueName(bp.b_qindex) + " outside an acquire/release window");
        }
    }

    /** I7: b_cmd ≠ DONE ⇒ on no queue and locked. */
    private static void cmdInFlightLocked(Buf bp, boolean locked) {
        if (bp.b_cmd != BufCmd.DONE && (bp.b_qindex != Buf.BQUEUE_NONE || !locked)) {
            fail("CmdInFlightLockedInv", bp + " has b_cmd=" + bp.b_cmd + " but is queued or unlocked");
        }
    }

    /** I8: b_runningbufspace ≠ 0 ⇒ b_cmd = WRITE. */
    private static void runningSpaceOnlyWrites(Buf bp) {
        if (bp.b_runningbufspace != 0 && bp.b_cmd != BufCmd.WRITE) {
            fail("RunningSpaceOnlyWritesInv", bp + " has b_runningbufspace=" + bp.b_runningbufspace + " with b_cmd=" + bp.b_cmd);
        }
    }

    /** I9: owned by KERNPROC ⇒ async I/O in flight, or a filesystem parked it with deps (HAMMER). */
    private static void kernprocHasIo(Buf bp) {
        if (bp.b_lock.owner() == BufLock.KERNPROC && bp.b_cmd == BufCmd.DONE && bp.dep_isEmpty()) {
            fail("KernprocHasIoInv", bp + " is owned by KERNPROC with no I/O and no deps");
        }
    }

    /** I11: B_DELWRI ⇒ b_bufsize > 0 ∧ b_vp ≠ null. */
    private static void delwriHasBacking(Buf bp) {
        if (bp.hasFlags(Buf.B_DELWRI) && (bp.b_bufsize <= 0 || bp.b_vp == null)) {
            fail("DelwriHasBackingInv", bp + " is B_DELWRI with b_bufsize=" + bp.b_bufsize + " b_vp=" + bp.b_vp);
        }
    }

    /** I12: b_bufsize > 0 ⇒ B_VMIO (the port keeps B_VMIO as "has memory"). */
    private static void bufsizeImpliesVmio(Buf bp) {
        if (bp.b_bufsize > 0 && !bp.hasFlags(Buf.B_VMIO)) {
            fail("BufsizeImpliesVmioInv", bp + " has b_bufsize=" + bp.b_bufsize + " without B_VMIO");
        }
        if (bp.b_data.length != bp.b_bufsize) {
            fail("BufsizeImpliesVmioInv", bp + " has b_data of " + bp.b_data.length + " bytes, b_bufsize " + bp.b_bufsize);
        }
    }

    /** I13: an unlocked B_DELWRI buffer has B_CACHE. */
    private static void delwriImpliesCache(Buf bp) {
        if (bp.hasFlags(Buf.B_DELWRI) && !bp.hasFlags(Buf.B_CACHE)) {
            fail("DelwriImpliesCacheInv", bp + " is dirty without valid contents");
        }
    }

    /** I14 (state part): an unlocked queued B_LOCKED buffer is on the LOCKED queue, never on EMPTY/CLEAN. */
    private static void lockedNotRecycled(Buf bp) {
        if (bp.hasFlags(Buf.B_LOCKED) && bp.b_qindex != Buf.BQUEUE_LOCKED && bp.b_qindex != Buf.BQUEUE_NONE) {
            fail("LockedNotRecycledInv", bp + " is B_LOCKED but on " + Buf.queueName(bp.b_qindex));
        }
    }

    /** I16: b_refs ≥ 0. */
    private static void refsNonNegative(Buf bp) {
        if (bp.b_refs() < 0) fail("RefsNonNegativeInv", bp + " has b_refs=" + bp.b_refs());
    }

    private static void trackSane(String clause, BioTrack t) {
        int raw = t.raw();
        if ((raw & BioTrack.UNDERFLOW) != 0) fail(clause, t + " underflowed");
        if ((raw & BioTrack.WANTED) != 0 && (raw & BioTrack.COUNT_MASK) == 0) fail(clause, t + " has the wait flag with count 0");
    }

    /** I17: the bio layers form a linked prefix from bio1; an unlocked buffer has no layer in use. */
    private static void bioChain(Buf bp, boolean locked) {
        if (bp.b_bio1.bio_prev != null) fail("BioChainInv", bp + ": bio1 has a previous layer");
        int i = 0;
        for (Bio bio = bp.b_bio1; bio != null; bio = bio.bio_next) {
            // the length first: a layer past the array would otherwise end the check with an index error
            if (i >= Buf.NBUF_BIO) fail("BioChainInv", bp + ": bio chain longer than NBUF_BIO=" + Buf.NBUF_BIO);
            if (bio != bp.b_bio_array[i]) fail("BioChainInv", bp + ": layer " + i + " is not b_bio_array[" + i + "]");
            if (bio.bio_next != null && bio.bio_next.bio_prev != bio) fail("BioChainInv", bp + ": broken back link at layer " + i);
            if (!locked && (bio.bio_done != null || bio.bio_track != null)) {
                fail("BioChainInv", bp + ": unlocked buffer has " + bio + " still in use");
            }
            i++;
        }
    }

    /**
     * I19 (state part): an unlocked clean B_CACHE ∧ ¬B_INVAL buffer holds what the device shows.
     * Buffers a filesystem controls (B_LOCKED or with deps) are left to that filesystem's checks.
     */
    private static void coherence(Buf bp) {
        Vnode vp = bp.b_vp;
        int f = bp.b_flags();
        if (vp == null || (f & (Buf.B_CACHE | Buf.B_INVAL | Buf.B_DELWRI | Buf.B_LOCKED)) != Buf.B_CACHE) return;
        if (!bp.dep_isEmpty()) return;
        byte[] disk = vp.dev.peekVisible(bp.b_loffset, bp.b_bufsize);
        if (!Arrays.equals(bp.b_data, 0, bp.b_bcount, disk, 0, bp.b_bcount)) {
            fail("CoherenceInv", bp + " is clean and valid but differs from the device at offset " + bp.b_loffset);
        }
    }

    /** I10: the counters equal their exact sums; a DELWRI buffer is counted once. */
    private static void accounting(BufCache c) {
        long count = 0, kva = 0, space = 0, counthw = 0, spacehw = 0, bufspace = 0, running = 0, runningcount = 0;
        for (Buf bp : c.buf) {
            bufspace += bp.b_bufsize;
            if (bp.hasFlags(Buf.B_DELWRI)) {
                count++;
                kva += bp.b_kvasize;
                space += bp.b_bufsize;
                if (bp.hasFlags(Buf.B_HEAVY)) {
                    counthw++;
                    spacehw += bp.b_bufsize;
                }
            }
            if (bp.b_runningbufspace != 0) {
                running += bp.b_runningbufspace;
                runningcount++;
            }
        }
        expect("dirtybufcount", c.dirtybufcount.get(), count);
        expect("dirtykvaspace", c.dirtykvaspace.get(), kva);
        expect("dirtybufspace", c.dirtybufspace.get(), space);
        expect("dirtybufcounthw", c.dirtybufcounthw.get(), counthw);
        expect("dirtybufspacehw", c.dirtybufspacehw.get(), spacehw);
        expect("bufspace", c.bufspace.get(), bufspace);
        expect("runningbufspace", c.runningbufspace.get(), running);
        expect("runningbufcount", c.runningbufcount.get(), runningcount);
    }

    private static void expect(String counter, long actual, long sum) {
        if (actual != sum) fail("AccountingInv", counter + "=" + actual + " but the headers sum to " + sum);
    }

    private static void ghostEmpty(String clause, List<String> events) {
        synchronized (events) {
            if (!events.isEmpty()) fail(clause, events.get(0) + (events.size() > 1 ? " (+" + (events.size() - 1) + " more)" : ""));
        }
    }
}
