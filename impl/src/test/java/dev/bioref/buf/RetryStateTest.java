// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.buf.BufTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Error state across retries (issue 13): for every write path of the buffer cache, a
 * fail-then-succeed schedule at the device (one EIO, then success). After the successful retry
 * no error is visible through any API: the buffer has no B_ERROR and b_error 0, a later bwrite
 * and vfsync return 0, the block is clean and on the device. After the failure, a second thread
 * that needs the same buffer gets it (the error path released it). QuiescentInv checks after
 * each test that nothing is left held.
 */
@ExtendWith(CheckInvariantsExtension.class)
class RetryStateTest {
    final BufCache c = BufTestSupport.cache(Params.forTest(8, BLK).withFlushperqueue(4));
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);
    final AtomicInteger failWrites = new AtomicInteger();

    {
        vp.setStrategyFilter((cmd, off, len) ->
                cmd == BufCmd.WRITE && failWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? Errno.EIO : 0);
    }

    /**
     * A second thread getblk's {@code off}, checks it sees {@code data}, and releases it. The
     * verdict does not depend on scheduling: the completer is inline, so once the failing call has
     * returned no I/O is in flight and every buffer lock must already be free (checked first, at
     * once); the thread then only has to finish, with a generous bound ({@link #SECOND_USER_BOUND_MS})
     * that is a hang detector, not a race against the error path.
     */
    void secondUser(long off, byte[] data) throws InterruptedException {
        assertNoBufferLocked("after the failed call returned");
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Buf bp = c.getblk(vp, off, BLK, 0, 0);
                assertArrayEquals(data, bp.b_data(), "the second user sees other data");
                c.bqrelse(bp);
            } catch (Throwable e) {
                err.set(e);
            }
        }, "second-user");
        t.setDaemon(true);
        t.start();
        joinOrDiagnose(t);
        assertNull(err.get());
    }

    /** Bound on a second user's getblk + bqrelse: a hang detector only (session 7, pit.md §7: was 5 s). */
    static final long SECOND_USER_BOUND_MS = 60_000;

    /** No buffer of the cache is locked by anyone (a thread or KERNPROC); names the first that is. */
    void assertNoBufferLocked(String when) {
        for (int i = 0; i < c.view().nbuf(); i++) {
            Buf bp = c.view().header(i);
            assertFalse(bp.b_lock().isLocked(), "buffer still locked " + when
                    + " (the error path returned with it held; its next user would block for ever): " + bp
                    + " lock " + bp.b_lock());
        }
    }

    /** Joins {@code t} within {@link #SECOND_USER_BOUND_MS}; on timeout fails naming where it is stuck. */
    static void joinOrDiagnose(Thread t) throws InterruptedException {
        t.join(SECOND_USER_BOUND_MS);
        if (t.isAlive()) {
            StringBuilder sb = new StringBuilder(t.getName() + " did not finish in " + SECOND_USER_BOUND_MS
                    + " ms: state " + t.getState() + ", asleep on \"" + Sleepq.sleepingOn(t)
                    + "\"; sleepers " + Sleepq.sleeping() + "; stack:");
            for (StackTraceElement e : t.getStackTrace()) sb.append("\n\tat ").append(e);
            t.interrupt();
            fail(sb.toString());
        }
    }

    /** After the successful retry: no error visible anywhere. */
    void noErrorVisible(long off, byte[] data) {
        Buf bp = c.getblk(vp, off, BLK, 0, 0);
        assertFalse(bp.hasFlags(Buf.B_ERROR), "B_ERROR survived the successful retry: " + bp);
        assertEquals(0, bp.b_error, "b_error survived the successful retry: " + bp);
        assertFalse(bp.hasFlags(Buf.B_DELWRI), "still dirty after the successful retry: " + bp);
        assertEquals(0, c.bwrite(bp), "a later bwrite reports the old error");
        assertEquals(0, VfsSubr.vfsync(vp, true), "vfsync reports the old error");
        assertArrayEquals(data, dev.peekVisible(off, BLK));
        assertEquals(0, c.view().dirtybufcount());
        c.checkInvariants();
    }

    @Test void bwriteFailsThenSucceeds() throws Exception {
        failWrites.set(1);
        assertEquals(Errno.EIO, c.bwrite(fill(c, vp, 0, pattern(1, BLK))));
        secondUser(0, pattern(1, BLK));
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        assertEquals(0, c.bwrite(bp), "the retry");
        noErrorVisible(0, pattern(1, BLK));
    }

    @Test void bawriteFailsThenTheDaemonRetrySucceeds() throws Exception {
        failWrites.set(1);
        c.bawrite(fill(c, vp, BLK, pattern(2, BLK)));
        drain(c);
        secondUser(BLK, pattern(2, BLK));
        assertTrue(c.bufDaemonStep(false) > 0 || c.view().dirtybufcount() == 0);
        drain(c);
        noErrorVisible(BLK, pattern(2, BLK));
    }

    @Test void bdwriteThenVfsyncFailsThenSucceeds() throws Exception {
        c.bdwrite(fill(c, vp, 2 * BLK, pattern(3, BLK)));
        failWrites.set(1);
        assertNotEquals(0, VfsSubr.vfsync(vp, true), "the failed vfsync reports its error");
        secondUser(2 * BLK, pattern(3, BLK));
        assertEquals(0, VfsSubr.vfsync(vp, true), "the retrying vfsync");
        noErrorVisible(2 * BLK, pattern(3, BLK));
    }

    /** A read that fails with EIO (bread, biowait's error) releases the buffer: a second reader gets the block and its data. */
    @Test void breadFailsThenASecondReaderGetsTheBlock() throws Exception {
        assertEquals(0, c.bwrite(fill(c, vp, 3 * BLK, pattern(4, BLK))));
        Buf old = c.getblk(vp, 3 * BLK, BLK, 0, 0);
        old.setFlags(Buf.B_INVAL);                       // drop the cached copy: the next bread goes to the device
        c.brelse(old);
        AtomicInteger failReads = new AtomicInteger(1);
        vp.setStrategyFilter((cmd, off, len) ->
                cmd == BufCmd.READ && failReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? Errno.EIO : 0);
        Buf[] bpp = new Buf[1];
        assertEquals(Errno.EIO, c.bread(vp, 3 * BLK, BLK, bpp), "the failed read reports EIO");
        c.brelse(bpp[0]);
        assertNoBufferLocked("after the failed read was released");
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Buf[] b2 = new Buf[1];
                assertEquals(0, c.bread(vp, 3 * BLK, BLK, b2), "the second reader's read");
                assertArrayEquals(pattern(4, BLK), b2[0].b_data(), "the second reader sees other data");
                c.bqrelse(b2[0]);
            } catch (Throwable e) {
                err.set(e);
            }
        }, "second-reader");
        t.setDaemon(true);
        t.start();
        joinOrDiagnose(t);
        assertNull(err.get());
        c.checkInvariants();
    }
}
