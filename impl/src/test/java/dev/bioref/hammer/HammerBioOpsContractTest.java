// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Panic;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * hammer_bioops (hammer_io.c L1381), each callback driven directly as the kernel calls it: the
 * branches PIT found untested (proofs-notes/pit.md §3.3 and §5): the misuse checks, checkwrite's
 * refusals and their B_LOCKED accounting, deallocate's lose tree and interlock, the deallocate a
 * B_LOCKED completion owes, the limit_backlog wakeup of io_complete, and the kernel's trace events.
 * Completions are held by a {@link GateCompleter} where a write must stay in flight; no test
 * sleeps or depends on timing.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerBioOpsContractTest {

    record Rig(GateCompleter gate, HammerMount hmp) { }

    static Rig rig(HammerOptions o) {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(o.geometry.size()), gate, Clock.SYSTEM);
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        return new Rig(gate, hmp);
    }

    /** The first DATA buffer after put(0): modified, released to the kernel as a delayed write, no refs. */
    static HammerBuffer relDirtyData(HammerMount hmp) {
        hmp.put(0, bytes(100, 1));
        HammerBuffer b = hmp.bufferAt(firstDataBlock(hmp));
        assertTrue(b.modified && b.released && b.lock.refCount() == 0 && b.bp.anyFlags(Buf.B_DELWRI), String.valueOf(b));
        return b;
    }

    static HammerBuffer ref(HammerMount hmp, HammerIoType type, long offset) {
        HammerBuffer[] b = new HammerBuffer[1];
        withFsToken(hmp, () -> b[0] = hmp.getBuffer(type, offset, false));
        return b[0];
    }

    static void rel(HammerMount hmp, HammerBuffer b) { withFsToken(hmp, () -> hmp.relBuffer(b, false)); }

    /** Calls io_checkwrite as flushbufqueues does (bp locked, off its queue); puts a refused bp back. */
    static int checkwrite(HammerMount hmp, Buf bp) {
        assertTrue(bp.b_lock().tryLock(), () -> "bp is busy: " + bp);
        hmp.cache.bremfree(bp);
        int r = hmp.bioops.io_checkwrite(bp);
        assertNotEquals(0, r, "this helper only puts refused bps back");
        hmp.cache.bqrelse(bp);
        return r;
    }

    // ---- io_complete

    /** io:L1082 KKASSERT(released): a completion for a bp HAMMER still owns is a kernel bug. */
    @Test void completeOfABpHammerStillOwnsPanicsAndChangesNothing() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer b = ref(hmp, HammerIoType.DATA_BUFFER, firstDataBlock(hmp));
        withFsToken(hmp, () -> {
            b.modify(1);                       // regets the bp: HAMMER owns it, released = 0
            b.modifyDone();
        });
        assertFalse(b.released);
        Panic p = assertThrows(Panic.class, () -> hmp.bioops.io_complete(b.bp));
        assertTrue(p.getMessage().contains("hammer_io_complete: io not released"), p.getMessage());
        assertTrue(b.modified && !b.running && !b.released, "the refused completion changed the io: " + b);
        rel(hmp, b);
        hmp.sync();
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /**
     * io:L1127-1130: the completion that brings io_running_space below half the limit clears
     * io_running_wakeup (set by a thread in limit_backlog, io:L2000) and wakes it; one that
     * leaves it at or above half does not.
     */
    @Test void completeWakesLimitBacklogOnlyBelowHalfTheLimit() {
        HammerOptions o = options();
        o.limitRunningIo = 2L * HammerOndisk.BUFSIZE;      // half: exactly 1 buffer
        Rig r = rig(o);
        HammerMount hmp = r.hmp;
        hmp.put(0, bytes(100, 1));                         // DATA buffer 0
        withFsToken(hmp, () -> {
            HammerBuffer b2 = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp) + HammerOndisk.BUFSIZE, true);
            b2.modify(1);
            b2.data()[0] = 5;
            b2.modifyDone();
            hmp.relBuffer(b2, false);                      // DATA buffer 1: a second delayed write
        });
        Buf bp1 = hmp.bufferAt(firstDataBlock(hmp)).bp;
        Buf bp2 = hmp.bufferAt(firstDataBlock(hmp) + HammerOndisk.BUFSIZE).bp;
        r.gate.shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(bp1, false));
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(bp2, false));
        assertEquals(2L * HammerOndisk.BUFSIZE, hmp.ioRunningSpace.get());
        hmp.ioRunningWakeup = true;                        // what a thread in limit_backlog set before sleeping
        assertTrue(r.gate.completeOne());                  // 1 buffer left running: at half, not below
        assertTrue(hmp.ioRunningWakeup, "woke limit_backlog with io_running_space at or above half the limit");
        assertTrue(r.gate.completeOne());                  // 0 left
        assertFalse(hmp.ioRunningWakeup, "io_running_wakeup not cleared (and nobody woken) below half the limit");
        r.gate.open();
    }

    /**
     * io:L1154-1162: a completion that finds B_LOCKED (someone wanted the bp while it was busy)
     * clears it and pays the debt with hammer_io_deallocate, here with nobody left holding a ref:
     * the io is disassociated and parked on the lose tree.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "traced={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aBLockedCompletionDeallocatesTheIo(boolean traced) {
        HammerOptions o = options();
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        if (traced) o.ioTrace = new HammerIoTrace(log);
        Rig r = rig(o);
        HammerMount hmp = r.hmp;
        HammerBuffer b = relDirtyData(hmp);
        HammerBuffer held = ref(hmp, HammerIoType.DATA_BUFFER, b.offset);   // a frontend's ref
        assertSame(b, held);
        // the daemon tries to write it: refused (io:L1319-1327), B_LOCKED set
        assertEquals(BufCache.STEP_REFUSED, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertTrue(b.bp.anyFlags(Buf.B_LOCKED));
        assertEquals(1, hmp.countIoLocked.get());
        r.gate.shut();
        rel(hmp, b);                            // release sees B_LOCKED on a modified DATA io: flushes it (io:L539)
        assertTrue(b.running, "release did not start the write the kernel asked for: " + b);
        assertNotNull(b.bp, "disassociated before its write completed: " + b);
        assertTrue(b.bp.anyFlags(Buf.B_LOCKED), "B_LOCKED lost before the completion: " + b.bp);
        int before = kernelEvents(log).size();
        assertEquals(1, r.gate.completeHeld());
        assertNull(b.bp, "the B_LOCKED completion did not deallocate the io");
        // the deallocate is part of the spec's Complete step: traced, it logs no Deallocate of its own
        if (traced) assertEquals(List.of("Complete"), kernelEvents(log).subList(before, kernelEvents(log).size()));
        assertSame(hmp.loseRoot, b.modRoot);
        assertTrue(hmp.loseRoot.contains(b));
        assertEquals(0, hmp.countIoLocked.get(), "a B_LOCKED debt was not paid");
        assertEquals(0, b.lock.refs.get(), "deallocate left the interlock or a ref on the io");
        r.gate.open();
        assertArrayEquals(bytes(100, 1), hmp.get(0));      // re-loaded from the media
    }

    // ---- io_deallocate

    /** io:L1195 KKASSERT(!B_LOCKED && !running): the kernel must not reclaim a bp whose write is in flight. */
    @Test void deallocateOfARunningIoPanicsAndChangesNothing() {
        Rig r = rig(options());
        HammerMount hmp = r.hmp;
        HammerBuffer b = relDirtyData(hmp);
        r.gate.shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertTrue(b.running);
        Buf bp = b.bp;
        long disassociations = hmp.stats.disassociations.get();
        Panic p = assertThrows(Panic.class, () -> hmp.bioops.io_deallocate(bp));
        assertTrue(p.getMessage().contains("hammer_io_deallocate: bp B_LOCKED or io running"), p.getMessage());
        assertSame(bp, b.bp);
        assertEquals(disassociations, hmp.stats.disassociations.get());
        assertFalse(bp.anyFlags(Buf.B_LOCKED));
        assertEquals(0, b.lock.refs.get());
        r.gate.open();
        assertFalse(b.running);
    }

    /**
     * io:L1356 KKASSERT(running == 0) in checkwrite: a kernel asking to write a bp whose write is
     * still in flight is a kernel bug. The panic leaves the interlock checkwrite took (the seed's
     * panic stops the machine there); the test puts it back so the mount can be checked and closed.
     */
    @Test void checkwriteOfARunningIoPanics() {
        Rig r = rig(options());
        HammerMount hmp = r.hmp;
        HammerBuffer b = relDirtyData(hmp);
        r.gate.shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertTrue(b.running);
        long accepted = hmp.stats.checkwriteAccepted.get();
        long space = hmp.ioRunningSpace.get();
        Panic p = assertThrows(Panic.class, () -> hmp.bioops.io_checkwrite(b.bp));
        assertTrue(p.getMessage().contains("hammer_io_checkwrite: io already running"), p.getMessage());
        assertEquals(accepted, hmp.stats.checkwriteAccepted.get());
        assertEquals(space, hmp.ioRunningSpace.get(), "the refused write was counted as running");
        b.lock.putInterlock(1);
        r.gate.open();
        assertFalse(b.running);
    }

    /** io:L1213-1228: a clean, unreferenced io lets go of its bp, goes on the lose tree, and its interlock is put back. */
    @Test void deallocateOfACleanIoParksItOnTheLoseTree() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirtyData(hmp);
        hmp.sync();
        assertFalse(b.modified);
        assertNotNull(b.bp);
        assertTrue(kernelDeallocate(hmp, b.bp));
        assertNull(b.bp);
        assertSame(hmp.loseRoot, b.modRoot, "io:L1222 the io's mod_root is not the lose tree");
        assertTrue(hmp.loseRoot.contains(b));
        assertEquals(0, b.lock.refs.get(), "io:L1228 the interlock was not put back");
        assertArrayEquals(bytes(100, 1), hmp.get(0));      // the next get_buffer takes it off and re-reads it
        assertFalse(hmp.loseRoot.contains(b));
    }

    // ---- io_checkwrite

    /**
     * io:L1319-1327: a referenced io refuses the kernel's write with B_LOCKED, counted once
     * however often the kernel asks (the bp stays B_LOCKED); the refusal returns 1.
     */
    @Test void checkwriteRefusesAReferencedIoAndCountsBLockedOnce() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirtyData(hmp);
        HammerBuffer held = ref(hmp, HammerIoType.DATA_BUFFER, b.offset);
        assertEquals(1, checkwrite(hmp, b.bp));
        assertTrue(b.bp.anyFlags(Buf.B_LOCKED));
        assertEquals(1, hmp.countIoLocked.get());
        assertEquals(1, checkwrite(hmp, b.bp));
        assertEquals(1, hmp.countIoLocked.get(), "a second refusal of a B_LOCKED bp counted it again");
        assertEquals(2, hmp.stats.checkwriteRefused.get());
        assertTrue(b.modified && !b.running, "a refused checkwrite changed the io: " + b);
        rel(hmp, held);
        hmp.sync();
        assertEquals(0, hmp.countIoLocked.get(), "a B_LOCKED debt was not paid");
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /** io:L1345-1365: an accepted checkwrite returns 0, so the kernel starts the write (and only one). */
    @Test void checkwriteAcceptsAnUnreferencedModifiedIo() {
        Rig r = rig(options());
        HammerMount hmp = r.hmp;
        HammerBuffer b = relDirtyData(hmp);
        r.gate.shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertEquals(1, r.gate.held(), "checkwrite accepted but no write was started");
        assertTrue(b.running && !b.modified);
        assertEquals(1, hmp.stats.checkwriteAccepted.get());
        r.gate.open();
        assertFalse(b.running);
        assertEquals(b.memVer, b.diskVer, "the completed write is not the version checkwrite started");
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /**
     * io:L1303-1312 with panicstr set (the port's {@code lenientCheckwrite}): a META bp is refused
     * with B_LOCKED, counted once, instead of a panic; the debt is paid when HAMMER releases it.
     */
    @Test void lenientCheckwriteRefusesMetaWithBLockedCountedOnce() {
        HammerOptions o = options();
        o.lenientCheckwrite = true;
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        o.ioTrace = new HammerIoTrace(log);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer m = ref(hmp, HammerIoType.META_BUFFER, o.geometry.metaBase());
        Buf bp = m.bp;
        int before = kernelEvents(log).size();
        assertEquals(1, hmp.bioops.io_checkwrite(bp));
        assertEquals(List.of("Checkwrite"), kernelEvents(log).subList(before, kernelEvents(log).size()), "the refusal is the spec's Checkwrite");
        assertTrue(bp.anyFlags(Buf.B_LOCKED));
        assertEquals(1, hmp.countIoLocked.get());
        assertEquals(1, hmp.bioops.io_checkwrite(bp));
        assertEquals(1, hmp.countIoLocked.get(), "a second refusal of a B_LOCKED META bp counted it again");
        assertFalse(m.running || hmp.kernelWroteMeta, "a refused META checkwrite started a write");
        rel(hmp, m);                                       // clean, owned, B_LOCKED: disassociated (io:L588)
        assertEquals(0, hmp.countIoLocked.get(), "a B_LOCKED debt was not paid");
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    // ---- the kernel's trace events (HammerIoProtocol's Checkwrite, CheckwriteStart, Complete, Deallocate)

    static List<String> kernelEvents(TraceLog log) {
        return log.lines().stream().filter(l -> l.contains("\"thread\":\"K\"") || l.contains("\"Unmodelled\""))
                .map(l -> l.replaceAll(".*\"action\":\"([A-Za-z]+)\".*", "$1")).toList();
    }

    @Test void theKernelCallbacksLogTheirSpecActions() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerOptions o = options();
        o.ioTrace = new HammerIoTrace(log);
        Rig r = rig(o);
        HammerMount hmp = r.hmp;
        HammerBuffer b = relDirtyData(hmp);
        HammerBuffer held = ref(hmp, HammerIoType.DATA_BUFFER, b.offset);
        int before = kernelEvents(log).size();
        assertEquals(BufCache.STEP_REFUSED, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertEquals(List.of("Checkwrite"), kernelEvents(log).subList(before, kernelEvents(log).size()), "refusal");
        rel(hmp, held);
        hmp.sync();                                         // pays the B_LOCKED debt
        hmp.put(0, bytes(100, 3));
        b = hmp.bufferAt(firstDataBlock(hmp));
        before = kernelEvents(log).size();
        r.gate.shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertEquals(List.of("Checkwrite", "CheckwriteStart"), kernelEvents(log).subList(before, kernelEvents(log).size()), "acceptance");
        r.gate.completeHeld();
        assertEquals(List.of("Checkwrite", "CheckwriteStart", "Complete"), kernelEvents(log).subList(before, kernelEvents(log).size()), "completion");
        r.gate.open();
        before = kernelEvents(log).size();
        assertTrue(kernelDeallocate(hmp, b.bp));
        assertEquals(List.of("Deallocate"), kernelEvents(log).subList(before, kernelEvents(log).size()), "deallocation");
    }

    /** io:L1101-1116: a failed write is a step the spec does not model; the completion says so once (Unmodelled). */
    @Test void aFailedWriteIsLoggedAsUnmodelled() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerOptions o = options();
        o.ioTrace = new HammerIoTrace(log);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(3, bytes(30, 3));
        long lo = o.geometry.dataBase();
        hmp.devvp().setStrategyFilter((cmd, off, len) -> cmd == dev.bioref.buf.BufCmd.WRITE && off == lo ? dev.bioref.kern.Errno.EIO : 0);
        assertThrows(HammerCriticalError.class, hmp::sync);
        List<String> errs = log.lines().stream().filter(l -> l.contains("\"op\":\"write error\"")).toList();
        assertEquals(1, errs.size(), () -> "write error events: " + log.lines());
        assertTrue(hmp.bufferAt(lo).ioerror);
    }
}
