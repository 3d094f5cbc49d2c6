// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.device;
import static dev.bioref.bufio.BufioTestSupport.module;
import static dev.bioref.bufio.BufioTestSupport.overwrite;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The global cache-size budget shared by all clients, the CLOCK global cleanup, and the shrinker of a second client. */
@ExtendWith(BufioInvariantsExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufioMemoryTest {
    final DmBufio.Params p = new DmBufio.Params();
    {
        p.cacheSizeBytes = 8L * BS;
        p.retainBytes = 0;
    }
    final DmBufio m = module(p);
    final LoopbackDevice devA = device(32), devB = device(32);
    final Client a = m.clientCreate(devA, new DmBufio.ClientOptions().blockSize(BS).capacity(16));
    final Client b = m.clientCreate(devB, new DmBufio.ClientOptions().blockSize(BS).capacity(16));

    @Test void theBudgetIsGlobalAndTheCleanupEvictsAcrossClientsDownToTheLowWatermark() {
        for (int blk = 0; blk < 6; blk++) {
            Buffer x = a.read(blk);
            if (blk < 2) overwrite(a, x, blk);           // two dirty: the cleanup writes them before freeing
            a.release(x);
        }
        assertFalse(m.globalCleanupPending(), "6 blocks fit the 8-block budget");
        for (int blk = 0; blk < 6; blk++) b.release(b.read(blk));
        assertTrue(m.globalCleanupPending(), "12 linked blocks > 8: the global work is queued");
        assertEquals(12L * BS, m.currentAllocated());
        int freed = m.globalCleanup();
        long threshold = p.cacheSizeBytes - p.cacheSizeBytes / DmBufio.DM_BUFIO_LOW_WATERMARK_RATIO;
        assertTrue(m.currentAllocated() <= threshold, m.currentAllocated() + " > " + threshold);
        assertEquals(5, freed, "down to 7 blocks");
        assertEquals(1, a.cachedBuffers(), "the oldest buffers, all of client A's but one, went first");
        assertEquals(6, b.cachedBuffers());
        assertArrayEquals(pattern(0, BS), devA.peekVisible(0, BS), "the dirty ones were written first");
        Buffer x = a.read(1);
        assertArrayEquals(pattern(1, BS), x.data(), "eviction is invisible to readers");
        a.release(x);
    }

    @Test void heldBuffersAreSkipped() {
        List<Buffer> held = new ArrayList<>();
        for (int blk = 0; blk < 6; blk++) held.add(a.read(blk));
        for (int blk = 0; blk < 6; blk++) b.release(b.read(blk));
        m.globalCleanup();
        assertEquals(6, a.cachedBuffers(), "every buffer of A is held");
        assertEquals(1, b.cachedBuffers());
        for (Buffer x : held) a.release(x);
    }

    @Test void aRecentlyAccessedBufferGetsASecondChance() {
        p.cacheSizeBytes = 4L * BS;
        for (int blk = 0; blk < 4; blk++) a.release(a.read(blk));
        m.globalCleanup();                               // 4 > 3.75 blocks: one goes (the oldest, block 0)
        assertFalse(a.isCached(0));
        a.release(a.get(1));                             // block 1 is the oldest now, but accessed again
        b.release(b.read(9));
        m.globalCleanup();
        assertTrue(a.isCached(1), "second chance");
        assertFalse(a.isCached(2));
    }

    @Test void aSecondClientsShrinkerTouchesOnlyItsOwnBuffers() {
        for (int blk = 0; blk < 4; blk++) a.release(a.read(blk));
        for (int blk = 0; blk < 4; blk++) b.release(b.read(blk));
        long countA = a.shrinkCount();
        assertEquals(4, b.shrinkScan(10, false));
        assertEquals(0, b.cachedBuffers());
        assertEquals(countA, a.shrinkCount());
        assertEquals(4, a.cachedBuffers());
    }

    @Test void theGlobalCleanupRefusesToRunUnderAClientMutex() {
        DmBufio.ClientOptions o = new DmBufio.ClientOptions().blockSize(BS).capacity(4);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        o.allocCallback = x -> seen.set(assertThrows(DmBufioInvariants.Violation.class, m::globalCleanup));
        Client c = m.clientCreate(device(8), o);
        c.release(c.read(1));
        assertTrue(seen.get().getMessage().startsWith("MutexNotReentrantInv"), String.valueOf(seen.get()));
    }

    @Test void twoClientsUnderConcurrentPressureKeepDataAndInvariants() throws Exception {
        DmBufio.Params q = new DmBufio.Params();
        q.cacheSizeBytes = 6L * BS;
        q.retainBytes = BS;
        DmBufio mm = module(q);
        LoopbackDevice da = BufioTestSupport.device(16, BS, DmBufio.DeviceMode.ASYNC.newCompleter(1));
        LoopbackDevice db = BufioTestSupport.device(16, BS, DmBufio.DeviceMode.ASYNC.newCompleter(2));
        Client ca = mm.clientCreate(da, new DmBufio.ClientOptions().blockSize(BS).capacity(6).reserved(1));
        Client cb = mm.clientCreate(db, new DmBufio.ClientOptions().blockSize(BS).capacity(6));
        byte[][] model = new byte[16][BS];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
        Thread worker = new Thread(() -> {
            try {
                SplittableRandom r = new SplittableRandom(3);
                int v = 0;
                while (System.nanoTime() < end) {
                    int blk = r.nextInt(16);
                    Buffer x = ca.read(blk);
                    if (!java.util.Arrays.equals(x.data(), model[blk])) throw new AssertionError("stale block " + blk);
                    if (r.nextBoolean()) {
                        model[blk] = pattern(++v, BS);
                        System.arraycopy(model[blk], 0, x.data(), 0, BS);
                        ca.markBufferDirty(x);
                    }
                    ca.release(x);
                    if (r.nextInt(20) == 0 && ca.writeDirtyBuffers() != 0) throw new AssertionError("flush failed");
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        Thread pressure = new Thread(() -> {
            try {
                SplittableRandom r = new SplittableRandom(4);
                while (System.nanoTime() < end) {
                    cb.release(cb.read(r.nextInt(16)));
                    if (mm.globalCleanupPending()) mm.globalCleanup();
                    ca.shrinkScan(2, r.nextBoolean());
                    if (r.nextInt(10) == 0) mm.cleanupOldBuffers();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        worker.start();
        pressure.start();
        worker.join(20_000);
        pressure.join(20_000);
        assertNull(failure.get(), () -> String.valueOf(failure.get()));
        assertEquals(0, ca.writeDirtyBuffers());
        for (int blk = 0; blk < 16; blk++) assertArrayEquals(model[blk], da.peekDurable((long) blk * BS, BS), "block " + blk);
        mm.checkInvariants();
        ca.destroy();
        cb.destroy();
        da.close();
        db.close();
    }
}
