// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.LogEntry;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.device.WriteLog;
import dev.bioref.kern.ManualClock;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.client;
import static dev.bioref.bufio.BufioTestSupport.device;
import static dev.bioref.bufio.BufioTestSupport.module;
import static dev.bioref.bufio.BufioTestSupport.overwrite;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One or more tests per public operation of dm-bufio (notes §3), on an inline device unless said otherwise. */
@ExtendWith(BufioInvariantsExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DmBufioOpsTest {
    final DmBufio m = module();
    final LoopbackDevice dev = device(64);
    final Client c = client(m, dev, 32, 2);

    static void preload(LoopbackDevice dev, long block, int seed) {
        dev.execute(Request.write(block * BS, pattern(seed, BS)));
    }

    // ------------------------------------------------------------ read / get / new / prefetch / release

    @Test void readReturnsTheDeviceDataAndASecondReadHitsTheCache() {
        preload(dev, 3, 3);
        Buffer b = c.read(3);
        assertArrayEquals(pattern(3, BS), b.data());
        assertEquals(1, b.holdCount());
        long reads = dev.stats().reads();
        Buffer again = c.read(3);
        assertSame(b, again, "one buffer per block, shared");
        assertEquals(2, b.holdCount(), "a hold is a count, not a lock: two holders at once");
        assertEquals(reads, dev.stats().reads(), "cache hit: no I/O");
        c.release(b);
        c.release(again);
        assertEquals(0, b.holdCount());
        assertTrue(c.isCached(3), "release keeps the buffer cached");
    }

    @Test void getReturnsOnlyCachedBlocksAndHoldsThem() {
        assertNull(c.get(4));
        Buffer b = c.read(4);
        Buffer g = c.get(4);
        assertSame(b, g);
        assertEquals(2, b.holdCount());
        c.release(b);
        c.release(g);
    }

    @Test void getNeverWaitsForAnInFlightRead() throws Exception {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice d = device(16, BS, gate);
        Client cl = client(m, d, 8, 0);
        gate.shut();
        Thread reader = new Thread(() -> cl.release(cl.read(5)));
        reader.start();
        while (gate.held() == 0) Thread.onSpinWait();        // the read is in flight: READING set
        assertNull(cl.get(5), "get returns NULL for a block being read, without waiting");
        gate.open();
        reader.join(10_000);
        assertFalse(reader.isAlive());
        Buffer b = cl.get(5);
        assertNotNull(b, "after the read completed get finds it");
        cl.release(b);
    }

    @Test void newLinksAZeroFilledBufferWithoutReading() {
        preload(dev, 6, 6);
        long reads = dev.stats().reads();
        Buffer b = c.new_(6);
        assertEquals(reads, dev.stats().reads(), "new() issues no read");
        assertArrayEquals(new byte[BS], b.data(), "zero-filled (deviation §8.6), not the disk's data");
        overwrite(c, b, 60);
        c.release(b);
        assertEquals(0, c.writeDirtyBuffers());
        assertArrayEquals(pattern(60, BS), dev.peekDurable(6L * BS, BS));
    }

    @Test void newOfACachedBlockReturnsItsContents() {
        preload(dev, 7, 7);
        c.release(c.read(7));
        Buffer b = c.new_(7);
        assertArrayEquals(pattern(7, BS), b.data(), "no FRESH/READ distinction on a hit");
        c.release(b);
    }

    @Test void releasingANewBufferWithoutAFullMarkIsRefusedAndChangesNothing() {
        Buffer b = c.new_(8);
        c.markPartialBufferDirty(b, 0, 512);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.release(b));
        assertTrue(e.getMessage().contains("new()"), e.getMessage());
        assertEquals(1, b.holdCount());
        overwrite(c, b, 8);
        c.release(b);
    }

    @Test void prefetchStartsReadsAndHoldsNothing() {
        preload(dev, 10, 10);
        preload(dev, 11, 11);
        c.prefetch(10, 3);
        for (long blk = 10; blk < 13; blk++) assertTrue(c.isCached(blk), "prefetched " + blk);
        Buffer b = c.get(10);
        assertEquals(1, b.holdCount(), "prefetch kept no hold");
        assertArrayEquals(pattern(10, BS), b.data());
        c.release(b);
        long reads = dev.stats().reads();
        c.prefetch(10, 3);
        assertEquals(reads, dev.stats().reads(), "cached blocks are not read again");
    }

    @Test void releaseOfABufferNotHeldIsABugAndChangesNothing() {
        Buffer b = c.read(1);
        c.release(b);
        Panic p = assertThrows(Panic.class, () -> c.release(b));
        assertTrue(p.getMessage().contains("hold_count"), p.getMessage());
        assertTrue(c.isCached(1));
    }

    // ------------------------------------------------------------ marking and writing

    @Test void writeDirtyBuffersMakesEveryDirtyBufferDurableAndFlushes() {
        for (int blk = 0; blk < 5; blk++) {
            Buffer b = c.read(blk);
            overwrite(c, b, 100 + blk);
            if (blk % 2 == 0) c.release(b); else c.release(b);
        }
        long flushes = dev.stats().flushes();
        assertEquals(0, c.writeDirtyBuffers());
        assertEquals(flushes + 1, dev.stats().flushes());
        for (int blk = 0; blk < 5; blk++) assertArrayEquals(pattern(100 + blk, BS), dev.peekDurable((long) blk * BS, BS));
        assertEquals(0, c.nBuffers(DmBufio.LIST_DIRTY), "pass 2 relinked the written buffers to CLEAN");
    }

    @Test void heldBuffersAreWrittenToo() {
        Buffer b = c.read(2);
        overwrite(c, b, 22);
        assertEquals(0, c.writeDirtyBuffers());
        assertArrayEquals(pattern(22, BS), dev.peekDurable(2L * BS, BS), "holding does not stop writeback");
        c.release(b);
    }

    @Test void writeDirtyBuffersAsyncWritesButDoesNotFlush() {
        Buffer b = c.read(2);
        overwrite(c, b, 23);
        c.release(b);
        long flushes = dev.stats().flushes();
        c.writeDirtyBuffersAsync();
        assertEquals(flushes, dev.stats().flushes());
        assertArrayEquals(pattern(23, BS), dev.peekVisible(2L * BS, BS));
        assertEquals(1, dev.cachedWrites(), "written, not durable: no FLUSH");
    }

    @Test void aPartialMarkIsWrittenAsTheFourKibAlignedHullClampedToTheBlock() {
        DmBufio mm = module();
        int bs = 16384;
        LoopbackDevice d = device(8, bs, new dev.bioref.device.InlineCompleter());
        Client cl = mm.clientCreate(d, new DmBufio.ClientOptions().blockSize(bs).capacity(4));
        WriteLog log = d.startLog();
        Buffer b = cl.read(1);
        b.data()[5000] = 1;
        cl.markPartialBufferDirty(b, 5000, 5001);
        assertEquals(0, cl.writeDirtyBuffers());
        b.data()[100] = 2;
        b.data()[9000] = 3;
        cl.markPartialBufferDirty(b, 100, 101);
        cl.markPartialBufferDirty(b, 9000, 9001);      // the dirty range is the hull [100, 9001)
        assertEquals(0, cl.writeDirtyBuffers());
        cl.release(b);
        List<long[]> writes = new ArrayList<>();
        for (LogEntry e : log.entries()) if (e.kind() == LogEntry.Kind.WRITE) writes.add(new long[] {e.offset() - bs, e.length()});
        assertEquals(2, writes.size(), writes.toString());
        assertArrayEquals(new long[] {4096, 4096}, writes.get(0), "[5000,5001) → [4096, 8192)");
        assertArrayEquals(new long[] {0, 12288}, writes.get(1), "hull [100, 9001) → [0, 12288)");
    }

    @Test void markDirtyChecksItsRangeAndChangesNothing() {
        Buffer b = c.read(1);
        assertThrows(IllegalArgumentException.class, () -> c.markPartialBufferDirty(b, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> c.markPartialBufferDirty(b, 0, BS + 1));
        assertEquals(0, b.state());
        c.release(b);
        assertThrows(IllegalStateException.class, () -> c.markBufferDirty(b), "not held");
        assertEquals(0, b.state());
    }

    @Test void aReDirtyDuringAnInFlightWriteSurvivesTheCompletion() {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice d = device(8, BS, gate);
        Client cl = client(m, d, 8, 0);
        Buffer b = cl.read(1);
        overwrite(cl, b, 1);
        gate.shut();
        cl.writeDirtyBuffersAsync();                     // DIRTY cleared at write start; WRITING set
        assertEquals(DmBufio.B_WRITING, b.state());
        overwrite(cl, b, 2);                             // modify during the write, then mark: DIRTY again
        assertEquals(DmBufio.B_WRITING | DmBufio.B_DIRTY, b.state());
        gate.open();                                     // completion clears only WRITING
        assertEquals(DmBufio.B_DIRTY, b.state());
        cl.release(b);
        assertEquals(0, cl.writeDirtyBuffers());
        assertArrayEquals(pattern(2, BS), d.peekDurable(BS, BS));
    }

    // ------------------------------------------------------------ flush, discard, forget

    @Test void issueFlushAndDiscardGoToTheDevice() {
        assertEquals(0, c.issueFlush());
        preload(dev, 9, 9);
        Buffer b = c.read(9);
        c.release(b);
        assertEquals(0, c.issueDiscard(9, 1));
        assertArrayEquals(new byte[BS], dev.peekVisible(9L * BS, BS), "discarded on the device");
        Buffer g = c.get(9);
        assertArrayEquals(pattern(9, BS), g.data(), "discard does not touch cached buffers (forget first, §3)");
        c.release(g);
        c.forget(9);
        assertFalse(c.isCached(9));
        assertThrows(IllegalArgumentException.class, () -> c.issueDiscard(63, 2));
    }

    @Test void forgetDropsOnlyIdleCleanBuffers() {
        Buffer held = c.read(1);
        Buffer dirty = c.read(2);
        overwrite(c, dirty, 2);
        c.release(dirty);
        c.release(c.read(3));
        c.forget(1);
        c.forget(2);
        c.forget(3);
        c.forget(40);                                    // not cached: nothing
        assertTrue(c.isCached(1), "held: kept");
        assertTrue(c.isCached(2), "dirty: never dropped");
        assertFalse(c.isCached(3), "idle clean: forgotten");
        c.release(held);
    }

    @Test void forgetBuffersStaysInsideItsRange() {
        for (long blk : new long[] {2, 4, 9}) c.release(c.read(blk));
        c.forgetBuffers(2, 3);                           // [2, 5)
        assertFalse(c.isCached(2));
        assertFalse(c.isCached(4));
        assertTrue(c.isCached(9), "9 is beyond the range (the seed may forget it: SeedQuirksTest)");
    }

    // ------------------------------------------------------------ release_move

    @Test void releaseMoveByTheOnlyHolderMovesTheBufferAndDirtiesIt() {
        preload(dev, 1, 1);
        Buffer b = c.read(1);
        c.releaseMove(b, 20);
        assertFalse(c.isCached(1));
        assertTrue(c.isCached(20));
        assertEquals(20, b.blockNumber());
        assertEquals(0, b.holdCount());
        assertEquals(0, c.writeDirtyBuffers());
        assertArrayEquals(pattern(1, BS), dev.peekDurable(20L * BS, BS));
    }

    @Test void releaseMoveWithOtherHoldersCopiesTheWholeBlockAndKeepsTheBuffer() {
        preload(dev, 1, 1);
        Buffer b = c.read(1);
        Buffer other = c.read(1);
        Buffer victim = c.read(21);
        c.release(victim);                               // a cached idle buffer at the target is dropped first
        c.releaseMove(b, 21);
        assertEquals(1, other.blockNumber(), "the other holder still sees block 1 (deviation §8.2)");
        assertFalse(c.isCached(21));
        assertArrayEquals(pattern(1, BS), dev.peekVisible(21L * BS, BS), "whole block copied (deviation §8.1)");
        c.release(other);
    }

    @Test void releaseMoveToItsOwnBlockIsRefused() {
        Buffer b = c.read(1);
        assertThrows(IllegalArgumentException.class, () -> c.releaseMove(b, 1));
        assertEquals(1, b.holdCount());
        c.release(b);
    }

    // ------------------------------------------------------------ allocation: reserve, steal, wait

    @Test void atCapacityTheClientUsesTheReserveThenStealsItsOwnUnheldBuffers() {
        DmBufio mm = module();
        Client cl = client(mm, dev, 3, 1);               // 1 reserve + 2 from "memory"
        Buffer a = cl.read(1);
        Buffer b = cl.read(2);
        assertEquals(1, cl.reservedFree());
        Buffer r = cl.read(3);                           // allocation fails: the reserve buffer
        assertEquals(0, cl.reservedFree());
        cl.release(a);
        Buffer s = cl.read(4);                           // steals a (unheld, oldest)
        assertSame(a, s);
        assertFalse(cl.isCached(1));
        cl.release(b);
        cl.release(r);
        cl.release(s);
        cl.forget(3);
        assertEquals(1, cl.reservedFree(), "a freed buffer refills the reserve first");
    }

    @Test void aReaderWaitsUntilAHolderReleases() throws Exception {
        DmBufio mm = module();
        Client cl = client(mm, dev, 1, 0);
        Buffer a = cl.read(1);
        Buffer[] got = new Buffer[1];
        Thread t = new Thread(() -> got[0] = cl.read(2));
        t.start();
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) Thread.onSpinWait();
        assertTrue(t.isAlive(), "all buffers held: the reader sleeps in __wait_for_free_buffer");
        cl.release(a);
        t.join(10_000);
        assertFalse(t.isAlive());
        assertSame(a, got[0], "the released buffer was stolen for block 2");
        cl.release(got[0]);
    }

    // ------------------------------------------------------------ client lifecycle and misuse

    @Test void badArgumentsAreRejectedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(1000)));
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.clientCreate(dev, new DmBufio.ClientOptions().capacity(1).reserved(2)));
        assertThrows(IllegalArgumentException.class, () -> c.read(-1));
        e = assertThrows(IllegalArgumentException.class, () -> c.read(64));
        assertTrue(e.getMessage().contains("64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.prefetch(60, 10));
        assertEquals(0, c.cachedBuffers());
    }

    @Test void destroyWritesDirtyBuffersWithoutAFlushAndRefusesWhileHeld() {
        DmBufio mm = module();
        Client cl = client(mm, dev, 8, 2);
        Buffer b = cl.read(1);
        overwrite(cl, b, 11);
        IllegalStateException e = assertThrows(IllegalStateException.class, cl::destroy);
        assertTrue(e.getMessage().contains("leaked"), e.getMessage());
        assertTrue(cl.isCached(1), "nothing changed");
        cl.release(b);
        long flushes = dev.stats().flushes();
        cl.destroy();
        assertArrayEquals(pattern(11, BS), dev.peekVisible(BS, BS), "written by drop_buffers");
        assertEquals(flushes, dev.stats().flushes(), "destroy sends no FLUSH");
        assertEquals(0, cl.allocatedBuffers());
        assertFalse(mm.clients().contains(cl));
        assertThrows(IllegalStateException.class, () -> cl.read(1));
    }

    @Test void theClientMutexIsNotReentrant() {
        DmBufio mm = module();
        Client[] self = new Client[1];
        DmBufio.ClientOptions o = new DmBufio.ClientOptions().blockSize(BS).capacity(4);
        o.allocCallback = b -> self[0].get(0);           // a call back into the client under its mutex
        self[0] = mm.clientCreate(dev, o);
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, () -> self[0].read(1));
        assertEquals("MutexNotReentrantInv", v.clause());
    }

    @Test void blockingCallsInsideBioSubmissionAreABug() {
        DmBufio.setInRequest(true);
        try {
            assertThrows(Panic.class, () -> c.read(1));
            assertThrows(Panic.class, c::writeDirtyBuffers);
            assertNull(c.get(1), "get is allowed in request context");
        } finally {
            DmBufio.setInRequest(false);
        }
    }

    @Test void setMinimumBuffersIsStoredAndReadByNothing() {
        c.setMinimumBuffers(1);
        assertEquals(1, c.minimumBuffers());
        for (int blk = 0; blk < 10; blk++) c.release(c.read(blk));
        assertEquals(10, c.cachedBuffers(), "no per-client limit follows from it (§8.10)");
    }

    @Test void sectorOffsetShiftsEveryIoAndTheDeviceSize() {
        DmBufio mm = module();
        Client cl = client(mm, dev, 4, 0);
        cl.setSectorOffset(8);                           // one 4 KiB block
        assertEquals(63, cl.getDeviceSize());
        preload(dev, 5, 5);
        Buffer b = cl.read(4);
        assertArrayEquals(pattern(5, BS), b.data());
        cl.release(b);
        assertEquals(BS, cl.getBlockSize());
    }

    // ------------------------------------------------------------ watermark, aging, shrinker

    @Test void creatingABufferWithMoreThanThreeQuartersDirtyStartsBackgroundWrites() {
        Buffer zero = c.read(0);                         // 1 clean, then 3 dirty: 3 > 3 × 1 is false
        for (int blk = 1; blk < 4; blk++) {
            Buffer b = c.read(blk);
            overwrite(c, b, blk);
            c.release(b);
        }
        overwrite(c, zero, 0);
        c.release(zero);
        assertEquals(0, dev.stats().writes(), "4 dirty, 0 clean, but no buffer created since: nothing written yet");
        c.release(c.read(10));                           // n_dirty 4 > 3 × n_clean 0: watermark writes
        assertTrue(dev.stats().writes() >= 4, "writes " + dev.stats().writes());
    }

    @Test void agingFreesOnlyOldCleanBuffersAboveTheRetainFloor() {
        DmBufio.Params p = new DmBufio.Params();
        ManualClock clock = new ManualClock();
        p.clock = clock;
        p.retainBytes = 2L * BS;
        DmBufio mm = module(p);
        Client cl = client(mm, dev, 16, 0);
        for (int blk = 0; blk < 4; blk++) cl.release(cl.read(blk));
        Buffer d = cl.read(4);
        overwrite(cl, d, 4);
        cl.release(d);
        clock.advance(TimeUnit.SECONDS.toNanos(299));
        assertEquals(0, mm.cleanupOldBuffers(), "nothing is 300 s old yet");
        clock.advance(TimeUnit.SECONDS.toNanos(2));
        cl.release(cl.read(0));                          // accessed: young again, and now the newest
        assertEquals(3, mm.cleanupOldBuffers(), "1, 2, 3 freed (oldest first); then 2 left = retain: 0 stays");
        assertTrue(cl.isCached(4), "dirty buffers are never aged out");
        assertTrue(cl.isCached(0));
    }

    @Test void theShrinkerWithoutIoFreesOnlyIdleCleanBuffers() {
        DmBufio.Params p = new DmBufio.Params();
        p.retainBytes = 0;
        DmBufio mm = module(p);
        Client cl = client(mm, dev, 16, 0);
        for (int blk = 0; blk < 3; blk++) cl.release(cl.read(blk));
        Buffer held = cl.read(3);
        for (int blk = 4; blk < 6; blk++) {
            Buffer b = cl.read(blk);
            overwrite(cl, b, blk);
            cl.release(b);
        }
        assertEquals(6, cl.shrinkCount(), "6 linked, retain 0 (held ones are counted: it is an estimate)");
        long writes = dev.stats().writes();
        assertEquals(3, cl.shrinkScan(10, false), "no I/O: only the 3 idle clean buffers");
        assertEquals(writes, dev.stats().writes());
        assertEquals(2, cl.shrinkScan(10, true), "with I/O the dirty ones are written and freed");
        assertArrayEquals(pattern(5, BS), dev.peekVisible(5L * BS, BS));
        assertTrue(cl.isCached(3), "held: never");
        cl.release(held);
    }

    @Test void theShrinkerKeepsTheRetainFloor() {
        DmBufio.Params p = new DmBufio.Params();
        p.retainBytes = 3L * BS;
        DmBufio mm = module(p);
        Client cl = client(mm, dev, 16, 0);
        for (int blk = 0; blk < 5; blk++) cl.release(cl.read(blk));
        assertEquals(2, cl.shrinkCount());
        assertEquals(2, cl.shrinkScan(100, true));
        assertEquals(3, cl.cachedBuffers());
    }
}
