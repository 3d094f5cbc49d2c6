// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static dev.bioref.buf.BufTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The re-check after a lock was slept on (issue 13), made deterministic: the JCStress race
 * {@code GetblkVsGetnewbufReclaim} lands in getblk's lock sleep only now and then, so its
 * must-fail mutant would need more than sanity mode; here the waiter is asleep on the buffer
 * lock for certain before the holder recycles the header (proofs-notes/waits.md B9).
 *
 * <p>vfs_bio.c getblk() L2764-2791: a buffer found by findblk is locked with LK_SLEEPFAIL, so a
 * lock that had to sleep fails and the lookup starts again; a lock taken without sleeping is
 * followed by the identity re-check. The holder here invalidates the header while the waiter
 * sleeps on it (brelse of a B_INVAL buffer: brelvp, the header goes to EMPTY). The waiter must
 * come back with block 0 under its own identity and its data read from the device.
 * {@code getblkSkipsRecheck} (no LK_SLEEPFAIL, no identity re-check) returns the dead header or
 * trips getblk's own checks: caught either way.
 */
@ExtendWith(CheckInvariantsExtension.class)
class RecheckAfterSleepTest {

    /** r[0] = "ok" or what the waiter saw; the waiter is asleep in getblk's lock when the holder recycles. */
    static String recycleWhileAsleep(BufMutations m) throws Exception {
        BufCache c = BufWaitSitesTest.make(Params.forTest(4, BLK), m);
        Vnode vp = c.vnode("dev0", device(8), BLK);
        byte[] data = pattern(5, BLK);
        assertEquals(0, c.bwrite(fill(c, vp, 0, data)));                // block 0 cached clean, on the device too
        Buf held = c.getblk(vp, 0, BLK, 0, 0);                           // the holder: this thread
        String[] r = new String[1];
        Thread waiter = new Thread(() -> {
            try {
                Buf[] bpp = new Buf[1];
                int error = c.bread(vp, 0, BLK, bpp);
                Buf bp = bpp[0];
                if (bp.b_vp() != vp || bp.b_loffset() != 0) r[0] = "wrong identity: " + bp;
                else if (error != 0) r[0] = "error " + error;
                else if (!Arrays.equals(data, Arrays.copyOf(bp.b_data(), BLK))) r[0] = "wrong data";
                else r[0] = "ok";
                if (bp.b_lock().ownedByMe()) c.brelse(bp);
            } catch (Throwable t) {
                r[0] = "threw " + t;
            }
        }, "getblk-waiter");
        waiter.setDaemon(true);
        waiter.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"getblk".equals(Sleepq.sleepingOn(waiter))) {
            assertTrue(waiter.isAlive(), "the waiter returned without sleeping on the held buffer: " + r[0]);
            assertTrue(System.nanoTime() < deadline, "the waiter never slept in getblk's lock: " + waiter.getState());
            Thread.sleep(1);
        }
        held.setFlags(Buf.B_INVAL);                                     // recycle the header under the sleeper
        c.brelse(held);
        waiter.join(10_000);
        assertFalse(waiter.isAlive(), "the waiter did not return within 10 s; sleepers: " + Sleepq.sleeping());
        return r[0];
    }

    @Test @Timeout(60)
    void getblkRechecksAfterSleepingOnTheLock() throws Exception {
        assertEquals("ok", recycleWhileAsleep(BufMutations.none()));
    }

    @Test @Timeout(60)
    void getblkSkipsRecheckIsCaught() throws Exception {
        BufMutations m = new BufMutations();
        m.getblkSkipsRecheck = true;
        String r = recycleWhileAsleep(m);
        assertNotEquals("ok", r, "getblkSkipsRecheck not caught");
    }
}
