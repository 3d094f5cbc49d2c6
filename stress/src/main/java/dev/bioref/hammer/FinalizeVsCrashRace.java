// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.CrashStates;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.ThreadCompleter;
import dev.bioref.device.WriteLog;
import dev.bioref.kern.Clock;
import dev.bioref.sim.CrashChecker;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.concurrent.atomic.AtomicInteger;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The race of {@link FinalizeVsCrash} (hammer_flusher_finalize against power loss), shared with
 * its mutants in {@code dev.bioref.hammer.mutants}, each of which turns one finalize ordering
 * switch of {@link HammerMutations} on.
 *
 * <p>Initial state (built per sample): a small volume (UNDO 8, META 3, DATA 8 buffers) on an
 * in-memory loopback device whose completions run on a completion thread
 * ({@link ThreadCompleter}), so a write the flusher issued is genuinely in flight until that
 * thread completes it; flusher without threads (the actor that syncs runs the master loop).
 * One key in each of the three meta blocks is put and synced (the durable floor is now that
 * snapshot), then each key is put again: three dirty meta-data blocks and their UNDO records
 * wait for the next flush cycle, which re-modifies blocks the previous cycle modified (so the
 * per-cycle UNDO history matters). Then the device's write log starts.
 */
public class FinalizeVsCrashRace {
    /** Keys 1, 127, 253: one slot in each of the three meta blocks (126 slots per block). */
    static final int[] KEYS = {1, 1 + HammerOndisk.SLOTS_PER_BLOCK, 1 + 2 * HammerOndisk.SLOTS_PER_BLOCK};
    /** How long the crash actor waits for the flusher to reach the end of its first final finalize, at most. */
    static final long WAIT_NANOS = 200_000_000L;

    /** Alternates the unmutated test's samples between version 4 and version 3 volumes. */
    static final AtomicInteger SAMPLES = new AtomicInteger();

    final int version;
    final LoopbackDevice dev;
    final HammerMount hmp;
    final CrashChecker checker = new CrashChecker(1, 1, 0);
    final WriteLog log;
    /** The durable floor when the log started: no crash state of the log may recover to an older snapshot. */
    final int startFloor;
    /** Final finalizes of the race that reached their "end" step (written by the syncing actor). */
    volatile int finalEnds;
    /** The durable floor read just before the crash (the floor of the log's last crash point). */
    volatile int floorAtCrash = -1;
    /** 0: the sync returned; 1: it stopped with HAMMER's critical error (a lost in-flight write); 2: anything else. */
    volatile int syncResult = -1;

    public FinalizeVsCrashRace(HammerMutations m, int version) {
        this.version = version;
        HammerOptions o = new HammerOptions();
        o.version = version;
        o.geometry = new HammerOndisk.Geometry(8, 3, 8, 0);
        dev = new LoopbackDevice(new MemoryBackend(o.geometry.size()), new ThreadCompleter("finalize-vs-crash-completion"), Clock.SYSTEM);
        HammerMount.format(dev, o);
        hmp = HammerMount.mount(dev, o, m, new HammerHooks() {
            @Override public void snapshot(int cycle, Map<Integer, HammerOndisk.Slot> index) { checker.snapshot(cycle, index); }

            @Override public void finalizeStep(HammerMount h, HammerHooks.FinalizeStep step, boolean fin) {
                if (fin && step == HammerHooks.FinalizeStep.END) finalEnds++;
            }
        });
        for (int k : KEYS) hmp.put(k, fill(300, 1));
        hmp.sync();
        for (int k : KEYS) hmp.put(k, fill(200, 2));
        startFloor = hmp.durableFloor();
        finalEnds = 0;
        log = dev.startLog();
    }

    /** The unmutated race alternates the on-disk version per sample: v4 and v3 finalize differ (v3's header barrier). */
    static int alternateVersion() {
        return (SAMPLES.getAndIncrement() & 1) == 0 ? HammerOndisk.VERSION_4 : HammerOndisk.VERSION_3;
    }

    static byte[] fill(int len, int b) {
        byte[] v = new byte[len];
        Arrays.fill(v, (byte) b);
        return v;
    }

    /**
     * The flusher: one sync (hammer_flusher_sync, then further cycles until the snapshot is the
     * durable floor): its first final finalize (fl:L617) writes data, then UNDO, barrier, the
     * volume header, (v3: barrier), then the meta-data; the next cycle moves first_offset.
     */
    public void flusher() {
        try {
            hmp.sync();
            syncResult = 0;
        } catch (HammerCriticalError e) {
            syncResult = 1;
        } catch (RuntimeException | Error e) {
            syncResult = 2;
        }
    }

    /**
     * Power loss: once the flusher's first final finalize has issued its meta-data (its "end"
     * step; the writes may still be on the completion thread) or after the window, the device
     * crashes: completed writes not yet covered by a FLUSH may or may not be on the media,
     * requests in flight are lost (they complete with EIO), the write log stops.
     */
    public void crasher() {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (finalEnds == 0 && syncResult < 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        floorAtCrash = hmp.durableFloor();
        dev.crash();
    }

    /**
     * r1 = the volume version (4 or 3); r2 = the flusher's result (see {@link #syncResult});
     * r3 = the verdict over every crash state of the log: 0 every one recovers to a snapshot no
     * older than its floor, 1 RecoveryConsistentInv (the recovered index equals no snapshot),
     * 2 RecoveryDurableInv (an older snapshot than the floor), 3 DataBeforeMetaInv (the index
     * references data that is not durable), 4 recovery itself failed, 5 the check threw.
     */
    public void arbiter(III_Result r) {
        r.r1 = version;
        r.r2 = syncResult;
        try {
            r.r3 = verdict();
        } catch (RuntimeException | Error e) {
            r.r3 = 5;
        } finally {
            dev.close();
        }
    }

    /**
     * Every crash point of the write log (before each FLUSH and at the crash), every subset of at
     * most two of the pending writes landing: recovered with HAMMER's recovery and checked with
     * {@link CrashChecker#checkImage} against the snapshots the flusher took. The floor is the
     * one at the start of the log, and at the crash point itself the one read just before the
     * crash (everything that floor needs was flushed before it was raised).
     */
    int verdict() {
        CrashStates states = CrashStates.of(log, CrashStates.Bounds.all().withMaxLanded(2));
        int end = log.entries().size();
        for (Iterator<CrashStates.CrashState> it = states.iterator(); it.hasNext(); ) {
            CrashStates.CrashState st = it.next();
            int floor = st.point().position() == end ? Math.max(startFloor, floorAtCrash) : startFloor;
            String err = checker.checkImage(st.image(), floor);
            if (err == null) continue;
            if (err.startsWith("RecoveryConsistentInv")) return 1;
            if (err.startsWith("RecoveryDurableInv")) return 2;
            if (err.startsWith("DataBeforeMetaInv")) return 3;
            return 4;
        }
        return 0;
    }
}
