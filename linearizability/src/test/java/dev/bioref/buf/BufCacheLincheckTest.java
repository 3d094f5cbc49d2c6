// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

/**
 * The per-block view with delayed writes: the base's operations plus {@link #bdwrite} and one
 * daemon pass, {@link #flushbufqueues}, on 3 blocks and 6 headers.
 *
 * <p>Pool size: a delayed-write buffer can be reclaimed only after a daemon writes it, and in
 * model checking there is no daemon thread, so a getblk that needed a header while every
 * header were dirty would sleep in getnewbuf forever. With 6 headers that cannot happen: at
 * most 3 headers carry a block, at most one more per thread is between getnewbuf and bgetvp
 * (two threads creating the same block), so an EMPTY header is always left, and bufspace
 * (at most 4 blocks) stays below hibufspace (4.5 blocks), so getnewbuf never switches to
 * freeing CLEAN buffers. Reclaim is covered by {@link BufCacheReclaimLincheckTest}.
 */
public class BufCacheLincheckTest extends AbstractBufCacheLincheckTest {
    @Override protected int nbuf() { return 6; }

    /* --------------- delayed write and the daemon --------------- */

    @Operation
    public void bdwrite(@Param(gen = IntGen.class, conf = "1:3") int blk,
                        @Param(gen = IntGen.class, conf = "6:7") int v) {
        Buf bp = cache.getblk(vp, off(blk), BLKSIZE, 0, 0);
        Arrays.fill(bp.b_data(), 0, BLKSIZE, (byte) v);
        cache.bdwrite(bp);
    }

    /**
     * One pass of the buffer daemon. In a group of its own: the seed has exactly one thread per
     * daemon marker, and two concurrent passes over one marker panic ("marker queued").
     */
    @Operation(nonParallelGroup = "bufdaemon")
    public void flushbufqueues() {
        cache.flushbufqueues(false);
    }

    /* --------------- model checking --------------- */

    /**
     * Explores interleavings at every shared access and lock (sequential consistency only). It
     * can run here because with this pool size no thread ever sleeps with a timeout: getnewbuf
     * always finds an EMPTY header, which no other thread can hold locked.
     */
    @Test
    public void modelCheckingTest() {
        LincheckOptions.modelChecking(LincheckOptions.BUF_CACHE)
                .check(getClass());
    }
}
