// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.ManualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.bioref.device.DeviceTesting.S;
import static dev.bioref.device.DeviceTesting.fill;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device's basic contract, one example per clause of its "Interface:" list. */
class LoopbackDeviceTest {

    @Test
    void readAfterWriteSeesTheDataBeforeAnyFlush() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S);
        assertTrue(d.execute(Request.write(S, fill(2, 7))).ok());
        byte[] b = new byte[2 * S];
        assertTrue(d.execute(Request.read(S, b)).ok());
        assertArrayEquals(fill(2, 7), b);
        assertArrayEquals(new byte[2 * S], d.peekDurable(S, 2 * S), "not durable before a FLUSH");
    }

    @Test
    void flushMakesCompletedWritesDurableAndCrashKeepsThem() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S);
        d.execute(Request.write(0, fill(1, 1)));
        d.execute(Request.flush());
        d.execute(Request.write(S, fill(1, 2)));
        assertEquals(1, d.cachedWrites());
        d.crash();
        assertArrayEquals(fill(1, 1), d.peekVisible(0, S));
        assertArrayEquals(new byte[S], d.peekVisible(S, S), "the unflushed write is lost");
        assertEquals(1, d.stats().crashes());
    }

    @Test
    void fuaIsDurableAtCompletionAndWinsOverAnOlderCachedWrite() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S);
        d.execute(Request.write(0, fill(2, 1)));          // cached, sectors 0-1
        d.execute(Request.writeFua(S, fill(1, 9)));       // durable, sector 1
        assertArrayEquals(fill(1, 9), d.peekDurable(S, S));
        d.execute(Request.flush());
        assertArrayEquals(fill(1, 1), d.peekDurable(0, S));
        assertArrayEquals(fill(1, 9), d.peekDurable(S, S), "the older cached write must not overwrite FUA data at flush");
    }

    @Test
    void discardReadsBackZerosAndIsDurableOnlyAfterFlush() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S);
        d.execute(Request.writeFua(0, fill(2, 5)));
        d.execute(Request.discard(0, S));
        assertArrayEquals(new byte[S], d.peekVisible(0, S));
        assertArrayEquals(fill(1, 5), d.peekDurable(0, S));
        d.execute(Request.flush());
        assertArrayEquals(new byte[S], d.peekDurable(0, S));
    }

    @Test
    void flushCoversOnlyWritesCompletedBeforeItWasSubmitted() {
        SeededCompleter sc = new SeededCompleter(1);
        LoopbackDevice d = new LoopbackDevice(new MemoryBackend(2 * S), sc, new ManualClock());
        d.submit(Request.write(0, fill(1, 1)), Callback.IGNORE);
        sc.completeOldest();                               // W1 completes
        d.submit(Request.flush(), Callback.IGNORE);        // barrier = W1
        d.submit(Request.write(S, fill(1, 2)), Callback.IGNORE);
        sc.completeAt(1);                                  // W2 completes while the FLUSH is in flight
        sc.completeOldest();                               // FLUSH completes
        assertArrayEquals(fill(1, 1), d.peekDurable(0, S));
        assertArrayEquals(new byte[S], d.peekDurable(S, S), "W2 completed after the FLUSH was submitted");
        assertEquals(1, d.cachedWrites());
    }

    @Test
    void requestsInFlightAtACrashFailWithEio() {
        SeededCompleter sc = new SeededCompleter(1);
        LoopbackDevice d = new LoopbackDevice(new MemoryBackend(2 * S), sc, new ManualClock());
        List<Completion> done = new ArrayList<>();
        d.submit(Request.write(0, fill(1, 1)), done::add);
        assertEquals(1, d.stats().inFlight());
        d.crash();
        sc.completeAll();
        assertEquals(Status.EIO, done.get(0).status());
        assertArrayEquals(new byte[S], d.peekVisible(0, S));
        assertEquals(0, d.stats().inFlight());
    }

    @Test
    void threadCompleterRunsCallbacksOnItsThreadAndExecuteWaits() throws Exception {
        try (ThreadCompleter tc = new ThreadCompleter("test-completion");
             LoopbackDevice d = new LoopbackDevice(new MemoryBackend(2 * S), tc, new ManualClock())) {
            java.util.concurrent.CompletableFuture<Boolean> onThread = new java.util.concurrent.CompletableFuture<>();
            d.submit(Request.write(0, fill(1, 3)), c -> onThread.complete(tc.isCompletionThread()));
            assertTrue(onThread.get());
            byte[] b = new byte[S];
            assertTrue(d.execute(Request.read(0, b)).ok());
            assertArrayEquals(fill(1, 3), b);
        }
    }

    @Test
    void countersCountCompletionsBytesAndInFlight() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S);
        d.execute(Request.write(0, fill(2, 1)));
        d.execute(Request.read(0, new byte[S]));
        d.execute(Request.flush());
        d.execute(Request.discard(0, S));
        DeviceStats s = d.stats();
        assertEquals(new DeviceStats(1, 1, 1, 1, 0, S, 2 * S, 0, 0), s);
    }

    @Test
    void markAndLogRecordCompletionOrderWithBarriers() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S);
        d.execute(Request.write(0, fill(1, 1)));     // before the log: cached, becomes the first entry
        WriteLog log = d.startLog();
        d.mark("start");
        d.execute(Request.writeFua(S, fill(1, 2)));
        d.execute(Request.flush());
        d.execute(Request.discard(2 * S, S));
        List<LogEntry> e = log.entries();
        assertEquals("[W#1[off=0,len=512], MARK(start), W#2+FUA[off=512,len=512], FLUSH#3(<=2), W#4[off=1024,len=512]]",
                e.toString());
        assertEquals(0, log.epochOf(0));
        assertEquals(-1, log.epochOf(2), "FUA: durable by itself");
        assertEquals(-1, log.epochOf(4), "still volatile at the end of the log");
        assertEquals(2, log.indexAfterMark("start"));
        d.crash();
        assertTrue(log.stopped());
    }
}
