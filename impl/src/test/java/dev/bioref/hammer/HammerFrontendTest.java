// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;
import static dev.bioref.hammer.HammerOndisk.CHUNK;
import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerFrontend's contract (proofs-notes/pit.md §9.3): bad arguments are refused naming the
 * value and change nothing; a read-only mount (critical error, failed flusher) refuses every
 * change naming why; get sees the newest pending record of exactly its key; the small/large
 * split is at CHUNK bytes; a full zone is retried through sync before ENOSPC; fsync commits the
 * key's inode only; sync's acknowledgement is a durable snapshot; a data block whose CRC does not
 * match its slot is reported, not returned.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerFrontendTest {

    @Test void badValuesAreRefusedNamingTheLengthAndChangeNothing() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long writes = hmp.device().stats().writes();
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> hmp.put(1, null));
        assertEquals("put: value length must be 1.." + BUFSIZE + ", was null", n.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hmp.put(1, new byte[0]));
        assertEquals("put: value length must be 1.." + BUFSIZE + ", was 0", e.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> hmp.put(1, new byte[BUFSIZE + 1]));
        assertEquals("put: value length must be 1.." + BUFSIZE + ", was " + (BUFSIZE + 1), l.getMessage());
        assertEquals(0, hmp.allocator.chunks.cardinality() + hmp.allocator.large.cardinality(), "a refused put allocated");
        assertEquals(0, hmp.frontend.inode(1).records.size(), "a refused put queued a record");
        assertNull(hmp.get(1));
        assertEquals(writes, hmp.device().stats().writes(), "a refused put wrote");
    }

    @Test void keysOutsideTheIndexAreRefusedByEveryOperation() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        int keys = hmp.geometry().keys();
        String range = " is outside the index, 0.." + (keys - 1);
        for (int bad : new int[] {-1, keys}) {
            assertEquals("key " + bad + range, assertThrows(IllegalArgumentException.class, () -> hmp.put(bad, bytes(1, 1))).getMessage());
            assertEquals("key " + bad + range, assertThrows(IllegalArgumentException.class, () -> hmp.get(bad)).getMessage());
            assertEquals("key " + bad + range, assertThrows(IllegalArgumentException.class, () -> hmp.delete(bad)).getMessage());
            assertEquals("key " + bad + range, assertThrows(IllegalArgumentException.class, () -> hmp.fsync(bad)).getMessage());
        }
        hmp.put(keys - 1, bytes(3, 7));                                   // the last key and key 0 are fine
        hmp.put(0, bytes(3, 8));
        hmp.sync();
        assertArrayEquals(bytes(3, 7), hmp.get(keys - 1));
        assertArrayEquals(bytes(3, 8), hmp.get(0));
    }

    /** A critical error makes the mount read-only: every change is refused naming the reason; reads go on. */
    @Test void aCriticalMountRefusesChangesNamingTheReason() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.put(2, bytes(10, 2));
        withFsToken(hmp, () -> hmp.criticalError("test: the device lied"));
        String why = ": mount is read-only after a critical error: test: the device lied";
        assertEquals("put" + why, assertThrows(HammerCriticalError.class, () -> hmp.put(3, bytes(1, 3))).getMessage());
        assertEquals("delete" + why, assertThrows(HammerCriticalError.class, () -> hmp.delete(1)).getMessage());
        assertEquals("fsync" + why, assertThrows(HammerCriticalError.class, () -> hmp.fsync(1)).getMessage());
        assertEquals("sync" + why, assertThrows(HammerCriticalError.class, hmp::sync).getMessage());
        assertArrayEquals(bytes(10, 1), hmp.get(1));
        assertArrayEquals(bytes(10, 2), hmp.get(2), "the pending record is still readable");
        assertNull(hmp.get(3), "a refused put queued its record");
        assertEquals(1, hmp.frontend.inode(2).records.size() + hmp.frontend.inode(3).records.size());
        assertEquals("fsync" + why, assertThrows(HammerCriticalError.class, () -> hmp.fsync(2)).getMessage());
        assertEquals("sync" + why, assertThrows(HammerCriticalError.class, hmp::sync).getMessage());
        HammerInode ip = hmp.frontend.inode(2);
        assertEquals(1, ip.unqueued(), "a refused fsync/sync queued the pending record");
        assertEquals(HammerInode.IDLE, ip.flushState);
        assertNull(ip.flg);
    }

    /** A critical error raised by fsync's own flush (its writes fail: the device went away) makes that fsync fail. */
    @Test void fsyncReportsACriticalErrorOfItsOwnFlush() {
        HammerOptions o = options();
        LoopbackDevice d = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(d, o);
        HammerMount hmp = HammerMount.mount(d, o, HammerMutations.none(), HammerHooks.NONE);
        try {
            hmp.put(1, bytes(10, 1));
            assertFalse(hmp.isCritical());
            d.close();
            HammerCriticalError e = assertThrows(HammerCriticalError.class, () -> hmp.fsync(1));
            assertTrue(e.getMessage().startsWith("fsync: mount is read-only after a critical error: "), e.getMessage());
            assertTrue(hmp.isCritical());
        } finally {
            hmp.abandon();
        }
    }

    /** sync_inode commits at most wouldblockBudget records per pass: the group is re-run until the inode is done. */
    @Test void syncInodeCommitsExactlyTheBudgetPerPass() {
        HammerOptions o = options();
        o.wouldblockBudget = 2;
        o.autoflushRecords = 1000;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        for (int i = 0; i < 5; i++) hmp.put(1 + i * o.inodes, bytes(10, i + 1));     // 5 records on inode 1
        long reruns = hmp.flusher().wouldblockReruns;
        hmp.sync();
        assertEquals(reruns + 2, hmp.flusher().wouldblockReruns, "5 records at 2 per pass: 2 re-runs");
        for (int i = 0; i < 5; i++) assertArrayEquals(bytes(10, i + 1), hmp.get(1 + i * o.inodes));
    }

    /** sync_inode waits for a record's direct data write before committing the record to the index. */
    @Test void syncInodeWaitsForTheDirectWriteBeforeCommitting() throws Exception {
        dev.bioref.device.GateCompleter gate = new dev.bioref.device.GateCompleter();
        HammerMount hmp = HammerTestSupport.gatedMount(gate);
        gate.shut();
        hmp.put(6, bytes(3000, 6));
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread s = daemon("frontend-syncer", () -> hmp.sync(), failed);
        HammerMountContractTest.awaitAsleep(s, "hmdiow");
        assertFalse(hmp.committedIndex().containsKey(6), "the record was committed before its data was written");
        gate.open();
        HammerMountContractTest.join(s);
        assertNull(failed.get());
        assertTrue(hmp.committedIndex().containsKey(6));
        assertArrayEquals(bytes(3000, 6), hmp.get(6));
    }

    /** A flusher master that failed unexpectedly also makes every change fail, naming the failure. */
    @Test void aFailedFlusherMasterRefusesChangesNamingTheFailure() {
        HammerMount hmp = HammerMount.mount(formatted(), options(), HammerMutations.none(), HammerHooks.NONE);
        try {
            hmp.masterFailure = new IllegalStateException("boom");
            String why = ": hmp.flusher failed: java.lang.IllegalStateException: boom";
            assertEquals("put" + why, assertThrows(HammerCriticalError.class, () -> hmp.put(3, bytes(1, 3))).getMessage());
            assertEquals("sync" + why, assertThrows(HammerCriticalError.class, hmp::sync).getMessage());
            assertEquals("delete" + why, assertThrows(HammerCriticalError.class, () -> hmp.delete(3)).getMessage());
            assertNull(hmp.get(3));
        } finally {
            hmp.abandon();
        }
    }

    private static LoopbackDevice formatted() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        return dev;
    }

    /** get reads the newest pending record of its own key, not another key's record on the same inode. */
    @Test void getSeesTheNewestPendingRecordOfItsKey() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        int k2 = 1 + o.inodes;                                            // same inode as key 1
        assertSame(hmp.frontend.inode(1), hmp.frontend.inode(k2));
        hmp.put(1, bytes(10, 1));
        hmp.put(1, bytes(20, 2));
        hmp.put(k2, bytes(30, 3));
        assertArrayEquals(bytes(20, 2), hmp.get(1), "not the newest record of key 1");
        assertArrayEquals(bytes(30, 3), hmp.get(k2));
        hmp.put(1, bytes(BUFSIZE, 4));                                    // large, direct write pending
        assertArrayEquals(bytes(BUFSIZE, 4), hmp.get(1));
        hmp.delete(1);
        assertNull(hmp.get(1), "a pending delete");
        assertArrayEquals(bytes(30, 3), hmp.get(k2));
        hmp.sync();
        assertNull(hmp.get(1));
        assertArrayEquals(bytes(30, 3), hmp.get(k2));
        assertFalse(hmp.committedIndex().containsKey(1));
    }

    /** Values up to CHUNK bytes go to the small zone through a DATA buffer; longer ones to the large zone. */
    @Test void theSmallLargeSplitIsAtChunkBytes() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerOndisk.Geometry g = hmp.geometry();
        hmp.put(1, bytes(CHUNK, 1));
        hmp.put(2, bytes(CHUNK + 1, 2));
        hmp.put(3, bytes(BUFSIZE, 3));
        hmp.put(4, bytes(1, 4));
        hmp.sync();
        var idx = hmp.committedIndex();
        assertTrue(idx.get(1).dataOff() < g.largeBase(), "CHUNK bytes are small: " + idx.get(1));
        assertTrue(idx.get(2).dataOff() >= g.largeBase(), "CHUNK+1 bytes are large: " + idx.get(2));
        assertTrue(idx.get(3).dataOff() >= g.largeBase());
        assertTrue(idx.get(4).dataOff() < g.largeBase());
        assertEquals(CHUNK, idx.get(4).dataOff() - idx.get(1).dataOff(), "small values take one chunk each");
        assertEquals(BUFSIZE, idx.get(3).dataOff() - idx.get(2).dataOff(), "large values take one block each");
        assertArrayEquals(bytes(CHUNK, 1), hmp.get(1));
        assertArrayEquals(bytes(CHUNK + 1, 2), hmp.get(2));
        assertArrayEquals(bytes(BUFSIZE, 3), hmp.get(3));
        assertArrayEquals(bytes(1, 4), hmp.get(4));
    }

    /** A small value shorter than its chunk clears the chunk's rest (no stale bytes of the chunk's last owner). */
    @Test void aShortSmallValueClearsTheRestOfAReusedChunk() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 1, 1, 0);               // 4 chunks
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        for (int k = 0; k < 4; k++) hmp.put(k, bytes(CHUNK, 9));
        hmp.sync();
        long off = hmp.committedIndex().get(0).dataOff();
        hmp.delete(0);
        hmp.put(7, bytes(5, 1));                                          // full zone: reuses key 0's chunk
        hmp.sync();
        assertEquals(off, hmp.committedIndex().get(7).dataOff(), "the chunk was not reused");
        byte[] onDisk = new byte[BUFSIZE];
        long blk = off / BUFSIZE * BUFSIZE;
        assertTrue(hmp.device().execute(Request.read(blk, onDisk)).ok());
        int at = (int) (off - blk);
        for (int i = 0; i < 5; i++) assertEquals(1, onDisk[at + i], "byte " + i + " of the value");
        for (int i = 5; i < CHUNK; i++) assertEquals(0, onDisk[at + i], "byte " + i + " of the reused chunk");
        assertEquals(9, onDisk[at + CHUNK], "the next chunk (key 1) was touched");
    }

    /** A put into a full zone syncs (releasing delayed frees) before it gives up with ENOSPC. */
    @Test void aFullZoneIsRetriedThroughSyncBeforeEnospc() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 1, 1, 1);               // 4 chunks, 1 large block
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        for (int k = 0; k < 4; k++) hmp.put(k, bytes(100, k + 1));
        hmp.delete(0);                                                    // not synced: its chunk is still referenced
        hmp.put(10, bytes(100, 10));                                      // succeeds only through put's own syncs
        assertArrayEquals(bytes(100, 10), hmp.get(10));
        assertNull(hmp.get(0));
        IllegalStateException small = assertThrows(IllegalStateException.class, () -> hmp.put(11, bytes(100, 11)));
        assertEquals("put: small data zone is full (ENOSPC)", small.getMessage());
        hmp.put(20, bytes(2000, 20));
        IllegalStateException large = assertThrows(IllegalStateException.class, () -> hmp.put(21, bytes(2000, 21)));
        assertEquals("put: large data zone is full (ENOSPC)", large.getMessage());
        assertNull(hmp.get(11));
        assertNull(hmp.get(21));
        assertArrayEquals(bytes(2000, 20), hmp.get(20));
    }

    /** fsync commits the key's inode to the index, and only that inode. */
    @Test void fsyncCommitsOnlyTheKeysInode() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.put(2, bytes(10, 2));
        hmp.fsync(1);
        assertTrue(hmp.committedIndex().containsKey(1), "fsync did not commit its key");
        assertFalse(hmp.committedIndex().containsKey(2), "fsync committed another inode");
        assertEquals(HammerInode.IDLE, hmp.frontend.inode(1).flushState);
        assertNull(hmp.frontend.inode(1).flg);
        assertEquals(1, hmp.frontend.inode(2).records.size());
        hmp.fsync(3);                                                     // nothing queued there: returns
        assertEquals(1, hmp.frontend.inode(2).records.size());
    }

    /** sync acknowledges the latest snapshot, and only once every recovery returns to it. */
    @Test void syncAcknowledgesADurableSnapshot() {
        for (int version : new int[] {HammerOndisk.VERSION_3, HammerOndisk.VERSION_4}) {
            HammerOptions o = options();
            o.version = version;
            LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
            HammerMount.format(dev, o);
            HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // crashed below: not checked after
            hmp.put(1, bytes(10, 1));
            int ack = hmp.sync();
            assertEquals(hmp.latestSnapshot(), ack, "v" + version);
            assertTrue(hmp.durableFloor() >= ack, "v" + version + ": floor " + hmp.durableFloor() + " below ack " + ack);
            hmp.put(2, bytes(10, 2));
            int ack2 = hmp.sync();
            assertTrue(ack2 > ack, "v" + version);
            assertTrue(hmp.durableFloor() >= ack2);
            dev.crash();
            HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
            HammerInvariantsExtension.register(again);
            assertArrayEquals(bytes(10, 1), again.get(1), "v" + version);
            assertArrayEquals(bytes(10, 2), again.get(2), "v" + version);
        }
    }

    /** A large value whose block was damaged on the media is reported with its offset, not returned. */
    @Test void getReportsDataThatDoesNotMatchItsSlot() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(5, bytes(2000, 5));
        hmp.sync();
        long off = hmp.committedIndex().get(5).dataOff();
        assertTrue(hmp.device().execute(Request.write(off, bytes(BUFSIZE, 6))).ok());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> hmp.get(5));
        assertEquals("get(5): data at " + off + " does not match its index CRC", e.getMessage());
        assertTrue(hmp.device().execute(Request.write(off, java.util.Arrays.copyOf(bytes(2000, 5), BUFSIZE))).ok());
        assertArrayEquals(bytes(2000, 5), hmp.get(5));
    }
    /** get of a key whose large value is still being written waits for the direct write (hammer_io_direct_wait) instead of reading stale media. */
    @Test void getOfAPendingLargeValueWaitsForItsDirectWrite() throws Exception {
        dev.bioref.device.GateCompleter gate = new dev.bioref.device.GateCompleter();
        HammerMount hmp = HammerTestSupport.gatedMount(gate);
        gate.shut();
        hmp.put(6, bytes(3000, 6));                                       // the direct write waits at the gate
        java.util.concurrent.atomic.AtomicReference<Object> got = new java.util.concurrent.atomic.AtomicReference<>();
        Thread r = daemon("frontend-reader", () -> got.set(hmp.get(6)), got);
        HammerMountContractTest.awaitAsleep(r, "hmdiow");
        assertNull(got.get(), "get returned before the direct write completed");
        gate.open();
        HammerMountContractTest.join(r);
        assertTrue(got.get() instanceof byte[], "get failed: " + got.get());
        assertArrayEquals(bytes(3000, 6), (byte[]) got.get());
        hmp.sync();
    }

    /** A put that brings an inode's unqueued records to autoflushRecords queues the inode and starts its flush. */
    @Test void autoflushQueuesTheInodeAtExactlyTheLimit() {
        HammerOptions o = options();
        o.autoflushRecords = 3;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        HammerInode ip = hmp.frontend.inode(1);
        hmp.put(1, bytes(10, 1));
        hmp.put(1 + o.inodes, bytes(10, 2));
        assertEquals(2, ip.unqueued(), "flushed under the limit");
        assertFalse(hmp.committedIndex().containsKey(1));
        hmp.put(1, bytes(10, 3));
        assertEquals(0, ip.unqueued(), "the third record did not queue the inode");
        assertTrue(hmp.committedIndex().containsKey(1 + o.inodes), "the autoflush did not start the flush: " + ip);
        assertArrayEquals(bytes(10, 3), hmp.get(1));
        hmp.sync();
        assertArrayEquals(bytes(10, 3), hmp.get(1));
    }

    /** Each commit that replaces a value frees the old space (after the delay): overwriting one key never fills the zone. */
    @Test void overwritingOneKeyManyTimesReusesItsSpace() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 1, 1, 2);               // 4 chunks, 2 large blocks
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        for (int i = 0; i < 12; i++) {
            hmp.put(1, bytes(100, i + 1));
            hmp.put(2, bytes(2000, i + 1));
            hmp.sync();
        }
        assertArrayEquals(bytes(100, 12), hmp.get(1));
        assertArrayEquals(bytes(2000, 12), hmp.get(2));
        assertTrue(hmp.allocator.chunks.cardinality() <= 2, "small chunks leaked: " + hmp.allocator.chunks);
    }
    /** With flusher threads, fsync waits ("hmrfls") until the master has flushed the key's group, then the key is committed. */
    @Test void fsyncWaitsForItsGroupWithFlusherThreads() throws Exception {
        dev.bioref.device.GateCompleter gate = new dev.bioref.device.GateCompleter();
        HammerOptions o = options();
        o.flusherThreads = 1;
        LoopbackDevice d = new LoopbackDevice(new dev.bioref.device.MemoryBackend(o.geometry.size()), gate, dev.bioref.kern.Clock.SYSTEM);
        HammerMount.format(d, o);
        HammerMount hmp = HammerMount.mount(d, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        hmp.put(1, bytes(10, 1));
        gate.shut();                                                      // the master's writes wait at the gate
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread f = daemon("frontend-fsync", () -> hmp.fsync(1), failed);
        HammerMountContractTest.awaitAsleep(f, "hmrfls");
        gate.open();
        HammerMountContractTest.join(f);
        assertNull(failed.get());
        assertTrue(hmp.committedIndex().containsKey(1), "fsync returned before its group was committed");
        hmp.close();
    }

    /**
     * A flush runs a partial finalize when the dirty meta-data passes the limit (the memory valve), and
     * only then. (It does not tell sync_inode's own check from the flusher's check after each inode.)
     */
    @Test void aFlushFinalizesEarlyOnlyOverTheDirtyLimit() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 3, 8, 4);               // 3 meta blocks
        o.autoflushRecords = 1000;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        int per = HammerOndisk.SLOTS_PER_BLOCK;
        int k0 = 1, k1 = per, k2 = 2 * per;                                // one key in each meta block, all on inode 1
        while (k1 % o.inodes != 1) k1++;
        while (k2 % o.inodes != 1) k2++;
        assertSame(hmp.frontend.inode(k0), hmp.frontend.inode(k1));
        assertSame(hmp.frontend.inode(k0), hmp.frontend.inode(k2));
        assertTrue(k2 < o.geometry.keys());
        int[] keys = {k0, k1, k2};
        for (int k : keys) hmp.put(k, bytes(10, 1));
        HammerFlusher f = hmp.flusher();
        long partial = f.finalizes - f.finalFinalizes;
        hmp.sync();
        assertEquals(partial, f.finalizes - f.finalFinalizes, "a partial finalize under the limit");
        hmp.options.limitDirtybufspace = HammerOndisk.BUFSIZE;            // one dirty meta block passes it
        for (int k : keys) hmp.put(k, bytes(10, 2));
        hmp.sync();
        assertTrue(f.finalizes - f.finalFinalizes > partial, "no partial finalize over the limit");
        for (int k : keys) assertArrayEquals(bytes(10, 2), hmp.get(k));
    }

    /** Starts {@code body} on a daemon thread (a lost wakeup fails the test's bound, not the JVM's exit); what it throws goes to {@code failed}. */
    private static Thread daemon(String name, Runnable body, java.util.concurrent.atomic.AtomicReference<? super Throwable> failed) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failed.set(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
