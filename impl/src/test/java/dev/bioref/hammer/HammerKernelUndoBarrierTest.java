// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.sim.CrashChecker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deviation H2 (proofs-notes/deviations.md, faults.md "torn at a crash"): a kernel write of an
 * UNDO buffer must make finalize's barrier 1 flush the device cache.
 *
 * <p>The seed's hammer_io_checkwrite (io:L1294-1366) lets the kernel (vfsync, buf_daemon) write
 * a released, modified UNDO buffer (hammer_io_release bdwrite's them, io:L586-592) and puts it on
 * the iorun list, but does not set NEEDFLUSH (hammer_io_flush_mark, io:L1958; called only at
 * io:L746 and io:L1738). If that write completes before finalize's barrier 1
 * (hammer_flusher_flush_undos → hammer_io_wait_all(hmp, "hmrfl1", 1), fl:L910) and nothing else
 * set NEEDFLUSH since the last cache flush, the barrier finds the iorun list empty and
 * hammer_io_flush_sync (io:L1967-1994) issues no FLUSH. A v4 volume has no second barrier
 * (fl:L783-784), so the header and the meta-data (fl:L803-813) are written while the UNDO that
 * covers them is only in the device's volatile cache: a crash that lands the meta block torn
 * (or one of two meta blocks) without that UNDO is not recoverable. Found by
 * {@code ./bioref simulate --seed 3 --threads 3 --ops 1500 --keys 60 --crash-every 400}, where a
 * frontend thread's kernel sync wrote the UNDO buffer inside the flusher's cycle.
 *
 * <p>Deterministic, single thread, inline completions: after a sync leaves nothing to flush
 * (NEEDFLUSH clear), a delete (meta-data and UNDO, no DATA write) is synced, and at the cycle's
 * "data-issued" step the kernel syncs the device vnode, writing the UNDO buffer. The fix (the
 * port's checkwrite sets NEEDFLUSH) makes barrier 1 flush it; the seed's behaviour
 * ({@link HammerOptions#seedCheckwriteSkipsFlushMark}) leaves it cached, and the crash checker's
 * torn states then find the meta block unrecoverable.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerKernelUndoBarrierTest {
    /** A slot in the meta block's last sector: every torn prefix lands the new CRC (sector 0) without it. */
    static final int KEY = 120;

    /** What one run saw: the kernel's UNDO writes, UNDO not durable at barrier 1, the checker's failures. */
    record Outcome(long kernelUndoWrites, String undoNotDurable, List<String> crashFailures) { }

    static Outcome run(boolean seedBehaviour) {
        HammerOptions o = new HammerOptions();
        o.version = HammerOndisk.VERSION_4;
        o.geometry = new HammerOndisk.Geometry(8, 1, 8, 0);
        o.seedCheckwriteSkipsFlushMark = seedBehaviour;
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        long undoOff = o.geometry.undoBase();
        int undoLen = (int) o.geometry.undoSize();
        CrashChecker checker = new CrashChecker(1, 64, 6);
        boolean[] armed = {false};
        long[] kernelUndoWrites = {0};
        String[] undoNotDurable = {null};
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), new HammerHooks() {
            @Override public void snapshot(int cycle, Map<Integer, HammerOndisk.Slot> index) { checker.snapshot(cycle, index); }

            @Override public void finalizeStep(HammerMount h, HammerHooks.FinalizeStep step, boolean fin) {
                if (!armed[0] || !fin) return;
                if (step == HammerHooks.FinalizeStep.DATA_ISSUED) {
                    // another CPU's kernel sync of the device vnode: checkwrite accepts the
                    // released UNDO buffer (no refs, no modify_refs) and the write completes inline
                    byte[] before = dev.peekVisible(undoOff, undoLen);
                    h.kernelSync();
                    if (!Arrays.equals(before, dev.peekVisible(undoOff, undoLen))) kernelUndoWrites[0]++;
                } else if (step == HammerHooks.FinalizeStep.UNDO_DURABLE && undoNotDurable[0] == null
                        && !Arrays.equals(dev.peekDurable(undoOff, undoLen), dev.peekVisible(undoOff, undoLen))) {
                    undoNotDurable[0] = "barrier 1 passed with UNDO only in the device cache ("
                            + dev.cachedWrites() + " cached writes)";
                } else if (step == HammerHooks.FinalizeStep.END) {
                    checker.checkNow(dev, h.durableFloor(), "finalize end, snapshot " + h.latestSnapshot());
                    armed[0] = false;
                }
            }
        });
        HammerInvariantsExtension.register(hmp);
        checker.attach(hmp);
        hmp.put(KEY, new byte[] {7});
        hmp.put(KEY + 1, new byte[] {8});
        hmp.sync();                    // ends with a cache flush: NEEDFLUSH is clear
        hmp.delete(KEY);               // meta-data and UNDO, no DATA write in the cycle
        armed[0] = true;
        hmp.sync();
        hmp.checkInvariants();
        return new Outcome(kernelUndoWrites[0], undoNotDurable[0], checker.failures());
    }

    @Test @Timeout(10)
    void aKernelWrittenUndoBufferIsDurableBeforeTheMetaDataItCovers() {
        Outcome r = run(false);
        assertEquals(1, r.kernelUndoWrites(), "the kernel sync inside the cycle did not write the UNDO buffer");
        assertNull(r.undoNotDurable());
        assertEquals(List.of(), r.crashFailures());
    }

    @Test @Timeout(10)
    void withTheSeedsCheckwriteBarrierOneSkipsTheFlushAndATornMetaBlockIsUnrecoverable() {
        Outcome r = run(true);
        assertEquals(1, r.kernelUndoWrites(), "the kernel sync inside the cycle did not write the UNDO buffer");
        assertTrue(r.undoNotDurable() != null, "barrier 1 made the kernel-written UNDO durable under the seed's checkwrite");
        assertEquals(1, r.crashFailures().size(), "crash failures: " + r.crashFailures());
        assertTrue(r.crashFailures().get(0).contains("torn") && r.crashFailures().get(0).contains("bad magic or CRC"),
                r.crashFailures().get(0));
    }
}
