// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Sleepq;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerIo paths that PIT run HammerIo5 and the session-7 tests left open (proofs-notes/pit.md
 * §5.6, §8.1): hammer_io_release of an io whose write is in flight (it must not wait: the seed waits
 * only with waitdep), the BUF_KERNPROC hand-over when release takes a clean bp back, the UNDO
 * reclaim a B_LOCKED release starts and its B_LOCKED accounting, the cache fate of a disassociated
 * bp (kept unless reclaimed), modify_done's ghost version, and the spec actions logged on the
 * paths the put/sync trace test does not take. Completions are held by a GateCompleter where a
 * write must stay in flight; no verdict depends on timing (the one second thread is judged by
 * whether it sleeps in Sleepq, with a 60 s bound only against a hang).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerIoGapsTest {

    /** The actions logged for ios of {@code type} ("DATA", "UNDO", "META"), in order. */
    static List<String> actions(TraceLog log, String type) {
        return log.lines().stream().filter(l -> l.contains("\"type\":\"" + type + "\""))
                .map(l -> l.replaceAll(".*\"action\":\"([A-Za-z]+)\".*", "$1")).toList();
    }

    static List<String> since(List<String> all, int from) { return new ArrayList<>(all.subList(from, all.size())); }

    static HammerOptions traced(TraceLog log) {
        HammerOptions o = options();
        o.ioTrace = new HammerIoTrace(log);
        return o;
    }

    // ---------------------------------------------------------------- hammer_io_release (io:L517)

    /**
     * io:L517-600: the last ref of an io whose write is in flight (the kernel's, accepted by
     * io_checkwrite) leaves the bp to the completion and returns at once: hammer_io_release waits
     * for a running write only when waitdep is set (io:L557), which nothing in the port sets. The
     * release runs in a second thread; it must finish without sleeping while the write is held.
     */
    @Test void releaseOfAnIoWhoseWriteIsInFlightDoesNotWaitForIt() throws InterruptedException {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerBioOpsContractTest.Rig r = HammerBioOpsContractTest.rig(traced(log));
        HammerMount hmp = r.hmp();
        HammerBuffer b = HammerBioOpsContractTest.relDirtyData(hmp);
        r.gate().shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertTrue(b.running && !b.modified && b.released, String.valueOf(b));
        Buf bp = b.bp;
        int before = actions(log, "DATA").size();
        Thread t = new Thread(() -> withFsToken(hmp, () -> hmp.relBuffer(hmp.getBuffer(HammerIoType.DATA_BUFFER, b.offset, false), false)),
                "releaser");
        t.start();
        long bound = System.nanoTime() + 60_000_000_000L;   // hang bound only: the verdict is "finished" vs "asleep"
        String slept = null;
        while (t.isAlive() && (slept = Sleepq.sleepingOn(t)) == null && System.nanoTime() < bound) Thread.sleep(1);
        if (t.isAlive()) {
            String why = slept != null ? "sleeps on \"" + slept + "\"" : "neither finished nor slept within 60 s";
            r.gate().open();                                  // let the write finish so the thread can end
            t.join(60_000);
            fail("release of an io whose write is in flight did not return at once: the releaser " + why + "; " + b);
        }
        assertTrue(b.running, "the write ended before the release was judged: " + b);
        assertSame(bp, b.bp, "release took the bp of a running io away from the completion");
        assertEquals(0, b.lock.refCount());
        assertEquals(List.of("Ref", "Load", "Rel", "RelStart", "RelDispose", "RelDone"), since(actions(log, "DATA"), before),
                "the release of a running io: io:L588 leaves the bp to the completion (RelDispose, then RelDone)");
        assertEquals(1, r.gate().completeHeld());
        r.gate().open();
        assertFalse(b.running || b.modified, String.valueOf(b));
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /**
     * io:L588-600 (d), and (a) with flush = 1: a clean bp HAMMER had released is taken back with
     * regetblk and its lock handed to the kernel (BUF_KERNPROC) before release returns it for
     * brelse, as in the seed.
     * The test does what hammer_rel_buffer does around hammer_io_release, with a look in between.
     */
    @Test void releaseOfACleanReleasedIoHandsTheBpLockToTheKernel() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            assertTrue(b.released && !b.modified && !b.running && b.bp != null, String.valueOf(b));
            assertTrue(b.lock.relInterlock(), "not the last ref");
            Buf bp = b.release(false);
            assertSame(b.bp, bp, "release (d) returns the still associated bp for brelse");
            assertTrue(bp.b_lock().ownedByKernel(), () -> "release did not hand the retaken bp's lock to KERNPROC: " + bp.b_lock().owner());
            assertTrue(b.released);
            b.lock.relInterlockDone();
            hmp.kern.brelse(bp);
        });
        assertArrayEquals(bytes(100, 1), hmp.get(0));
        withFsToken(hmp, () -> {                             // (a): with flush = 1 the retaken bp is disassociated, same hand-over
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            assertTrue(b.released && !b.modified && !b.running && b.bp != null, String.valueOf(b));
            assertTrue(b.lock.relInterlock(), "not the last ref");
            Buf bp = b.release(true);
            assertNotNull(bp);
            assertNull(b.bp, "release(flush) of a clean idle io did not disassociate it");
            assertTrue(bp.b_lock().ownedByKernel(), () -> "release(flush) did not hand the retaken bp's lock to KERNPROC: " + bp.b_lock().owner());
            b.lock.relInterlockDone();
            hmp.kern.brelse(bp);
        });
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /**
     * io:L122-150 hammer_io_disassociate without reclaim: the bp goes back to the kernel as an
     * ordinary cached buffer (only reclaim adds B_NOCACHE | B_RELBUF): after release(flush) of a
     * clean io the kernel still has the block cached with its data.
     */
    @Test void aDisposedCleanIoLeavesItsBpCachedUnlessReclaimed() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        long off = firstDataBlock(hmp);
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
            assertFalse(b.reclaim);
            hmp.relBuffer(b, true);
            assertNull(b.bp);
        });
        Buf cached = hmp.cache.findblk(hmp.devvp(), off, BufCache.FINDBLK_TEST);   // a look, no lock
        assertNotNull(cached, "the kernel dropped the bp of an io disassociated without reclaim");
        assertFalse(cached.anyFlags(Buf.B_NOCACHE | Buf.B_RELBUF | Buf.B_INVAL), String.valueOf(cached));
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /**
     * io:L539-548 with an UNDO io: a modified UNDO buffer the kernel asked to write (B_LOCKED,
     * refused while referenced) is written by its last release with hammer_undo_reclaim's
     * verdict; an UNDO buffer the FIFO has moved past is reclaimed: reclaim set, B_LOCKED (already
     * set) not counted again (io:L700), and on completion the io is deallocated and the bp given
     * back with B_NOCACHE | B_RELBUF, so the kernel does not keep it.
     */
    @Test void aBLockedReleaseOfAnUndoBufferTheFifoLeftReclaimsIt() {
        HammerBioOpsContractTest.Rig r = HammerBioOpsContractTest.rig(options());
        HammerMount hmp = r.hmp();
        long u0 = hmp.geometry.undoBase();
        // UNDO records (pre-images of meta ranges) until the FIFO appends to the second UNDO buffer
        withFsToken(hmp, () -> {
            for (int i = 0; i < 16 && hmp.undo.next < HammerOndisk.BUFSIZE; i++) {
                hmp.undo.generateUndo(null, hmp.geometry.metaBase() + 1024L * i, new byte[1024], 0, 1024);
            }
        });
        assertTrue(hmp.undo.next > HammerOndisk.BUFSIZE, "the FIFO did not reach the second UNDO buffer: " + hmp.undo.next);
        HammerBuffer u = hmp.bufferAt(u0);
        assertTrue(u.modified && u.released && u.bp.anyFlags(Buf.B_DELWRI), String.valueOf(u));
        assertTrue(hmp.undo.reclaim(u));
        HammerBuffer held = HammerBioOpsContractTest.ref(hmp, HammerIoType.UNDO_BUFFER, u0);
        assertSame(u, held);
        assertEquals(BufCache.STEP_REFUSED, hmp.cache.flushbufqueuesVisit(u.bp, false));
        assertTrue(u.bp.anyFlags(Buf.B_LOCKED));
        assertEquals(1, hmp.countIoLocked.get());
        long undoWrites = hmp.stats.undoWrites.get();
        r.gate().shut();
        HammerBioOpsContractTest.rel(hmp, u);
        assertEquals(undoWrites + 1, hmp.stats.undoWrites.get(), "the last release did not write the UNDO buffer the kernel asked for");
        assertTrue(u.running && u.reclaim, "the write was not issued with hammer_undo_reclaim's verdict: " + u);
        assertEquals(1, hmp.countIoLocked.get(), "B_LOCKED of a bp already B_LOCKED was counted again");
        Buf bp = u.bp;
        assertEquals(1, r.gate().completeHeld());
        assertNull(u.bp, "the B_LOCKED completion did not deallocate the reclaimed io");
        assertFalse(u.reclaim);
        assertEquals(0, hmp.countIoLocked.get());
        assertNull(hmp.cache.findblk(hmp.devvp(), u0, BufCache.FINDBLK_TEST), () -> "the kernel kept the bp of a reclaimed UNDO buffer: " + bp);
        r.gate().open();
        hmp.sync();
        hmp.checkInvariants();
    }

    // ---------------------------------------------------------------- the steps' spec actions, off the put/sync path

    /**
     * A loaded clean io modified by hand, written by the caller (write_interlock, flush,
     * done_interlock) while HAMMER owns the bp, then flushed again clean, then released:
     * hammer_io_modify (io:L770), modify_done (io:L808: the ghost version moves by one), flush of
     * an owned bp (io:L666, not released: FlushBegin without a regetblk) and of a clean io (FlushBegin
     * only, nothing written), release (d).
     */
    @Test void aCallersModifyAndFlushOfAnOwnedIoLogTheirActions() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerMount hmp = mount(traced(log), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        int before = actions(log, "DATA").size();
        long writes = hmp.stats.dataWrites.get();
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            b.modify(1);
            long ver = b.memVer;
            b.data()[HammerOndisk.BUFSIZE - 1] = 9;           // past every small chunk: no index CRC covers it
            b.modifyDone();
            assertEquals(ver + 1, b.memVer, "modify_done moves the ghost version by exactly one");
            assertEquals(List.of("Ref", "Load", "ModBegin", "LockEx", "Reget", "SetMod", "Mutate", "ModifyDone"),
                    since(actions(log, "DATA"), before), "modify / modify_done");
            assertFalse(b.released);
            b.writeInterlock();
            b.flush(false);
            b.doneInterlock();
            assertEquals(writes + 1, hmp.stats.dataWrites.get());
            assertEquals(b.memVer, b.diskVer, "the write did not carry the modified version");
            b.writeInterlock();
            b.flush(false);                                  // clean now: nothing to write
            b.doneInterlock();
            assertEquals(writes + 1, hmp.stats.dataWrites.get(), "the flush of a clean io wrote it");
            hmp.relBuffer(b, false);
        });
        assertEquals(List.of("Ref", "Load", "ModBegin", "LockEx", "Reget", "SetMod", "Mutate", "ModifyDone",
                "WriteInterlock", "FlushBegin", "FlushIssue", "Complete", "DoneInterlock",
                "WriteInterlock", "FlushBegin", "DoneInterlock",
                "Rel", "RelStart", "RelDispose", "RelBrelse"), since(actions(log, "DATA"), before));
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /** io:L588-600 (c): a freshly read, clean io HAMMER owns is given to the kernel on its last release (RelDispose, RelBrelse). */
    @Test void releaseOfACleanOwnedIoLogsItsDisposal() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerMount hmp = mount(traced(log), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        withFsToken(hmp, () -> hmp.relBuffer(hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false), true));
        int before = actions(log, "DATA").size();
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);   // a new io: hammer_io_read
            assertFalse(b.released || b.modified, String.valueOf(b));
            hmp.relBuffer(b, false);
            assertTrue(b.released && b.bp != null, String.valueOf(b));
        });
        assertEquals(List.of("Ref", "Load", "Rel", "RelStart", "RelDispose", "RelBrelse"), since(actions(log, "DATA"), before));
    }

    /** io:L583-586 (b): a modified META io stays with HAMMER on release (only the flusher writes META): RelDispose, no bdwrite. */
    @Test void releaseOfAModifiedMetaIoKeepsItAndLogsIt() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerMount hmp = mount(traced(log), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        long meta = hmp.geometry.metaBase();
        int before = actions(log, "META").size();
        withFsToken(hmp, () -> {
            HammerBuffer m = hmp.getBuffer(HammerIoType.META_BUFFER, meta, false);
            hmp.modifyBuffer(null, m, 0, 0);
            hmp.modifyBufferDone(m);
            hmp.relBuffer(m, false);
            assertTrue(m.modified && !m.released && !m.bp.anyFlags(Buf.B_DELWRI), "a modified META io left HAMMER's hands: " + m);
        });
        assertEquals(List.of("Ref", "Load", "ModBegin", "LockEx", "Reget", "SetMod", "Mutate", "ModifyDone",
                "Rel", "RelStart", "RelDispose", "RelDone"), since(actions(log, "META"), before));
        hmp.sync();
        assertFalse(hmp.bufferAt(meta).modified);
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /** io:L393-431: hammer_io_new over a bp HAMMER released is a path the spec does not model; it says so once (Unmodelled). */
    @Test void newOnAReleasedBpIsLoggedAsUnmodelled() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerMount hmp = mount(traced(log), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        withFsToken(hmp, () -> hmp.relBuffer(hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), true), false));
        List<String> un = log.lines().stream().filter(l -> l.contains("hammer_io_new on a released bp")).toList();
        assertEquals(1, un.size(), () -> "Unmodelled events of hammer_io_new: " + log.lines());
        assertTrue(un.get(0).contains("\"type\":\"DATA\""), un.get(0));
        hmp.sync();
    }

    /**
     * io:L666-700 with the bp locked by a kernel thread that has not written it (the buffer daemon
     * holds the lock while it asks io_checkwrite): flush's regetblk waits for that thread, and the
     * wait is logged as one FlushBegin after it (no FlushSecure: that step is for a running write;
     * proofs-notes/traces.md, "Threaded traces"). Three threads: the kernel thread holds the lock
     * until the flusher sleeps in regetblk; the verdict is the flusher's logged actions.
     */
    @Test void aFlushThatWaitsForAKernelThreadsBpLockLogsOneFlushBegin() throws InterruptedException {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerMount hmp = mount(traced(log), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = HammerBioOpsContractTest.relDirtyData(hmp);
        Buf bp = b.bp;
        java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
        Thread kernel = new Thread(() -> {
            assertTrue(bp.b_lock().tryLock(), "the bp is busy");
            locked.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                bp.b_lock().unlock();
            }
        }, "kernel");
        kernel.start();
        assertTrue(locked.await(60, java.util.concurrent.TimeUnit.SECONDS), "the kernel thread did not lock the bp");
        int before = actions(log, "DATA").size();
        Thread flusher = new Thread(() -> withFsToken(hmp, () -> {
            HammerBuffer f = hmp.getBuffer(HammerIoType.DATA_BUFFER, b.offset, false);
            f.writeInterlock();
            f.flush(false);
            f.doneInterlock();
            hmp.relBuffer(f, false);
        }), "flusher");
        flusher.start();
        long bound = System.nanoTime() + 60_000_000_000L;   // hang bound only
        while (flusher.isAlive() && Sleepq.sleepingOn(flusher) == null && System.nanoTime() < bound) Thread.sleep(1);
        String slept = Sleepq.sleepingOn(flusher);
        letGo.countDown();
        kernel.join(60_000);
        flusher.join(60_000);
        assertFalse(kernel.isAlive() || flusher.isAlive(), () -> "a thread did not finish: " + Sleepq.describeSleepers());
        assertNotNull(slept, "the flusher did not wait for the bp the kernel thread held");
        assertEquals(List.of("Ref", "Load", "WriteInterlock", "FlushBegin", "FlushIssue", "Complete", "DoneInterlock",
                "Rel", "RelStart", "RelDispose", "RelBrelse"), since(actions(log, "DATA"), before));
        assertFalse(b.modified || b.running, String.valueOf(b));
        assertEquals(b.memVer, b.diskVer);
    }

    /**
     * io:L393-431 hammer_io_new on an io without a bp (a fresh UNDO buffer: the FIFO starts a new
     * block): Load, then its modify(0) and the zeroing as Mutate and ModifyDone; then the UNDO
     * record's own modify / modify_done and the release (a modified UNDO io goes to the kernel as a
     * delayed write).
     */
    @Test void aFreshUndoBufferLogsItsLoadAndItsZeroingAsAModification() {
        TraceLog log = TraceLog.inMemory("HammerIoProtocol");
        HammerMount hmp = mount(traced(log), HammerMutations.none(), HammerHooks.NONE);
        assertEquals(0, hmp.undo.next % HammerOndisk.BUFSIZE, "the FIFO does not start a block");
        int before = actions(log, "UNDO").size();
        withFsToken(hmp, () -> hmp.undo.generateUndo(null, hmp.geometry.metaBase(), new byte[64], 0, 64));
        assertEquals(List.of("Ref", "Load", "ModBegin", "LockEx", "Reget", "SetMod", "Mutate", "ModifyDone",
                "ModBegin", "Mutate", "ModifyDone", "Rel", "RelStart", "RelDispose", "RelDone"), since(actions(log, "UNDO"), before));
        HammerBuffer u = hmp.bufferAt(hmp.geometry.undoBase());
        assertTrue(u.modified && u.released, String.valueOf(u));
        hmp.sync();
    }

    // ---------------------------------------------------------------- hammer_io_clear_modlist (io:L994)

    /**
     * io:L994-1008: an io the kernel deallocated onto the lose tree (no bp, no refs) is taken off it
     * under io_token (hammer_rel_buffer's path for a loose io), and io_token is given back.
     */
    @Test void clearModlistTakesALooseIoOffTheLoseTree() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = HammerBioOpsContractTest.relDirtyData(hmp);
        hmp.sync();
        assertTrue(kernelDeallocate(hmp, b.bp));
        assertSame(hmp.loseRoot, b.modRoot);
        withFsToken(hmp, () -> {
            b.clearModlist();
            assertFalse(hmp.ioToken.heldByMe(), "clear_modlist kept io_token");
        });
        assertNull(b.modRoot, "the loose io still names a mod tree");
        assertFalse(hmp.loseRoot.contains(b), "the loose io is still on the lose tree");
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    // ---------------------------------------------------------------- hammer_io_read's error (io:L300)

    /** io:L300-331: the read's own errno (here ENXIO, not EIO) is what get_buffer reports; EIO only stands in for a B_ERROR without one. */
    @Test void aFailedReadReportsTheDevicesErrno() {
        HammerMount hmp = remountWithFirstDataBlockReadFailing(options(), Errno.ENXIO);
        HammerCriticalError e = assertThrows(HammerCriticalError.class, () -> hmp.get(0));
        assertTrue(e.getMessage().contains(Errno.name(Errno.ENXIO)), e.getMessage());
    }
}
