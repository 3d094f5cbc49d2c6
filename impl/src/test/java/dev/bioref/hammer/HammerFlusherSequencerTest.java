// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerFlusher's sequencer and threads (hammer_flusher.c: async, wait, the master and slave
 * threads, create/destroy, hammer_flusher_flush's branches), written for the survivors of PIT run
 * FinB (proofs-notes/pit.md §9.1). Two kinds of test: the sequencer's steps as the flusher trace
 * (HammerFlusherSeq.tla's events) logs them, read event by event; and what the threads do at
 * the points the survivors changed (a group a critical error interrupted stays on the list until
 * unmount; the master steps under fs_token; wait_next waits). Every wait on a thread is judged by
 * "asleep on its channel" against "finished", with a 60 s hang bound only.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerFlusherSequencerTest {
    static final String REPLAY = "mvn -B -pl impl -am test -Dtest=HammerFlusherSequencerTest -Dsurefire.failIfNoSpecifiedTests=false";

    /** The flusher trace's events, each as "Action k=v ..." with the fields named (in their order in the line). */
    static List<String> events(TraceLog log, String... fields) {
        List<String> out = new ArrayList<>();
        for (String l : log.lines()) {
            StringBuilder sb = new StringBuilder(field(l, "action"));
            for (String k : fields) {
                String v = field(l, k);
                if (v != null) sb.append(' ').append(k).append('=').append(v);
            }
            out.add(sb.toString());
        }
        return out;
    }

    static String field(String line, String k) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + k + "\":(\"[^\"]*\"|[^,}]*)").matcher(line);
        return m.find() ? m.group(1).replace("\"", "") : null;
    }

    static HammerOptions traced(TraceLog log, int threads) {
        HammerOptions o = options();
        o.flusherTrace = new HammerFlusherTrace(log);
        o.flusherThreads = threads;
        return o;
    }

    /** A thread-less mount whose master is the test: async only signals, the test calls masterStep (externalMaster). */
    static HammerMount masterless() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.flusher().externalMaster = true;
        return hmp;
    }

    /** Waits until the master has taken every signal and sleeps for the next (60 s hang bound). */
    static void awaitMasterIdle(HammerMount hmp, String what) {
        HammerFlusher f = hmp.flusher();
        long bound = System.nanoTime() + 60_000_000_000L;
        boolean[] idle = {false};
        while (!idle[0] && System.nanoTime() < bound) {
            Thread m = f.masterTd();
            assertNotNull(m, what + ": the master died: " + hmp.masterFailure + "; replay: " + REPLAY);
            withFsToken(hmp, () -> idle[0] = f.signal == 0 && "hmrwwa".equals(Sleepq.sleepingOn(m)));
            if (!idle[0]) {
                try { Thread.sleep(1); } catch (InterruptedException e) { throw new AssertionError(e); }
            }
        }
        assertTrue(idle[0], what + ": the master is not idle after 60 s (signal " + f.signal + ", " + f.masterTd() + "); replay: " + REPLAY);
    }

    // ------------------------------------------------------------------ the flusher trace, thread-less

    /**
     * fl:L72 sync, fl:L91 async, fl:L164 wait, fl:L266-L279 the master loop, run inline: the
     * trace logs Mount (mpc Sleep: no master thread), the client's Async, MasterWake (the caller
     * runs the master's loop), Flush mpc Slaves (the group starts), Finalize mpc Top (freed),
     * Flush mpc Top (the dummy seq async(NULL) handed out after closing the group), Flush mpc
     * Sleep (nomore), Wait with done = the seq sync returns.
     */
    @Test void aThreadlessSyncLogsEachSequencerStep() {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerMount hmp = mount(traced(log, 0), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 1));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            int seq = f.sync();
            assertEquals(2, seq, "sync returns the seq it waited for (async(NULL) ran off the end: a fresh seq)");
            assertEquals(seq, f.done);
        });
        assertEquals(List.of("Mount mpc=Sleep", "AddBegin c=c1", "AddEnd c=c1", "Async c=c1 cseq=2", "MasterWake",
                "Flush mpc=Slaves done=0", "FlushInode", "Finalize mpc=Top done=1", "Flush mpc=Top done=2", "Flush mpc=Sleep done=2",
                "Wait c=c1 cseq=2 done=2"),
                events(log, "mpc", "c", "cseq", "done"));
    }

    /**
     * fl:L91-L127 with a master that does not run inline: async of a given group logs AsyncFlg,
     * of an already closed one AsyncFlg with its seq (fl:L99-L100), async(NULL) logs Async; an async
     * whose caller does not wait is a client of its own ("n1"). A dummy seq's step logs Flush mpc
     * Top, a freed group Finalize mpc Top, nomore Flush mpc Sleep.
     */
    @Test void asyncsAndMasterStepsLogTheirActionsAndClients() {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerMount hmp = mount(traced(log, 0), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            HammerFlushGroup g = f.newGroup();
            assertEquals(1, f.async(g));
            assertEquals(1, f.async(g), "async of a closed group returns its seq");
            assertEquals(2, f.async(null), "async(NULL) with no open group hands out a dummy seq");
            f.asyncNoWait(null);                           // seq 3, a client that does not wait
            assertEquals(1, f.asyncOne(), "async_one returns the head group's seq");
            assertFalse(f.masterStep());                   // g: started and freed
            assertFalse(f.masterStep());                   // dummy seq 2
            assertFalse(f.masterStep());                   // dummy seq 3
            assertTrue(f.masterStep());                    // nomore
            assertEquals(3, f.done);
        });
        assertEquals(List.of("Mount mpc=Sleep", "AsyncFlg c=c1 cseq=1", "AsyncFlg c=c1 cseq=1", "Async c=c1 cseq=2", "Async c=n1 cseq=3",
                "AsyncOne c=c1 cseq=1", "Flush mpc=Slaves done=0", "Finalize mpc=Top done=1", "Flush mpc=Top done=2",
                "Flush mpc=Top done=3", "Flush mpc=Sleep done=3"), events(log, "mpc", "c", "cseq", "done"));
        f.externalMaster = false;
    }

    /** A master step after a critical error is not modelled: it logs Unmodelled and ends the flusher's trace. */
    @Test void aMasterStepAfterACriticalErrorLogsUnmodelled() {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerMount hmp = mount(traced(log, 0), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            HammerFlushGroup g = f.newGroup();
            f.async(g);
            hmp.criticalError("test: the media failed");
            assertTrue(f.masterStep(), "a critical error stops the master loop");
            f.waitSeq(5);                                  // returns on the critical error, not logged: the trace is cut
        });
        assertEquals(List.of("Mount", "AsyncFlg", "Flush", "Unmodelled op=the flush stopped by a critical error"), events(log, "op"));
        f.externalMaster = false;
    }

    /** fl:L164 (port deviation): a wait for a seq that will never be done returns on the critical error, logged Unmodelled. */
    @Test void aWaitThatReturnsOnACriticalErrorLogsUnmodelled() {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerMount hmp = mount(traced(log, 0), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            hmp.criticalError("test: the media failed");
            f.waitSeq(f.done + 1);
        });
        assertEquals(List.of("Mount", "Unmodelled op=hammer_flusher_wait returns on a critical error"), events(log, "op"));
    }

    /**
     * fl:L367-L429: an inode whose sync would block stays in the running group, which is run
     * again: Flush mpc Slaves, FlushInode wouldblock, Finalize mpc Slaves (the re-run), FlushInode,
     * Finalize mpc Top (freed).
     */
    @Test void aGroupRunAgainAfterEwouldblockLogsAFinalizeBackToTheSlaves() {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerMount hmp = mount(traced(log, 0), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        HammerFlusher.InodeSync real = f.inodeSync;
        int[] calls = {0};
        f.inodeSync = (trans, ip) -> calls[0]++ == 0 ? Errno.EWOULDBLOCK : real.sync(trans, ip);
        long reruns = f.wouldblockReruns;
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 1));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            f.sync();
        });
        assertEquals(1, f.wouldblockReruns - reruns);
        assertEquals(List.of("Mount mpc=Sleep", "AddBegin", "AddEnd", "Async", "MasterWake", "Flush mpc=Slaves", "FlushInode wouldblock=true",
                "Finalize mpc=Slaves", "FlushInode wouldblock=false", "Finalize mpc=Top", "Flush mpc=Top", "Flush mpc=Sleep", "Wait"),
                events(log, "mpc", "wouldblock"));
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    // ------------------------------------------------------------------ create: the traces' Mount events

    /** hammer_flusher_create: with threads the flusher trace starts at mpc Top (the master enters its loop); the finalize trace names the version. */
    @Test void createLogsTheMountEventsOfBothTraces() {
        for (int version : new int[] {HammerOndisk.VERSION_4, HammerOndisk.VERSION_4 - 1}) {
            TraceLog seq = TraceLog.inMemory("HammerFlusherSeq");
            TraceLog fin = TraceLog.inMemory("HammerFinalizeCrash");
            HammerOptions o = traced(seq, 1);
            o.version = version;
            o.finalizeTrace = new HammerFinalizeTrace(fin);
            HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
            try {
                assertEquals("Mount mpc=Top", events(seq, "mpc").get(0), "a threaded flusher's first event");
                assertEquals("Mount v4=" + (version >= HammerOndisk.VERSION_4), events(fin, "v4").get(0), "version " + version);
            } finally {
                hmp.close();
            }
        }
    }

    /** The io trace: every io step a finalize makes (flush_data/undos/meta) is the spec's flusher Fl's, whoever runs it. */
    @Test void theIoStepsOfAFinalizeAreLoggedAsTheFlushers() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerOptions o = options();
        o.ioTrace = new HammerIoTrace(log);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        int from = log.lines().size();
        withFsToken(hmp, () -> {
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            hmp.flusher().sync();
        });
        List<String> flushes = new ArrayList<>();
        for (String l : log.lines().subList(from, log.lines().size())) {
            if ("FlushBegin".equals(field(l, "action"))) flushes.add(field(l, "type") + " " + field(l, "thread"));
        }
        assertFalse(flushes.isEmpty(), "no io flushed by the sync: " + log.lines());
        for (String s : flushes) assertTrue(s.endsWith(" Fl"), "an io write of finalize not logged as Fl's: " + flushes);
        assertTrue(flushes.contains("DATA Fl"), "the data write: " + flushes);
    }

    // ------------------------------------------------------------------ threads

    /**
     * fl:L251-L299 with a master thread: the master logs MasterWake when it takes the signal an
     * async left; inFlusher() (the trace's "fl" client) is true on the master's loop and on a
     * slave, false on a client.
     */
    @Test void theMasterThreadLogsItsWakeAndTheFlusherThreadsAreInTheFlusher() {
        TraceLog log = TraceLog.inMemory("HammerFlusherSeq");
        HammerMount hmp = mount(traced(log, 2), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        HammerFlusher.InodeSync real = f.inodeSync;
        List<String> syncedBy = new ArrayList<>();
        f.inodeSync = (trans, ip) -> {
            synchronized (syncedBy) { syncedBy.add(Thread.currentThread().getName() + (f.inFlusher() ? " in" : " out")); }
            return real.sync(trans, ip);
        };
        try {
            assertTrue(f.masterTd().isDaemon(), "the master thread keeps the JVM from exiting");
            int slaves = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("hammer-flusher-slave-")) {
                    slaves++;
                    assertTrue(t.isDaemon(), t + " keeps the JVM from exiting");
                }
            }
            assertTrue(slaves >= 2, "the mount's two slaves not found: " + slaves);
            withFsToken(hmp, () -> {
                assertFalse(f.inFlusher(), "a client is in the flusher");
                hmp.put(1, bytes(10, 1));
                hmp.frontend.flushInode(hmp.frontend.inode(1));
                f.sync();
            });
            awaitMasterIdle(hmp, "the master after the sync");
            assertEquals(1, syncedBy.size(), String.valueOf(syncedBy));
            assertTrue(syncedBy.get(0).startsWith("hammer-flusher-slave-") && syncedBy.get(0).endsWith(" in"),
                    "a slave syncs the inode and is in the flusher: " + syncedBy);
            List<String> ev = events(log);
            int async = ev.indexOf("Async");
            assertTrue(async > 0 && ev.subList(async, ev.size()).contains("MasterWake"), "no MasterWake after the Async: " + ev);
        } finally {
            hmp.close();
        }
        assertEquals(0, f.slaveThreadsForTest());
    }

    /** Thread-less: the caller running the master's loop is in the flusher while it does, and only then. */
    @Test void aCallerRunningTheMastersLoopIsInTheFlusher() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        HammerFlusher.InodeSync real = f.inodeSync;
        List<Boolean> in = new ArrayList<>();
        f.inodeSync = (trans, ip) -> { in.add(f.inFlusher()); return real.sync(trans, ip); };
        withFsToken(hmp, () -> {
            assertFalse(f.inFlusher());
            hmp.put(1, bytes(10, 1));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            f.sync();
            assertFalse(f.inFlusher(), "still in the flusher after the loop");
        });
        assertEquals(List.of(true), in);
    }

    /** fl:L251: the master runs its loop holding fs_token (every finalize step it reaches). */
    @Test void theMasterStepsHoldingFsToken() {
        HammerOptions o = options();
        o.flusherThreads = 1;
        List<String> bad = new ArrayList<>();
        int[] seen = {0};
        HammerHooks hooks = new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, FinalizeStep step, boolean fin) {
                synchronized (bad) {
                    seen[0]++;
                    if (!h.fsToken.heldByMe()) bad.add(Thread.currentThread().getName() + " at " + step);
                }
            }
        };
        HammerMount hmp = mount(o, HammerMutations.none(), hooks);
        try {
            hmp.put(1, bytes(10, 1));
            hmp.sync();
        } finally {
            hmp.close();
        }
        synchronized (bad) {
            assertTrue(seen[0] > 0, "no finalize step seen");
            assertEquals(List.of(), bad, "finalize steps without fs_token");
        }
    }

    /**
     * fl:L373-L374: after a critical error the group it interrupted stays on the list (the master
     * keeps running its steps: a later async's step passes it, fl:L356's check allows a group
     * behind the seq only when the mount is read-only); at unmount the port does what
     * hammer_free_hmp does: the leftover groups are emptied and their inodes leave them.
     */
    @Test void aGroupACriticalErrorInterruptedStaysUntilUnmountAndIsThenEmptied() {
        HammerOptions o = options();
        o.flusherThreads = 2;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        f.inodeSync = (trans, ip) -> { throw new IllegalStateException("test: inode " + ip.objId + " cannot be synced"); };
        AtomicReference<HammerFlushGroup> g = new AtomicReference<>();
        AtomicReference<HammerInode> ip = new AtomicReference<>();
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 1));
            ip.set(hmp.frontend.inode(1));
            hmp.frontend.flushInode(ip.get());
            g.set(f.flushGroupList.peekFirst());
        });
        assertThrows(HammerCriticalError.class, hmp::sync);
        Throwable first = hmp.masterFailure;
        assertTrue(first instanceof IllegalStateException, String.valueOf(first));
        awaitMasterIdle(hmp, "the master after the critical error");
        withFsToken(hmp, () -> {
            assertEquals(List.of(g.get()), List.copyOf(f.flushGroupList), "the interrupted group left the list before unmount");
            assertSame(g.get(), ip.get().flg);
            assertTrue(g.get().running);
            f.async(null);                                 // the master steps past the stuck group
        });
        awaitMasterIdle(hmp, "the master after a step past the stuck group");
        assertSame(first, hmp.masterFailure, "the master's step past the stuck group failed");
        dev.bioref.kern.HangWatchdog.runBounded("close-after-critical", 60_000_000_000L, hmp::close, REPLAY);
        assertNull(f.masterTd());
        assertTrue(f.flushGroupList.isEmpty());
        assertTrue(g.get().flushTree.isEmpty(), "unmount left inodes in the interrupted group");
        assertNull(ip.get().flg, "unmount left the inode in the interrupted group");
    }

    /**
     * fl:L185 wait_next: waits until the head group's seq is done. The master is the test
     * (externalMaster): the waiter must sleep on "hmrfls" until the test runs the step.
     */
    @Test void waitNextSleepsUntilTheMasterHasDoneTheHeadGroup() throws InterruptedException {
        HammerMount hmp = masterless();
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 1));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
        });
        int[] doneSeen = {-1};
        Thread t = new Thread(() -> withFsToken(hmp, () -> { f.waitNext(); doneSeen[0] = f.done; }), "wait-next");
        t.start();
        long bound = System.nanoTime() + 60_000_000_000L;
        String on = null;
        while (t.isAlive() && (on = Sleepq.sleepingOn(t)) == null && System.nanoTime() < bound) Thread.sleep(1);
        assertTrue(t.isAlive(), "wait_next returned before the head group's seq was done (done " + doneSeen[0] + ")");
        assertEquals("hmrfls", on, "wait_next does not sleep in hammer_flusher_wait; replay: " + REPLAY);
        withFsToken(hmp, () -> { while (!f.masterStep()) { } });
        t.join(60_000);
        assertFalse(t.isAlive(), "wait_next still asleep after its seq was done");
        assertEquals(1, doneSeen[0]);
        f.externalMaster = false;
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    // ------------------------------------------------------------------ hammer_flusher_flush's branches

    /**
     * fl:L350-L358: a dummy seq handed out before a group exists is done first; the group behind
     * it (a higher seq at the head) is not run for the dummy seq.
     */
    @Test void aDummySeqHandedOutBeforeAGroupIsDoneFirst() {
        HammerMount hmp = masterless();
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            assertEquals(1, f.async(null));
            HammerFlushGroup g = f.newGroup();
            assertEquals(2, f.async(g));
            assertFalse(f.masterStep());
            assertEquals(1, f.done);
            assertFalse(g.running, "the group ran for the dummy seq before it");
            assertFalse(f.masterStep());
            assertEquals(2, f.done);
            assertTrue(f.flushGroupList.isEmpty());
        });
        f.externalMaster = false;
    }

    /**
     * fl:L435-L439: a dummy seq with work (UNDO_DIRTY after a group's cycle) runs one final
     * finalize, counted as a cycle; the master step also cleans the lose tree (fl:L269) even when
     * there is nothing to flush.
     */
    @Test void aDummySeqWithWorkIsOneCycleAndAnIdleStepCleansTheLoseTree() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        hmp.put(0, bytes(10, 1));
        hmp.put(1, bytes(10, 2));
        hmp.sync();
        HammerBuffer b = hmp.bufferAt(firstDataBlock(hmp));
        assertTrue(kernelDeallocate(hmp, b.bp), "HAMMER kept a clean, unreferenced bp");
        assertSame(hmp.loseRoot, b.modRoot);
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            assertFalse(f.haswork(), "work left after sync");
            assertTrue(f.masterStep(), "an idle master step");
            assertTrue(hmp.loseRoot.isEmpty(), "an idle master step left the lose tree");
            HammerFlushGroup g = f.newGroup();
            hmp.put(2, bytes(10, 3));
            hmp.frontend.flushInode(hmp.frontend.inode(2));
            f.async(g);
            assertFalse(f.masterStep());                   // the group
            assertTrue(f.haswork(), "no UNDO_DIRTY work after a group's cycle");
            long cycles = f.cycles, finals = f.finalFinalizes();
            int dummy = f.async(null);
            assertFalse(f.masterStep());
            assertEquals(dummy, f.done);
            assertEquals(1, f.cycles - cycles, "a dummy seq with work is one cycle");
            assertEquals(1, f.finalFinalizes() - finals);
            assertFalse(f.haswork());
        });
        f.externalMaster = false;
        assertArrayEquals(bytes(10, 3), hmp.get(2));
    }

    /** hammer_reserve_clrdelay (fl:L447-L451): space an overwrite freed is released by the first flush after the durable floor passed it. */
    @Test void aFlushReleasesTheSpaceOfAnOverwriteOnceTheFloorPassesIt() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        long delayed = hmp.allocator.delayedCount();
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 2));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            f.async(null);                                 // the group commits the overwrite: its old chunk is freed with a delay
        });
        assertEquals(delayed + 1, hmp.allocator.delayedCount(), "the overwrite's old chunk is not on the delay list; floor " + hmp.durableFloor());
        hmp.sync();                                        // its last barrier moves the floor past the overwrite
        assertTrue(hmp.durableFloor() >= 2, "floor " + hmp.durableFloor());
        withFsToken(hmp, f::sync);                         // the next flush (a dummy seq) releases the chunk
        assertEquals(0, hmp.allocator.delayedCount(), "a flush after the floor passed the overwrite kept its chunk on the delay list; floor "
                + hmp.durableFloor());
        assertArrayEquals(bytes(10, 2), hmp.get(1));
    }

    // ------------------------------------------------------------------ checks

    /** fl:L107: async closes only open groups; a next_flush_group that is closed is corrupt. */
    @Test void asyncOfAClosedNextFlushGroupPanics() {
        HammerMount hmp = masterless();
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            HammerFlushGroup g = f.newGroup();
            g.closed = true;                               // corrupt: closed but still next_flush_group
            Panic p = assertThrows(Panic.class, () -> f.async(null));
            assertTrue(p.getMessage().contains("hammer_flusher_async: open group expected, got ") && p.getMessage().contains("seq=1"),
                    p.getMessage());
            assertSame(g, f.nextFlushGroup, "the failed async moved next_flush_group");
            g.closed = false;
            f.async(g);
        });
        drainAsMasterThenStop(hmp);
    }

    /**
     * A closed group the test corrupts before the master's step ({@code corrupt}, seeing the flusher
     * and the group; {@code refs} its record refs): the step panics with {@code message} followed
     * by the group; {@code after} checks what the step left and repairs the group; then the
     * loop drains.
     */
    static void aCorruptGroupPanicsTheStep(int refs, java.util.function.BiConsumer<HammerFlusher, HammerFlushGroup> corrupt, String message,
                                           java.util.function.BiConsumer<HammerFlusher, HammerFlushGroup> after) {
        HammerMount hmp = masterless();
        HammerFlusher f = hmp.flusher();
        withFsToken(hmp, () -> {
            HammerFlushGroup g = f.newGroup();
            g.refs = refs;
            f.async(g);
            corrupt.accept(f, g);
            Panic p = assertThrows(Panic.class, f::masterStep);
            assertEquals(message + g, p.getMessage());
            after.accept(f, g);
        });
        drainAsMasterThenStop(hmp);
    }

    /** fl:L340: a closed head group with seq done+1 must not be running already (a corrupt group: running set by hand). */
    @Test void aClosedHeadGroupAlreadyRunningPanics() {
        aCorruptGroupPanicsTheStep(0, (f, g) -> g.running = true, "hammer_flusher_flush: closed group already running ", (f, g) -> {
            assertEquals(0, f.done, "done moved past a group that did not run");
            g.running = false;
        });
    }

    /** fl:L386: the group the master runs must not be next_flush_group (a corrupt pointer back to a closed group). */
    @Test void aRunningGroupThatIsStillNextFlushGroupPanics() {
        aCorruptGroupPanicsTheStep(0, (f, g) -> f.nextFlushGroup = g, "hammer_flusher_flush: next_flush_group is the running ", (f, g) -> {
            assertEquals(0, f.finalizes(), "a finalize ran for the group");
            f.nextFlushGroup = null;
            g.running = false;
        });
    }

    /** fl:L422-L423: a group whose tree is empty after its cycle must hold no record refs (a corrupt count). */
    @Test void anEmptyGroupWithRecordRefsPanicsWhenFreed() {
        aCorruptGroupPanicsTheStep(1, (f, g) -> { }, "hammer_flusher_flush: empty group with refs ", (f, g) -> {
            assertSame(g, f.flushGroupList.peekFirst(), "the group was freed");
            g.refs = 0;
            g.running = false;
        });
    }

    /** fl:L428: a group run again (EWOULDBLOCK) must still be the list's head (a group slipped in front by hand). */
    @Test void aGroupRunAgainThatIsNoLongerTheHeadPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerFlusher f = hmp.flusher();
        HammerFlusher.InodeSync real = f.inodeSync;
        HammerFlushGroup intruder = new HammerFlushGroup(99);
        int[] calls = {0};
        f.inodeSync = (trans, ip) -> {
            if (calls[0]++ > 0) return real.sync(trans, ip);
            f.flushGroupList.addFirst(intruder);           // corrupt: a group in front of the running one
            return Errno.EWOULDBLOCK;                      // the group is run again
        };
        f.externalMaster = true;
        withFsToken(hmp, () -> {
            hmp.put(1, bytes(10, 1));
            hmp.frontend.flushInode(hmp.frontend.inode(1));
            HammerFlushGroup g = f.flushGroupList.peekFirst();
            f.async(g);
            Panic p = assertThrows(Panic.class, f::masterStep);
            assertEquals("hammer_flusher_flush: re-run group not at the head " + g, p.getMessage());
            assertEquals(1, calls[0], "the group was run again past the check");
            f.flushGroupList.remove(intruder);
            f.inodeSync = real;
            g.running = false;
        });
        drainAsMasterThenStop(hmp);
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    static void drainAsMasterThenStop(HammerMount hmp) { HammerFlusherContractTest.drainAsMaster(hmp); }
}
