// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.FaultPlan;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Op;
import dev.bioref.device.Request;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerMount's own bookkeeping, which ports no seed function but carries promises the seed's
 * mount makes (proofs-notes/pit.md §8.4: PIT survivors of HammerMount's non-seed methods): a
 * failed mount leaves the device free, unmount makes every change durable, the snapshots are
 * numbered from 0 with the index each holds, the header carries next_tid and the allocation
 * rotors across a remount, each write is counted by type, and the accessors report the mount.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerMountLifecycleTest {

    /** A mount that fails after claiming the device (a corrupt meta block) releases it (deviations.md H3). */
    @Test void aMountThatFailsOnACorruptMetaBlockReleasesTheDevice() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        long meta0 = o.geometry.metaBase();
        assertTrue(dev.execute(Request.write(meta0, bytes(HammerOndisk.BUFSIZE, 0x5a))).ok());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE));
        assertEquals("mount: meta block 0 has a bad magic or CRC", e.getMessage());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // not "already mounted"
        HammerInvariantsExtension.register(hmp);
        assertNull(hmp.get(1));
        assertEquals(0, hmp.lastRecovery().undos(), "a fresh format has nothing to replay");
    }

    /**
     * A mount whose volume header read fails (io:L300 hammer_io_read through the buffer cache,
     * after recovery read the device directly) is refused naming the error, and frees the device.
     */
    @Test void aMountWhoseHeaderReadFailsIsRefusedAndReleasesTheDevice() {
        HammerOptions o = options();
        LoopbackDevice plain = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(plain, o);
        long formatReads = plain.stats().reads();
        HammerRecovery.recover(plain);
        HammerRecovery.read(plain, 0, HammerOndisk.BUFSIZE);
        long recoveryReads = plain.stats().reads() - formatReads;   // what mount reads before the header's bread

        LoopbackDevice probe = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(probe, o);
        long n = probe.stats().reads() + recoveryReads + 1;          // the header's bread: the first read through the cache
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size(), FaultPlan.builder(1)
                .eioOnNth(Op.READ, n).build());
        HammerMount.format(dev, o);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE));
        assertEquals("mount: reading the volume header failed: EIO", e.getMessage());
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // not "already mounted"
        HammerInvariantsExtension.register(hmp);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /** Unmount (hammer_flush_dirty, then the header barrier) leaves every change durable: a crash right after loses nothing. */
    @Test void closeMakesEveryChangeDurable() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.put(2, bytes(3000, 2));          // large: direct I/O
        hmp.sync();
        hmp.put(1, bytes(11, 3));
        hmp.delete(2);
        hmp.put(5, bytes(50, 5));            // none of these synced
        hmp.close();
        LoopbackDevice dev = hmp.device();
        dev.crash();                         // every write the FLUSHes did not cover is lost
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertArrayEquals(bytes(11, 3), again.get(1), "close did not make the last put durable");
        assertNull(again.get(2), "close did not make the delete durable");
        assertArrayEquals(bytes(50, 5), again.get(5));
    }

    /** abandon() flushes nothing and frees the device: what was not synced is gone after the crash. */
    @Test void abandonFlushesNothingAndFreesTheDevice() {
        HammerOptions o = options();
        o.flusherThreads = 1;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        int ack = hmp.sync();
        hmp.put(1, bytes(20, 2));
        long writes = hmp.device().stats().writes();
        hmp.abandon();
        assertEquals(writes, hmp.device().stats().writes(), "abandon wrote to the device");
        LoopbackDevice dev = hmp.device();
        dev.crash();
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertArrayEquals(bytes(10, 1), again.get(1), "the acknowledged value (sync returned " + ack + ") is lost");
        again.close();
    }

    /** Snapshot 0 is the state recovery produced; each final finalize takes the next number with the index it holds. */
    @Test void snapshotsAreNumberedFromZeroWithTheIndexTheyHold() {
        List<Integer> numbers = new ArrayList<>();
        List<Map<Integer, HammerOndisk.Slot>> indexes = new ArrayList<>();
        HammerHooks hooks = new HammerHooks() {
            @Override public void snapshot(int cycle, Map<Integer, HammerOndisk.Slot> index) {
                numbers.add(cycle);
                indexes.add(index);
            }
        };
        HammerMount hmp = mount(options(), HammerMutations.none(), hooks);
        assertEquals(List.of(0), numbers, "mount's snapshot 0");
        assertEquals(Map.of(), indexes.get(0));
        assertEquals(0, hmp.latestSnapshot());
        assertEquals(0, hmp.snapshotCount());
        assertEquals(1, hmp.snapshotsTaken());
        hmp.put(1, bytes(10, 1));
        int ack = hmp.sync();
        int last = numbers.get(numbers.size() - 1);
        for (int i = 0; i < numbers.size(); i++) assertEquals(i, numbers.get(i), "snapshot numbers " + numbers);
        assertEquals(last, hmp.latestSnapshot());
        assertEquals(last, hmp.snapshotCount());
        assertEquals(last + 1, hmp.snapshotsTaken());
        assertEquals(ack, last, "sync acknowledged a snapshot other than the latest");
        assertEquals(hmp.committedIndex(), indexes.get(ack), "the acknowledged snapshot does not hold the index");
        assertEquals(1, indexes.get(ack).size());
        indexes.get(ack).clear();            // the hook got a copy
        assertEquals(1, hmp.committedIndex().size(), "the snapshot shares the mount's index");
        TreeMap<Integer, HammerOndisk.Slot> copy = hmp.committedIndex();
        copy.clear();
        assertEquals(1, hmp.committedIndex().size(), "committedIndex() is not a copy");
    }

    /** next_tid and the allocation rotors reach the header at finalize and come back at the next mount. */
    @Test void theHeaderCarriesNextTidAndTheRotorsAcrossARemount() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // not registered: the remount rewrites its blocks
        for (int k = 0; k < 3; k++) hmp.put(k, bytes(10 + k, k));
        hmp.put(4, bytes(3000, 4));
        hmp.sync();
        long lastTid = hmp.committedIndex().values().stream().mapToLong(HammerOndisk.Slot::tid).max().orElseThrow();
        int chunk = hmp.allocator.chunkRotor;
        int large = hmp.allocator.largeRotor;
        assertTrue(chunk > 0 && large > 0, "the workload allocated nothing: chunk " + chunk + ", large " + large);
        hmp.close();
        byte[] h = HammerRecovery.read(dev, 0, HammerOndisk.BUFSIZE);
        java.nio.ByteBuffer hb = HammerOndisk.le(h);
        assertEquals(chunk, hb.getLong(HammerOndisk.H_DATA_NEXT), "the header on the device does not carry the DATA rotor");
        assertEquals(HammerOndisk.crc(h, HammerOndisk.H_UNDO_FIRST, HammerOndisk.H_BLOCKMAP_CRC - HammerOndisk.H_UNDO_FIRST),
                hb.getInt(HammerOndisk.H_BLOCKMAP_CRC), "the blockmap CRC on the device does not match the blockmap entries");
        HammerMount again = HammerMount.mount(hmp.device(), o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertTrue(again.nextTid > lastTid, "next_tid went back: " + again.nextTid + " <= " + lastTid);
        assertEquals(chunk, again.allocator.chunkRotor, "the DATA rotor was not carried by the header");
        assertEquals(large, again.allocator.largeRotor, "the LARGE rotor was not carried by the header");
        again.put(7, bytes(10, 7));
        again.sync();
        assertTrue(again.committedIndex().get(7).tid() > lastTid, "a remount reused a transaction id");
    }

    /**
     * The header's next_tid is the last tid a flush used (fl:L764 stores trans->tid), so the first
     * transaction after a mount must take a later one: a crash, then a remount, must not hand out
     * a tid a flush before the crash already used (deviation H5).
     */
    @Test void aRemountAfterACrashDoesNotReuseTheLastFlushsTid() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // not registered: abandoned below
        hmp.put(3, bytes(10, 3));
        hmp.sync();
        long lastTid = hmp.committedIndex().get(3).tid();
        hmp.abandon();      // no unmount flush: the header carries the last flush's tid
        long onDisk = HammerOndisk.le(HammerRecovery.read(dev, 0, HammerOndisk.BUFSIZE)).getLong(HammerOndisk.H_NEXT_TID);
        assertTrue(onDisk >= lastTid, "the header's next_tid " + onDisk + " is below a tid already in a slot, " + lastTid);
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        again.put(5, bytes(10, 5));
        again.sync();
        long newTid = again.committedIndex().get(5).tid();
        assertTrue(newTid > onDisk, "a remount after a crash reused the tid the header says was used last, "
                + onDisk + ": the new record has tid " + newTid);
    }

    /** Every write hammer_io_flush issues is counted once, under its type. */
    @Test void everyWriteIsCountedUnderItsType() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.put(1, bytes(12, 2));
        hmp.sync();
        HammerStats s = hmp.stats();
        assertTrue(s.dataWrites.get() > 0 && s.metaWrites.get() > 0 && s.undoWrites.get() > 0 && s.volumeWrites.get() > 0,
                "a type of write was not counted: data " + s.dataWrites + ", meta " + s.metaWrites + ", undo " + s.undoWrites
                        + ", volume " + s.volumeWrites);
        assertEquals(s.writes.get(), s.dataWrites.get() + s.metaWrites.get() + s.undoWrites.get() + s.volumeWrites.get(),
                "writes is not the sum of the typed counts");
    }

    /** The event log keeps the first 100 events. */
    @Test void theLogKeepsTheFirstHundredEvents() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        int before;
        synchronized (hmp.log) { before = hmp.log.size(); }
        for (int i = 0; i < 150; i++) hmp.log("event " + i);
        synchronized (hmp.log) {
            assertEquals(100, hmp.log.size());
            assertEquals("event 0", hmp.log.get(before));
            assertEquals("event " + (99 - before), hmp.log.get(99));
        }
    }

    /** The accessors report this mount's parts. */
    @Test void theAccessorsReportTheMount() {
        HammerOptions o = options();
        o.version = 3;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        assertEquals(3, hmp.version());
        assertEquals(o.geometry, hmp.geometry());
        assertSame(hmp.stats, hmp.stats());
        assertSame(hmp.flusher, hmp.flusher());
        assertSame(hmp.cache, hmp.cache());
        assertSame(hmp.dev, hmp.device());
        assertSame(hmp.fsToken, hmp.fsToken());
        assertSame(hmp.ioToken, hmp.ioToken());
        assertSame(hmp.kern.devvp, hmp.devvp());
        assertSame(hmp.lastRecovery, hmp.lastRecovery());
        assertEquals(3, hmp.lastRecovery().version());
        assertFalse(hmp.isCritical());
        assertNull(hmp.criticalReason());
        long undo = hmp.undoGenerated();
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        assertTrue(hmp.undoGenerated() > undo, "a committed put generated no UNDO");
        assertEquals(hmp.undo.generated, hmp.undoGenerated());
        assertNotNull(hmp.bufferAt(o.geometry.metaBase()));
        assertSame(hmp.buffers.get(o.geometry.metaBase()), hmp.bufferAt(o.geometry.metaBase()));
        assertNull(hmp.bufferAt(o.geometry.largeBase()));
        assertEquals(0, hmp.kernelSync(), "vfsync of a synced mount failed");
        assertEquals(hmp.durableFloor, hmp.durableFloor());
    }
}
