// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.buf.BufCmd;
import dev.bioref.buf.Params;
import dev.bioref.buf.Vnode;
import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Op;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.overwrite;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Notes §11 shown by running both ports side by side on the same kind of device: dm-bufio
 * ({@link DmBufio}) and the DragonFly buffer cache ({@link BufCache}). Each test does the same
 * thing to both and asserts the difference the comparison table states.
 */
@ExtendWith(BufioInvariantsExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufioVsBufCacheTest {
    static LoopbackDevice device(dev.bioref.device.Completer completer, FaultPlan plan) {
        return new LoopbackDevice(new MemoryBackend(16L * BS), completer, Clock.SYSTEM, plan);
    }

    static Client bufio(LoopbackDevice dev) {
        return BufioTestSupport.module().clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(8));
    }

    /** A lookup: a shared hold in dm-bufio, an exclusive buffer lock in the buffer cache. */
    @Test void aLookupIsASharedHoldInBufioAndAnExclusiveLockInTheBufferCache() throws Exception {
        Client c = bufio(device(new InlineCompleter(), FaultPlan.none()));
        Buffer first = c.read(1);
        Buffer second = CompletableFuture.supplyAsync(() -> c.read(1)).get(10, TimeUnit.SECONDS);
        assertSame(first, second, "dm-bufio: another thread gets the same buffer while it is held");
        assertEquals(2, first.holdCount());
        c.release(first);
        c.release(second);

        try (BufCache bc = new BufCache(Params.forTest(8, BS))) {
            Vnode vp = bc.vnode("dev0", device(new InlineCompleter(), FaultPlan.none()), BS);
            Buf[] bpp = new Buf[1];
            assertEquals(0, bc.bread(vp, BS, BS, bpp));
            Buf other = CompletableFuture.supplyAsync(() -> bc.getblk(vp, BS, BS, BufCache.GETBLK_NOWAIT, 0)).get(10, TimeUnit.SECONDS);
            assertNull(other, "buffer cache: getblk from another thread finds it locked (NOWAIT returns null)");
            bc.brelse(bpp[0]);
        }
    }

    /** A failed write: clean and reported once in dm-bufio; still dirty (B_DELWRI) and retried in the buffer cache. */
    @Test void aFailedWriteIsDroppedAndReportedOnceInBufioButRedirtiedAndRetriedInTheBufferCache() {
        LoopbackDevice dev = device(new InlineCompleter(), FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        Client c = bufio(dev);
        Buffer b = c.read(1);
        overwrite(c, b, 7);
        c.release(b);
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers());
        assertEquals(0, b.state(), "dm-bufio: the buffer is clean after the failed write");
        assertEquals(0, c.writeDirtyBuffers(), "reported once, not retried");
        assertEquals(1, dev.stats().writes(), "no second write attempt");
        assertArrayEquals(new byte[BS], dev.peekDurable(BS, BS), "the data never reached the disk");

        try (BufCache bc = new BufCache(Params.forTest(8, BS))) {
            LoopbackDevice d2 = device(new InlineCompleter(), FaultPlan.none());
            Vnode vp = bc.vnode("dev0", d2, BS);
            AtomicInteger failWrites = new AtomicInteger(1);
            vp.setStrategyFilter((cmd, off, len) -> cmd == BufCmd.WRITE && failWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? Errno.EIO : 0);
            Buf bp = bc.getblk(vp, BS, BS, 0, 0);
            System.arraycopy(pattern(7, BS), 0, bp.b_data(), 0, BS);
            assertEquals(Errno.EIO, bc.bwrite(bp), "buffer cache: bwrite returns the error to its caller");
            Buf again = bc.findblk(vp, BS, BufCache.FINDBLK_TEST);
            assertNotNull(again);
            assertTrue(again.hasFlags(Buf.B_DELWRI), "buffer cache: the failed write left the buffer dirty");
            assertEquals(0, bc.vfsync(vp, true));
            assertArrayEquals(pattern(7, BS), d2.peekVisible(BS, BS), "…and the next sync retried it successfully");
        }
    }

    /** While a write is in flight: dm-bufio lets a holder modify and re-mark; the buffer cache's buffer is locked by the I/O. */
    @Test void duringAWriteBufioAllowsAReDirtyAndTheBufferCacheLocksTheBuffer() throws Exception {
        GateCompleter gate = new GateCompleter();
        Client c = bufio(device(gate, FaultPlan.none()));
        Buffer b = c.read(1);
        overwrite(c, b, 1);
        gate.shut();
        c.writeDirtyBuffersAsync();
        assertEquals(DmBufio.B_WRITING, b.state(), "dm-bufio: DIRTY is cleared when the write starts");
        overwrite(c, b, 2);                              // allowed: the holder keeps its hold during the write
        gate.open();
        assertEquals(DmBufio.B_DIRTY, b.state(), "…and the re-dirty survives the completion");
        c.release(b);

        GateCompleter gate2 = new GateCompleter();
        try (BufCache bc = new BufCache(Params.forTest(8, BS))) {
            Vnode vp = bc.vnode("dev0", device(gate2, FaultPlan.none()), BS);
            Buf bp = bc.getblk(vp, BS, BS, 0, 0);
            System.arraycopy(pattern(1, BS), 0, bp.b_data(), 0, BS);
            gate2.shut();
            bc.bawrite(bp);
            assertTrue(bp.hasFlags(Buf.B_DELWRI) || bp.b_lock().ownedByKernel(), bp.toString());
            Buf during = CompletableFuture.supplyAsync(() -> bc.getblk(vp, BS, BS, BufCache.GETBLK_NOWAIT, 0)).get(10, TimeUnit.SECONDS);
            assertNull(during, "buffer cache: nobody can get the buffer while its write runs");
            gate2.open();
            Buf after = bc.getblk(vp, BS, BS, BufCache.GETBLK_NOWAIT, 0);
            assertNotNull(after);
            assertFalse(after.hasFlags(Buf.B_DELWRI), "buffer cache: DIRTY (B_DELWRI) is cleared at completion");
            bc.bqrelse(after);
        }
    }
}
