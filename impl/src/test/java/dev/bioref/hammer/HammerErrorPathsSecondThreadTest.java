// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13 item 4: every error path of the HAMMER port leaves nothing held. After each error
 * (ENOSPC from the data zone, a critical error from a failed META, DATA, UNDO or direct write)
 * a SECOND thread needs the same buffers (a get of the key through the same index/data block, a
 * sync, an fsync, a getBuffer of the failed block) and must finish within 10 s, failing with
 * the sleepers named if it blocks. QuiescentInv then checks after the test that no ref,
 * interlock, lock, token or sleeper is left. (hammer_io_inval's EAGAIN return has its own test
 * and mutant: HammerInvalTest; the buffer cache's EIO paths: RetryStateTest.)
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerErrorPathsSecondThreadTest {

    /** Runs {@code r} on a second thread; it must return (normally or with an exception) within 10 s. */
    static Throwable second(String what, Runnable r) throws InterruptedException {
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                err.set(e);
            }
        }, "second(" + what + ")");
        t.setDaemon(true);
        t.start();
        t.join(10_000);
        assertFalse(t.isAlive(), what + ": the second thread blocked after the error path; sleepers: " + Sleepq.sleeping()
                + ", it is " + t.getState() + " in " + Sleepq.sleepingOn(t));
        return err.get();
    }

    /** The block of a failed write, taken and released by a second thread (getBuffer, io:hammer_get_buffer). */
    static void secondGetBuffer(HammerMount hmp, HammerIoType type, long offset) throws InterruptedException {
        Throwable e = second("getBuffer " + type + "@" + offset, () -> withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(type, offset, false);
            hmp.relBuffer(b, false);
        }));
        assertNull(e, "getBuffer of the failed block threw");
    }

    @Test @Timeout(60)
    void enospcLeavesNothingHeld() throws Exception {
        HammerOptions o = new HammerOptions();
        o.geometry = new HammerOndisk.Geometry(8, 1, 2, 4);            // 8 small-data chunks
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        int chunks = o.geometry.chunks();
        for (int k = 0; k < chunks; k++) hmp.put(k, bytes(100, k + 1));
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> hmp.put(chunks, bytes(100, 9)));
        assertTrue(full.getMessage().contains("ENOSPC"), full.getMessage());
        Throwable again = second("put after ENOSPC", () -> hmp.put(chunks, bytes(100, 9)));
        assertTrue(again instanceof IllegalStateException && again.getMessage().contains("ENOSPC"),
                "the second put did not fail the same way: " + again);
        assertNull(second("get of a key in the full data block", () -> assertArrayEquals(bytes(100, 1), hmp.get(0))));
        assertNull(second("delete, then a put that fits", () -> {
            hmp.delete(0);
            hmp.sync();
            hmp.put(chunks, bytes(100, 9));
            assertArrayEquals(bytes(100, 9), hmp.get(chunks));
        }));
        secondGetBuffer(hmp, HammerIoType.DATA_BUFFER, o.geometry.dataBase());
        hmp.checkInvariants();
    }

    @Test @Timeout(60)
    void failedMetaWriteLeavesNothingHeld() throws Exception {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.put(1, bytes(20, 2));
        long metaLo = o.geometry.metaBase();
        HammerFaultTest.failWrites(hmp, metaLo, metaLo + (long) o.geometry.metaBlocks() * HammerOndisk.BUFSIZE, 1);
        assertThrows(HammerCriticalError.class, hmp::sync);
        afterCritical(hmp, 1, bytes(20, 2));
        secondGetBuffer(hmp, HammerIoType.META_BUFFER, metaLo);
    }

    @Test @Timeout(60)
    void failedDataWriteLeavesNothingHeld() throws Exception {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(3, bytes(30, 3));
        long lo = o.geometry.dataBase();
        HammerFaultTest.failWrites(hmp, lo, lo + (long) o.geometry.dataBlocks() * HammerOndisk.BUFSIZE, 1);
        assertThrows(HammerCriticalError.class, hmp::sync);
        afterCritical(hmp, 3, bytes(30, 3));
        secondGetBuffer(hmp, HammerIoType.DATA_BUFFER, lo);
    }

    @Test @Timeout(60)
    void failedUndoWriteLeavesNothingHeld() throws Exception {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(4, bytes(40, 4));
        long lo = o.geometry.undoBase();
        HammerFaultTest.failWrites(hmp, lo, lo + o.geometry.undoSize(), 1);
        assertThrows(HammerCriticalError.class, hmp::sync);
        afterCritical(hmp, 4, bytes(40, 4));
        secondGetBuffer(hmp, HammerIoType.UNDO_BUFFER, lo);
    }

    @Test @Timeout(60)
    void failedDirectWriteLeavesNothingHeld() throws Exception {
        HammerOptions o = options();
        long sector = o.geometry.largeOffset(0) / dev.bioref.device.LoopbackDevice.SECTOR_SIZE;
        dev.bioref.device.LoopbackDevice d = dev.bioref.device.LoopbackDevice.inMemory(o.geometry.size(),
                dev.bioref.device.FaultPlan.builder(1).eioOnSector(dev.bioref.device.Op.WRITE, sector).build());
        HammerMount.format(d, o);
        HammerMount hmp = HammerMount.mount(d, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        hmp.put(7, bytes(3000, 7));              // large: a direct write to large block 0, which fails
        assertThrows(HammerCriticalError.class, hmp::sync);
        afterCritical(hmp, 7, null);
    }

    /**
     * After a critical error: a second thread's sync and fsync fail (never claim success) and
     * return; its get of the key returns; its put is refused as read-only. None may block.
     */
    static void afterCritical(HammerMount hmp, int key, byte[] expect) throws InterruptedException {
        assertTrue(hmp.isCritical());
        assertTrue(second("sync", hmp::sync) instanceof HammerCriticalError, "a sync after the error claimed success");
        Throwable f = second("fsync", () -> hmp.fsync(key));
        assertTrue(f == null || f instanceof HammerCriticalError, "fsync after the error: " + f);
        assertTrue(second("put", () -> hmp.put(key + 1, bytes(5, 5))) instanceof HammerCriticalError, "put not refused");
        Throwable g = second("get", () -> {
            byte[] v = hmp.get(key);
            if (expect != null) assertArrayEquals(expect, v, "the in-memory copy was lost");
        });
        assertTrue(g == null || expect == null, "get after the error threw: " + g);
        hmp.checkInvariants();
    }
}
