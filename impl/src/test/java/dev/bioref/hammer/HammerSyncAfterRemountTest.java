// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.bioref.hammer.HammerTestSupport.withFsToken;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Port bug (proofs-notes/hammer.md §3, "After a mount"): the header mount reads is the last
 * header write, for snapshot 0. A first final cycle after a mount that appends no UNDO writes no
 * header (first_offset unchanged, root volume not modified), so only that record lets the next
 * barrier move the durable floor to the cycle's snapshot. The port left it unrecorded (0): on a
 * volume whose on-disk first_offset is not 0 the floor stayed at 0 and {@code sync()} panicked
 * "durable floor 0 does not reach snapshot 1" (first seen as
 * {@code simulate --seed 6 --threads 4 --schedule 1}, where another thread's flush ran such a
 * cycle). Deterministic: no flusher threads, inline completions.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerSyncAfterRemountTest {

    @Test
    @Timeout(30)
    void cycleWithoutUndoAfterRemountMovesTheFloor() {
        HammerOptions o = HammerSyncBarrierTest.options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        try (HammerMount first = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE)) {
            first.put(0, new byte[] {7});
            first.sync();
        }
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        try {
            assertNotEquals(0L, hmp.headerUndoFirst(), "the case needs an on-disk first_offset other than 0");
            // A small put dirties a DATA buffer at once; its record is not queued on a group yet.
            // A flush cycle now (another thread's, in the simulation) is final, finds data only,
            // appends no UNDO and so writes no header.
            hmp.put(1, new byte[] {8});
            withFsToken(hmp, hmp.flusher::sync);
            assertEquals(1, hmp.latestSnapshot(), "the data-only cycle took snapshot 1");
            withFsToken(hmp, hmp::headerBarrier);
            assertEquals(1, hmp.durableFloor(), "the on-disk header recovers to snapshot 1: a barrier makes it the floor");
            int ack = hmp.sync();
            assertTrue(ack >= 2, "sync acknowledges a snapshot after the cycle that commits key 1: " + ack);
            assertEquals(ack, hmp.durableFloor(), "sync returns once the floor reaches its acknowledgement");
            assertArrayEquals(new byte[] {7}, hmp.get(0));
            assertArrayEquals(new byte[] {8}, hmp.get(1));
        } finally {
            hmp.close();
        }
    }
}
