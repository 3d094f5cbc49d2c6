// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.Errno;
import dev.bioref.kern.HangWatchdog;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 10 item 6: misuse after the device was closed, swept over every public operation, one
 * parametrized test per class of misuse (proofs-notes/reliability.md §6).
 * <ul>
 *   <li>The device itself: each operation after {@code close()} throws an
 *       IllegalStateException that says the device is closed and names the operation, and changes
 *       nothing (media, statistics; {@code checkInvariants()} holds).</li>
 *   <li>The buffer cache over a closed device: every I/O path fails through the ordinary error path
 *       (ENXIO, B_ERROR), releases the buffer it locked (a later getblk of the block returns within
 *       a bound: it would block for ever otherwise), and the cache's invariants hold.</li>
 * </ul>
 */
@ExtendWith(CheckInvariantsExtension.class)
class ClosedDeviceMisuseTest {
    private static final String RERUN = "mvn -B -pl impl -am test -Dtest=ClosedDeviceMisuseTest -Dsurefire.failIfNoSpecifiedTests=false";

    /** A device operation, by name. */
    @FunctionalInterface
    interface DeviceOp { void run(LoopbackDevice dev); }

    static Stream<Arguments> deviceOps() {
        byte[] one = new byte[LoopbackDevice.SECTOR_SIZE];
        return Stream.of(
                Arguments.of("submit", (DeviceOp) d -> d.submit(Request.write(0, one), c -> { })),
                Arguments.of("submit", (DeviceOp) d -> d.submit(Request.read(0, new byte[one.length]), c -> { })),
                Arguments.of("submit", (DeviceOp) d -> d.submit(Request.flush(), c -> { })),
                Arguments.of("submit", (DeviceOp) d -> d.execute(Request.writeFua(0, one))),
                Arguments.of("crash", (DeviceOp) LoopbackDevice::crash),
                Arguments.of("start a write log", (DeviceOp) LoopbackDevice::startLog),
                Arguments.of("mark", (DeviceOp) d -> d.mark("after-close")),
                Arguments.of("mount", (DeviceOp) d -> d.claim(new Object())));
    }

    @ParameterizedTest(name = "{index}: {0} after close")
    @MethodSource("deviceOps")
    void everyDeviceOperationAfterCloseIsAClearErrorAndChangesNothing(String what, DeviceOp op) {
        LoopbackDevice dev = BufTestSupport.device(8);
        dev.execute(Request.writeFua(0, pattern(1, BLK)));
        dev.startLog();
        dev.close();
        byte[] media = dev.peekDurable(0, (int) dev.capacity());
        var stats = dev.stats();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> op.run(dev));
        assertTrue(e.getMessage().startsWith("device is closed: cannot " + what), e.getMessage());
        assertArrayEquals(media, dev.peekDurable(0, (int) dev.capacity()), "a refused operation changed the media");
        assertEquals(stats, dev.stats(), "a refused operation was counted");
        dev.checkInvariants();
        dev.close();   // idempotent
    }

    /** A buffer-cache path, run over a closed device; returns its errno (0 if it has none to return). */
    @FunctionalInterface
    interface CacheOp { int run(BufCache c, Vnode vp); }

    static Stream<Arguments> cacheOps() {
        return Stream.of(
                Arguments.of("bread", (CacheOp) (c, vp) -> {
                    Buf[] bpp = new Buf[1];
                    int error = c.bread(vp, 0, BLK, bpp);
                    c.brelse(bpp[0]);
                    return error;
                }),
                Arguments.of("breadn", (CacheOp) (c, vp) -> {
                    Buf[] bpp = new Buf[1];
                    int error = c.breadn(vp, 0, BLK, new long[] {BLK}, new int[] {BLK}, 1, bpp);
                    c.brelse(bpp[0]);
                    return error;
                }),
                Arguments.of("bwrite", (CacheOp) (c, vp) -> c.bwrite(fill(c, vp, 0, pattern(2, BLK)))),
                Arguments.of("bawrite", (CacheOp) (c, vp) -> {
                    c.bawrite(fill(c, vp, 0, pattern(3, BLK)));
                    return Errno.ENXIO;
                }),
                Arguments.of("bdwrite then vfsync(MNT_WAIT)", (CacheOp) (c, vp) -> {
                    c.bdwrite(fill(c, vp, 0, pattern(4, BLK)));
                    return VfsSubr.vfsync(vp, true);
                }),
                Arguments.of("bdwrite then vfsync(MNT_NOWAIT)", (CacheOp) (c, vp) -> {
                    c.bdwrite(fill(c, vp, 0, pattern(5, BLK)));
                    VfsSubr.vfsync(vp, false);
                    return Errno.ENXIO;
                }),
                Arguments.of("bdwrite then flushbufqueues", (CacheOp) (c, vp) -> {
                    c.bdwrite(fill(c, vp, 0, pattern(6, BLK)));
                    c.flushbufqueues(false);
                    return Errno.ENXIO;
                }),
                Arguments.of("bdwrite then vinvalbuf(V_SAVE)", (CacheOp) (c, vp) -> {
                    c.bdwrite(fill(c, vp, 0, pattern(7, BLK)));
                    return VfsSubr.vinvalbuf(vp, VfsSubr.V_SAVE);
                }),
                Arguments.of("bdwrite then vtruncbuf", (CacheOp) (c, vp) -> {
                    c.bdwrite(fill(c, vp, BLK, pattern(8, BLK)));
                    VfsSubr.vtruncbuf(vp, BLK, BLK);
                    return Errno.ENXIO;
                }));
    }

    @ParameterizedTest(name = "{index}: {0} on a closed device")
    @MethodSource("cacheOps")
    void everyCachePathOnAClosedDeviceFailsAndReleasesWhatItLocked(String what, CacheOp op) {
        // flushperqueue 8, not the seed's 1024: a write that keeps failing is retried a tick later
        // (the "bioer" sleep of flushbufqueues_bp), so a pass over a dead device ends after flushperqueue retries
        // (about 10 s with 1024): bounded, as the seed's pass is, but slower than this test needs
        Params p = Params.forTest(4, BLK);
        BufCache c = BufTestSupport.cache(new Params(p.nbuf(), p.ncpus(), p.maxbsize(), p.maxbufspace(), p.hibufspace(),
                p.lobufspace(), p.hidirtybufspace(), p.lodirtybufspace(), p.hirunningspace(), 8, p.bdWakeSize()));
        LoopbackDevice dev = BufTestSupport.device(8);
        Vnode vp = c.vnode("dev0", dev, BLK);
        dev.close();
        int[] error = {0};
        HangWatchdog.runBounded(what + " on a closed device", TimeUnit.SECONDS.toNanos(20), () -> error[0] = op.run(c, vp), RERUN);
        assertEquals(Errno.ENXIO, error[0], what + " returned " + error[0]);
        HangWatchdog.runBounded("getblk after " + what, TimeUnit.SECONDS.toNanos(10), () -> {
            for (long off : new long[] {0, BLK}) {
                Buf again = c.getblk(vp, off, BLK, 0, 0);    // blocks for ever if the failed path kept the lock
                c.brelse(again);
            }
        }, RERUN);
        c.checkInvariants();
    }
}
