// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.bioref.buf.BufTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@code VfsSubr.vfsync} promises at the instant it returns, exactly (proofs-notes/waits.md
 * §7, deviation B25): every dirty buffer of the vnode that was not busy when vfsync looked at it
 * has been written and its write has completed (visible on the device), and no write of the
 * vnode is still in flight; a buffer busy at that moment is skipped and stays dirty; nothing is
 * durable, because vfsync issues no device cache flush. Completions are held by a GateCompleter
 * and released one at a time, so a vfsync that returned early would be seen with a write held.
 */
@ExtendWith(CheckInvariantsExtension.class)
class VfsyncPromiseTest {
    @Test void atReturnEveryUnbusyDirtyBufferIsWrittenAndCompletedButNotDurable() throws Exception {
        GateCompleter gate = new GateCompleter();
        BufCache c = BufTestSupport.cache(Params.forTest(16, BLK));
        LoopbackDevice dev = device(32, gate);
        Vnode vp = c.vnode("dev0", dev, BLK);
        for (int b = 0; b < 4; b++) c.bdwrite(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        Buf busy = c.getblk(vp, 5L * BLK, BLK, 0, 0);       // dirty and held by this thread: vfsync skips it
        System.arraycopy(pattern(5, BLK), 0, busy.b_data(), 0, BLK);
        c.bdirty(busy);
        gate.shut();
        AtomicInteger error = new AtomicInteger(-1);
        Thread syncer = new Thread(() -> error.set(VfsSubr.vfsync(vp, false)), "vfsync");
        syncer.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        int released = 0;
        while (syncer.isAlive()) {
            assertTrue(System.nanoTime() < deadline, "vfsync did not return; gate " + gate);
            if (gate.held() > 0) {
                assertTrue(syncer.isAlive());
                gate.completeOne();
                released++;
            } else {
                Thread.sleep(1);
            }
            syncer.join(1);
        }
        assertEquals(0, gate.held(), "vfsync returned while a write of the vnode was still in flight");
        assertEquals(0, error.get());
        assertEquals(4, released, "vfsync wrote the 4 unbusy dirty buffers, not the busy one");
        for (int b = 0; b < 4; b++) {
            assertArrayEquals(pattern(b, BLK), dev.peekVisible((long) b * BLK, BLK), "block " + b + " not written at return");
            assertArrayEquals(new byte[BLK], dev.peekDurable((long) b * BLK, BLK), "vfsync promised no durability, and flushed nothing");
        }
        assertTrue(busy.hasFlags(Buf.B_DELWRI), "the busy buffer was skipped and stays dirty");
        assertArrayEquals(new byte[BLK], dev.peekVisible(5L * BLK, BLK));
        gate.open();
        c.bqrelse(busy);
        assertEquals(0, VfsSubr.vfsync(vp, true));
        assertArrayEquals(pattern(5, BLK), dev.peekVisible(5L * BLK, BLK));
    }
}
