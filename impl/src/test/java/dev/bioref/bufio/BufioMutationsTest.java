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

import java.util.concurrent.TimeUnit;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.device;
import static dev.bioref.bufio.BufioTestSupport.overwrite;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each {@link BufioMutations} switch, turned on, is caught by the named clause it should break
 * (notes §9a M1-M8 and the port's three); each test also runs the same steps with the guard in
 * place and shows they pass. proofs-notes/mutants.md lists these rows.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufioMutationsTest {

    /** A client whose module has {@code switchName} on (or none if null), unchecked by the extension. */
    static Client client(LoopbackDevice dev, String switchName, int capacity, int reserved) {
        BufioMutations mut = switchName == null ? BufioMutations.none() : BufioMutations.of(java.util.List.of(switchName));
        DmBufio.Params p = new DmBufio.Params();
        p.retainBytes = 0;
        p.watermarkWriteback = false;      // no background writes: each scenario controls every write
        DmBufio m = BufioTestSupport.unchecked(p, mut, BufioQuirks.none());
        return m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(capacity).reserved(reserved));
    }

    static String clauseOf(Client c) {
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, c::checkInvariants);
        return v.clause();
    }

    // M1 and M6 share a scenario: a re-dirty while the write is in flight
    private static Client reDirtyDuringWrite(String mutation, boolean throughWindow) {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = device(8, BS, gate);
        Client c = client(dev, mutation, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 1);
        gate.shut();
        c.writeDirtyBuffersAsync();
        if (throughWindow) {
            c.completionWindow = x -> overwrite(c, b, 2);   // between completion's read and store of the state
        } else {
            overwrite(c, b, 2);
        }
        gate.open();
        c.release(b);
        return c;
    }

    @Test void m1CompletionClearsDirtyLosesTheReDirty() {
        reDirtyDuringWrite(null, false).checkInvariants();
        assertEquals("IdleCleanMirrorsDiskInv", clauseOf(reDirtyDuringWrite("completionClearsDirty", false)));
    }

    @Test void m6NonAtomicStateClearLosesAConcurrentMark() {
        Client ok = reDirtyDuringWrite(null, true);      // the window is only a seam of the mutant: the atomic clear keeps DIRTY
        ok.checkInvariants();
        assertEquals("IdleCleanMirrorsDiskInv", clauseOf(reDirtyDuringWrite("nonAtomicDirtyClear", true)));
    }

    private static Client duplicateRace(String mutation) {
        Client c = client(device(16), mutation, 8, 0);
        c.failNonBlockingAlloc = true;                   // force the sleeping allocation, which drops the mutex
        c.allocWindow = () -> {
            c.allocWindow = null;
            c.release(c.read(5));                        // another caller links block 5 meanwhile
        };
        c.release(c.read(5));
        return c;
    }

    @Test void m2NoRecheckAfterAllocLinksADuplicate() {
        Client ok = duplicateRace(null);
        assertEquals(1, ok.cachedBuffers());
        ok.checkInvariants();
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, () -> duplicateRace("noRecheckAfterAlloc"));
        assertEquals("NoDuplicateInv", v.clause());
    }

    private static Client evictDuringPass2(String mutation) {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = device(8, BS, gate);
        Client c = client(dev, mutation, 8, 0);
        for (int blk = 1; blk <= 2; blk++) {
            Buffer b = c.read(blk);
            overwrite(c, b, blk);
            c.release(b);
        }
        gate.shut();
        c.pass2Window = x -> {
            c.pass2Window = null;
            gate.open();                                 // both writes complete (and later I/O completes inline)
            c.shrinkScan(1, true);                       // memory pressure while pass 2 waits unlocked
        };
        assertEquals(0, c.writeDirtyBuffers());
        return c;
    }

    @Test void m3NoPinInPass2LetsTheShrinkerFreeTheBufferPass2Waits() {
        Client ok = evictDuringPass2(null);
        assertTrue(ok.isCached(1), "pinned: the shrinker took block 2 instead");
        ok.checkInvariants();
        assertEquals("NoFreeWhileHeldInv", clauseOf(evictDuringPass2("noPinInPass2")));
    }

    private static Client stealWithOneHeld(String mutation) {
        Client c = client(device(16), mutation, 2, 0);
        Buffer a = c.read(1);                            // held, and the least recent
        c.release(c.read(2));
        c.release(c.read(3));                            // at capacity: steal
        return c;
    }

    @Test void m4StealIgnoresHoldReusesAHeldBuffer() {
        Client ok = stealWithOneHeld(null);
        assertTrue(ok.isCached(1));
        assertFalse(ok.isCached(2));
        ok.checkInvariants();
        assertEquals("NoFreeWhileHeldInv", clauseOf(stealWithOneHeld("stealIgnoresHold")));
    }

    @Test void m5WriteNoWaitWritingPutsTwoWritesInFlight() throws Exception {
        GateCompleter gate = new GateCompleter();
        Client ok = client(device(8, BS, gate), null, 8, 0);
        Buffer b = ok.read(1);
        overwrite(ok, b, 1);
        gate.shut();
        ok.writeDirtyBuffersAsync();
        overwrite(ok, b, 2);
        Thread second = new Thread(ok::writeDirtyBuffersAsync);
        second.start();
        while (second.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait();   // waits for the first write
        assertEquals(1, gate.held());
        gate.open();
        second.join(10_000);
        ok.release(b);
        ok.checkInvariants();

        GateCompleter gate2 = new GateCompleter();
        Client bad = client(device(8, BS, gate2), "writeNoWaitWriting", 8, 0);
        Buffer x = bad.read(1);
        overwrite(bad, x, 1);
        gate2.shut();
        bad.writeDirtyBuffersAsync();
        overwrite(bad, x, 2);
        bad.writeDirtyBuffersAsync();                    // does not wait: a second write to block 1
        assertEquals(2, gate2.held());
        assertEquals("OneWritePerBufferAndBlockInv", clauseOf(bad));
    }

    @Test void m7LockWithPendingWritesIsASelfDeadlock() {
        Client ok = client(device(8), null, 8, 0);
        Buffer b = ok.read(1);
        overwrite(ok, b, 1);
        ok.release(b);
        assertEquals(0, ok.writeDirtyBuffers());
        ok.checkInvariants();
        Client bad = client(device(8), "lockWithPendingWrites", 8, 0);
        Buffer x = bad.read(1);
        overwrite(bad, x, 1);
        bad.release(x);
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, bad::writeDirtyBuffers);
        assertEquals("NoSelfDeadlockInv", v.clause());
    }

    private static Client sharedMove(String mutation) {
        LoopbackDevice dev = device(32);
        dev.execute(Request.write(BS, pattern(1, BS)));
        Client c = client(dev, mutation, 8, 0);
        Buffer b = c.read(1);
        Buffer other = c.read(1);
        c.releaseMove(b, 21);                            // shared: copy-write to 21 with the write range
        c.release(other);
        return c;
    }

    @Test void m8MoveStaleRangeCopiesNothing() {
        sharedMove(null).checkInvariants();
        assertEquals("AbsentBlockDurableInv", clauseOf(sharedMove("moveStaleRange")));
    }

    private static Client forgetDirty(String mutation) {
        Client c = client(device(8), mutation, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 1);
        c.release(b);
        c.forget(1);
        return c;
    }

    @Test void forgetDropsDirtyDiscardsData() {
        Client ok = forgetDirty(null);
        assertTrue(ok.isCached(1));
        ok.checkInvariants();
        assertEquals("DirtyNeverDroppedInv", clauseOf(forgetDirty("forgetDropsDirty")));
    }

    private static Client shrinkNoIo(String mutation) {
        Client c = client(device(8), mutation, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 1);
        c.release(b);
        c.shrinkScan(1, false);
        return c;
    }

    @Test void shrinkIgnoresNoIoWritesFromAContextThatMayNotDoIo() {
        Client ok = shrinkNoIo(null);
        assertTrue(ok.isCached(1));
        ok.checkInvariants();
        assertEquals("ShrinkNoIoInv", clauseOf(shrinkNoIo("shrinkIgnoresNoIo")));
    }

    /**
     * A write fails while write_dirty_buffers reports the latch: the failing completion runs in
     * the report's window (after its load of the latch, before its store). Atomic xchg: the window
     * never opens, the error stays latched and the next write_dirty_buffers returns it.
     */
    private static Client failDuringReport(String mutation) {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(8L * BS), gate, Clock.SYSTEM,
                FaultPlan.builder(1).eioOnNth(Op.WRITE, 1).build());
        Client c = client(dev, mutation, 8, 0);
        Buffer b = c.read(1);
        overwrite(c, b, 1);
        c.release(b);
        gate.shut();
        c.writeDirtyBuffersAsync();                      // write 1 held; it will fail
        c.xchgWindow = () -> {
            c.xchgWindow = null;
            gate.completeOne();                          // write_endio(-EIO): latched
        };
        assertEquals(0, c.xchgAsyncWriteError());
        if (c.xchgWindow != null) {                      // the guarded path has no window: fail it now
            c.xchgWindow = null;
            gate.completeOne();
        }
        gate.open();                                     // later I/O (the next flush) completes inline
        return c;
    }

    @Test void nonAtomicErrorXchgWipesAnErrorLatchedInItsWindow() {
        Client ok = failDuringReport(null);
        assertEquals(-DmBufio.EIO, ok.peekAsyncWriteError(), "the error stays latched for the next caller");
        ok.checkInvariants();
        assertEquals(-DmBufio.EIO, ok.writeDirtyBuffers());
        ok.checkInvariants();
        assertEquals("ErrorNotLostInv", clauseOf(failDuringReport("nonAtomicErrorXchg")));
    }

    /** get of a block whose read the gate holds: NULL, or (getIgnoresReading) a hold and a wait the port refuses. */
    private static Buffer getDuringRead(Client c, GateCompleter gate) throws Exception {
        gate.shut();
        Thread reader = new Thread(() -> c.release(c.read(5)));
        reader.start();
        while (gate.held() == 0) Thread.onSpinWait();    // the read is in flight: READING set
        try {
            return c.get(5);
        } finally {
            gate.open();
            reader.join(10_000);
            assertFalse(reader.isAlive(), "the reader finished once the gate opened");
        }
    }

    @Test void getIgnoresReadingMakesGetWaitForAnInFlightRead() throws Exception {
        GateCompleter gate = new GateCompleter();
        Client ok = client(device(16, BS, gate), null, 8, 0);
        assertEquals(null, getDuringRead(ok, gate), "get returns NULL for a block being read");
        ok.checkInvariants();
        GateCompleter gate2 = new GateCompleter();
        Client bad = client(device(16, BS, gate2), "getIgnoresReading", 8, 0);
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, () -> getDuringRead(bad, gate2));
        assertEquals("GetNeverWaitsForIoInv", v.clause());
    }

    @Test void everySwitchHasATestHere() {
        assertEquals(java.util.List.of("completionClearsDirty", "noRecheckAfterAlloc", "noPinInPass2", "stealIgnoresHold",
                "writeNoWaitWriting", "nonAtomicDirtyClear", "lockWithPendingWrites", "moveStaleRange", "forgetDropsDirty",
                "shrinkIgnoresNoIo", "nonAtomicErrorXchg", "getIgnoresReading"), BufioMutations.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BufioMutations.of(java.util.List.of("nope")));
        assertTrue(e.getMessage().contains("nope"));
        assertSame(BufioMutations.class, BufioMutations.none().getClass());
    }
}
