// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.hammer.HammerHooks.FinalizeStep;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Kthread;
import dev.bioref.kern.Pause;
import dev.bioref.kern.PausePoint;
import dev.bioref.kern.Sleepq;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;

/**
 * hammer_flusher.c: flush groups and their sequence numbers, the master and slave threads, and
 * {@link #finalize}, which decides the order in which data, UNDO, the volume header and
 * meta-data reach the media.
 *
 * <p>Interface (callers hold fs_token):
 * <ul>
 *   <li>{@link #async}/{@link #asyncOne} close groups and return the sequence number to wait
 *       for; {@link #waitSeq} waits until it is done; {@link #sync} is both.</li>
 *   <li>{@link #finalize} is called by the master (and by slaves under pressure) only.</li>
 * </ul>
 * With {@code options.flusherThreads == 0} there are no threads: {@link #async} runs the
 * master's loop on the caller (deviation: the seed's thread-less async just returns done);
 * the simulation uses this for determinism.
 *
 * <p>Sequence numbers: {@code done} is the last completed seq, {@code next} the next to hand out,
 * both compared with wrap-safe subtraction. All fields are guarded by fs_token.
 */
public final class HammerFlusher {
    // Every field is guarded by fs_token unless its comment says otherwise (hmp->flusher in the seed).
    private final HammerMount hmp;                 // the mount flushed; immutable

    // ---- flush groups and sequence numbers (hammer.h struct hammer_flusher)
    final LinkedList<HammerFlushGroup> flushGroupList = new LinkedList<>();   // hmp->flush_group_list: groups in seq order
    HammerFlushGroup nextFlushGroup;   // hmp->next_flush_group: first open (not yet closed) group, or null
    HammerFlushGroup fillFlushGroup;   // hmp->fill_flush_group: first group that may still be filled (never running)
    int signal;                        // flusher.signal: async requests the master has not yet taken
    int done;                          // flusher.done: the last completed seq (compared wrap-safe)
    int next = 1;                      // flusher.next: the next seq to hand out
    int groupLock;                     // flusher.group_lock: threads adding inodes to a group; the master waits for 0
    long tid;                          // flusher.tid: the transaction id of the running flush (set at fl:L414)

    // ---- finalize
    final HammerLock finalizeLock = new HammerLock();   // flusher.finalize_lock: one finalize at a time; its own lock
    int finalizeWant;                  // flusher.finalize_want: threads in or waiting for finalize

    // ---- threads
    private volatile Thread master;    // flusher.td: the master thread; null before create and after it exits (read unlocked)
    private volatile boolean threaded; // create() started threads, so master == null means the master exited (read unlocked)
    private final List<Slave> slaves = new ArrayList<>();     // every slave, by index
    private final List<Slave> readyList = new ArrayList<>();  // flusher.ready_list: idle slaves
    private final List<Slave> runList = new ArrayList<>();    // flusher.run_list: slaves working on the current group
    boolean exiting;                   // flusher.exiting: destroy asked the threads to stop
    volatile boolean abandon;          // the mount is thrown away (a simulated crash): stop at once; written once
    private boolean inlineRunning;     // the thread-less master loop is running on a caller (no re-entry)
    private Thread stepper;            // the thread inside masterStep, or null (trace: adds it makes are the flusher's)
    private boolean noWait;            // trace: the async being made is one whose caller does not wait
    private String flushOutcome;       // trace: how the last flush() ended ("nomore", "dummy", "freed", "stopped")

    // ---- trace events for HammerFlusherSeq.tla (issue 15): null (off) unless HammerOptions.flusherTrace; set by create
    HammerFlusherTrace trace;
    // ---- trace events for HammerFinalizeCrash.tla (finalize's order and values): null (off) unless HammerOptions.finalizeTrace
    HammerFinalizeTrace ftrace;

    // ---- sleep channels (the seed sleeps on the fields' addresses); immutable
    private final Object signalChan = new Object();    // &flusher.signal: the master waits for work
    private final Object doneChan = new Object();      // &flusher.done: hammer_flusher_wait's sleepers
    private final Object readyChan = new Object();     // &flusher.ready_list: the master waits for its slaves
    private final Object exitChan = new Object();      // &flusher.exiting: destroy waits for the threads
    final Object finalizeWantChan = new Object();      // &flusher.finalize_want
    final Object groupLockChan = new Object();         // &flusher.group_lock

    // ---- test seams
    /** The master thread, or null (tests: to find it in Sleepq.sleeping()). */
    Thread masterTd() { return master; }

