// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.bioref.bufio.DmBufio.B_DIRTY;
import static dev.bioref.bufio.DmBufio.B_READING;
import static dev.bioref.bufio.DmBufio.B_WRITING;
import static dev.bioref.bufio.DmBufio.LIST_CLEAN;
import static dev.bioref.bufio.DmBufio.LIST_DIRTY;

/**
 * The invariants of reference notes §6 (I1-I18) and the safety properties of §9a, one named
 * clause each; the names are those of proofs-notes/invariants.md and of specs/DmBufio.tla.
 * {@link #check} runs them on a client whose mutex the caller holds, with no other thread inside
 * a call (I/O may be in flight). History clauses (I7, I8, I10, FlushDurabilityInv, ...) are
 * recorded in the client's {@link Ghost} when the offending step happens and reported here.
 */
public final class DmBufioInvariants {
    private DmBufioInvariants() { }

    /** A failed clause: the message starts with the clause name. */
    public static final class Violation extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final String clause;

        public Violation(String clause, String detail) {
            super(clause + ": " + detail);
            this.clause = clause;
        }

        /** The clause name, as in proofs-notes/invariants.md. */
        public String clause() { return clause; }
    }

    /** Every clause name checked here or recorded by the ghost, in the order of invariants.md. */
    public static final List<String> CLAUSES = List.of(
            "TreeMatchesListsInv", "ListCountsInv", "NoDuplicateInv", "CleanListInv", "DirtyListInv",
            "ReadingAloneInv", "NoFreeWhileHeldInv", "HolderSeesItsBlockInv", "DirtyNeverDroppedInv",
            "OneWritePerBufferAndBlockInv", "DirtyRangeInv", "ReserveConservationInv", "ErrorLatchInv",
            "IdleCleanMirrorsDiskInv", "AbsentBlockDurableInv", "LazyCleanInv", "DestroyEmptyInv",
            "MutexNotReentrantInv", "NoSelfDeadlockInv", "FlushDurabilityInv", "ErrorNotLostInv",
            "GetNeverWaitsForIoInv", "GlobalAccountingInv", "ShrinkNoIoInv");

    /**
     * Ghost state: what the clauses about histories and about the disk need. Versions: every
     * mark dirty takes the next version; a write carries the version of the mark it writes; the
     * device holds, per block, the newest version a write completed OK with.
     */
    static final class Ghost {
        final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        final Map<Long, AtomicInteger> inflight = new ConcurrentHashMap<>();
        final Map<Long, Long> diskVer = new ConcurrentHashMap<>();
        /** Last data marked dirty per block (I15); written under the client mutex. */
        final Map<Long, byte[]> view = new ConcurrentHashMap<>();
        /** Blocks whose disk contents are not promised (a failed write, a discard). */
        final Set<Long> tainted = ConcurrentHashMap.newKeySet();
        /** Buffers released, read, written, marked or linked since the last incremental I14 check. */
        final Set<Buffer> touched = ConcurrentHashMap.newKeySet();
        /** Blocks unlinked or copied to since the last incremental I15 check. */
        final Set<Long> recheck = ConcurrentHashMap.newKeySet();
        private final AtomicLong version = new AtomicLong();
        final AtomicLong failedSinceXchg = new AtomicLong();
        final AtomicLong unreported = new AtomicLong();
        /** Counts for tests and the simulation. */
        final AtomicLong writesFailed = new AtomicLong(), writesOk = new AtomicLong();

        void record(String clause, String detail) { violations.add(clause + ": " + detail); }

        long nextVersion() { return version.incrementAndGet(); }

        void marked(long block, byte[] data) { view.put(block, data.clone()); }

        void discarding(Buffer b) {
            if (b.holdCount > 0) record("NoFreeWhileHeldInv", "freed or reused a buffer with hold " + b.holdCount + ": " + b);
            if (b.state.get() != 0) record("DirtyNeverDroppedInv", "freed or reused a buffer with state bits set: " + b);
        }

        void ioStart(long block) {
            int n = inflight.computeIfAbsent(block, k -> new AtomicInteger()).incrementAndGet();
            if (n > 1) record("OneWritePerBufferAndBlockInv", n + " I/Os in flight to block " + block);
        }

        void ioEnd(long block) { inflight.get(block).decrementAndGet(); }

        int inflight(long block) {
            AtomicInteger n = inflight.get(block);
            return n == null ? 0 : n.get();
        }

        void written(long block, long ver) {
            writesOk.incrementAndGet();
            diskVer.merge(block, ver, Math::max);
            tainted.remove(block);
        }

        /** Before the latch cmpxchg (ErrorNotLostInv). */
        void writeFailed(long block) {
            writesFailed.incrementAndGet();
            tainted.add(block);
            unreported.incrementAndGet();
        }

        /** After the latch cmpxchg (ErrorLatchInv). */
        void latched() { failedSinceXchg.incrementAndGet(); }

        void resetFailedSinceXchg() { failedSinceXchg.set(0); }

        void reported() { unreported.set(0); }

        Map<Long, Long> snapshotDirty(Iterable<Buffer> dirtyList) {
            Map<Long, Long> snap = new HashMap<>();
            for (Buffer b : dirtyList) {
                if ((b.state.get() & (B_DIRTY | B_WRITING)) != 0) snap.put(b.block, b.markVer);
            }
            return snap;
        }

        void checkFlushDurability(Map<Long, Long> snap) {
            for (Map.Entry<Long, Long> e : snap.entrySet()) {
                long onDisk = diskVer.getOrDefault(e.getKey(), 0L);
                if (onDisk < e.getValue()) {
                    record("FlushDurabilityInv", "write_dirty_buffers returned 0 but block " + e.getKey()
                            + " holds version " + onDisk + " < version " + e.getValue() + " dirty at its pass 1");
                }
            }
        }
    }

    static Violation violated(String clause, String detail) { return new Violation(clause, detail); }

    /** Runs every clause on {@code c}; the caller holds c's mutex. */
    static void check(Client c) {
        Ghost g = c.ghost;
        synchronized (g.violations) {
            if (!g.violations.isEmpty()) {
                String first = g.violations.get(0);
                int colon = first.indexOf(':');
                throw violated(first.substring(0, colon), first.substring(colon + 2)
                        + (g.violations.size() > 1 ? " (+" + (g.violations.size() - 1) + " more)" : ""));
            }
        }
        // TreeMatchesListsInv (I1)
        for (Map.Entry<Long, Buffer> e : c.tree.entrySet()) {
            Buffer b = e.getValue();
            if (!b.linked || b.block != e.getKey() || !c.lru[b.listMode].contains(b) || c.lru[1 - b.listMode].contains(b)) {
                throw violated("TreeMatchesListsInv", "tree key " + e.getKey() + " → " + b + " is not on exactly lru[" + b.listMode + "]");
            }
        }
        for (int m = LIST_CLEAN; m <= LIST_DIRTY; m++) {
            for (Buffer b : c.lru[m]) {
                if (c.tree.get(b.block) != b || b.listMode != m) {
                    throw violated("TreeMatchesListsInv", b + " is on lru[" + m + "] but not in the tree under its block");
                }
            }
        }
        // ListCountsInv (I2)
        for (int m = LIST_CLEAN; m <= LIST_DIRTY; m++) {
            if (c.nBuffers.get(m) != c.lru[m].size()) {
                throw violated("ListCountsInv", "n_buffers[" + m + "] = " + c.nBuffers.get(m) + " but lru[" + m + "] has " + c.lru[m].size());
            }
        }
        // NoDuplicateInv (I3): the lists name each block once
        Set<Long> blocks = new HashSet<>();
        for (int m = LIST_CLEAN; m <= LIST_DIRTY; m++) {
            for (Buffer b : c.lru[m]) {
                if (!blocks.add(b.block)) throw violated("NoDuplicateInv", "two linked buffers hold block " + b.block);
            }
        }
        for (Buffer b : c.tree.values()) {
            int s = b.state.get();
            // CleanListInv (I4), DirtyListInv (I5), ReadingAloneInv (I6)
            if (b.listMode == LIST_CLEAN && (s & (B_DIRTY | B_WRITING)) != 0) throw violated("CleanListInv", b.toString());
            if (b.listMode == LIST_DIRTY && (s & B_READING) != 0) throw violated("DirtyListInv", b.toString());
            if ((s & B_READING) != 0 && s != B_READING) throw violated("ReadingAloneInv", b.toString());
            // OneWritePerBufferAndBlockInv (I9, I10): WRITING ⇔ its write is in flight
            if ((s & B_WRITING) != 0 && g.inflight(b.writeBlock) == 0 && b.writeEnd > b.writeStart) {
                throw violated("OneWritePerBufferAndBlockInv", "WRITING set but no write in flight to block " + b.writeBlock + ": " + b);
            }
            // DirtyRangeInv (I11)
            if ((s & B_DIRTY) != 0 && !(0 <= b.dirtyStart && b.dirtyStart < b.dirtyEnd && b.dirtyEnd <= c.blockSize)) {
                throw violated("DirtyRangeInv", "dirty range [" + b.dirtyStart + ", " + b.dirtyEnd + ") of " + b);
            }
            if ((s & B_WRITING) != 0 && !(b.writeStart < b.writeEnd && b.writeEnd <= c.blockSize)) {
                throw violated("DirtyRangeInv", "write range [" + b.writeStart + ", " + b.writeEnd + ") of " + b);
            }
            // LazyCleanInv (I16)
            if (b.listMode == LIST_DIRTY && s == 0 && !b.wroteSinceDirty) {
                throw violated("LazyCleanInv", "idle on DIRTY without a completed write: " + b);
            }
        }
        for (Map.Entry<Long, AtomicInteger> e : g.inflight.entrySet()) {
            if (e.getValue().get() > 1) throw violated("OneWritePerBufferAndBlockInv", e.getValue() + " I/Os in flight to block " + e.getKey());
        }
        // ReserveConservationInv (I12)
        if (c.reservedBuffers.size() + c.needReservedBuffers != c.reserved) {
            throw violated("ReserveConservationInv", "reserve " + c.reservedBuffers.size() + " + shortfall "
                    + c.needReservedBuffers + " != reserved " + c.reserved);
        }
        // ErrorLatchInv (I13), ErrorNotLostInv (§9a.9)
        int latch = c.asyncWriteError.get();
        if (latch != 0 && g.failedSinceXchg.get() == 0) {
            throw violated("ErrorLatchInv", "latch holds " + latch + " but no write failed since the last write_dirty_buffers");
        }
        if (g.unreported.get() > 0 && latch == 0) {
            throw violated("ErrorNotLostInv", g.unreported.get() + " failed write(s) not reported and the latch is 0");
        }
        if (!c.m.params.ghostChecks) return;
        // IdleCleanMirrorsDiskInv (I14); incrementally: an idle clean buffer's data changes only through a
        // holder or its own I/O, and the device's block only through the buffer's writes (or a discard, §3)
        boolean incremental = c.m.params.incrementalGhostCheck;
        for (Buffer b : incremental ? new ArrayList<>(g.touched) : c.tree.values()) {
            if (incremental) g.touched.remove(b);
            if (!b.linked) continue;
            if (b.state.get() == 0 && b.holdCount == 0 && b.readError == 0 && b.writeError == 0 && !b.freshUnwritten) {
                byte[] disk = c.dev.peekVisible(c.blockToOffset(b.block), c.blockSize);
                if (!Arrays.equals(disk, b.data)) {
                    throw violated("IdleCleanMirrorsDiskInv", "idle clean " + b + " differs from the device at byte "
                            + Arrays.mismatch(disk, b.data));
                }
            }
        }
        // AbsentBlockDurableInv (I15)
        List<Long> blocksToCheck = new ArrayList<>(incremental ? g.recheck : g.view.keySet());
        for (long block : blocksToCheck) {
            byte[] marked = g.view.get(block);
            if (marked == null || c.tree.containsKey(block)) {
                g.recheck.remove(block);
                continue;
            }
            if (g.tainted.contains(block) || g.inflight(block) > 0) continue;
            byte[] disk = c.dev.peekVisible(c.blockToOffset(block), c.blockSize);
            if (!Arrays.equals(disk, marked)) {
                throw violated("AbsentBlockDurableInv", "block " + block + " is not cached and the device differs from the"
                        + " data last marked dirty at byte " + Arrays.mismatch(disk, marked));
            }
            g.recheck.remove(block);
        }
    }
}
