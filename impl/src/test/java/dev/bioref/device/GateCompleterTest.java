// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.Clock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GateCompleterTest {

    @Test void openCompletesInlineShutHoldsInOrder() {
        GateCompleter gate = new GateCompleter();
        List<Integer> ran = new ArrayList<>();
        gate.schedule(() -> ran.add(0));
        assertEquals(List.of(0), ran, "open: inline");
        gate.shut();
        gate.schedule(() -> ran.add(1));
        gate.schedule(() -> ran.add(2));
        gate.schedule(() -> ran.add(3));
        assertEquals(List.of(0), ran, "shut: nothing ran");
        assertEquals(3, gate.held());
        assertTrue(gate.completeOne());
        assertEquals(List.of(0, 1), ran, "oldest first");
        assertEquals(2, gate.completeHeld());
        assertEquals(List.of(0, 1, 2, 3), ran);
        assertFalse(gate.completeOne(), "none held");
        assertTrue(gate.isShut(), "completeHeld keeps the gate shut");
        gate.schedule(() -> ran.add(4));
        assertEquals(4, ran.size());
        gate.open();
        assertEquals(List.of(0, 1, 2, 3, 4), ran);
        assertFalse(gate.isShut());
    }

    @Test void openRunsCompletionsThatArriveWhileDraining() {
        GateCompleter gate = new GateCompleter();
        List<Integer> ran = new ArrayList<>();
        gate.shut();
        gate.schedule(() -> { ran.add(1); gate.schedule(() -> ran.add(3)); });
        gate.schedule(() -> ran.add(2));
        gate.open();
        assertEquals(List.of(1, 2, 3), ran, "a completion scheduled while draining queues behind the older ones");
    }

    @Test void aWriteStaysInFlightUntilReleased() throws Exception {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(4096), gate, Clock.SYSTEM);
        gate.shut();
        byte[] data = new byte[512];
        data[0] = 7;
        Thread writer = new Thread(() -> dev.execute(Request.write(0, data)));
        writer.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gate.held() == 0) {
            assertTrue(System.nanoTime() < deadline, "the write never reached the completer");
            Thread.onSpinWait();
        }
        assertTrue(writer.isAlive(), "a synchronous write waits for its completion");
        assertTrue(gate.completeOne());
        writer.join(5_000);
        assertFalse(writer.isAlive());
        assertEquals(7, dev.peekVisible(0, 512)[0], "the released write landed");
    }

    @Test void aStrictGateRefusesASynchronousCallWhoseCompletionIsHeld() {
        GateCompleter gate = new GateCompleter(true);
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(4096), gate, Clock.SYSTEM);
        gate.shut();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> dev.execute(Request.write(0, new byte[512])));
        assertTrue(e.getMessage().contains("1 held"), e.getMessage());
    }
}