    /** Slave threads that have not yet left their loop (tests: destroy must wait for each; waits.md H13d). */
    int slaveThreadsForTest() {
        int n = 0;
        for (Slave s : slaves) if (s.td != null) n++;
        return n;
    }

    /** Wakes the master as hammer_flusher_async would (tests: rescue after an asyncSkipsWakeup mutant). */
    void wakeMasterForTest() { Sleepq.wakeup(signalChan); }

    /** Wakes every slave and the master's ready-list wait (tests: rescue after a dispatch or slave-done mutant). */
    void wakeSlavesForTest() {
        for (Slave s : slaves) Sleepq.wakeup(s);
        Sleepq.wakeup(readyChan);
    }

    /**
     * Flusher Lincheck: with no flusher threads, {@link #async} only signals, as it does for a
     * master thread, instead of running the master's loop on the caller; the test calls
     * {@link #masterStep} itself. Set once before use.
     */
    boolean externalMaster;

    /** How a slave commits one inode (hammer_sync_inode); a test seam replaces it with a stub. */
    interface InodeSync { int sync(HammerTransaction trans, HammerInode ip); }

    InodeSync inodeSync;               // HammerFrontend.syncInode, or the flusher Lincheck test's stub; set before use

    // ---- statistics (read by tests and the simulation)
    long finalizes, finalFinalizes, cycles, groupsFreed, wouldblockReruns;

    private final class Slave {
        final int index;               // position in slaves; immutable
        Thread td;                     // the slave's thread; written once by create
        int runstate;                  // 0 ready, 1 run, -1 exit; fs_token
        HammerFlushGroup flg;          // the group handed to it; fs_token
        HammerTransaction trans;       // the master's transaction it works in; fs_token
        Slave(int index) { this.index = index; }
    }

    HammerFlusher(HammerMount hmp) {
        this.hmp = hmp;
        this.inodeSync = hmp.frontend::syncInode;
    }

    boolean threaded() { return master != null; }

    /** Final finalizes completed (flush cycles). */
    public long finalFinalizes() { return finalFinalizes; }

    /** All finalizes run, final or not. */
    public long finalizes() { return finalizes; }

    // hammer_flusher.c hammer_flusher_sync(), L72
    public int sync() {
        int seq = async(null);
        waitSeq(seq);
        return seq;
    }

    // hammer_flusher.c hammer_flusher_async(), L91
    public int async(HammerFlushGroup closeFlg) {
        return async(closeFlg, closeFlg == null ? "Async" : "AsyncFlg");
    }

    /** {@link #async} for a caller that does not wait for the seq (trace: a client of its own). */
    void asyncNoWait(HammerFlushGroup closeFlg) {
        noWait = true;
        try {
            async(closeFlg);
        } finally {
            noWait = false;
        }
    }

    /** async; {@code action} names the spec action for the trace (Async, AsyncOne, or AsyncFlg: a given group). */
    private int async(HammerFlushGroup closeFlg, String action) {
        if (closeFlg != null && closeFlg.closed) {
            if (trace != null) trace.async(this, action, traceClientOfAsync(), closeFlg.seq);
            return closeFlg.seq;
        }
        HammerFlushGroup flg;
        while ((flg = nextFlushGroup) != null) {
            HammerFlushGroup f = flg;
            Panic.KKASSERT(!flg.closed && !flg.running, () -> "hammer_flusher_async: open group expected, got " + f);
            flg.closed = true;
            nextFlushGroup = after(flg);
            if (flg == closeFlg) break;
        }
        int seq = flg != null ? flg.seq : next++;
        if (trace != null) trace.async(this, action, traceClientOfAsync(), seq);
        if (threaded() || externalMaster) {
            if (signal++ == 0 && !hmp.mutations.asyncSkipsWakeup) Sleepq.wakeup(signalChan);
        } else {
            runInline();
        }
        return seq;
    }

    // hammer_flusher.c hammer_flusher_async_one(), L144
    public int asyncOne() {
        HammerFlushGroup flg = flushGroupList.peekFirst();
        return async(flg, "AsyncOne");
    }

    private String traceClientOfAsync() {
        return noWait && !inFlusher() ? trace.noWaitClient() : trace.client(this);
    }

    /** Trace: the current thread runs the master's loop or is a slave (its adds are the flusher's, not a client's). */
    boolean inFlusher() {
        Thread t = Thread.currentThread();
        if (t == stepper) return true;
        for (Slave s : slaves) if (s.td == t) return true;
        return false;
    }

