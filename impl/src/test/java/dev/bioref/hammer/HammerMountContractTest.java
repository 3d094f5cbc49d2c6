// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.device.Completion;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Op;
import dev.bioref.device.Request;
import dev.bioref.device.Status;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The mount-level functions of hammer_io.c that {@link HammerMount} ports, driven one at a time
 * with the values each promises (proofs-notes/pit.md §8.4: the PIT survivors of HammerMount):
 * the barrier's device cache flush (io:L189 wait_all, L1958 flush_mark, L1967 flush_sync), a failed
 * flush as a critical error, the iorun FIFO, the modify wrappers' checks (io:L860, L882), direct
 * I/O's completion and wait (io:L1794, L1844), hammer_io_inval's destroy path (io:L447) and the
 * buffer lookup stand-in's type check. Nothing here sleeps on time except where a thread must be
 * seen asleep at its wait message, which is polled, never assumed.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerMountContractTest {

    static final long BOUND = 10_000_000_000L;

    /** Waits (bounded) until {@code t} sleeps at {@code wmesg}; fails naming the sleepers if it never does. */
    static void awaitAsleep(Thread t, String wmesg) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND;
        while (!wmesg.equals(Sleepq.sleepingOn(t))) {
            assertTrue(t.isAlive(), () -> t.getName() + " returned instead of sleeping at " + wmesg);
            assertTrue(System.nanoTime() < deadline, () -> t.getName() + " never slept at " + wmesg + ": " + Sleepq.describeSleepers());
            Thread.sleep(1);
        }
    }

    static final String REPLAY = "mvn -B -pl impl -am test -Dtest=HammerMountContractTest -Dsurefire.failIfNoSpecifiedTests=false";

    /** Runs a call that must not wait; a wait fails with the hang report (sleepers, stacks, replay line). */
    static void bounded(String what, Runnable r) {
        dev.bioref.kern.HangWatchdog.runBounded(what, BOUND, r, REPLAY);
    }

    static void join(Thread t) throws InterruptedException {
        t.join(BOUND / 1_000_000);
        assertFalse(t.isAlive(), () -> t.getName() + " did not return: " + Sleepq.describeSleepers());
    }

    // ------------------------------------------------------------ barrier: wait_all(doflush), flush_mark, flush_sync

    /** io:L1958-1975: a barrier sends FLUSH to the device only if a write was issued since the last one. */
    @Test void aBarrierFlushesTheDeviceCacheOnlyAfterWritesWereIssued() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        LoopbackDevice dev = hmp.device();
        withFsToken(hmp, () -> hmp.waitAll(true));               // settle whatever mount left marked
        assertFalse(hmp.needFlush, "a barrier left NEEDFLUSH set");
        long flushes = dev.stats().flushes();
        long barriers = hmp.stats().barriers.get();

        withFsToken(hmp, () -> hmp.waitAll(true));
        assertEquals(flushes, dev.stats().flushes(), "a barrier with no write issued since the last one sent a FLUSH");
        assertEquals(barriers + 1, hmp.stats().barriers.get(), "a barrier was not counted");

        hmp.flushMark();
        assertTrue(hmp.needFlush, "flush_mark did not set NEEDFLUSH");
        withFsToken(hmp, () -> hmp.waitAll(false));
        assertEquals(flushes, dev.stats().flushes(), "wait_all without doflush sent a FLUSH");
        assertTrue(hmp.needFlush, "wait_all without doflush cleared NEEDFLUSH");
        assertEquals(barriers + 1, hmp.stats().barriers.get(), "wait_all without doflush counted a barrier");

        withFsToken(hmp, () -> hmp.waitAll(true));
        assertEquals(flushes + 1, dev.stats().flushes(), "a barrier after a write did not send exactly one FLUSH");
        assertFalse(hmp.needFlush, "flush_sync did not clear NEEDFLUSH");
        assertEquals(barriers + 2, hmp.stats().barriers.get());
        assertFalse(hmp.isCritical());
    }

    /**
     * The workload of the failed-FLUSH test: put, sync, then put and fsync twice. The second
     * fsync's cycle issues a header write that names a newer snapshot than the floor, which only
     * the next barrier may make the floor (proofs-notes/hammer.md §3: the header lags a cycle).
     */
    static HammerMount flushWorkload(LoopbackDevice dev, HammerOptions o) {
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.put(1, bytes(15, 3));
        hmp.fsync(1);                   // its header write names the snapshot of the sync's last cycle
        hmp.put(1, bytes(20, 2));
        hmp.fsync(1);                   // its barrier 1 covers that header, its own header names the first fsync's snapshot
        return hmp;
    }

    /**
     * io:L1967-1975 with a FLUSH that fails: the writes it should have made durable may be lost,
     * so the mount becomes critical (read-only) with the reason named, sync throws, and the
     * durable floor (what sync acknowledges) does not move, although the same barrier on a good
     * device moves it (checked first, on a plain device with the same workload).
     */
    @Test void aFailedCacheFlushIsACriticalErrorAndTheFloorStays() {
        HammerOptions o = options();
        LoopbackDevice plainDev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount plain = flushWorkload(plainDev, o);
        long before = plainDev.stats().flushes();
        int plainFloor = plain.durableFloor();
        withFsToken(plain, plain::headerBarrier);
        assertEquals(before + 1, plainDev.stats().flushes(), "the barrier after the fsync sent no FLUSH");
        assertTrue(plain.durableFloor() > plainFloor, "the workload leaves no header write for the barrier to make durable: floor "
                + plainFloor + " -> " + plain.durableFloor());
        plain.abandon();

        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size(),
                FaultPlan.builder(1).eioOnNth(Op.FLUSH, before + 1).build());
        HammerMount hmp = flushWorkload(dev, o);
        HammerInvariantsExtension.register(hmp);
        assertEquals(before, dev.stats().flushes(), "the workload is not the one measured on the plain device");
        int floor = hmp.durableFloor();
        assertEquals(plainFloor, floor);
        HammerCriticalError e = assertThrows(HammerCriticalError.class, hmp::sync, "a sync whose FLUSH failed returned");
        assertTrue(e.getMessage().contains("device cache flush failed") && e.getMessage().contains("EIO"), e.getMessage());
        assertTrue(hmp.isCritical());
        assertTrue(hmp.criticalReason().startsWith("device cache flush failed: EIO"), hmp.criticalReason());
        assertEquals(2, hmp.ronly, "a critical error leaves the mount read-only (ronly 2)");
        assertEquals(floor, hmp.durableFloor(), "the durable floor moved although the FLUSH failed");
        assertThrows(HammerCriticalError.class, () -> hmp.put(2, bytes(5, 5)), "the mount is not read-only");
        assertArrayEquals(bytes(20, 2), hmp.get(1), "reads must still see the in-memory state");
    }

    /** A barrier on a device closed under the mount fails as a device error: critical, not an exception out of the barrier. */
    @Test void aBarrierOnAClosedDeviceIsACriticalErrorNotAnException() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.flushMark();
        hmp.device().close();
        withFsToken(hmp, () -> hmp.waitAll(true));
        assertTrue(hmp.isCritical(), "a FLUSH to a closed device did not make the mount critical");
        assertTrue(hmp.criticalReason().startsWith("device cache flush failed: "), hmp.criticalReason());
        assertFalse(hmp.needFlush);
        hmp.close();
    }

    /** hammer_critical_error: the first reason stays, the mount stays read-only, the event is logged once. */
    @Test void theFirstCriticalErrorsReasonStays() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        assertFalse(hmp.isCritical());
        assertEquals(0, hmp.ronly);
        hmp.criticalError("first");
        hmp.criticalError("second");
        assertTrue(hmp.isCritical());
        assertEquals("first", hmp.criticalReason());
        assertEquals(2, hmp.ronly);
        synchronized (hmp.log) {
            assertEquals(1, hmp.log.stream().filter(s -> s.startsWith("critical error: ")).count(), hmp.log.toString());
            assertTrue(hmp.log.contains("critical error: first"), hmp.log.toString());
        }
        HammerCriticalError e = assertThrows(HammerCriticalError.class, hmp::sync);
        assertTrue(e.getMessage().contains("first"), e.getMessage());
    }

    // ------------------------------------------------------------ the iorun list (io:L211-219, L743, L1143, L1360)

    @Test void theIorunListIsAFifoAndItsChecksNameTheIo() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerIo a = new HammerIo(hmp, HammerIoType.DUMMY, -1, 0);
        HammerIo b = new HammerIo(hmp, HammerIoType.DUMMY, -2, 0);
        HammerIo c = new HammerIo(hmp, HammerIoType.DUMMY, -3, 0);
        hmp.ioToken.gettoken();
        try {
            Panic p = assertThrows(Panic.class, () -> hmp.iorunRemove(a));
            assertTrue(p.getMessage().contains("io not on the list") && p.getMessage().contains(a.toString()), p.getMessage());
            assertNull(hmp.iorunHead);
            hmp.iorunAppend(a);
            hmp.iorunAppend(b);
            hmp.iorunAppend(c);
            p = assertThrows(Panic.class, () -> hmp.iorunAppend(b));
            assertTrue(p.getMessage().contains("io already on the list") && p.getMessage().contains(b.toString()), p.getMessage());
            assertSame(a, hmp.iorunHead);
            assertSame(c, hmp.iorunTail);
            assertTrue(a.onIorun && b.onIorun && c.onIorun);
            assertSame(b, a.iorunNext);
            assertSame(a, b.iorunPrev);
            hmp.iorunRemove(b);                  // from the middle
            assertFalse(b.onIorun);
            assertNull(b.iorunPrev);
            assertNull(b.iorunNext);
            assertSame(c, a.iorunNext);
            assertSame(a, c.iorunPrev);
            hmp.iorunRemove(a);                  // the head
            assertSame(c, hmp.iorunHead);
            assertNull(c.iorunPrev);
            assertSame(c, hmp.iorunTail);
            hmp.iorunAppend(a);
            hmp.iorunRemove(a);                  // the tail
            assertSame(c, hmp.iorunTail);
            assertNull(c.iorunNext);
            hmp.iorunRemove(c);                  // the last one
            assertNull(hmp.iorunHead);
            assertNull(hmp.iorunTail);
        } finally {
            hmp.ioToken.reltoken();
        }
        hmp.checkInvariants();
    }

    // ------------------------------------------------------------ hammer_modify_volume / hammer_modify_buffer (io:L860, L882)

    @Test void modifyBufferWithoutTheSyncLockPanicsBeforeModifying() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        withFsToken(hmp, () -> {
            HammerBuffer mb = hmp.getBuffer(HammerIoType.META_BUFFER, hmp.geometry.metaBase(), false);
            HammerTransaction trans = hmp.startTransaction();
            long undo = hmp.undoGenerated();
            Panic p = assertThrows(Panic.class, () -> hmp.modifyBuffer(trans, mb, 64, 32));
            assertTrue(p.getMessage().contains("hammer_modify_buffer: transaction does not hold the sync lock"), p.getMessage());
            p = assertThrows(Panic.class, () -> hmp.modifyVolume(trans, 0, 0));
            assertTrue(p.getMessage().contains("hammer_modify_volume: transaction does not hold the sync lock"), p.getMessage());
            assertFalse(mb.modified, "the refused modify marked the buffer modified");
            assertEquals(0, mb.modifyRefs);
            assertFalse(hmp.rootVolume.modified);
            assertEquals(0, hmp.rootVolume.modifyRefs);
            assertEquals(undo, hmp.undoGenerated(), "the refused modify generated UNDO");
            hmp.relBuffer(mb, false);
        });
        hmp.checkInvariants();
    }

    /**
     * With the sync lock held (or no transaction: the flusher), a ranged modify records UNDO for
     * exactly that range, a zero-length one records none, and a range outside the structure panics
     * naming it (io:L868/L890: the seed checks the offset after hammer_io_modify, so the io is in
     * its modify window then and modify_done closes it).
     */
    @Test void aRangedModifyRecordsUndoAndARangeOutsidePanicsNamingIt() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        withFsToken(hmp, () -> {
            HammerBuffer mb = hmp.getBuffer(HammerIoType.META_BUFFER, hmp.geometry.metaBase(), false);
            HammerTransaction trans = hmp.startTransaction();
            hmp.syncLockSh(trans);
            try {
                long undo = hmp.undoGenerated();
                hmp.modifyBuffer(trans, mb, 64, 0);
                assertEquals(undo, hmp.undoGenerated(), "a zero-length modify generated UNDO");
                assertEquals(1, mb.modifyRefs);
                hmp.modifyBufferDone(mb);
                assertEquals(0, mb.modifyRefs, "modify_buffer_done did not end the modify window");
                hmp.modifyBuffer(trans, mb, 64, 32);
                assertEquals(undo + 1, hmp.undoGenerated(), "a ranged modify did not generate one UNDO");
                hmp.modifyBufferDone(mb);
                hmp.modifyBuffer(trans, mb, 0, 32);                  // the first byte and the last are inside
                hmp.modifyBufferDone(mb);
                hmp.modifyBuffer(trans, mb, mb.bytes - 32, 32);
                hmp.modifyBufferDone(mb);
                assertEquals(undo + 3, hmp.undoGenerated(), "a range at either end of the buffer was refused or not recorded");
                undo += 2;
                assertTrue(mb.modified);
                Panic p = assertThrows(Panic.class, () -> hmp.modifyBuffer(trans, mb, mb.bytes - 16, 32));
                assertTrue(p.getMessage().contains("range [" + (mb.bytes - 16) + ", " + (mb.bytes + 16) + ") outside the buffer"), p.getMessage());
                hmp.modifyBufferDone(mb);
                p = assertThrows(Panic.class, () -> hmp.modifyBuffer(trans, mb, -1, 8));
                assertTrue(p.getMessage().contains("range [-1, 7)"), p.getMessage());
                hmp.modifyBufferDone(mb);
                assertEquals(undo + 1, hmp.undoGenerated(), "a refused range generated UNDO");

                hmp.modifyVolume(null, 0, 0);                 // the flusher's form: no transaction
                assertEquals(1, hmp.rootVolume.modifyRefs);
                hmp.modifyVolumeDone();
                assertEquals(0, hmp.rootVolume.modifyRefs, "modify_volume_done did not end the modify window");
                assertEquals(undo + 1, hmp.undoGenerated());
                p = assertThrows(Panic.class, () -> hmp.modifyVolume(trans, hmp.rootVolume.bytes, 8));
                int vb = hmp.rootVolume.bytes;
                assertTrue(p.getMessage().contains("range [" + vb + ", " + (vb + 8) + ") outside the volume header"), p.getMessage());
                hmp.modifyVolumeDone();
                hmp.modifyVolume(trans, 0, 8);                 // both ends of the header are inside
                hmp.modifyVolumeDone();
                hmp.modifyVolume(trans, vb - 8, 8);
                hmp.modifyVolumeDone();
                assertEquals(undo + 3, hmp.undoGenerated(), "a range at either end of the volume header was refused or not recorded");
                undo += 2;
                hmp.modifyVolumeNoundo();
                assertEquals(1, hmp.rootVolume.modifyRefs);
                hmp.modifyVolumeDone();
                assertEquals(undo + 1, hmp.undoGenerated(), "modify_volume_noundo or a refused range generated UNDO");
            } finally {
                hmp.syncUnlock(trans);
                hmp.relBuffer(mb, false);
            }
            assertEquals(0, trans.syncLockRefs);
        });
        hmp.sync();
        hmp.checkInvariants();
    }

    // ------------------------------------------------------------ the buffer lookup stand-in

    @Test void getBufferOfAnOffsetHeldAsAnotherTypePanicsNamingBoth() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.dataBase();
        withFsToken(hmp, () -> {
            HammerBuffer db = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
            int refs = db.lock.refCount();
            Panic p = assertThrows(Panic.class, () -> hmp.getBuffer(HammerIoType.META_BUFFER, off, false));
            assertTrue(p.getMessage().contains("buffer at " + off + " is DATA_BUFFER, wanted META_BUFFER"), p.getMessage());
            assertEquals(refs, db.lock.refCount(), "the refused lookup took a ref");
            assertSame(db, hmp.buffers.get(off));
            hmp.relBuffer(db, false);
        });
        hmp.checkInvariants();
    }

    /**
     * hammer_get_buffer's load failing (io:L300 hammer_io_read returns EIO): the caller gets a
     * critical error naming the buffer, the failed load leaves no ref behind, and once the device
     * reads again the next lookup loads the buffer afresh (reads still work on a critical mount).
     */
    @Test void aFailedBufferLoadIsCriticalLeavesNoRefAndTheNextLookupLoadsAgain() {
        HammerMount hmp = remountWithFirstDataBlockReadFailing(options(), Errno.EIO);
        long lo = firstDataBlock(hmp);
        HammerCriticalError e = assertThrows(HammerCriticalError.class, () -> hmp.get(0));
        assertTrue(e.getMessage().contains("read of DATA_BUFFER at " + lo + " failed: EIO"), e.getMessage());
        assertTrue(hmp.isCritical());
        assertEquals("read of DATA_BUFFER at " + lo + " failed: EIO", hmp.criticalReason());
        HammerBuffer b = hmp.bufferAt(lo);
        assertTrue(b == null || b.lock.refCount() == 0, () -> "the failed load left a ref: " + b);
        hmp.devvp().setStrategyFilter(null);
        assertArrayEquals(bytes(100, 1), hmp.get(0), "the lookup after the failed load did not load the buffer");
    }

    /**
     * A lookup of a buffer someone already references loads nothing (the 1→2 ref), and one with
     * isnew (hammer_get_buffer(..., isnew) on a referenced buffer) runs hammer_io_new on it.
     */
    @Test void aSecondLookupLoadsNothingAndIsnewRenewsAReferencedBuffer() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.dataBase();
        withFsToken(hmp, () -> {
            HammerBuffer a = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
            long ver = a.memVer;
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
            assertSame(a, b);
            assertEquals(2, b.lock.refCount());
            assertFalse(b.modified, "a second plain lookup marked the buffer modified");
            assertEquals(ver, b.memVer, "a second plain lookup changed the buffer");
            HammerBuffer c = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, true);
            assertSame(a, c);
            assertTrue(c.modified, "an isnew lookup of a referenced buffer did not run hammer_io_new");
            hmp.relBuffer(a, false);
            hmp.relBuffer(b, false);
            hmp.relBuffer(c, false);
        });
        hmp.sync();
        hmp.checkInvariants();
    }

    /** The last ref of a buffer that holds no bp and no modification drops it from the buffer tree. */
    @Test void aBufferWithoutBpOrRefsLeavesTheTree() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.dataBase();
        HammerBuffer[] b = new HammerBuffer[1];
        withFsToken(hmp, () -> b[0] = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false));
        assertSame(b[0], hmp.bufferAt(off));
        withFsToken(hmp, () -> hmp.relBuffer(b[0], false));
        assertNotNull(b[0].bp, "a clean released buffer keeps its bp with the kernel");
        assertSame(b[0], hmp.bufferAt(off), "a buffer whose bp the kernel still caches left the tree");
        Buf bp = b[0].bp;
        assertTrue(kernelDeallocate(hmp, bp), "the kernel could not reclaim the clean bp");
        assertNull(b[0].bp);
        assertSame(hmp.loseRoot, b[0].modRoot, "io_deallocate did not park the clean io on the lose tree");
        withFsToken(hmp, () -> {
            HammerBuffer again = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
            assertSame(b[0], again, "the lose tree's buffer was not found again");
            assertNull(again.modRoot, "hammer_get_buffer left the buffer it referenced on the lose tree");
            assertNull(hmp.firstOf(hmp.loseRoot), "the lose tree still holds the buffer");
            hmp.relBuffer(again, true);        // flush = 1: release disassociates
        });
        assertNull(b[0].bp, "release with flush = 1 kept the bp");
        assertNull(hmp.bufferAt(off), "the last ref of a buffer without bp or modification left it in the tree");
        hmp.checkInvariants();
    }

    // ------------------------------------------------------------ direct I/O (io:L1668, L1794, L1844)

    /**
     * A direct write marks its record DIRECT_IO and the mount NEEDFLUSH; hammer_io_direct_wait
     * sleeps ("hmdiow", DIRECT_WAIT set) until the completion clears both flags and wakes it;
     * a wait on a record with no write in flight returns at once.
     */
    @Test void directWaitSleepsUntilTheWriteCompletesAndTheFlagsClear() throws Exception {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = gatedMount(gate);
        HammerRecord idle = new HammerRecord(3, null, null);
        hmp.directWait(idle);                          // nothing in flight: returns, sets nothing
        assertEquals(0, idle.gflags);
        withFsToken(hmp, () -> hmp.waitAll(true));
        assertFalse(hmp.needFlush);
        long directs = hmp.stats().directWrites.get();
        HammerRecord rec = new HammerRecord(4, null, null);
        long off = hmp.geometry.largeBase();
        gate.shut();
        hmp.directWrite(rec, off, bytes(3000, 9));
        assertEquals(HammerRecord.DIRECT_IO, rec.gflags, "direct_write did not mark the record DIRECT_IO");
        assertTrue(hmp.needFlush, "direct_write did not flush_mark");
        assertEquals(directs + 1, hmp.stats().directWrites.get());
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread w = new Thread(() -> {
            try {
                hmp.directWait(rec);
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "direct-waiter");
        w.setDaemon(true);                       // a lost wakeup fails the test (join's bound), not the JVM's exit
        w.start();
        awaitAsleep(w, "hmdiow");
        assertEquals(HammerRecord.DIRECT_IO | HammerRecord.DIRECT_WAIT, rec.gflags, "the waiter did not set DIRECT_WAIT");
        gate.open();
        join(w);
        assertNull(failed.get(), "hammer_io_direct_wait failed");
        assertEquals(0, rec.gflags, "the completion left DIRECT_* flags");
        assertEquals(0, rec.directError);
        byte[] want = java.util.Arrays.copyOf(bytes(3000, 9), HammerOndisk.BUFSIZE);
        assertArrayEquals(want, hmp.device().peekVisible(off, HammerOndisk.BUFSIZE), "the direct write did not land whole");
        assertFalse(hmp.isCritical());
    }

    /** io:L1794-1830: the completion of a failed direct write records EIO on the record and makes the mount critical. */
    @Test void aFailedDirectWriteCompletionRecordsTheErrorAndClearsDirectIo() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerRecord rec = new HammerRecord(5, null, null);
        rec.gflags = HammerRecord.DIRECT_IO;
        long errors = hmp.stats().writeErrors.get();
        Request w = Request.write(hmp.geometry.largeBase(), new byte[HammerOndisk.BUFSIZE]);
        hmp.directWriteComplete(rec, new Completion(w, Status.EIO, 1));
        assertEquals(0, rec.gflags, "DIRECT_IO left set after the completion");
        assertEquals(Errno.EIO, rec.directError, "the record does not carry the write's error");
        assertEquals(errors + 1, hmp.stats().writeErrors.get());
        assertTrue(hmp.isCritical());
        assertTrue(hmp.criticalReason().contains("direct write of key 5 failed: EIO"), hmp.criticalReason());

        HammerRecord ok = new HammerRecord(6, null, null);
        ok.gflags = HammerRecord.DIRECT_IO;
        hmp.directWriteComplete(ok, new Completion(w, Status.OK, 2));
        assertEquals(0, ok.gflags);
        assertEquals(0, ok.directError, "a good completion recorded an error");
        assertEquals(errors + 1, hmp.stats().writeErrors.get(), "a good completion counted a write error");
    }

    /** io:L1812: a completion for a record with no direct write in flight panics naming it, and leaves its flags. */
    @Test void aDirectCompletionWithoutDirectIoPanicsNamingTheRecord() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerRecord rec = new HammerRecord(7, null, null);
        rec.gflags = HammerRecord.DIRECT_WAIT;
        Request w = Request.write(hmp.geometry.largeBase(), new byte[HammerOndisk.BUFSIZE]);
        Panic p = assertThrows(Panic.class, () -> hmp.directWriteComplete(rec, new Completion(w, Status.OK, 1)));
        assertTrue(p.getMessage().contains("DIRECT_IO not set on " + rec), p.getMessage());
        assertEquals(HammerRecord.DIRECT_WAIT, rec.gflags, "the refused completion changed the flags");
        assertFalse(hmp.ioToken.heldByMe(), "the panic left io_token held");
    }

    // ------------------------------------------------------------ hammer_io_inval (io:L447)

    /** An unassociated delayed-write alias is destroyed unwritten: bundirty, then B_NOCACHE|B_RELBUF brelse. */
    @Test void invalDestroysADirtyUnassociatedAliasWithoutWritingIt() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.largeBase();
        Buf bp = hmp.cache.getblk(hmp.devvp(), off, HammerOndisk.BUFSIZE, 0, 0);
        hmp.cache.bdwrite(bp);                       // a delayed write of a block about to be reused
        assertNotNull(hmp.cache.findblk(hmp.devvp(), off, dev.bioref.buf.BufCache.FINDBLK_TEST));
        long writes = hmp.device().stats().writes();
        int[] e = new int[1];
        withFsToken(hmp, () -> e[0] = hmp.inval(off));
        assertEquals(0, e[0]);
        assertNull(hmp.cache.findblk(hmp.devvp(), off, dev.bioref.buf.BufCache.FINDBLK_TEST), "the alias is still cached");
        assertEquals(0, hmp.kernelSync(), "vfsync found something to do");
        assertEquals(writes, hmp.device().stats().writes(), "the destroyed alias was written");
    }

    /** io:L486: an unassociated bp HAMMER had set B_LOCKED on cannot be: a panic naming it. */
    @Test void invalOfAnUnassociatedBLockedBpPanicsNamingIt() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.largeBase();
        Buf bp = hmp.cache.getblk(hmp.devvp(), off, HammerOndisk.BUFSIZE, 0, 0);
        bp.setFlags(Buf.B_LOCKED);
        hmp.cache.bqrelse(bp);
        Panic p = assertThrows(Panic.class, () -> withFsToken(hmp, () -> hmp.inval(off)));
        assertTrue(p.getMessage().contains("hammer_io_inval: unassociated bp is B_LOCKED"), p.getMessage());
        assertFalse(hmp.ioToken.heldByMe(), "the panic left io_token held");
        assertSame(bp, hmp.cache.findblk(hmp.devvp(), off, dev.bioref.buf.BufCache.FINDBLK_TEST), "the panic destroyed the bp");
        bp.clearFlags(Buf.B_LOCKED);                 // give back what the panic left: the bp, locked, off its queue
        hmp.cache.bqrelse(bp);
    }

    // ------------------------------------------------------------ hammer_io_limit_backlog (io:L2000)

    /** limit_backlog sleeps ("hmiobk") while more write bytes than the limit run, and returns once they complete. */
    @Test void limitBacklogWaitsWhileTooManyWritesRun() throws Exception {
        GateCompleter gate = new GateCompleter();
        HammerOptions o = options();
        o.limitRunningIo = HammerOndisk.BUFSIZE;       // two writes in flight are over the limit, one is not
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(o.geometry.size()), gate, Clock.SYSTEM);
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        bounded("limit_backlog with nothing running", hmp::limitBacklog);
        assertFalse(hmp.ioRunningWakeup, "limit_backlog under the limit asked for a wakeup");
        HammerBuffer b1 = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase());
        HammerBuffer b2 = HammerWaitTest.prepare(hmp, hmp.geometry.dataBase() + HammerOndisk.BUFSIZE);
        gate.shut();
        HammerWaitTest.startWrite(hmp, b1);
        bounded("limit_backlog exactly at the limit", hmp::limitBacklog);   // does not wait
        assertFalse(hmp.ioRunningWakeup, "limit_backlog exactly at the limit asked for a wakeup");
        HammerWaitTest.startWrite(hmp, b2);
        assertEquals(2L * HammerOndisk.BUFSIZE, hmp.ioRunningSpace.get());
        Thread w = new Thread(hmp::limitBacklog, "backlog-waiter");
        w.setDaemon(true);
        w.start();
        awaitAsleep(w, "hmiobk");
        assertTrue(hmp.ioRunningWakeup, "the waiter did not ask io_complete for a wakeup");
        assertTrue(gate.completeOne());
        join(w);
        assertTrue(hmp.ioRunningSpace.get() <= o.limitRunningIo);
        gate.open();
        withFsToken(hmp, () -> { hmp.relBuffer(b1, false); hmp.relBuffer(b2, false); });
        hmp.checkInvariants();
    }
}
