// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerAllocator (hammer_blockmap.c stand-in; proofs-notes/pit.md §9.3): the rotors hand out
 * the next free unit after the last one and wrap; a full zone answers -1; the zone of a data
 * offset is decided at the large zone's base; a delayed free is released only once the durable
 * floor reached the snapshot that first lacks the reference, in order, each to its own zone (a
 * release too early lets a put overwrite data a crash can still recover to).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerAllocatorTest {
    /** 1 data block (4 chunks), 3 large blocks. */
    private static final HammerOndisk.Geometry G = new HammerOndisk.Geometry(4, 1, 1, 3);

    private static HammerOndisk.Slot at(long off) { return new HammerOndisk.Slot(1, off, 1, 0); }

    @Test void chunkRotorHandsOutInOrderWrapsAndSkipsUsedChunks() {
        HammerAllocator a = new HammerAllocator(G);
        for (int c = 0; c < 4; c++) assertEquals(c, a.allocChunk(), "chunk " + c);
        assertEquals(0, a.chunkRotor, "the rotor wraps after the last chunk");
        assertEquals(-1, a.allocChunk(), "a full small zone");
        assertEquals(0, a.chunkRotor, "a failed allocation moved the rotor");
        a.freeNow(new HammerRecord.DataRef(false, 1));
        assertEquals(1, a.allocChunk(), "the only free chunk");
        assertEquals(2, a.chunkRotor);
        a.freeNow(new HammerRecord.DataRef(false, 0));
        a.freeNow(new HammerRecord.DataRef(false, 3));
        assertEquals(3, a.allocChunk(), "the first free chunk at or after the rotor");
        assertEquals(0, a.chunkRotor);
        assertEquals(0, a.allocChunk(), "after the wrap");
        assertEquals(1, a.chunkRotor);
        assertEquals(4, a.chunks.cardinality());
        assertEquals(0, a.large.cardinality(), "a small allocation touched the large zone");
    }

    @Test void largeRotorHandsOutInOrderWrapsAndSkipsUsedBlocks() {
        HammerAllocator a = new HammerAllocator(G);
        a.largeRotor = 1;                                          // as mount sets it from the header
        assertEquals(1, a.allocLarge());
        assertEquals(2, a.allocLarge());
        assertEquals(0, a.largeRotor);
        assertEquals(0, a.allocLarge());
        assertEquals(1, a.largeRotor);
        assertEquals(-1, a.allocLarge(), "a full large zone");
        a.freeNow(new HammerRecord.DataRef(true, 2));
        assertEquals(2, a.allocLarge());
        assertEquals(0, a.largeRotor);
        assertEquals(0, a.chunks.cardinality(), "a large allocation touched the small zone");
        assertEquals(-1, new HammerAllocator(new HammerOndisk.Geometry(4, 1, 1, 0)).allocLarge(), "no large zone");
    }

    @Test void markUsedPicksTheZoneAtTheLargeBase() {
        HammerAllocator a = new HammerAllocator(G);
        a.markUsed(at(G.chunkOffset(2)));
        a.markUsed(at(G.chunkOffset(3)));                          // the last chunk, just below largeBase
        a.markUsed(at(G.largeOffset(0)));                          // exactly largeBase
        a.markUsed(at(G.largeOffset(2)));
        assertEquals("{2, 3}", a.chunks.toString());
        assertEquals("{0, 2}", a.large.toString());
        assertEquals(0, a.allocChunk());
        assertEquals(1, a.allocChunk());
        assertEquals(-1, a.allocChunk(), "a chunk marked in use was handed out");
        assertEquals(1, a.allocLarge());
        assertEquals(-1, a.allocLarge(), "a block marked in use was handed out");
    }

    @Test void aDelayedFreeIsReleasedOnlyOnceTheDurableFloorReachesItsSnapshot() {
        LoopbackDevice dev = LoopbackDevice.inMemory(G.size());
        HammerOptions o = options();
        o.geometry = G;
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        try {
            HammerAllocator a = new HammerAllocator(G);
            a.markUsed(at(G.chunkOffset(3)));
            a.markUsed(at(G.largeOffset(0)));
            a.markUsed(at(G.chunkOffset(1)));
            a.freeDelayed(G.chunkOffset(3), 2);
            a.freeDelayed(G.largeOffset(0), 3);                    // largeBase: the large zone's block 0
            a.freeDelayed(G.chunkOffset(1), 3);
            assertEquals(3, a.delayedCount());
            assertEquals("{1, 3}", a.chunks.toString(), "freeDelayed released at once");
            hmp.durableFloor = 1;
            a.clrdelay(hmp);
            assertEquals(3, a.delayedCount(), "released before the floor reached snapshot 2");
            assertEquals("{1, 3}", a.chunks.toString());
            hmp.durableFloor = 2;
            a.clrdelay(hmp);
            assertEquals(2, a.delayedCount());
            assertEquals("{1}", a.chunks.toString(), "chunk 3 must be free at floor 2, chunk 1 not yet");
            assertEquals("{0}", a.large.toString(), "the large block (snapshot 3) was released at floor 2");
            hmp.durableFloor = 4;
            a.clrdelay(hmp);
            assertEquals(0, a.delayedCount());
            assertEquals("{}", a.chunks.toString());
            assertEquals("{}", a.large.toString());
        } finally {
            hmp.durableFloor = 0;
            hmp.abandon();
        }
    }

    /**
     * End to end: an overwritten value's chunk is not reused while a crash can still return to
     * the snapshot that references it, so a crash after the overwrite recovers the old value intact.
     */
    @Test void anOverwrittenChunkIsNotReusedBeforeTheNewValueIsDurable() {
        HammerOptions o = options();
        o.geometry = new HammerOndisk.Geometry(8, 1, 1, 0);        // 4 chunks
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);   // crashed below: not checked after
        hmp.put(0, bytes(100, 1));
        hmp.put(1, bytes(100, 2));
        hmp.put(2, bytes(100, 3));
        hmp.sync();
        hmp.put(0, bytes(100, 4));                                  // the 4th chunk
        hmp.fsync(0);                                               // committed, not yet durable
        assertEquals(1, hmp.allocator.delayedCount(), "the old chunk of key 0 is a delayed free");
        assertEquals(o.geometry.chunkOffset(3), hmp.committedIndex().get(0).dataOff());
        assertTrue(hmp.allocator.chunks.get(0), "key 0's old chunk 0 was released while a crash can return to it");
        dev.crash();
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(again);
        assertArrayEquals(bytes(100, 1), again.get(0), "the synced value of key 0 after a crash that undid the fsync'd group");
        assertArrayEquals(bytes(100, 2), again.get(1));
    }
}