    // hammer_flusher.c hammer_flusher_wait(), L164 (deviation: also returns once the mount has a
    // critical error, because the master stops advancing done; callers then report the error)
    public void waitSeq(int seq) {
        for (;;) {
            long t = Sleepq.tsleep_interlock(doneChan);
            if (seq - done <= 0 || hmp.criticalError || master == null && threaded) {
                if (trace != null) {
                    if (seq - done <= 0) trace.waitDone(this, trace.client(this), seq);
                    else trace.unmodelled(this, "hammer_flusher_wait returns on a critical error");
                }
                return;
            }
            if (hmp.mutations.flusherWaitSkipsWait) {   // mutation: return before seq is done
                if (trace != null) trace.waitDone(this, trace.client(this), seq);
                return;
            }
            Pause.at(PausePoint.FLUSHER_WAIT_INTERLOCKED);
            Sleepq.tsleep(doneChan, t, "hmrfls", 0);
        }
    }

    // hammer_flusher.c hammer_flusher_running(), L176
    public boolean running() { return (next - 1) - done > 0; }

    // hammer_flusher.c hammer_flusher_wait_next(), L185
    public void waitNext() { waitSeq(asyncOne()); }

    private HammerFlushGroup after(HammerFlushGroup flg) {
        int i = flushGroupList.indexOf(flg);
        return i + 1 < flushGroupList.size() ? flushGroupList.get(i + 1) : null;
    }

    /** Creates a group with the next sequence number at the list's tail (hammer_flush_inode's part). */
    HammerFlushGroup newGroup() {
        HammerFlushGroup flg = new HammerFlushGroup(next++);
        flushGroupList.addLast(flg);
        if (nextFlushGroup == null) nextFlushGroup = flg;
        if (fillFlushGroup == null) fillFlushGroup = flg;
        return flg;
    }

    // hammer_flusher.c hammer_flusher_create(), L194
    void create(int nslaves) {
        signal = 0;
        done = 0;
        next = 1;
        finalizeLock.ref();
        trace = hmp.options.flusherTrace;
        if (trace != null) trace.mount(this, nslaves > 0);
        ftrace = hmp.options.finalizeTrace;
        if (ftrace != null) ftrace.mount(this, hmp.version >= HammerOndisk.VERSION_4, hmp.undo.nextSeq);
        if (nslaves <= 0) return;
        for (int i = 0; i < nslaves; i++) {
            Slave s = new Slave(i);
            s.td = new Kthread(() -> slaveThread(s), "hammer-flusher-slave-" + i);
            s.td.setDaemon(true);
            slaves.add(s);
            readyList.add(s);
        }
        threaded = true;
        master = new Kthread(this::masterThread, "hammer-flusher-master");
        master.setDaemon(true);
        for (Slave s : slaves) s.td.start();
        master.start();
    }

    // hammer_flusher.c hammer_flusher_destroy(), L218
    void destroy() {
        // No threads were created (thread-less mount): nothing to stop. Not "master == null": a
        // master that died of an exception leaves its slaves, which must still be stopped.
        if (!threaded) return;
        exiting = true;
        while (master != null) {
            ++signal;
            Sleepq.wakeup(signalChan);
            if (hmp.mutations.destroySkipsWait) break;     // mutation: do not wait for the master to exit
            long t = Sleepq.tsleep_interlock(exitChan);
            if (master == null) break;
            Sleepq.tsleep(exitChan, t, "hmrwex", Sleepq.HZ_NANOS);
        }
        for (Slave s : new ArrayList<>(readyList)) {
            Panic.KKASSERT(s.runstate == 0, () -> "hammer_flusher_destroy: slave " + s.index + " runstate " + s.runstate);
            s.runstate = -1;
            Sleepq.wakeup(s);
            while (s.td != null && !hmp.mutations.destroySkipsWait) {   // mutation: do not wait for the slave
                long t = Sleepq.tsleep_interlock(s);
                if (s.td == null) break;
                Sleepq.tsleep(s, t, "hmrwwc", 0);
            }
            readyList.remove(s);
        }
    }

    // hammer_flusher.c hammer_flusher_master_thread(), L251
    private void masterThread() {
        hmp.fsToken.gettoken();
        try {
            for (;;) {
                masterLoopOnce();
                if (exiting && hmp.criticalError) dropGroupsLeftByCriticalError();
                if (abandon || (exiting && flushGroupList.isEmpty())) break;
                while (signal == 0) {
                    if (hmp.mutations.masterIdleSkipsWait && !abandon && !exiting) {   // mutation: poll, never sleep
                        hmp.fsToken.reltoken();
                        Thread.yield();
                        hmp.fsToken.gettoken();
                        continue;
                    }
                    long t = Sleepq.tsleep_interlock(signalChan);
                    if (signal != 0) break;
                    Sleepq.tsleep(signalChan, t, "hmrwwa", 0);
                }
                signal = 0;
                if (trace != null) trace.masterWake(this);
            }
        } catch (RuntimeException | Error e) {
            hmp.criticalError("flusher master died: " + e);
            hmp.masterFailure = e;
        } finally {
            master = null;
            if (!hmp.mutations.masterExitSkipsWakeup) Sleepq.wakeup(exitChan);
            Sleepq.wakeup(doneChan);
            hmp.fsToken.reltoken();
        }
    }

