// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.BufCmd;
import dev.bioref.kern.Errno;
import dev.bioref.sim.CrashChecker;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Write faults (notes §4.6 (7)): a failed write makes the mount critical and read-only, no later
 * cycle claims success, the in-memory copy survives with its ioerror ref, and the media still
 * recovers to an acknowledged state.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerFaultTest {

    /** Fails the next {@code n} WRITEs to [lo, hi). */
    static void failWrites(HammerMount hmp, long lo, long hi, int n) {
        AtomicInteger left = new AtomicInteger(n);
        hmp.devvp().setStrategyFilter((cmd, off, len) ->
                cmd == BufCmd.WRITE && off >= lo && off < hi && left.getAndDecrement() > 0 ? Errno.EIO : 0);
    }

    @Test void failedMetaWriteIsCriticalAndNoLaterCycleClaimsSuccess() {
        HammerOptions o = options();
        CrashChecker checker = new CrashChecker(1, 64, 6);
        HammerMount hmp = mount(o, HammerMutations.none(), checker);
        checker.attach(hmp);
        hmp.put(1, bytes(10, 1));
        int ack = hmp.sync();
        hmp.put(1, bytes(20, 2));
        long metaLo = o.geometry.metaBase();
        failWrites(hmp, metaLo, metaLo + (long) o.geometry.metaBlocks() * HammerOndisk.BUFSIZE, 1);
        assertThrows(HammerCriticalError.class, hmp::sync);
        assertTrue(hmp.isCritical());
        int floor = hmp.durableFloor();
        assertThrows(HammerCriticalError.class, hmp::sync, "a sync after the error claimed success");
        assertThrows(HammerCriticalError.class, () -> hmp.put(2, bytes(5, 5)), "the mount is not read-only");
        assertEquals(floor, hmp.durableFloor(), "the durable floor moved after the error");
        assertArrayEquals(bytes(20, 2), hmp.get(1), "the in-memory copy was lost");
        HammerBuffer meta = hmp.bufferAt(metaLo);
        assertTrue(meta.ioerror && meta.lock.refCount() >= 1, "failed META io has no ioerror ref: " + meta);
        hmp.checkInvariants();
        checker.checkNow(hmp.device(), Math.max(ack, floor), "after the META write error");
        assertEquals(java.util.List.of(), checker.failures());
        hmp.device().crash();
        HammerMount again = HammerMount.mount(hmp.device(), o, HammerMutations.none(), HammerHooks.NONE);
        byte[] v = again.get(1);
        assertTrue(java.util.Arrays.equals(v, bytes(10, 1)) || java.util.Arrays.equals(v, bytes(20, 2)),
                "recovered neither the acknowledged nor the newer value");
    }

    @Test void failedDataWriteSurfacesAndIsNotSilentlyClean() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(3, bytes(30, 3));
        long lo = o.geometry.dataBase();
        failWrites(hmp, lo, lo + (long) o.geometry.dataBlocks() * HammerOndisk.BUFSIZE, 1);
        long metaBefore = hmp.stats().metaWrites.get();
        HammerCriticalError e = assertThrows(HammerCriticalError.class, hmp::sync);
        assertTrue(e.getMessage().contains("DATA_BUFFER"), e.getMessage());
        HammerBuffer data = hmp.bufferAt(lo);
        assertTrue(data.ioerror, "the failed DATA io is not marked: " + data);
        assertEquals(metaBefore, hmp.stats().metaWrites.get(), "meta-data written after a data error");
        hmp.checkInvariants();
    }

    @Test void failedUndoWriteStopsTheCycleBeforeTheHeader() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(4, bytes(40, 4));
        long volumeWrites = hmp.stats().volumeWrites.get();
        long lo = o.geometry.undoBase();
        failWrites(hmp, lo, lo + o.geometry.undoSize(), 1);
        assertThrows(HammerCriticalError.class, hmp::sync);
        assertEquals(volumeWrites, hmp.stats().volumeWrites.get(), "the header was written after a failed UNDO write");
        assertEquals(0, hmp.stats().metaWrites.get(), "meta-data was written after a failed UNDO write");
        hmp.checkInvariants();
    }

    /** A direct (large-value) write that fails at the device surfaces at the next sync (io:L1794). */
    @Test void failedDirectWriteSurfaces() {
        HammerOptions o = options();
        long sector = o.geometry.largeOffset(0) / dev.bioref.device.LoopbackDevice.SECTOR_SIZE;
        dev.bioref.device.LoopbackDevice d = dev.bioref.device.LoopbackDevice.inMemory(o.geometry.size(),
                dev.bioref.device.FaultPlan.builder(1).eioOnSector(dev.bioref.device.Op.WRITE, sector).build());
        HammerMount.format(d, o);
        HammerMount hmp = HammerMount.mount(d, o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(7, bytes(3000, 7));              // large: direct write to large block 0, which fails
        HammerCriticalError e = assertThrows(HammerCriticalError.class, hmp::sync);
        assertTrue(e.getMessage().contains("direct write"), e.getMessage());
        assertTrue(hmp.isCritical());
        assertEquals(0, hmp.committedIndex().size(), "a record whose data write failed was committed");
        hmp.checkInvariants();
    }
}
