// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The flusher's decisions, one by one, on a thread-less mount (hammer_flusher.c; notes §4):
 * which groups async closes and which seq it hands out, the order in which the master runs
 * groups and dummy seqs, when a partial finalize runs and what it must not touch, the one-cycle
 * lag of the header's first_offset and the tids, haswork, flush_dirty's count, the limits'
 * boundaries. Written for the survivors of the PIT runs FinA/FinB (proofs-notes/pit.md §8.3);
 * every test drives the flusher deterministically (no flusher threads).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerFlusherContractTest {

    /** Records every finalize step a mount reaches, with "/final" or "/partial". */
    static final class Steps implements HammerHooks {
        final List<String> seen = new ArrayList<>();
        @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
            seen.add(step + (fin ? "/final" : "/partial"));
        }
    }

    /** hammer_flusher_async (fl:L91-L127), hammer_flusher_async_one (fl:L144) with a master that does not run inline. */
    @Test void asyncClosesOpenGroupsUpToTheGivenOneAndSignalsTheMaster() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;                          // async only signals; the test is the master
        withFsToken(hmp, () -> {
            assertFalse(f.running(), "a fresh flusher is running");
            HammerFlushGroup g1 = f.newGroup(), g2 = f.newGroup(), g3 = f.newGroup();
            assertEquals(List.of(1, 2, 3), List.of(g1.seq, g2.seq, g3.seq));
            assertSame(g1, f.nextFlushGroup);
            assertSame(g1, f.fillFlushGroup);
            assertEquals(4, f.next);
            assertTrue(f.running(), "seqs 1..3 allocated and none done: running() " + f.next + "/" + f.done);

            assertEquals(g2.seq, f.async(g2), "async(g2) returns g2's seq");
            assertTrue(g1.closed && g2.closed, "every open group up to g2 is closed");
            assertFalse(g3.closed, "async(g2) closed g3, past the group asked for");
            assertSame(g3, f.nextFlushGroup, "next_flush_group is the first open group");
            assertEquals(4, f.next, "async(g2) allocated a seq although g2 was found");
            assertEquals(1, f.signal, "the master was not signalled once");

            assertEquals(g1.seq, f.async(g1), "async of a closed group returns its seq");
            assertEquals(g1.seq, f.asyncOne(), "async_one returns the head's seq");
            assertEquals(1, f.signal, "async of an already closed group signalled the master");
            assertFalse(g3.closed);

            int dummy = f.async(null);                    // closes g3, runs off the end: a fresh seq
            assertTrue(g3.closed);
            assertNull(f.nextFlushGroup);
            assertEquals(4, dummy, "async(null) must hand out the next seq (a dummy one)");
            assertEquals(5, f.next);
            assertEquals(2, f.signal, "each async that closes something signals");
            assertTrue(f.running(), "seqs 1..4 are handed out and none is done");
        });
        drainAsMaster(hmp);
    }

    /** The master loop (fl:L266-L279, hammer_flusher_flush fl:L308-L453): groups in seq order, then the dummy seq, then nomore. */
    @Test void theMasterRunsClosedGroupsInSeqOrderThenTheDummySeqThenStops() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            HammerFlushGroup g1 = f.newGroup(), g2 = f.newGroup();
            f.async(null);                                // closes both, dummy seq 3
            long finals = f.finalFinalizes(), freed = f.groupsFreed, cycles = f.cycles;
            List<Integer> dones = new ArrayList<>();
            List<Boolean> stops = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                stops.add(f.masterStep());
                dones.add(f.done);
            }
            assertEquals(List.of(1, 2, 3, 3), dones, "done after each master step");
            assertEquals(List.of(false, false, false, true), stops, "masterStep's 'stop' after each step");
            assertEquals(2, f.groupsFreed - freed, "both (empty) groups are freed");
            assertTrue(f.flushGroupList.isEmpty());
            assertEquals(2, f.finalFinalizes() - finals, "one final finalize per group, none for a dummy seq without work");
            assertEquals(2, f.cycles - cycles);
            assertFalse(f.flushGroupList.contains(g1) || f.flushGroupList.contains(g2));
            assertFalse(f.running());
            f.waitSeq(3);                                 // done: returns at once
        });
    }

    /** fl:L338-L349: the head group with seq done+1 that is still open stops the master; nothing runs. */
    @Test void anOpenHeadGroupStopsTheMasterWithoutRunningIt() {
        Steps steps = new Steps();
        HammerMount hmp = mount(options(), HammerMutations.none(), steps);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 1));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            HammerFlushGroup g = f.flushGroupList.peekFirst();
            assertNotNull(g);
            assertFalse(g.closed);
            assertTrue(f.masterStep(), "an open head group must stop the master loop");
            assertEquals(0, f.done);
            assertFalse(g.running, "the open group was started");
            assertEquals(List.of(), steps.seen, "a finalize ran for an open group");
            assertEquals(g.seq, f.async(g));
            assertFalse(f.masterStep(), "a closed group was not run");
            assertEquals(g.seq, f.done);
            assertTrue(f.flushGroupList.isEmpty());
            assertEquals(List.of("start/final", "data-issued/final", "undo-issued/partial", "undo-durable/final",
                    "header-issued/final", "end/final"), steps.seen, "one final finalize in the seed's order");
        });
        drainAsMaster(hmp);
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /**
     * The one-cycle lag (fl:L715-L748, L815-L863): a final finalize writes the header with the
     * old in-core first_offset and this cycle's save, then moves the in-core first_offset; the
     * next (dummy) cycle, with UNDO_DIRTY set, carries the new first_offset to the header and
     * clears UNDO_DIRTY; flush_tid1 is always the previous cycle's flush_tid2.
     */
    @Test void aFinalFinalizeMovesFirstOffsetOneCycleLateAndShiftsTheTids() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            long first0 = hmp.undo.first;
            assertEquals(first0, hmp.headerUndoFirst());
            assertFalse(f.haswork(), "a fresh mount has work");
            hmp.put(1, bytes(10, 1));
            HammerInode ip = hmp.frontend.inode(1);
            hmp.frontend.flushInode(ip);
            long tid2Before = hmp.flushTid2;
            long finals = f.finalFinalizes();
            f.waitSeq(f.async(ip.flg));                   // inline: the group's one final finalize
            assertEquals(1, f.finalFinalizes() - finals);
            long save = hmp.undo.next;
            assertNotEquals(first0, save, "the commit appended no UNDO");
            assertEquals(first0, hmp.headerUndoFirst(), "the header got the new first_offset in the same cycle");
            assertEquals(save, hmp.headerUndoNext(), "the header's next_offset is not this cycle's save");
            assertEquals(save, hmp.undo.first, "the in-core first_offset did not move to the save");
            assertTrue(hmp.undoDirty, "UNDO_DIRTY not set after first_offset moved");
            assertEquals(f.tid, hmp.flushTid2, "flush_tid2 is not this cycle's tid");
            assertEquals(tid2Before, hmp.flushTid1, "flush_tid1 is not the previous flush_tid2");
            assertTrue(f.haswork(), "UNDO_DIRTY alone must be work");

            long tidOfGroup = hmp.flushTid2;
            int groupSnapshot = hmp.snapshotCount();
            int dummy = f.async(null);                    // a dummy seq: a cycle only because of UNDO_DIRTY
            f.waitSeq(dummy);
            // its barrier made the group cycle's header durable, but that header names the old
            // first_offset: a crash now undoes the group, so the floor must stay below its snapshot
            assertTrue(hmp.durableFloor() < groupSnapshot, "durable floor " + hmp.durableFloor()
                    + " claims the group's snapshot " + groupSnapshot + " before a header naming its end is durable");
            hmp.headerBarrier();                          // now the dummy cycle's header (first_offset = the save) is durable
            assertEquals(hmp.snapshotCount(), hmp.durableFloor(), "the floor after the header that names the group's end"
                    + " (the dummy cycle appended no UNDO, so it recovers to the dummy cycle's snapshot)");
            assertEquals(2, f.finalFinalizes() - finals, "the dummy seq with UNDO_DIRTY ran no final finalize");
            assertEquals(save, hmp.headerUndoFirst(), "the next cycle did not carry first_offset to the header");
            assertEquals(save, hmp.headerUndoNext());
            assertFalse(hmp.undoDirty, "UNDO_DIRTY still set with first == next");
            assertEquals(tidOfGroup, hmp.flushTid1);
            assertTrue(hmp.flushTid2 > tidOfGroup, "flush_tid2 did not advance: " + hmp.flushTid2);
            assertFalse(f.haswork(), "work left after the dummy cycle");

            f.waitSeq(f.async(null));                     // nothing to do: no finalize
            assertEquals(2, f.finalFinalizes() - finals, "a dummy seq without work ran a finalize");
        });
    }

    /**
     * A partial finalize (fl:L637-L643, notes §4.6 (5)): it runs only above the meta limit, writes
     * data, UNDO, header indices and meta-data, and never moves the in-core first_offset, takes a
     * snapshot, clears the UNDO history or shifts the tids.
     */
    @Test void aPartialFinalizeRunsOnlyAboveTheMetaLimitAndLeavesTheUndoSpanAlone() {
        HammerOptions o = options();
        Steps steps = new Steps();
        HammerMount hmp = mount(o, HammerMutations.none(), steps);
        HammerFlusher f = hmp.flusher();
        hmp.put(1, bytes(10, 1));
        withFsToken(hmp, () -> {
            HammerInode ip = hmp.frontend.inode(1);
            hmp.frontend.flushInode(ip);
            HammerTransaction trans = hmp.startTransaction();
            assertEquals(0, f.inodeSync.sync(trans, ip));  // commits: META modified, UNDO appended
            assertFalse(hmp.metaRoot.isEmpty());
            assertFalse(hmp.undoRoot.isEmpty());
            assertFalse(hmp.dataRoot.isEmpty());
            long pending = hmp.lockedDirtySpace + hmp.ioRunningSpace.get();
            assertTrue(pending > 0);

            o.limitDirtybufspace = pending;               // exactly at the limit: not above it
            assertFalse(f.metaLimit(), "meta_limit at exactly the limit");
            long finalizes = f.finalizes(), finals = f.finalFinalizes();
            f.finalize(trans, false);
            assertEquals(finalizes, f.finalizes(), "a partial finalize ran below the meta limit");
            assertEquals(List.of(), steps.seen);
            assertFalse(hmp.metaRoot.isEmpty());

            o.limitDirtybufspace = pending - 1;
            assertTrue(f.metaLimit(), "meta_limit one byte above the limit");
            long first = hmp.undo.first, tid1 = hmp.flushTid1, tid2 = hmp.flushTid2;
            int snaps = hmp.snapshotsTaken(), history = hmp.undo.history.size();
            long metaWrites = hmp.stats.metaWrites.get(), undoWrites = hmp.stats.undoWrites.get(), dataWrites = hmp.stats.dataWrites.get();
            f.finalize(trans, false);
            assertEquals(finalizes + 1, f.finalizes());
            assertEquals(finals, f.finalFinalizes(), "a partial finalize counted as final");
            assertEquals(List.of("start/partial", "data-issued/partial", "undo-issued/partial", "undo-durable/partial",
                    "header-issued/partial", "end/partial"), steps.seen);
            assertTrue(hmp.metaRoot.isEmpty() && hmp.undoRoot.isEmpty() && hmp.dataRoot.isEmpty(),
                    "a partial finalize left modified buffers: meta " + hmp.metaRoot.size() + " undo " + hmp.undoRoot.size()
                            + " data " + hmp.dataRoot.size());
            assertTrue(hmp.stats.metaWrites.get() > metaWrites && hmp.stats.undoWrites.get() > undoWrites
                    && hmp.stats.dataWrites.get() > dataWrites, "a partial finalize did not write data, UNDO and meta-data");
            assertEquals(hmp.undo.next, hmp.headerUndoNext(), "the header's next_offset is not the save");
            assertEquals(first, hmp.undo.first, "a partial finalize moved the in-core first_offset");
            assertEquals(first, hmp.headerUndoFirst());
            assertEquals(snaps, hmp.snapshotsTaken(), "a partial finalize took a snapshot");
            assertEquals(history, hmp.undo.history.size(), "a partial finalize cleared the UNDO history");
            assertEquals(tid1, hmp.flushTid1);
            assertEquals(tid2, hmp.flushTid2);
            o.limitDirtybufspace = 16L * HammerOndisk.BUFSIZE;
        });
        hmp.sync();
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /** hammer_flusher_meta_limit/halflimit (fl:L923, L939): strictly above the limit (or its half). */
    @Test void theMetaLimitsAreStrictlyAbove() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        hmp.put(1, bytes(10, 1));
        withFsToken(hmp, () -> {
            HammerInode ip = hmp.frontend.inode(1);
            hmp.frontend.flushInode(ip);
            assertEquals(0, f.inodeSync.sync(hmp.startTransaction(), ip));
            long pending = hmp.lockedDirtySpace + hmp.ioRunningSpace.get();
            assertTrue(pending > 0);
            o.limitDirtybufspace = 2 * pending;           // half of it is exactly pending
            assertFalse(f.metaLimit());
            assertFalse(f.metaHalflimit(), "meta_halflimit at exactly half the limit");
            o.limitDirtybufspace = 2 * pending - 2;
            assertFalse(f.metaLimit());
            assertTrue(f.metaHalflimit(), "meta_halflimit one byte above half the limit");
            // bytes of running writes count like locked dirty bytes (io_running_space, fl:L925)
            long running = HammerOndisk.BUFSIZE;
            o.limitDirtybufspace = 2 * (pending + running) - 2;
            hmp.ioRunningSpace.addAndGet(running);        // as if one write were in flight
            try {
                assertTrue(f.metaHalflimit(), "meta_halflimit does not count running bytes");
                o.limitDirtybufspace = pending + running - 1;
                assertTrue(f.metaLimit(), "meta_limit does not count running bytes");
            } finally {
                hmp.ioRunningSpace.addAndGet(-running);
            }
            o.limitDirtybufspace = 16L * HammerOndisk.BUFSIZE;
        });
        hmp.sync();
    }

    /** hammer_flusher_undo_exhausted (fl:L593): space below max * quarter / 4, strictly. */
    @Test void undoExhaustedIsStrictlyBelowItsQuarter() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        HammerUndo u = hmp.undo;
        long next = u.next, ondisk = u.ondiskFirst;
        try {
            for (int q = 1; q <= 3; q++) {
                long threshold = u.max() * q / 4;
                u.ondiskFirst = 0;
                u.next = u.max() - threshold;             // space == threshold
                assertEquals(threshold, u.space());
                assertFalse(f.undoExhausted(q), "undo_exhausted(" + q + ") with space exactly max*" + q + "/4");
                u.next = u.max() - threshold + 1;         // one byte less space
                assertTrue(f.undoExhausted(q), "undo_exhausted(" + q + ") one byte below max*" + q + "/4");
                if (q > 1) assertFalse(f.undoExhausted(q - 1), "undo_exhausted(" + (q - 1) + ") at the threshold of quarter " + q);
            }
        } finally {
            u.next = next;
            u.ondiskFirst = ondisk;
        }
    }

    /** hammer_flusher_haswork (fl:L952-L967): every kind of pending work counts, a read-only mount has none. */
    @Test void hasworkSeesEachKindOfWorkAndNoneWhenReadOnly() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            assertFalse(f.haswork(), "a fresh mount has work");
            hmp.undoDirty = true;
            assertTrue(f.haswork(), "UNDO_DIRTY is work");
            hmp.ronly = 2;
            assertFalse(f.haswork(), "a read-only mount has work");
            hmp.ronly = 0;
            hmp.undoDirty = false;
            hmp.put(1, bytes(10, 1));                     // a modified DATA buffer, nothing else
            assertTrue(f.haswork(), "a modified DATA buffer is work");
            hmp.criticalError = true;
            assertFalse(f.haswork(), "a mount with a critical error has work");
            hmp.criticalError = false;
        });
        hmp.sync();
        withFsToken(hmp, () -> assertFalse(f.haswork(), "work left after sync"));
    }

    /**
     * hammer_flush_dirty (fl:L970-L996): it stops after max_count rounds and then reports -1
     * (quirk Q2: also when the last round succeeded); with less work than rounds it returns 0.
     */
    @Test void flushDirtyStopsAtMaxCount() {
        int[] redo = {0};
        HammerHooks endlessWork = new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
                // a REDO appended after the save keeps UNDO_DIRTY set (fl:L848-L851): more work
                if (step == FinalizeStep.END && fin && redo[0] > 0) {
                    redo[0]--;
                    h.undoDirty = true;
                }
            }
        };
        HammerMount hmp = mount(options(), HammerMutations.none(), endlessWork);
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            long finals = f.finalFinalizes();
            assertEquals(0, f.flushDirty(3), "no work, yet flush_dirty reported -1");
            assertEquals(finals, f.finalFinalizes(), "flush_dirty ran a cycle without work");

            hmp.undoDirty = true;
            redo[0] = 100;                                // more work than 3 rounds
            assertEquals(-1, f.flushDirty(3));
            assertEquals(3, f.finalFinalizes() - finals, "flush_dirty(3) did not stop after 3 rounds");

            redo[0] = 1;                                  // work for 2 rounds, limit 1: -1 (Q2)
            hmp.undoDirty = true;
            assertEquals(-1, f.flushDirty(1), "flush_dirty(1) after its one round");
            assertEquals(4, f.finalFinalizes() - finals);

            redo[0] = 0;                                  // the rest: 1 round, limit 5
            assertEquals(0, f.flushDirty(5), "flush_dirty(5) that needed 1 round reported -1");
            assertEquals(5, f.finalFinalizes() - finals);
            assertFalse(f.haswork());
        });
    }

    /** fl:L567-L574: after each inode, a slave runs a partial finalize when the meta limit is exceeded. */
    @Test void aSlaveRunsAPartialFinalizeAfterAnInodeAboveTheMetaLimit() {
        HammerOptions o = options();
        Steps steps = new Steps();
        HammerMount hmp = mount(o, HammerMutations.none(), steps);
        HammerFlusher f = hmp.flusher();
        HammerFlusher.InodeSync real = f.inodeSync;
        long limit = o.limitDirtybufspace;
        f.inodeSync = (trans, ip) -> {
            int e = real.sync(trans, ip);                 // commits below the limit: no partial finalize inside
            o.limitDirtybufspace = 0;                     // then the pressure rises
            return e;
        };
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        o.limitDirtybufspace = limit;
        f.inodeSync = real;
        assertEquals("start/partial", steps.seen.get(0), "no partial finalize after the inode: " + steps.seen);
        assertTrue(steps.seen.contains("start/final"), String.valueOf(steps.seen));
        assertTrue(steps.seen.indexOf("end/partial") < steps.seen.indexOf("start/final"), String.valueOf(steps.seen));
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /** fl:L645-L646: after a critical error finalize writes nothing and counts nothing. */
    @Test void afterACriticalErrorFinalizeDoesNothing() {
        HammerMount hmp = HammerCriticalFlusherTest.mountFailingSecondInode();
        assertThrows(HammerCriticalError.class, hmp::sync);
        HammerFlusher f = hmp.flusher();
        long finalizes = f.finalizes(), finals = f.finalFinalizes(), writes = hmp.stats.writes.get();
        int snaps = hmp.snapshotsTaken();
        withFsToken(hmp, () -> {
            f.finalize(hmp.startTransaction(), true);
            f.waitSeq(f.next + 5);                        // returns on the critical error, not on done
        });
        assertEquals(finalizes, f.finalizes(), "finalize ran after a critical error");
        assertEquals(finals, f.finalFinalizes());
        assertEquals(snaps, hmp.snapshotsTaken(), "finalize took a snapshot after a critical error");
        assertEquals(writes, hmp.stats.writes.get(), "finalize wrote after a critical error");
    }

    /**
     * The barriers of a final finalize (fl:L696-L713, L773-L784): v4 waits once (barrier 1, after
     * the UNDO writes, before the header); v3 waits a second time (barrier 3, after the header,
     * before the meta-data). Counted on one group's cycle.
     */
    @Test void aV4CycleHasOneBarrierAndAV3CycleTwo() {
        for (int version : new int[] {HammerOndisk.VERSION_4, HammerOndisk.VERSION_3}) {
            HammerOptions o = options();
            o.version = version;
            HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
            HammerFlusher f = hmp.flusher();
            hmp.put(1, bytes(10, 1));
            withFsToken(hmp, () -> {
                HammerInode ip = hmp.frontend.inode(1);
                hmp.frontend.flushInode(ip);
                long barriers = hmp.stats.barriers.get(), finals = f.finalFinalizes();
                f.waitSeq(f.async(ip.flg));
                assertEquals(1, f.finalFinalizes() - finals);
                assertEquals(version == HammerOndisk.VERSION_3 ? 2 : 1, hmp.stats.barriers.get() - barriers,
                        "barriers in one final finalize of a v" + version + " volume");
                assertTrue(hmp.stats.metaWrites.get() > 0 && hmp.stats.volumeWrites.get() > 0);
            });
            hmp.sync();
            assertArrayEquals(bytes(10, 1), hmp.get(1));
        }
    }

    /** fl:L784-L786: a header write that failed stops finalize before the meta-data and the first_offset move. */
    @Test void aFailedHeaderWriteStopsTheCycleBeforeTheMetaData() {
        for (int version : new int[] {HammerOndisk.VERSION_4, HammerOndisk.VERSION_3}) {
            HammerOptions o = options();
            o.version = version;
            HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
            HammerFlusher f = hmp.flusher();
            hmp.put(1, bytes(10, 1));
            HammerFaultTest.failWrites(hmp, 0, HammerOndisk.BUFSIZE, 1);    // the volume header
            long first = hmp.undo.first, finals = f.finalFinalizes();
            int snaps = hmp.snapshotsTaken();
            assertThrows(HammerCriticalError.class, hmp::sync);
            assertTrue(hmp.criticalReason.contains("VOLUME"), hmp.criticalReason);
            assertEquals(0, hmp.stats.metaWrites.get(), "v" + version + ": meta-data written after the header write failed");
            assertEquals(first, hmp.undo.first, "v" + version + ": the in-core first_offset moved after the header write failed");
            assertEquals(finals, f.finalFinalizes(), "v" + version + ": the failed cycle counted as final");
            assertEquals(snaps + 1, hmp.snapshotsTaken(), "v" + version + ": the cycle took its snapshot before the header");
            assertFalse(hmp.metaRoot.isEmpty(), "the meta-data is still modified in memory");
        }
    }

    /**
     * hammer_flusher_clean_loose_ios (fl:L494-L518): every io the kernel left on the lose tree is
     * taken off it and its structure is destroyed (the 1 -> 0 release of an io without a bp);
     * the next get reads the block from the media again.
     */
    @Test void cleanLooseIosDestroysEveryIoOnTheLoseTree() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        hmp.put(0, bytes(10, 1));
        hmp.put(1, bytes(10, 2));
        hmp.sync();
        long blk = firstDataBlock(hmp);
        HammerBuffer b = hmp.bufferAt(blk);
        assertNotNull(b);
        assertFalse(b.modified);
        assertTrue(kernelDeallocate(hmp, b.bp), "HAMMER kept a clean, unreferenced bp");
        assertSame(hmp.loseRoot, b.modRoot);
        withFsToken(hmp, f::cleanLooseIos);
        assertTrue(hmp.loseRoot.isEmpty(), "an io left on the lose tree");
        assertNull(b.modRoot, "mod_root not cleared");
        assertEquals(0, b.lock.refs.get(), "clean_loose_ios left a ref on the io: " + b.lock);
        assertNull(hmp.bufferAt(blk), "the io's structure was not destroyed");
        withFsToken(hmp, f::cleanLooseIos);                 // an empty lose tree: nothing to do
        assertArrayEquals(bytes(10, 1), hmp.get(0), "re-read from the media");
        assertArrayEquals(bytes(10, 2), hmp.get(1));
        assertNotSame(b, hmp.bufferAt(blk), "the destroyed io came back");
    }

    /** fl:L338-L345: when a group starts running, fill_flush_group moves past it (a running group is never filled). */
    @Test void theFillGroupMovesPastAGroupThatStartsRunning() {
        List<String> seen = new ArrayList<>();
        HammerHooks hooks = new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
                if (step != FinalizeStep.START) return;
                HammerFlusher f = h.flusher();
                HammerFlushGroup head = f.flushGroupList.peekFirst();
                seen.add("head " + head.seq + (head.running ? " running" : " idle") + ", fill "
                        + (f.fillFlushGroup == null ? "none" : String.valueOf(f.fillFlushGroup.seq)));
            }
        };
        HammerMount hmp = mount(options(), HammerMutations.none(), hooks);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            f.newGroup();
            f.newGroup();
            f.async(null);
            assertEquals(1, f.fillFlushGroup.seq, "fill_flush_group is the first group, closed or not");
            assertFalse(f.masterStep());
            assertFalse(f.masterStep());
            assertEquals(List.of("head 1 running, fill 2", "head 2 running, fill none"), seen);
            assertNull(f.fillFlushGroup);
            HammerFlushGroup g3 = f.newGroup();
            assertSame(g3, f.fillFlushGroup, "a new group is the fill group when there is none");
        });
        drainAsMaster(hmp);
    }

    /**
     * Thread-less mode (port deviation, class javadoc): a second caller of async while another
     * caller runs the master loop (asleep inside finalize, fs_token released) only gets its seq;
     * the loop already running flushes it. Running a second loop would start the running group
     * again (hammer_flusher_flush's KKASSERT, fl:L340).
     */
    @Test void anAsyncWhileAnotherCallerRunsTheLoopReturnsItsSeqAndTheLoopFlushesIt() throws Exception {
        Object gate = new Object();
        boolean[] open = {false};
        boolean[] armed = {true};
        HammerHooks hold = new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
                if (step != FinalizeStep.START || !fin || !armed[0]) return;
                armed[0] = false;
                while (!open[0]) {                        // tsleep releases fs_token
                    long t = Sleepq.tsleep_interlock(gate);
                    if (open[0]) break;
                    Sleepq.tsleep(gate, t, "flgate", 0);
                }
            }
        };
        HammerMount hmp = mount(options(), HammerMutations.none(), hold);
        HammerFlusher f = hmp.flusher();
        hmp.put(1, bytes(10, 1));
        Throwable[] failed = new Throwable[1];
        Thread syncer = new Thread(() -> {
            try {
                hmp.sync();
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, "syncer");
        syncer.setDaemon(true);
        syncer.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!"flgate".equals(Sleepq.sleepingOn(syncer)) && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals("flgate", Sleepq.sleepingOn(syncer), "the syncer never reached the first final finalize");
        int[] seq = new int[1];
        int[] doneAtReturn = new int[1];
        withFsToken(hmp, () -> {
            seq[0] = f.async(null);
            doneAtReturn[0] = f.done;
        });
        assertEquals(f.next - 1, seq[0], "async did not hand out the next seq");
        assertTrue(seq[0] - doneAtReturn[0] > 0, "the second async ran the loop itself: done " + doneAtReturn[0] + ", seq " + seq[0]);
        withFsToken(hmp, () -> {
            open[0] = true;
            Sleepq.wakeup(gate);
        });
        syncer.join(60_000);
        assertFalse(syncer.isAlive(), "sync did not return after the gate opened; sleepers: " + Sleepq.sleeping());
        assertNull(failed[0], () -> "sync threw " + failed[0]);
        assertTrue(f.done - seq[0] >= 0, "the running loop did not flush the second caller's seq " + seq[0] + ", done " + f.done);
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /**
     * A slave that throws (port addition, fl:L461 loop): the mount becomes critical, the sync that
     * waited reports it, and unmount still returns.
     */
    @Test void aSlaveThatThrowsMakesTheMountCriticalAndSyncReportsIt() {
        HammerOptions o = options();
        o.flusherThreads = 2;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        f.inodeSync = (trans, ip) -> { throw new IllegalStateException("test: inode " + ip.objId + " cannot be synced"); };
        hmp.put(1, bytes(10, 1));
        HammerCriticalError e = assertThrows(HammerCriticalError.class, hmp::sync);
        assertTrue(e.getMessage().contains("flusher slave died") && e.getMessage().contains("cannot be synced"), e.getMessage());
        assertTrue(hmp.isCritical());
        assertTrue(hmp.masterFailure instanceof IllegalStateException, String.valueOf(hmp.masterFailure));
        dev.bioref.kern.HangWatchdog.runBounded("close-after-slave-failure", 60_000_000_000L, hmp::close,
                "mvn -B -pl impl -am test -Dtest=HammerFlusherContractTest -Dsurefire.failIfNoSpecifiedTests=false");
        assertNull(f.masterTd(), "the master is still there after close");
        assertEquals(0, f.slaveThreadsForTest(), "a slave is still there after close");
    }

    /**
     * A master that throws (port addition, fl:L251 loop): the mount becomes critical, sync reports
     * it, and unmount still stops every slave (hammer_flusher_destroy, fl:L218-L243, stops the
     * slaves whether or not the master is still there).
     */
    @Test void aMasterThatThrowsStillLetsUnmountStopTheSlaves() {
        HammerOptions o = options();
        o.flusherThreads = 2;
        boolean[] armed = {true};
        HammerHooks boom = new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
                if (step == FinalizeStep.START && armed[0] && Thread.currentThread().getName().equals("hammer-flusher-master")) {
                    armed[0] = false;
                    throw new IllegalStateException("test: the master fails in finalize");
                }
            }
        };
        HammerMount hmp = mount(o, HammerMutations.none(), boom);
        HammerFlusher f = hmp.flusher();
        hmp.put(1, bytes(10, 1));
        HammerCriticalError e = assertThrows(HammerCriticalError.class, hmp::sync);
        assertTrue(e.getMessage().contains("flusher master died"), e.getMessage());
        assertNull(f.masterTd(), "the master is still there after it threw");
        assertEquals(2, f.slaveThreadsForTest());
        dev.bioref.kern.HangWatchdog.runBounded("close-after-master-failure", 60_000_000_000L, hmp::close,
                "mvn -B -pl impl -am test -Dtest=HammerFlusherContractTest -Dsurefire.failIfNoSpecifiedTests=false");
        assertEquals(0, f.slaveThreadsForTest(), "unmount left the slaves running after the master died");
    }

    /**
     * fl:L806 KKASSERT(modify_refs == 0): a META buffer still inside a modify window when finalize
     * reaches the meta-data (a modifier that did not take the sync lock, which every meta modifier
     * must hold shared) is a panic naming it, and that buffer is not written.
     */
    @Test void aMetaBufferInsideAModifyWindowAtTheMetaStepPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        withFsToken(hmp, () -> {
            HammerBuffer mb = hmp.getBuffer(HammerIoType.META_BUFFER, hmp.geometry.metaBlockOffset(1), false);
            try {
                mb.modify(1);                              // no sync lock, no UNDO: the broken caller
                long metaWrites = hmp.stats.metaWrites.get();
                dev.bioref.kern.Panic p = assertThrows(dev.bioref.kern.Panic.class, () -> f.finalize(hmp.startTransaction(), true));
                assertTrue(p.getMessage().contains("meta io with modify_refs 1"), p.getMessage());
                assertEquals(metaWrites, hmp.stats.metaWrites.get(), "the META buffer in a modify window was written");
                assertTrue(mb.modified && hmp.metaRoot.contains(mb));
                assertEquals(0, f.finalizeLock.lockCount(), "finalize_lock left held after the panic");
                assertEquals(0, f.finalizeWant);
            } finally {
                mb.modifyDone();
                hmp.relBuffer(mb, false);
            }
        });
        hmp.sync();
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /**
     * The header carries what the next mount starts from (fl:L676-L694, L750-L771): the
     * allocation rotor copied into the blockmap at each final finalize, and next_tid raised to
     * the cycle's tid. A remount continues both: new values land in fresh space and every old
     * value is still there.
     */
    @Test void aRemountContinuesTheAllocationAndTheTidsWhereTheLastCycleLeftThem() {
        HammerOptions o = options();
        // not registered with the invariants extension: once closed, its cache is stale against
        // the device the second mount writes (the extension would check it after the test)
        HammerMount hmp = HammerMount.mount(HammerBasicTest.device(o), o, HammerMutations.none(), HammerHooks.NONE);
        for (int k = 0; k < 4; k++) hmp.put(k, bytes(10, k + 1));
        hmp.sync();
        hmp.put(0, bytes(10, 1));
        hmp.sync();                                       // a second group: its tid is above the format's next_tid
        long lastTid = hmp.flusher().tid;
        int rotor = hmp.allocator.chunkRotor;
        dev.bioref.device.LoopbackDevice dev = hmp.device();
        hmp.close();
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertEquals(rotor, again.allocator.chunkRotor, "the allocation rotor did not reach the header");
        assertTrue(lastTid > 1 && again.nextTid >= lastTid, "next_tid " + again.nextTid + " after a group cycle with tid " + lastTid);
        for (int k = 4; k < 8; k++) again.put(k, bytes(10, k + 1));
        again.sync();
        for (int k = 0; k < 8; k++) assertArrayEquals(bytes(10, k + 1), again.get(k), "key " + k);
        again.close();
    }

    /** Runs the master loop on the test thread until it stops (for mounts with externalMaster). */
    static void drainAsMaster(HammerMount hmp) {
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            for (int i = 0; i < 20 && !f.masterStep(); i++) { }
            f.async(null);
            for (int i = 0; i < 20 && !f.masterStep(); i++) { }
            assertFalse(f.running(), "the master loop left seqs undone");
        });
        f.externalMaster = false;
    }
}
