// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Port bug (proofs-notes/concurrency-finalize.md): the extra barrier {@code HammerMount.sync}
 * issues when the flusher has nothing left to do (wait_all(doflush), to make the last v4 header
 * write durable; not in the seed) must be taken under the flusher's finalize_lock, like every
 * barrier of hammer_flusher_finalize (fl:L634-635). Otherwise it can run inside another
 * thread's finalize, between that finalize issuing its UNDO buffers (which sets NEEDFLUSH,
 * io:L1958) and its own barrier 1: the sync's hammer_io_flush_sync (io:L1967) clears NEEDFLUSH
 * and submits a device FLUSH that does not cover the UNDO writes still in flight, and the
 * finalize's barrier then finds NEEDFLUSH clear and flushes nothing. Its "UNDO is durable"
 * step is reached with the UNDO only in the device's volatile cache, and the volume header and
 * the meta-data it covers are written after it.
 *
 * <p>Deterministic: completions are inline except while the test holds them, and the test
 * releases them one by one on its own thread. The interleaving:
 * <ol>
 *   <li>Thread B syncs one put. At the end of its last final finalize another CPU's
 *       buf_daemon writes an unrelated DATA buffer and completions are held from then on, so
 *       that write stays in flight and the sync's loop sleeps in its extra wait_all behind it
 *       (a DUMMY on the iorun list).</li>
 *   <li>Thread A puts another key and fsyncs it, running a finalize of its own (no flusher
 *       threads: the caller runs the master loop). With the bug it issues its data and UNDO
 *       writes (held) and sleeps in its barrier 1 behind B's DUMMY. With the fix it waits for
 *       finalize_lock, which B holds for its barrier.</li>
 *   <li>The test completes the daemon's write; B wakes and submits its FLUSH (held, its
 *       barrier is the daemon's write); then the test completes everything in order (A's data
 *       and UNDO writes, then B's FLUSH) and opens the gate.</li>
 * </ol>
 * A's finalize must then find every UNDO write durable at its "undo-durable" step.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerSyncBarrierTest {
    /** A's key: in the second meta block, which B's last cycle does not write. */
    static final int KEY_A = HammerOndisk.SLOTS_PER_BLOCK + 1;
    static final long TIMEOUT_NANOS = 5_000_000_000L;


    static HammerOptions options() {
        HammerOptions o = new HammerOptions();
        o.version = HammerOndisk.VERSION_4;
        o.geometry = new HammerOndisk.Geometry(8, 2, 8, 0);
        return o;
    }

    /** How many final finalizes a sync of one put runs on a fresh volume (the loop of sync included). */
    static int finalFinalizesOfOneSync() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        int[] n = {0};
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, HammerHooks.FinalizeStep step, boolean fin) {
                if (fin && step == HammerHooks.FinalizeStep.END) n[0]++;
            }
        });
        hmp.put(0, new byte[] {1});
        hmp.sync();
        return n[0];
    }

    static void await(BooleanSupplier cond, String what, List<Throwable> failures) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!cond.getAsBoolean()) {
            if (!failures.isEmpty()) fail(what + ": a thread failed: " + failures);
            if (System.nanoTime() > deadline) {
                StringBuilder sb = new StringBuilder();
                for (java.util.Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                    if (e.getKey().getName().contains("-sync") || e.getKey().getName().contains("-fsync")) {
                        sb.append("\n").append(e.getKey().getName()).append(":");
                        for (StackTraceElement f : e.getValue()) if (f.getClassName().startsWith("dev.bioref")) sb.append("\n  ").append(f);
                    }
                }
                fail("timed out waiting until " + what + sb);
            }
            Thread.onSpinWait();
        }
    }

    /** The DUMMY ios on the iorun list and the real ios ahead of the first one. */
    static int[] iorun(HammerMount hmp) {
        hmp.ioToken.gettoken();
        try {
            int dummies = 0, ahead = 0;
            for (HammerIo io = hmp.iorunHead; io != null; io = io.iorunNext) {
                if (io.type == HammerIoType.DUMMY) dummies++;
                else if (dummies == 0) ahead++;
            }
            return new int[] {dummies, ahead};
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    @Test void syncBarrierDoesNotRunInsideAnotherThreadsFinalize() throws Exception {
        int holdAt = finalFinalizesOfOneSync();
        assertTrue(holdAt >= 1, "a sync of one put ran no final finalize");

        HammerOptions o = options();
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(o.geometry.size()), gate, Clock.SYSTEM);
        HammerMount.format(dev, o);
        long undoOff = o.geometry.undoBase();
        int undoLen = (int) o.geometry.undoSize();
        Thread[] threads = new Thread[2];   // [0] = B (sync), [1] = A (fsync)
        int[] bFinals = {0};
        AtomicReference<String> undoNotDurable = new AtomicReference<>();
        List<String> aSteps = java.util.Collections.synchronizedList(new ArrayList<>());
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), new HammerHooks() {
            @Override public void finalizeStep(HammerMount h, HammerHooks.FinalizeStep step, boolean fin) {
                Thread t = Thread.currentThread();
                if (t == threads[0] && fin && step == HammerHooks.FinalizeStep.END && ++bFinals[0] == holdAt) daemonWriteHeld(h, gate);
                if (t == threads[1]) {
                    aSteps.add(step.toString());
                    if (step == HammerHooks.FinalizeStep.UNDO_DURABLE
                            && !Arrays.equals(dev.peekDurable(undoOff, undoLen), dev.peekVisible(undoOff, undoLen))) {
                        undoNotDurable.compareAndSet(null, "A's finalize passed barrier 1 with UNDO writes only in the device cache ("
                                + dev.cachedWrites() + " cached writes)");
                    }
                }
            }
        });

        HammerInvariantsExtension.register(hmp);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        threads[0] = new Thread(() -> {
            try {
                hmp.put(0, new byte[] {1});
                hmp.sync();
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "B-sync");
        threads[1] = new Thread(() -> {
            try {
                hmp.put(KEY_A, new byte[] {2});
                hmp.fsync(KEY_A);
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "A-fsync");

        // 1. B syncs; its last final finalize shuts the gate; its sync loop sleeps in wait_all
        threads[0].start();
        await(() -> gate.isShut() && iorun(hmp)[0] == 1, "B's sync sleeps in its extra wait_all", failures);
        int ahead = iorun(hmp)[1];
        assertTrue(ahead >= 1 && ahead == gate.held(), "B's wait_all waits for " + ahead + " ios, " + gate.held() + " held");

        // 2. A's finalize: with the bug it sleeps in barrier 1; with the fix it waits for finalize_lock
        threads[1].start();
        await(() -> (aSteps.contains("undo-issued") && iorun(hmp)[0] == 2) || finalizeLockWanted(hmp),
                "A's finalize sleeps in barrier 1 or waits for finalize_lock", failures);

        // 3. complete B's writes; B submits its FLUSH; then complete everything
        // Only this thread completes while the gate is shut, so a count above (held now) - ahead
        // is a new submission. (Reading held() after the loop raced with B: B could submit its FLUSH
        // before the read, and the wait then timed out under load.)
        int afterCompleting = gate.held() - ahead;
        for (int i = 0; i < ahead; i++) assertTrue(gate.completeOne(), "no held completion");
        await(() -> gate.held() > afterCompleting, "B's barrier submits its FLUSH", failures);
        gate.open();
        threads[0].join(TIMEOUT_NANOS / 1_000_000);
        threads[1].join(TIMEOUT_NANOS / 1_000_000);
        assertEquals(List.of(), failures);
        assertTrue(aSteps.contains("end"), "A's finalize did not finish: " + aSteps);
        assertNull(undoNotDurable.get());
        hmp.checkInvariants();
    }

    /**
     * Another CPU's buf_daemon writes an unrelated DATA buffer (the last data block, which no
     * put of this test allocates) at this moment: a frontend change to it (get_buffer, modify,
     * modify_done, rel_buffer: bdwrite'd), then flushbufqueues' visit of its bp, whose
     * io_checkwrite accepts it (DATA, no modify_refs) and whose write goes on the iorun list.
     * From here on completions are held, so that write stays in flight.
     */
    static void daemonWriteHeld(HammerMount hmp, GateCompleter gate) {
        long off = hmp.geometry.dataBase() + (long) (hmp.geometry.dataBlocks() - 1) * HammerOndisk.BUFSIZE;
        HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
        b.modify(1);
        b.data()[0] ^= 1;
        b.modifyDone();
        hmp.relBuffer(b, false);
        gate.shut();
        int step = hmp.cache.flushbufqueuesVisit(b.bp(), false);
        if (step != dev.bioref.buf.BufCache.STEP_DONE) throw new IllegalStateException("buf_daemon did not write the DATA buffer: " + step);
    }

    /** A thread waits for finalize_lock (LOCKF_WANTED set while another holds it). */
    static boolean finalizeLockWanted(HammerMount hmp) {
        String s = hmp.flusher.finalizeLock.toString();
        int at = s.indexOf("lockval=0x");
        int lockval = (int) Long.parseLong(s.substring(at + "lockval=0x".length(), s.indexOf(')', at)), 16);
        return (lockval & HammerLock.LOCKF_WANTED) != 0;
    }
}
