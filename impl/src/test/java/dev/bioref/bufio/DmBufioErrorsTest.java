// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Op;
import dev.bioref.device.Request;
import dev.bioref.kern.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.client;
import static dev.bioref.bufio.BufioTestSupport.module;
import static dev.bioref.bufio.BufioTestSupport.overwrite;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Error semantics of notes §7: a failed read goes to every waiter and is retried after the last
 * release; a failed write makes the buffer clean, is latched client-wide and reported exactly
 * once, by the next write_dirty_buffers, whoever caused the write; the data is dropped at the
 * next release or eviction. checkInvariants (ErrorLatchInv, ErrorNotLostInv) runs after each test.
 */
@ExtendWith(BufioInvariantsExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DmBufioErrorsTest {
    final DmBufio m = module();

    static LoopbackDevice device(FaultPlan plan) {
        return new LoopbackDevice(new MemoryBackend(32L * BS), new InlineCompleter(), Clock.SYSTEM, plan);
    }

    @Test void aFailedReadThrowsAndTheNextReadRetriesTheIo() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.READ, 1).build());
        dev.execute(Request.write(3L * BS, pattern(3, BS)));
        Client c = client(m, dev, 8, 0);
        DmBufio.IoError e = assertThrows(DmBufio.IoError.class, () -> c.read(3));
        assertEquals(-DmBufio.EIO, e.errno());
        assertFalse(c.isCached(3), "the last release freed the buffer with the error: no negative caching");
        Buffer b = c.read(3);
        assertArrayEquals(pattern(3, BS), b.data());
        c.release(b);
        assertEquals(2, dev.stats().reads());
    }

    @Test void aFailedReadIsReturnedToEveryWaiterNotOnlyTheSubmitter() throws Exception {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(32L * BS), gate, Clock.SYSTEM,
                FaultPlan.builder(1).eioOnNth(Op.READ, 1).build());
        Client c = client(m, dev, 8, 0);
        gate.shut();
        AtomicReference<Throwable> a = new AtomicReference<>(), b = new AtomicReference<>();
        Thread ta = new Thread(() -> { try { c.read(2); } catch (Throwable t) { a.set(t); } });
        ta.start();
        while (gate.held() == 0) Thread.onSpinWait();
        Thread tb = new Thread(() -> { try { c.read(2); } catch (Throwable t) { b.set(t); } });
        tb.start();
        while (tb.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait();   // joined the read, waits on READING
        gate.open();
        ta.join(10_000);
        tb.join(10_000);
        assertTrue(a.get() instanceof DmBufio.IoError, String.valueOf(a.get()));
        assertTrue(b.get() instanceof DmBufio.IoError, "the second waiter gets the error too: " + b.get());
        assertEquals(1, dev.stats().reads(), "one read I/O for both");
        assertFalse(c.isCached(2));
    }

    @Test void aFailedPrefetchIsReturnedByTheNextAccessWithoutIoThenRetried() {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(32L * BS), gate, Clock.SYSTEM,
                FaultPlan.builder(1).eioOnNth(Op.READ, 1).build());
        Client c = client(m, dev, 8, 0);
        gate.shut();
        c.prefetch(4, 1);                                // released while READING is still set
        gate.open();
        assertTrue(c.isCached(4), "unheld buffer carrying read_error stays cached");
        assertThrows(DmBufio.IoError.class, () -> c.get(4), "get returns the stored error without I/O");
        assertEquals(1, dev.stats().reads());
        assertFalse(c.isCached(4));
        c.release(c.read(4));
        assertEquals(2, dev.stats().reads(), "the access after that retries");
    }

    @Test void aFailedWriteIsReportedOnceByTheNextWriteDirtyBuffersAndTheBlockGoesBackInTime() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.WRITE, 2).build());
        dev.execute(Request.write(1L * BS, pattern(1, BS)));          // WRITE #1: the old data
        Client c = client(m, dev, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 99);
        c.release(b);
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers(), "WRITE #2 failed: reported");
        assertEquals(0, b.state(), "not re-dirtied: the cache believes the block is clean");
        assertArrayEquals(pattern(1, BS), dev.peekDurable(BS, BS), "the disk still has the old data");
        assertEquals(0, c.writeDirtyBuffers(), "reported once only");
        Buffer again = c.get(1);
        assertNotNull(again, "still cached (released before the write failed)");
        assertArrayEquals(pattern(99, BS), again.data(), "readers see the new, never persisted data");
        c.release(again);                                // the last release drops the invalid buffer
        assertFalse(c.isCached(1));
        Buffer reread = c.read(1);
        assertArrayEquals(pattern(1, BS), reread.data(), "the block's data went back to the older value");
        c.release(reread);
    }

    @Test void anErrorOfAnyBackgroundWriteIsReportedToTheNextWriteDirtyBuffersCaller() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        Client c = client(m, dev, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 5);
        c.release(b);
        c.writeDirtyBuffersAsync();                      // reports nothing
        assertEquals(-DmBufio.EIO, c.peekAsyncWriteError(), "latched");
        c.checkInvariants();                             // ErrorNotLostInv: unreported ⇒ latch ≠ 0
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers(), "another caller's flush reports it");
        assertEquals(0, c.writeDirtyBuffers());
    }

    @Test void aShrinkerWriteErrorIsLatchedAndTheBufferFreedAnyway() {
        DmBufio.Params p = new DmBufio.Params();
        p.retainBytes = 0;
        DmBufio mm = module(p);
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        Client c = client(mm, dev, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 5);
        c.release(b);
        assertEquals(1, c.shrinkScan(1, true), "a failed write does not prevent the free");
        assertFalse(c.isCached(1));
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers());
    }

    @Test void theFirstErrorWinsAndLaterOnesAreDroppedWhileLatched() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioWithProbability(Op.WRITE, 0.999).build());
        Client c = client(m, dev, 8, 0);
        for (int blk = 0; blk < 3; blk++) {
            Buffer b = c.read(blk);
            overwrite(c, b, blk);
            c.release(b);
        }
        c.writeDirtyBuffersAsync();
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers());
        assertEquals(0, c.writeDirtyBuffers(), "three failures, one report");
    }

    @Test void theFlushIsSentEvenAfterAWriteErrorAndAFlushErrorIsReportedAlone() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).eioOnNth(Op.FLUSH, 2).build());
        Client c = client(m, dev, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 5);
        c.release(b);
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers(), "the async error wins");
        assertEquals(1, dev.stats().flushes(), "FLUSH issued anyway (§8.9)");
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers(), "no write error now: FLUSH #2's error");
        assertEquals(0, c.writeDirtyBuffers());
    }

    @Test void aReDirtiedFailedBufferStaysAndALaterGoodWriteClearsItsError() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        Client c = client(m, dev, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 5);
        assertEquals(-DmBufio.EIO, c.writeDirtyBuffers());
        assertEquals(-DmBufio.EIO, b.writeError());
        overwrite(c, b, 6);                              // the holder re-dirties before releasing
        c.release(b);
        assertTrue(c.isCached(1), "DIRTY set: not dropped at release");
        assertEquals(0, c.writeDirtyBuffers());
        assertEquals(0, b.writeError());
        assertArrayEquals(pattern(6, BS), dev.peekDurable(BS, BS));
    }

    @Test void destroyDropsALatchedErrorSilently() {
        LoopbackDevice dev = device(FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        DmBufio mm = BufioTestSupport.unchecked(new DmBufio.Params(), BufioMutations.none(), BufioQuirks.none());
        Client c = client(mm, dev, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 5);
        c.release(b);
        c.destroy();                                     // the write fails; nothing reports it (seed behaviour)
        assertEquals(-DmBufio.EIO, c.peekAsyncWriteError(), "still latched in the dead client, never returned");
    }
}