    /**
     * Unmount after a critical error: the group the error interrupted stays on the list for
     * good (fl:L373-374), and the master exits only with an empty list (fl:L284), so destroy
     * would signal it forever. hammer_free_hmp (hammer_vfsops.c, not a seed) destroys the
     * remaining inodes and frees the leftover groups before hammer_flusher_destroy; the port
     * does the same here, on the master at its idle point, so no step is cut in the middle.
     */
    private void dropGroupsLeftByCriticalError() {
        for (HammerFlushGroup g : flushGroupList) {
            for (HammerInode ip : g.flushTree.values()) {
                if (ip.flg == g) ip.flg = null;
            }
            g.flushTree.clear();
        }
        flushGroupList.clear();
        nextFlushGroup = null;
        fillFlushGroup = null;
    }

    /** The master's inner loop: flush until nothing more can be done now. */
    private void masterLoopOnce() {
        while (!masterStep()) { }
    }

    /**
     * One iteration of the master's inner loop (fl:L266-L279): wait for group_lock, clean the
     * loose ios, flush the next sequence number, publish it as done. Returns true when the loop
     * stops (nothing more to flush now, or a critical error). Called by the master only, and by
     * the flusher Lincheck test, which drives the master itself ({@link #externalMaster}).
     */
    boolean masterStep() {
        Thread outer = stepper;
        stepper = Thread.currentThread();
        try {
            return masterStepLocked();
        } finally {
            stepper = outer;
        }
    }

    private boolean masterStepLocked() {
        while (groupLock != 0) {
            long t = Sleepq.tsleep_interlock(groupLockChan);
            if (groupLock == 0) break;
            Sleepq.tsleep(groupLockChan, t, "hmrhld", 0);
        }
        cleanLooseIos();
        boolean[] nomore = new boolean[1];
        int seq = flush(nomore);
        Panic.KKASSERT(seq - done >= 0, () -> "FlusherSeqInv: done would go back from " + done + " to " + seq);
        done = seq;
        if (trace != null) {
            if (hmp.criticalError || abandon || flushOutcome.equals("stopped")) trace.unmodelled(this, "the flush stopped by a critical error");
            else if (flushOutcome.equals("freed")) trace.finalizeGroup(this, "Top");
            else trace.flush(this, flushOutcome.equals("nomore") ? "Sleep" : "Top");
        }
        if (!hmp.mutations.flusherSkipsDoneWakeup) Sleepq.wakeup(doneChan);   // fl:L273
        return hmp.criticalError || nomore[0] || abandon;
    }

    private void runInline() {
        if (inlineRunning) return;     // a finalize inside the loop asked again: the loop will see it
        inlineRunning = true;
        if (trace != null) trace.masterWake(this);
        try {
            masterLoopOnce();
        } finally {
            inlineRunning = false;
        }
    }

