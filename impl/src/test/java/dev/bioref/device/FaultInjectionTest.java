// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.ManualClock;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.bioref.device.DeviceTesting.S;
import static dev.bioref.device.DeviceTesting.fill;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each fault kind does what FaultPlan says, is recorded, and is reproducible from its seed. */
class FaultInjectionTest {

    @Test
    void eioOnTheNthWriteChangesNothingAndIsRecorded() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S, FaultPlan.builder(1).eioOnNth(Op.WRITE, 2).build());
        assertTrue(d.execute(Request.write(0, fill(1, 1))).ok());
        assertEquals(Status.EIO, d.execute(Request.write(S, fill(1, 2))).status());
        assertArrayEquals(new byte[S], d.peekVisible(S, S));
        assertTrue(d.execute(Request.write(S, fill(1, 3))).ok(), "only the 2nd write fails");
        assertEquals(1, d.faults().count());
        assertEquals("#2 WRITE[off=512,len=512] EIO", d.faults().injected().get(0).toString());
        assertEquals(1, d.stats().errors());
    }

    @Test
    void eioOnASectorFailsEveryReadTouchingIt() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S, FaultPlan.builder(1).eioOnSector(Op.READ, 2).build());
        byte[] b = fill(2, 9);
        assertEquals(Status.EIO, d.execute(Request.read(S, b)).status());
        assertArrayEquals(fill(2, 9), b, "a failed READ leaves the buffer as it was");
        assertTrue(d.execute(Request.read(0, new byte[2 * S])).ok());
        assertEquals(Status.EIO, d.execute(Request.read(2 * S, new byte[S])).status());
    }

    @Test
    void flushEioMakesNothingDurable() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S, FaultPlan.builder(7).eioWithProbability(Op.FLUSH, 1.0).build());
        d.execute(Request.write(0, fill(1, 1)));
        assertEquals(Status.EIO, d.execute(Request.flush()).status());
        assertEquals(1, d.cachedWrites());
        d.crash();
        assertArrayEquals(new byte[S], d.peekVisible(0, S), "nothing silently became durable");
    }

    @Test
    void latentSectorErrorFailsReadsUntilTheSectorIsRewritten() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S, FaultPlan.builder(1).latentSectorError(1).build());
        assertEquals(Status.EIO, d.execute(Request.read(0, new byte[2 * S])).status());
        assertEquals(Status.EIO, d.execute(Request.read(S, new byte[S])).status());
        assertEquals(List.of(1L), d.faults().latentSectors());
        d.execute(Request.write(S, fill(1, 4)));
        assertTrue(d.execute(Request.read(0, new byte[2 * S])).ok());
        assertEquals(List.of(), d.faults().latentSectors());
        assertEquals(FaultPlan.Kind.LATENT_SECTOR_ERROR, d.faults().injected().get(0).kind());
    }

    @Test
    void tornWriteFailsAfterItsFirstSectorsTookEffect() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S, FaultPlan.builder(1).tornWrite(1, 1).build());
        assertEquals(Status.EIO, d.execute(Request.write(0, fill(3, 5))).status());
        assertArrayEquals(fill(1, 5), d.peekVisible(0, S));
        assertArrayEquals(new byte[2 * S], d.peekVisible(S, 2 * S));
    }

    @Test
    void lostWriteIsAcknowledgedVisibleFromTheCacheButNeverReachesTheMedia() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S, FaultPlan.builder(1).lostWrite(1).build());
        d.execute(Request.writeFua(0, fill(1, 1)));                   // WRITE #1 (FUA counts as a WRITE): lost
        assertArrayEquals(new byte[S], d.peekVisible(0, S), "a lost FUA write reads back stale at once");
        assertTrue(d.execute(Request.write(S, fill(1, 2))).ok());
        LoopbackDevice d2 = LoopbackDevice.inMemory(2 * S, FaultPlan.builder(1).lostWrite(1).build());
        assertTrue(d2.execute(Request.write(0, fill(1, 3))).ok());
        assertArrayEquals(fill(1, 3), d2.peekVisible(0, S), "visible while in the cache");
        d2.execute(Request.flush());
        assertArrayEquals(new byte[S], d2.peekVisible(0, S), "after the flush the media's old data shows");
        assertArrayEquals(new byte[S], d2.peekDurable(0, S));
        assertEquals(FaultPlan.Kind.LOST_WRITE, d2.faults().injected().get(0).kind());
    }

    @Test
    void misdirectedWriteLandsOnAnotherSector() {
        LoopbackDevice d = LoopbackDevice.inMemory(4 * S, FaultPlan.builder(1).misdirectedWrite(1, 3).build());
        d.execute(Request.write(0, fill(1, 8)));
        assertArrayEquals(fill(1, 8), d.peekVisible(0, S));
        d.execute(Request.flush());
        assertArrayEquals(new byte[S], d.peekDurable(0, S));
        assertArrayEquals(fill(1, 8), d.peekDurable(3 * S, S));
        assertEquals("landed at offset 1536", d.faults().injected().get(0).detail());
    }

    @Test
    void badPlansAreRejectedWithTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.builder(1).eioOnNth(Op.READ, 0))
                .getMessage().contains(": 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.builder(1).eioWithProbability(Op.READ, 1.5))
                .getMessage().contains("1.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.builder(1).latentSectorError(-3))
                .getMessage().contains("-3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.builder(1).eioOnSector(Op.FLUSH, 0))
                .getMessage().contains("FLUSH"));
    }

    /** One run of a seeded asynchronous workload with probabilistic faults: its completions and faults. */
    static String run(long seed) {
        FaultPlan plan = FaultPlan.builder(seed)
                .eioWithProbability(Op.READ, 0.1).eioWithProbability(Op.WRITE, 0.1).eioWithProbability(Op.FLUSH, 0.2)
                .lostWriteWithProbability(0.1).misdirectedWriteWithProbability(0.1).build();
        SeededCompleter sc = new SeededCompleter(seed);
        LoopbackDevice d = new LoopbackDevice(new MemoryBackend(16 * S), sc, new ManualClock(), plan);
        List<String> completions = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 60; i++) {
            int s = r.nextInt(16);
            Request q = switch (r.nextInt(4)) {
                case 0 -> Request.read((long) s * S, new byte[S]);
                case 1 -> Request.flush();
                default -> Request.write((long) s * S, fill(1, i));
            };
            d.submit(q, c -> completions.add(c.seq() + ":" + c.request() + ":" + c.status()));
            if (r.nextBoolean()) sc.completeOne();
        }
        sc.completeAll();
        d.checkInvariants();
        return completions + " faults=" + d.faults().injected() + " image=" + java.util.Arrays.hashCode(d.peekDurable(0, 16 * S));
    }

    @Property(tries = 200)
    void theSameSeedGivesTheSameFaultsAndTheSameCompletionOrder(@ForAll long seed) {
        assertEquals(run(seed), run(seed), "seed=" + seed);
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        assertNotEquals(run(1), run(2));
    }
}
