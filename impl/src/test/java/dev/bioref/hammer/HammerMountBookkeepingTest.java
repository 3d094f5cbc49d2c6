// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.HangWatchdog;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerMount's group B bookkeeping (proofs-notes/pit.md §8.6, §9.2: the survivors of run MountB):
 * the cache is sized for every block HAMMER caches, a mount refused before its flusher exists and
 * an abandoned mount both free the device, the mount starts its flusher, a remount loads an index
 * spanning more than one meta block and allocates around it, a final cycle that appended no UNDO
 * leaves the header alone, and the finalize trace carries the header image's UNDO sequence numbers.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerMountBookkeepingTest {

    static final long BOUND = 10_000_000_000L;
    static final String REPLAY = "mvn -B -pl impl -am test -Dtest=HammerMountBookkeepingTest -Dsurefire.failIfNoSpecifiedTests=false";

    /**
     * No buffer daemon runs in the thread-less setup, so the cache is sized for every UNDO, meta
     * and data block plus the header, whatever {@code nbuf} asks: with {@code nbuf} 1, a workload
     * that dirties every data chunk in a few meta blocks and syncs neither waits for a buffer nor
     * loses a block from the cache (reading every key back reads nothing from the device).
     */
    @Test void theCacheHoldsEveryBlockHammerCachesWhateverNbufAsks() {
        HammerOptions o = options();
        o.nbuf = 1;
        o.geometry = new HammerOndisk.Geometry(16, 16, 16, 0);
        int chunksPerBlock = HammerOndisk.BUFSIZE / HammerOndisk.CHUNK;
        int n = o.geometry.dataBlocks() * chunksPerBlock;
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) keys[i] = (i % o.geometry.metaBlocks()) * HammerOndisk.SLOTS_PER_BLOCK + i / o.geometry.metaBlocks();
        AtomicReference<HammerMount> mounted = new AtomicReference<>();
        long[] reads = new long[2];
        HangWatchdog.runBounded("fill every data chunk with nbuf 1", BOUND, () -> {
            HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
            mounted.set(hmp);
            for (int i = 0; i < n; i++) hmp.put(keys[i], bytes(100, i + 1));
            hmp.sync();
            reads[0] = hmp.device().stats().reads();
            for (int i = 0; i < n; i++) assertArrayEquals(bytes(100, i + 1), hmp.get(keys[i]), "key " + keys[i]);
            reads[1] = hmp.device().stats().reads();
        }, REPLAY);
        assertEquals(reads[0], reads[1], "reading back what was just synced read the device: a block left the cache");
    }

    /** A mount refused before it claimed anything but the device (a header that does not decode) frees the device. */
    @Test void aMountRefusedForABadHeaderReleasesTheDevice() {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        assertTrue(dev.execute(Request.write(0, bytes(HammerOndisk.BUFSIZE, 0x5a))).ok());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE));
        assertTrue(e.getMessage().startsWith("volume header: bad magic"), e.getMessage());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // not "already mounted"
        HammerInvariantsExtension.register(hmp);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        assertArrayEquals(bytes(10, 1), hmp.get(1));
    }

    /** abandon() frees the device by itself: a mount right after it (no crash in between) is accepted and finds what was synced. */
    @Test void aMountRightAfterAbandonIsAccepted() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.abandon();
        HammerMount again = HammerMount.mount(hmp.device(), o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertArrayEquals(bytes(10, 1), again.get(1), "the synced value is lost");
    }

    /** hammer_flusher_create: with flusher threads configured, the flush cycles of a sync run on them, not on the caller. */
    @Test void theMountStartsItsFlusherThreads() {
        HammerOptions o = options();
        o.flusherThreads = 2;
        List<String> finalizers = Collections.synchronizedList(new ArrayList<>());
        HammerHooks hooks = new HammerHooks() {
            @Override public void finalizeStep(HammerMount hmp, FinalizeStep step, boolean fin) {
                if (step == FinalizeStep.START) finalizers.add(Thread.currentThread().getName());
            }
        };
        HammerMount hmp = mount(o, HammerMutations.none(), hooks);
        hmp.put(1, bytes(10, 1));
        HangWatchdog.runBounded("sync through the flusher threads", BOUND, hmp::sync, REPLAY);
        assertFalse(finalizers.isEmpty(), "sync ran no finalize");
        for (String t : finalizers) assertTrue(t.startsWith("hammer-flusher-"), "a finalize ran on " + t + ", not a flusher thread: " + finalizers);
        hmp.close();
    }

    /**
     * The index is loaded from EVERY meta block at mount, each slot under its own key, and the
     * data it names is marked in use: after a remount the committed index is the one before, and
     * new puts whose rotor wraps take the one chunk freed, never a loaded value's chunk.
     */
    @Test void aRemountLoadsAnIndexOfTwoMetaBlocksAndAllocatesAroundIt() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 2, 2, 0);
        int chunks = o.geometry.chunks();
        int base = HammerOndisk.SLOTS_PER_BLOCK;        // keys of meta block 1
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // not registered: the remount rewrites its blocks
        hmp.put(0, bytes(10, 100));                            // meta block 0, chunk 0
        for (int i = 1; i < chunks - 1; i++) hmp.put(base + i, bytes(10, i));   // meta block 1, chunks 1 .. chunks-2
        hmp.sync();
        hmp.delete(base + 2);                                  // frees chunk 2
        hmp.sync();
        TreeMap<Integer, HammerOndisk.Slot> before = hmp.committedIndex();
        assertEquals(chunks - 2, before.size());
        assertEquals(chunks - 1, hmp.allocator.chunkRotor, "the workload did not leave the rotor at the last chunk");
        hmp.close();

        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertEquals(before, again.committedIndex(), "the remount did not load the index as it was");
        again.put(1, bytes(20, 201));                          // the last chunk
        again.put(2, bytes(20, 202));                          // the rotor wraps: only chunk 2 is free
        again.sync();
        assertEquals(o.geometry.chunkOffset(2), again.committedIndex().get(2).dataOff(), "the wrapped put did not take the freed chunk");
        assertArrayEquals(bytes(10, 100), again.get(0), "a new put overwrote a loaded value's chunk");
        for (int i = 1; i < chunks - 1; i++) {
            if (i != 2) assertArrayEquals(bytes(10, i), again.get(base + i), "a new put overwrote key " + (base + i) + "'s chunk");
        }
        assertArrayEquals(bytes(20, 201), again.get(1));
        assertArrayEquals(bytes(20, 202), again.get(2));
    }

    /**
     * Finalize step 7 (fl:L741-L748) rewrites the header only if first_offset or next_offset
     * moved: once a sync has made everything durable, a final finalize with nothing to flush
     * (the flush of an empty group) appends no UNDO and writes no header, yet is a final cycle.
     */
    @Test void aFinalCycleThatAppendedNoUndoWritesNoHeader() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        HammerFlusher f = hmp.flusher();
        long undo = hmp.undoGenerated();
        long headerWrites = hmp.stats().volumeWrites.get();
        long finals = f.finalFinalizes();
        withFsToken(hmp, () -> f.finalize(hmp.startTransaction(), true));
        withFsToken(hmp, () -> f.finalize(hmp.startTransaction(), true));
        assertEquals(finals + 2, f.finalFinalizes(), "the two final finalizes did not complete");
        assertEquals(undo, hmp.undoGenerated(), "final finalizes with nothing to flush appended UNDO");
        assertEquals(headerWrites, hmp.stats().volumeWrites.get(), "a final finalize that appended no UNDO rewrote the volume header");
    }

    /** The finalize trace's FinHdr event carries the header image's UNDO sequence numbers {first, next}. */
    @Test void theFinalizeTraceCarriesTheHeadersUndoSequenceNumbers() {
        HammerOptions o = options();
        TraceLog log = TraceLog.inMemory("HammerFinalizeCrash");
        o.finalizeTrace = new HammerFinalizeTrace(log);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        long base = hmp.undo.nextSeq;                          // the trace's sequence number 1 (nothing appended since mount)
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        List<String> lines = log.lines();
        assertTrue(lines.stream().anyMatch(l -> l.contains("Mount")), "no Mount event: " + lines);
        String hdr = null;
        for (String l : lines) if (l.contains("FinHdr")) hdr = l;
        assertNotNull(hdr, "no FinHdr event: " + lines);
        ByteBuffer h = HammerOndisk.le(hmp.rootVolume.data());
        long first = h.getLong(HammerOndisk.H_UNDO_FIRST_SEQ) - base + 1;
        long next = h.getLong(HammerOndisk.H_UNDO_NEXT_SEQ) - base + 1;
        assertTrue(next > 1, "the workload appended no UNDO: next " + next);
        assertTrue(hdr.contains("\"first\":" + first + ",") && hdr.contains("\"next\":" + next + "}"),
                "the last FinHdr event does not carry the header's UNDO sequence numbers first " + first + ", next " + next + ": " + hdr);
    }

    /**
     * The harness's buffer-daemon pass (flushbufqueues → checkwrite) reports how many bps it
     * wrote: with every data chunk dirty and unsynced, over half the cache is delayed-write, the
     * pass writes the DATA bps HAMMER lets the kernel write, and says how many.
     */
    @Test void aBufDaemonStepReportsTheBuffersItWrote() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 1, 16, 0);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        int n = o.geometry.chunks();
        for (int i = 0; i < n; i++) hmp.put(i, bytes(100, i + 1));
        long writes = hmp.device().stats().writes();
        int flushed = hmp.bufDaemonStep();
        assertTrue(flushed > 0, "the daemon pass wrote nothing with " + n + " dirty chunks");
        assertEquals(hmp.device().stats().writes() - writes, flushed, "the pass reported other than the writes it issued");
        hmp.sync();
        for (int i = 0; i < n; i++) assertArrayEquals(bytes(100, i + 1), hmp.get(i), "key " + i);
    }
}