    // hammer_flusher.c hammer_flusher_flush(), L308
    private int flush(boolean[] nomore) {
        int seq = done + 1;
        HammerFlushGroup flg = flushGroupList.peekFirst();
        flushOutcome = "dummy";
        if (flg == null) {
            if (seq == next) {
                flushOutcome = "nomore";
                nomore[0] = true;
                return done;
            }
        } else if (flg.seq == seq) {
            if (flg.closed) {
                HammerFlushGroup f = flg;
                Panic.KKASSERT(!flg.running, () -> "hammer_flusher_flush: closed group already running " + f);
                flg.running = true;
                if (fillFlushGroup == flg) fillFlushGroup = after(flg);
                if (trace != null) trace.flush(this, "Slaves");
            } else {
                flushOutcome = "nomore";
                nomore[0] = true;
                return done;
            }
        } else {
            HammerFlushGroup f = flg;
            int s = seq;
            Panic.KKASSERT(flg.seq - seq > 0 || hmp.ronly >= 2,
                    () -> "hammer_flusher_flush: group seq " + f.seq + " behind the next seq " + s);
            flg = null;
        }

        int count = 0;
        while (flg != null && flg.running) {
            ++count;
            if (hmp.criticalError) {
                flushOutcome = "stopped";
                break;
            }
            HammerTransaction trans = hmp.startTransaction();
            if (undoExhausted(3)) finalize(trans, false);   // quirk Q1: a no-op unless meta_limit is also reached
            HammerFlushGroup f = flg;
            Panic.KKASSERT(nextFlushGroup != flg, () -> "hammer_flusher_flush: next_flush_group is the running " + f);
            runSlaves(flg, trans);
            finalize(trans, true);
            tid = trans.tid;
            cycles++;
            if (flg.flushTree.isEmpty()) {
                Panic.KKASSERT(flg.refs == 0, () -> "hammer_flusher_flush: empty group with refs " + f);
                flushGroupList.remove(flg);
                if (fillFlushGroup == flg) fillFlushGroup = after(flg);
                groupsFreed++;
                flushOutcome = "freed";
                break;
            }
            Panic.KKASSERT(flushGroupList.peekFirst() == flg, () -> "hammer_flusher_flush: re-run group not at the head " + f);
            wouldblockReruns++;
            if (trace != null) trace.finalizeGroup(this, "Slaves");
        }
        if (count == 0 && haswork()) {
            HammerTransaction trans = hmp.startTransaction();
            finalize(trans, true);
            cycles++;
        }
        hmp.allocator.clrdelay(hmp);
        return seq;
    }

    /** Hands the group to every ready slave and waits until all are back (fl:L388-408). */
    private void runSlaves(HammerFlushGroup flg, HammerTransaction trans) {
        if (slaves.isEmpty()) {
            for (HammerInode ip : new ArrayList<>(flg.flushTree.values())) flushInode(ip, trans);
            return;
        }
        for (Slave s : new ArrayList<>(readyList)) {
            s.flg = flg;
            s.trans = trans;
            s.runstate = 1;
            readyList.remove(s);
            runList.add(s);
            if (!hmp.mutations.dispatchSkipsWakeup) Sleepq.wakeup(s);
        }
        while (!runList.isEmpty()) {
            long t = Sleepq.tsleep_interlock(readyChan);
            if (runList.isEmpty()) break;
            Sleepq.tsleep(readyChan, t, "hmrfcc", 0);
        }
    }

    // hammer_flusher.c hammer_flusher_slave_thread(), L461
    private void slaveThread(Slave s) {
        hmp.fsToken.gettoken();
        try {
            for (;;) {
                while (s.runstate == 0) {
                    if (hmp.mutations.slaveIdleSkipsWait) {   // mutation: poll, never sleep
                        hmp.fsToken.reltoken();
                        Thread.yield();
                        hmp.fsToken.gettoken();
                        continue;
                    }
                    long t = Sleepq.tsleep_interlock(s);
                    if (s.runstate != 0) break;
                    Sleepq.tsleep(s, t, "hmrssw", 0);
                }
                if (s.runstate < 0) break;
                try {
                    for (HammerInode ip : new ArrayList<>(s.flg.flushTree.values())) {
                        if (ip.flg == s.flg) flushInode(ip, s.trans);
                    }
                } catch (RuntimeException | Error e) {
                    hmp.criticalError("flusher slave died: " + e);
                    hmp.masterFailure = e;
                }
                s.runstate = 0;
                s.flg = null;
                runList.remove(s);
                readyList.add(s);
                if (!hmp.mutations.slaveDoneSkipsWakeup) Sleepq.wakeup(readyChan);
            }
        } finally {
            s.td = null;
            if (!hmp.mutations.slaveExitSkipsWakeup) Sleepq.wakeup(s);
            hmp.fsToken.reltoken();
        }
    }

    /** Runs one io's iteration of a finalize loop as the spec's flusher Fl (trace events only). */
    private void asFlusher(Runnable r) {
        if (hmp.ioTrace != null) hmp.ioTrace.asFlusher(r); else r.run();
    }

