// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;
import dev.bioref.sim.CrashChecker;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.IntSupplier;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What HAMMER's sync and fsync promise at the instant they return, exactly (proofs-notes/waits.md
 * §7): no write they issued is still in flight, and every crash state of the device from that
 * instant recovers to a flush cycle no older than the acknowledged one (sync's return value;
 * fsync's key's cycle), with every referenced data block durable. Completions are held by a
 * GateCompleter and released one at a time by the test, so a call that returned while a write
 * it covers was in flight, or before its barrier's FLUSH completed, is seen.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class SyncPromiseTest {

    record Rig(GateCompleter gate, HammerMount hmp, CrashChecker checker) { }

    static Rig rig() {
        HammerOptions o = options();
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(o.geometry.size()), gate, Clock.SYSTEM);
        HammerMount.format(dev, o);
        CrashChecker checker = new CrashChecker(1, 256, 6);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), checker);
        checker.attach(hmp);
        HammerInvariantsExtension.register(hmp);
        return new Rig(gate, hmp, checker);
    }

    /** Runs {@code call} on a thread with every completion held and released one at a time; returns its result. */
    static int heldCompletions(Rig r, IntSupplier call) throws Exception { return heldCompletions(r, call, true); }

    static int heldCompletions(Rig r, IntSupplier call, boolean nothingInFlight) throws Exception {
        int[] result = {Integer.MIN_VALUE};
        r.gate.shut();
        Thread t = new Thread(() -> result[0] = call.getAsInt(), "syncer");
        t.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        int released = 0;
        while (t.isAlive()) {
            assertTrue(System.nanoTime() < deadline, "the call did not return; " + r.gate);
            if (r.gate.held() > 0) {
                r.gate.completeOne();
                released++;
            } else {
                t.join(1);
            }
        }
        if (nothingInFlight) assertEquals(0, r.gate.held(), "returned while one of its writes or flushes was still in flight");
        assertTrue(released > 0, "nothing was written");
        r.gate.open();
        return result[0];
    }

    /** sync's promise: nothing in flight at return, and the acknowledged cycle is the floor of every crash state. */
    @Test void syncAtReturnTheAcknowledgedCycleSurvivesEveryCrashState() throws Exception {
        Rig r = rig();
        r.hmp.put(1, bytes(100, 1));
        r.hmp.put(2, bytes(200, 2));
        int ack = heldCompletions(r, r.hmp::sync);
        assertTrue(r.hmp.durableFloor() >= ack, "sync acknowledged " + ack + " above the durable floor " + r.hmp.durableFloor());
        r.checker.checkNow(r.hmp.device(), ack, "at sync's return");
        assertEquals(List.of(), r.checker.failures());
        r.hmp.checkInvariants();
    }

    /**
     * fsync's promise is weaker (HammerFrontend.fsync javadoc; waits.md §7): at return its flush
     * group's cycle is done (finalized, the key committed in memory), and the device still
     * recovers to a cycle no older than the last acknowledged sync in every crash state; the
     * key itself is durable only after the next cycle (no REDO in the port), and the cycle's
     * last writes (the v4 header, meta-data) may still be in flight at return.
     */
    @Test void fsyncAtReturnItsCycleIsDoneAndTheLastSyncStillHolds() throws Exception {
        Rig r = rig();
        r.hmp.put(3, bytes(100, 3));
        int ack = r.hmp.sync();
        r.hmp.put(3, bytes(120, 4));
        int before = r.hmp.flusher.done;
        heldCompletions(r, () -> {
            r.hmp.fsync(3);
            return 0;
        }, false);
        assertTrue(r.hmp.flusher.done > before, "fsync returned before its group's cycle was done");
        assertTrue(r.hmp.durableFloor() >= ack);
        r.checker.checkNow(r.hmp.device(), ack, "at fsync's return");
        assertEquals(List.of(), r.checker.failures());
        assertArrayEquals(bytes(120, 4), r.hmp.get(3));
        int ack2 = r.hmp.sync();                       // the next cycle: now the key is durable
        r.checker.checkNow(r.hmp.device(), ack2, "after the next sync");
        assertEquals(List.of(), r.checker.failures());
        r.hmp.checkInvariants();
    }
}
