// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.GateCompleter;
import org.junit.jupiter.api.Test;


import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * hammer_io_wait and hammer_io_wait_all return only when the I/O they wait for is done, and are
 * woken when it is (no lost wakeup: the waits have no timeout here, so a lost one would hang).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerWaitTest {


    /** Loads and modifies the DATA buffer at {@code off}; returns it with our ref held. */
    static HammerBuffer prepare(HammerMount hmp, long off) {
        HammerBuffer[] b = new HammerBuffer[1];
        withFsToken(hmp, () -> {
            b[0] = hmp.getBuffer(HammerIoType.DATA_BUFFER, off, false);
            b[0].modify(1);
            b[0].data()[0] ^= 1;
            b[0].modifyDone();
        });
        return b[0];
    }

    /** Starts its write as finalize does. */
    static HammerBuffer startWrite(HammerMount hmp, HammerBuffer b) {
        withFsToken(hmp, () -> {
            b.writeInterlock();
            b.flush(false);
            b.doneInterlock();
        });
        return b;
    }

    @Test void waitReturnsOnlyAfterCompletion() throws Exception {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = gatedMount(gate);
        HammerBuffer b = prepare(hmp, hmp.geometry.dataBase());
        gate.shut();
        startWrite(hmp, b);
        assertTrue(b.running);
        Thread waiter = new Thread(b::waitIo, "waiter");
        waiter.start();
        waiter.join(300);
        assertTrue(waiter.isAlive(), "hammer_io_wait returned while the write was running");
        gate.open();
        waiter.join(10_000);
        assertFalse(waiter.isAlive(), "hammer_io_wait was not woken by the completion");
        assertFalse(b.running);
        withFsToken(hmp, () -> hmp.relBuffer(b, false));
        hmp.checkInvariants();
    }

    @Test void waitAllReturnsOnlyAfterEveryEarlierWrite() throws Exception {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = gatedMount(gate);
        HammerBuffer b1 = prepare(hmp, hmp.geometry.dataBase());
        HammerBuffer b2 = prepare(hmp, hmp.geometry.dataBase() + HammerOndisk.BUFSIZE);
        gate.shut();
        startWrite(hmp, b1);
        startWrite(hmp, b2);
        assertEquals(2, gate.held());
        Thread w1 = new Thread(() -> hmp.waitAll(false), "wait_all-1");
        Thread w2 = new Thread(() -> hmp.waitAll(false), "wait_all-2");
        w1.start();
        w2.start();
        Thread.sleep(200);
        assertTrue(gate.completeOne(), "b1 held");   // b1 done, b2 still running
        w1.join(300);
        w2.join(300);
        assertTrue(w1.isAlive() && w2.isAlive(), "wait_all returned while an earlier write was running");
        assertTrue(b2.running);
        gate.open();
        w1.join(10_000);
        w2.join(10_000);
        assertFalse(w1.isAlive() || w2.isAlive(), "a wait_all placemarker was not woken");
        assertFalse(b1.running || b2.running);
        withFsToken(hmp, () -> {
            hmp.relBuffer(b1, false);
            hmp.relBuffer(b2, false);
        });
        hmp.checkInvariants();
    }

    @Test void aModificationDuringAnInFlightWriteIsNotLost() throws Exception {
        GateCompleter gate = new GateCompleter();
        HammerMount hmp = gatedMount(gate);
        HammerBuffer b = prepare(hmp, hmp.geometry.dataBase());
        gate.shut();
        startWrite(hmp, b);
        Thread modifier = new Thread(() -> withFsToken(hmp, () -> {
            b.modify(1);                    // must regetblk, which waits for the write
            b.data()[100] = 42;
            b.modifyDone();
        }), "modifier");
        modifier.start();
        modifier.join(300);
        assertTrue(modifier.isAlive(), "the modifier touched the bp during the kernel's write");
        gate.open();
        modifier.join(10_000);
        assertFalse(modifier.isAlive());
        assertTrue(b.modified, "the modification after the write is not tracked");
        withFsToken(hmp, () -> hmp.relBuffer(b, false));
        hmp.checkInvariants();
        hmp.sync();
        assertEquals(42, hmp.device().peekDurable(hmp.geometry.dataBase(), 512)[100]);
    }
}