    // hammer_flusher.c hammer_flusher_clean_loose_ios(), L494
    void cleanLooseIos() {
        if (hmp.loseRoot.isEmpty()) return;
        hmp.ioToken.gettoken();
        try {
            HammerIo io;
            while ((io = hmp.loseRoot.first()) != null) {
                HammerIo i = io;
                Panic.KKASSERT(io.modRoot == hmp.loseRoot, () -> "hammer_flusher_clean_loose_ios: io on " + i.modRoot);
                hmp.loseRoot.remove(io);
                io.modRoot = null;
                io.lock.ref();
                // not logged: a ref taken and dropped on an io without a bp (spec: modRoot LOSE -> NONE only)
                if (hmp.ioTrace != null) hmp.ioTrace.quietly(() -> hmp.relBuffer((HammerBuffer) i, false));
                else hmp.relBuffer((HammerBuffer) io, false);
            }
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // hammer_flusher.c hammer_flusher_flush_inode(), L529
    private void flushInode(HammerInode ip, HammerTransaction trans) {
        if (ip.slaveflush) return;
        ip.slaveflush = true;
        cleanLooseIos();
        int error = inodeSync.sync(trans, ip);
        if (error != 0 && error != Errno.EWOULDBLOCK && trace != null) trace.unmodelled(this, "an inode sync failed: " + Errno.name(error));
        if (error != 0) {
            ip.wouldblock = true;
            if (error == Errno.EWOULDBLOCK) error = 0;
        }
        hmp.frontend.syncInodeDone(ip, error);
        while (finalizeWant != 0 && !hmp.mutations.finalizeWantSkipsWait) {   // mutation: do not wait
            long t = Sleepq.tsleep_interlock(finalizeWantChan);
            if (finalizeWant == 0) break;
            Sleepq.tsleep(finalizeWantChan, t, "hmrsxx", 0);
        }
        if (undoExhausted(1)) {
            hmp.stats.emergencyFinalizes.incrementAndGet();
            finalize(trans, true);       // commits a partial group: the UNDO FIFO is nearly full
        } else if (metaLimit()) {
            finalize(trans, false);
        }
    }

    // hammer_flusher.c hammer_flusher_undo_exhausted(), L593
    boolean undoExhausted(int quarter) {
        return hmp.undo.space() < hmp.undo.max() * quarter / 4;
    }

    /** A write finalize does not issue at this place (the seed's, or a mutant's other place). */
    private static final Runnable NOT_HERE = () -> { };

    // hammer_flusher.c hammer_flusher_finalize(), L617
    void finalize(HammerTransaction trans, boolean fin) {
        HammerVolume root = hmp.rootVolume;
        // The finalize mutants (notes §7.2) move a write or drop a barrier. Each place is chosen
        // once, here, so that the seed's order reads straight through below.
        HammerMutations m = hmp.mutations;
        Runnable step3Data = m.dataAfterMeta ? NOT_HERE : this::flushData;                     // seed: data first
        Runnable metaBeforeUndoBarrier = m.metaBeforeUndoBarrier ? this::flushMeta : NOT_HERE;  // mutant 1 only
        Runnable step10Meta = m.metaBeforeUndoBarrier ? NOT_HERE : this::flushMeta;            // seed: meta after barrier 1
        Runnable dataAfterMeta = m.dataAfterMeta ? this::flushData : NOT_HERE;                  // mutant 5 only
        boolean v3HeaderBarrier = hmp.version < HammerOndisk.VERSION_4 && !m.v3NoHeaderBarrier;  // mutant 3 drops it
        ++finalizeWant;
        finalizeLock.lockEx();
        try {
            if (!fin && !metaLimit()) return;
            if (hmp.criticalError) return;
            finalizes++;
            hmp.hooks.finalizeStep(hmp, FinalizeStep.START, fin);
            if (ftrace != null) ftrace.begin(this, fin);

            step3Data.run();
            hmp.hooks.finalizeStep(hmp, FinalizeStep.DATA_ISSUED, fin);

            hmp.syncLockEx(trans);
            try {
                // From here meta-data cannot change: every meta modifier holds the sync lock shared.
                long seqAtLockEx = hmp.undo.nextSeq;
                if (ftrace != null) ftrace.syncEx(this);
                if (fin) {
                    hmp.finalSnapshot();
                    if (root.modified) {
                        hmp.modifyVolume(trans, HammerOndisk.BLOCKMAP_UNDO_OFF, HammerOndisk.BLOCKMAP_UNDO_LEN);
                        hmp.copyBlockmapToHeader();
                        hmp.modifyVolumeDone();
                    }
                }
                if (ftrace != null) ftrace.lockEx(this, hmp.undo.nextSeq - seqAtLockEx, hmp.snapshotCount());
                long saveNext;
                long saveSeq;
                hmp.undo.undoLock.lockEx();
                saveNext = hmp.undo.next;
                saveSeq = hmp.undo.nextSeq;
                hmp.undo.undoLock.unlock();
                metaBeforeUndoBarrier.run();
                flushUndos(saveSeq);
                // UNDO is durable here; only now may the header point at it and meta-data be written.
                hmp.hooks.finalizeStep(hmp, FinalizeStep.UNDO_DURABLE, fin);
                if (hmp.criticalError) {
                    if (ftrace != null) ftrace.unmodelled(this, "finalize stopped by a critical error");
                    return;
                }

                setHeaderUndoIndices(saveNext, saveSeq);
                if (root.modified) {
                    hmp.modifyVolumeNoundo();
                    hmp.setHeaderNextTid(trans.tid);
                    hmp.modifyVolumeDone();
                    root.writeInterlock();
                    root.flush(false);
                    root.doneInterlock();
                    hmp.headerIssued();
                    hmp.hooks.finalizeStep(hmp, FinalizeStep.HEADER_ISSUED, fin);
                }
                if (ftrace != null) ftrace.header(this, hmp.headerUndoSeqs());
                cleanLooseIos();
                if (v3HeaderBarrier) {
                    hmp.waitAll(true);
                    // v3: the header (and its next_offset) is durable here; only now may meta-data be written.
                    if (ftrace != null) ftrace.barrier(this, "FinBarrier3", hmp.durableFloor);
                }
                if (hmp.criticalError) {
                    if (ftrace != null) ftrace.unmodelled(this, "finalize stopped by a critical error");
                    return;
                }

                step10Meta.run();
                dataAfterMeta.run();

                if (fin) advanceUndoFirst(trans, saveNext, saveSeq);
                hmp.hooks.finalizeStep(hmp, FinalizeStep.END, fin);
                if (ftrace != null) ftrace.fin(this, hmp.undo.firstSeq, hmp.snapshotCount());
            } finally {
                hmp.syncUnlock(trans);
                if (hmp.criticalError) hmp.log("Critical write error during flush, refusing to sync UNDO FIFO");
            }
        } finally {
            finalizeLock.unlock();
            if (--finalizeWant == 0 && !hmp.mutations.finalizeSkipsWakeup) Sleepq.wakeup(finalizeWantChan);
        }
    }

    /**
     * Finalize step 7 (fl:L741-L748): the header image's UNDO indices. first_offset is the in-core
     * one, i.e. the previous final cycle's save_undo_next_offset (the one-cycle lag); next_offset
     * is this cycle's save. Called by {@link #finalize} only, and by the UNDO FIFO Lincheck test.
     */
    void setHeaderUndoIndices(long saveNext, long saveSeq) {
        long first = hmp.mutations.firstOffsetNotLagged ? saveNext : hmp.undo.first;
        long firstSeq = hmp.mutations.firstOffsetNotLagged ? saveSeq : hmp.undo.firstSeq;
        int firstCycle = hmp.mutations.firstOffsetNotLagged ? hmp.snapshotCount() : hmp.undoFirstCycle;
        if (hmp.headerUndoFirst() != first || hmp.headerUndoNext() != saveNext) {
            hmp.modifyVolumeNoundo();
            hmp.setHeaderUndo(first, firstSeq, saveNext, saveSeq, firstCycle);
            hmp.modifyVolumeDone();
        } else {
            hmp.headerFirstUnchanged(firstCycle);
        }
    }

    /**
     * The end of a final finalize (fl:L835-L844): the in-core first_offset moves to
     * save_undo_next_offset and the UNDO history is cleared. Called by {@link #finalize} only,
     * and by the UNDO FIFO Lincheck test.
     */
    void advanceUndoFirst(HammerTransaction trans, long saveNext, long saveSeq) {
        if (hmp.undo.first != saveNext) {
            hmp.undo.first = saveNext;
            hmp.undo.firstSeq = saveSeq;
            hmp.undoFirstCycle = hmp.snapshotCount();
            hmp.undoDirty = true;
        } else {
            hmp.undoFirstCycle = hmp.snapshotCount();
            hmp.undoDirty = hmp.undo.first != hmp.undo.next;
            if (hmp.headerUndoFirst() == hmp.undo.first) hmp.headerFirstUnchanged(hmp.undoFirstCycle);
        }
        hmp.undo.historyEpoch = hmp.snapshotsTaken();
        if (!hmp.mutations.keepUndoHistory) hmp.undo.clearHistory();
        hmp.flushTid1 = hmp.flushTid2;
        hmp.flushTid2 = trans.tid;
        finalFinalizes++;
    }

    /** Finalize step 3: issue every modified DATA buffer, each under the write interlock. */
    // hammer_flusher.c hammer_flusher_finalize(), the data_root loop, fl:L657
    private void flushData() {
        HammerIo io;
        while ((io = hmp.firstOf(hmp.dataRoot)) != null) {
            if (io.ioerror) break;
            HammerIo i = io;
            asFlusher(() -> {
                i.lock.ref();
                if (hmp.ioTrace != null) hmp.ioTrace.step(i, "FlPick");
                if (!hmp.mutations.flushWithoutInterlock) i.writeInterlock();
                Panic.KKASSERT(i.type != HammerIoType.VOLUME, () -> "hammer_flusher_finalize: VOLUME on the data tree " + i);
                i.flush(false);
                if (!hmp.mutations.flushWithoutInterlock) i.doneInterlock();
                hmp.relBuffer((HammerBuffer) i, false);
            });
            hmp.limitBacklog();
        }
        if (ftrace != null) ftrace.step(this, "FinData");
    }

    // hammer_flusher.c hammer_flusher_flush_undos(), L889 (FORCED); saveSeq: the saved next_offset's sequence number (trace only)
    private void flushUndos(long saveSeq) {
        HammerIo io;
        while ((io = hmp.firstOf(hmp.undoRoot)) != null) {
            if (io.ioerror) break;
            HammerIo i = io;
            asFlusher(() -> {
                i.lock.ref();
                if (hmp.ioTrace != null) hmp.ioTrace.step(i, "FlPick");
                if (!hmp.mutations.flushWithoutInterlock) i.writeInterlock();
                i.flush(hmp.undo.reclaim(i));
                if (!hmp.mutations.flushWithoutInterlock) i.doneInterlock();
                hmp.relBuffer((HammerBuffer) i, false);
            });
            hmp.limitBacklog();
        }
        cleanLooseIos();
        hmp.hooks.finalizeStep(hmp, FinalizeStep.UNDO_ISSUED, false);
        if (ftrace != null) ftrace.saveUndo(this, saveSeq);
        hmp.waitAll(true);
        if (ftrace != null) ftrace.barrier(this, "FinBarrier1", hmp.durableFloor);
    }

    /** Finalize step 10: issue every modified META buffer; async, no wait, no cache flush. */
    // hammer_flusher.c hammer_flusher_finalize(), the meta_root loop, fl:L803
    private void flushMeta() {
        HammerIo io;
        while ((io = hmp.firstOf(hmp.metaRoot)) != null) {
            if (io.ioerror) break;
            HammerIo i = io;
            Panic.KKASSERT(io.modifyRefs == 0, () -> "hammer_flusher_finalize: meta io with modify_refs " + i.modifyRefs);
            asFlusher(() -> {
                i.lock.ref();
                // META is flushed under the sync lock held exclusively for all of finalize; the
                // spec's per-io syncEx (WriteInterlock / DoneInterlock) stands for it
                if (hmp.ioTrace != null) {
                    hmp.ioTrace.step(i, "FlPick");
                    hmp.ioTrace.step(i, "WriteInterlock");
                }
                Panic.KKASSERT(i.type != HammerIoType.VOLUME, () -> "hammer_flusher_finalize: VOLUME on the meta tree " + i);
                i.flush(false);
                if (hmp.ioTrace != null) hmp.ioTrace.step(i, "DoneInterlock");
                hmp.relBuffer((HammerBuffer) i, false);
            });
            hmp.limitBacklog();
        }
        if (ftrace != null) ftrace.step(this, "FinMeta");
    }

    // hammer_flusher.c hammer_flusher_meta_limit(), L923
    boolean metaLimit() {
        return hmp.lockedDirtySpace + hmp.ioRunningSpace.get() > hmp.options.limitDirtybufspace;
    }

    // hammer_flusher.c hammer_flusher_meta_halflimit(), L939
    boolean metaHalflimit() {
        return hmp.lockedDirtySpace + hmp.ioRunningSpace.get() > hmp.options.limitDirtybufspace / 2;
    }

    // hammer_flusher.c hammer_flusher_haswork(), L952
    boolean haswork() {
        if (hmp.ronly != 0 || hmp.criticalError) return false;
        return !flushGroupList.isEmpty() || !hmp.voluRoot.isEmpty() || !hmp.undoRoot.isEmpty()
                || !hmp.dataRoot.isEmpty() || !hmp.metaRoot.isEmpty() || hmp.undoDirty;
    }

    // hammer_flusher.c hammer_flush_dirty(), L970 (quirk Q2 kept: -1 whenever count reaches max_count,
    // so max_count == -1 "no limit" always reports -1; the seed's one-second naps after 5 rounds are left out)
    int flushDirty(int maxCount) {
        int count = 0;
        while (haswork()) {
            sync();
            ++count;
            if (maxCount != -1 && count == maxCount) break;
        }
        return count >= maxCount ? -1 : 0;
    }
}
