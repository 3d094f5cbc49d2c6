// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.device.LoopbackDevice.Mutation;
import dev.bioref.kern.ManualClock;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.bioref.device.DeviceTesting.S;
import static dev.bioref.device.DeviceTesting.fill;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each device guard has a mutation switch (the twins of LoopbackDevice.tla's mutant constants);
 * turning it on must be caught, by {@link LoopbackDevice#checkInvariants()} with the invariant's
 * name, and by a random seeded workload checked after every step.
 */
class DeviceMutationTest {

    @Test
    void flushSkipsCacheBreaksDurabilityInv() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S);
        d.enableMutation(Mutation.FLUSH_SKIPS_CACHE);
        d.execute(Request.write(0, fill(1, 1)));
        d.execute(Request.flush());
        IllegalStateException e = assertThrows(IllegalStateException.class, d::checkInvariants);
        assertTrue(e.getMessage().startsWith("DurabilityInv violated: sector 0 holds write #0"), e.getMessage());
    }

    @Test
    void fuaKeepsStaleCacheBreaksReadSeesLatestInv() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S);
        d.enableMutation(Mutation.FUA_KEEPS_STALE_CACHE);
        d.execute(Request.write(0, fill(1, 1)));
        d.execute(Request.writeFua(0, fill(1, 2)));
        IllegalStateException e = assertThrows(IllegalStateException.class, d::checkInvariants);
        assertTrue(e.getMessage().startsWith("ReadSeesLatestInv violated: sector 0 reads write #1 but the newest is #2"), e.getMessage());
    }

    @Test
    void fuaKeepsStaleCacheThenFlushPutsOldDataOverTheFuaWrite() {
        LoopbackDevice d = LoopbackDevice.inMemory(2 * S);
        d.enableMutation(Mutation.FUA_KEEPS_STALE_CACHE);
        d.execute(Request.write(0, fill(1, 1)));
        d.execute(Request.writeFua(0, fill(1, 2)));
        d.execute(Request.flush());
        IllegalStateException e = assertThrows(IllegalStateException.class, d::checkInvariants);
        assertTrue(e.getMessage().contains("sector 0 reads write #1 but the newest is #2")
                || e.getMessage().startsWith("DurabilityInv"), e.getMessage());
    }

    /** A random asynchronous workload, checked after every completion; true if a check failed. */
    static boolean caught(Mutation m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SeededCompleter sc = new SeededCompleter(seed);
        LoopbackDevice d = new LoopbackDevice(new MemoryBackend(4 * S), sc, new ManualClock());
        if (m != null) d.enableMutation(m);
        try {
            for (int i = 0; i < 30; i++) {
                int s = r.nextInt(4);
                Request q = switch (r.nextInt(5)) {
                    case 0 -> Request.flush();
                    case 1 -> Request.writeFua((long) s * S, fill(1, i + 1));
                    default -> Request.write((long) s * S, fill(1, i + 1));
                };
                d.submit(q, Callback.IGNORE);
                while (r.nextBoolean() && sc.completeOne()) d.checkInvariants();
                if (r.nextInt(10) == 0) {
                    d.crash();
                    d.checkInvariants();
                }
            }
            while (sc.completeOne()) d.checkInvariants();
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    @Test
    void randomWorkloadsCatchEveryMutationAndPassTheFaithfulDevice() {
        for (Mutation m : Mutation.values()) {
            int hits = 0;
            for (long seed = 0; seed < 50; seed++) if (caught(m, seed)) hits++;
            assertTrue(hits > 0, m + " escaped 50 seeded workloads");
        }
        for (long seed = 0; seed < 200; seed++) {
            final long sd = seed;
            assertTrue(!caught(null, seed), () -> "the faithful device failed checkInvariants, seed=" + sd);
        }
    }
}
