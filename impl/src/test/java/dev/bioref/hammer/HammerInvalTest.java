// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * hammer_io_inval (io:L446-494), both returns, each followed by a second thread that needs the
 * same block: it must get it at once. The EAGAIN return ("still associated with a hammer
 * buffer") must have released the bp; with {@code invalKeepsBufferLocked} it does not, and the
 * second thread blocks (and QuiescentInv would report the held lock).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerInvalTest {

    /** Runs findblk + bqrelse of {@code off} on a second thread; true if it got the bp within 2 s. */
    static boolean secondThreadGetsIt(HammerMount hmp, long off) throws InterruptedException {
        AtomicReference<Buf> got = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Buf bp = hmp.cache.findblk(hmp.devvp(), off, 0);
            got.set(bp);
            if (bp != null) {          // findblk leaves it on its queue: take it off, then give it back
                hmp.cache.bremfree(bp);
                hmp.cache.bqrelse(bp);
            }
        }, "second-user");
        t.setDaemon(true);
        t.start();
        t.join(2_000);
        return !t.isAlive();
    }

    /** A DATA buffer written by a sync and released: its bp is clean, unlocked, and still carries the io. */
    static long cleanAssociatedDataBlock(HammerMount hmp) {
        long off = hmp.geometry.dataBase();
        HammerBuffer b = HammerWaitTest.prepare(hmp, off);
        withFsToken(hmp, () -> hmp.relBuffer(b, false));
        hmp.sync();
        Buf bp = hmp.cache.findblk(hmp.devvp(), off, dev.bioref.buf.BufCache.FINDBLK_TEST);
        assertNotNull(bp, "the DATA bp is not cached");   // FINDBLK_TEST: no ref, no lock
        assertFalse(bp.dep_isEmpty(), "the bp is no longer associated: " + bp);
        assertFalse(bp.b_lock().isLocked(), "the bp is held: " + bp);
        return off;
    }

    static int inval(HammerMount hmp, long off) {
        int[] e = new int[1];
        withFsToken(hmp, () -> e[0] = hmp.inval(off));
        return e[0];
    }

    @Test void anAssociatedBufferIsRefusedWithEagainAndLeftFree() throws Exception {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = cleanAssociatedDataBlock(hmp);
        assertEquals(Errno.EWOULDBLOCK, inval(hmp, off), "an associated bp must be refused (EAGAIN)");
        assertTrue(secondThreadGetsIt(hmp, off), "the EAGAIN return left the bp locked");
        hmp.checkInvariants();
    }

    @Test void anUnassociatedAliasIsDestroyedAndTheBlockIsFreeAfterwards() throws Exception {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.largeBase();
        Buf bp = hmp.cache.getblk(hmp.devvp(), off, HammerOndisk.BUFSIZE, 0, 0);   // a device-level alias, no io
        hmp.cache.bqrelse(bp);
        assertEquals(0, inval(hmp, off));
        assertNull(hmp.cache.findblk(hmp.devvp(), off, dev.bioref.buf.BufCache.FINDBLK_TEST), "the alias survived");
        assertTrue(secondThreadGetsIt(hmp, off));
        assertEquals(0, inval(hmp, off), "nothing cached: nothing to do");
        hmp.checkInvariants();
    }

    @Test void invalKeepsBufferLockedIsCaught() throws Exception {
        HammerMutations m = new HammerMutations();
        m.invalKeepsBufferLocked = true;
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        long off = cleanAssociatedDataBlock(hmp);
        assertEquals(Errno.EWOULDBLOCK, inval(hmp, off));
        assertFalse(secondThreadGetsIt(hmp, off), "invalKeepsBufferLocked not caught: the second user got the bp");
        Buf bp = hmp.cache.findblk(hmp.devvp(), off, dev.bioref.buf.BufCache.FINDBLK_TEST);
        hmp.cache.bqrelse(bp);              // release what the mutant kept, so the second user can finish
    }
}
