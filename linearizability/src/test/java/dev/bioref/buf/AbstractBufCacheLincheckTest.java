// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LincheckOptions;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.BufLock;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

/**
 * Lincheck for the buffer cache's per-block view (reference vfs_bio.md §9.2): the cache plus
 * the loopback device behave as an array of atomic registers, one per block, initially 0.
 *
 * <p>The sequential specification is that map of blocks: {@code mem[b]}. Each operation is a
 * complete client operation that takes and gives back everything it touches, and is named
 * after the API call it exercises:
 * <ul>
 *   <li>{@link #bread}: bread, read the first byte, bqrelse (brelse if the read failed);
 *       returns {@code mem[b]}.</li>
 *   <li>{@link #brelse}: the same read released with brelse; returns {@code mem[b]}.</li>
 *   <li>{@link #bwrite}: getblk, fill the whole block with {@code v}, bwrite; {@code mem[b] = v},
 *       returns the errno (0).</li>
 *   <li>{@link #bawrite}: getblk, fill, bawrite (the inline device completes it, and the
 *       completion releases the buffer, before bawrite returns); {@code mem[b] = v}.</li>
 *   <li>{@link #bqhold}: bread, bqhold, bqrelse; then, holding only the reference, lock the
 *       header again, check it still is block {@code b} (the hold must keep getnewbuf from
 *       recycling it), bremfree, read, bqrelse, bqdrop. Returns {@code mem[b]}; returns
 *       {@link #IDENTITY_LOST} if the header was recycled under the hold, which no sequential
 *       order explains.</li>
 *   <li>In {@link BufCacheLincheckTest} also {@code bdwrite} (getblk, fill, bdwrite:
 *       {@code mem[b] = v}) and {@code flushbufqueues} (one daemon pass on the caller's
 *       thread: no-op).</li>
 * </ul>
 *
 * <p>Scope. Linearizable, each at the moment it holds the buffer lock: all of the above. Not
 * in scope, and why:
 * <ul>
 *   <li>invalidation (B_INVAL + brelse, vinvalbuf): it drops a pending delayed write, so the
 *       block returns to what the disk holds; the specification would have to track the disk
 *       separately and it is linearizable only with a synchronous device and no daemon.</li>
 *   <li>findblk and inmem with FINDBLK_TEST: they answer "is it cached", which the map of
 *       blocks does not model (a hint, rechecked under the lock).</li>
 *   <li>a full pool: getblk blocks in getnewbuf until a header frees up, and in model checking
 *       nobody else may ever free one (there is no daemon thread). The pool is therefore sized
 *       so that it cannot run out: see the subclasses.</li>
 *   <li>I/O errors and the asynchronous completers: the seeded tests in impl/ and the JCStress
 *       races in stress/ cover them.</li>
 * </ul>
 *
 * <p>After every invocation {@link #checkInvariants} runs the cache's own checkInvariants
 * (every clause of proofs-notes/invariants.md), the way Caffeine validates its structure after
 * each test. Blocks are 512 bytes (one sector); values are small bytes.
 *
 * <p>Run them (a failure prints the scenario and, in model checking, the interleaving):
 * <pre>mvn -o -B -pl linearizability -am test -Dtest='BufCache*LincheckTest' -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * with {@code -Pthorough} or {@code -Dlincheck.modelChecking.iterations=..} etc. for more.
 */
public abstract class AbstractBufCacheLincheckTest {
    /** Returned by {@link #bqhold} when the held header no longer is the block: recycled under a hold. */
    public static final int IDENTITY_LOST = -2;
    /** Returned by a read whose I/O failed (never expected: the device injects no faults here). */
    public static final int READ_ERROR = -1;

    /*
     * Budget: LincheckOptions.BUF_CACHE (with the other targets' budgets and the -D overrides).
     * Every operation here passes hundreds of switch points: measured times are in
     * proofs-notes/concurrency-buf.md.
     */

    static final int BLKSIZE = Params.DEV_BSIZE;
    static final int BLOCKS = 3;

    final BufCache cache;
    final Vnode vp;

    protected AbstractBufCacheLincheckTest() {
        BufMutations m = BufMutations.none();
        mutate(m);
        cache = new BufCache(Params.forTest(nbuf(), BLKSIZE), m, BufQuirks.none());
        vp = cache.vnode("lincheck", LoopbackDevice.inMemory((long) BLOCKS * BLKSIZE), BLKSIZE);
    }

    /** The number of buffer headers. */
    protected abstract int nbuf();

    /** Turns on mutation switches of this instance's cache; none by default. */
    protected void mutate(BufMutations m) { }

    static long off(int blk) { return (long) (blk - 1) * BLKSIZE; }

    private static void fill(Buf bp, int v) { Arrays.fill(bp.b_data(), 0, BLKSIZE, (byte) v); }

    /* --------------- reads: bread, released by bqrelse or brelse --------------- */

    @Operation
    public int bread(@Param(gen = IntGen.class, conf = "1:3") int blk) {
        Buf[] bpp = new Buf[1];
        int error = cache.bread(vp, off(blk), BLKSIZE, bpp);
        Buf bp = bpp[0];
        if (error != 0) {
            cache.brelse(bp);
            return READ_ERROR;
        }
        int v = bp.b_data()[0];
        cache.bqrelse(bp);
        return v;
    }

    @Operation
    public int brelse(@Param(gen = IntGen.class, conf = "1:3") int blk) {
        Buf[] bpp = new Buf[1];
        int error = cache.bread(vp, off(blk), BLKSIZE, bpp);
        Buf bp = bpp[0];
        int v = error == 0 ? bp.b_data()[0] : READ_ERROR;
        cache.brelse(bp);
        return v;
    }

    /* --------------- writes: getblk + fill, then bwrite or bawrite --------------- */

    @Operation
    public int bwrite(@Param(gen = IntGen.class, conf = "1:3") int blk,
                      @Param(gen = IntGen.class, conf = "1:3") int v) {
        Buf bp = cache.getblk(vp, off(blk), BLKSIZE, 0, 0);
        fill(bp, v);
        return cache.bwrite(bp);
    }

    @Operation
    public void bawrite(@Param(gen = IntGen.class, conf = "1:3") int blk,
                        @Param(gen = IntGen.class, conf = "4:5") int v) {
        Buf bp = cache.getblk(vp, off(blk), BLKSIZE, 0, 0);
        fill(bp, v);
        cache.bawrite(bp);
    }

    /* --------------- holds: bqhold / bqdrop across an unlocked gap --------------- */

    @Operation
    public int bqhold(@Param(gen = IntGen.class, conf = "1:3") int blk) {
        Buf[] bpp = new Buf[1];
        int error = cache.bread(vp, off(blk), BLKSIZE, bpp);
        Buf bp = bpp[0];
        if (error != 0) {
            cache.brelse(bp);
            return READ_ERROR;
        }
        cache.bqhold(bp);
        cache.bqrelse(bp);
        // unlocked, held: other threads may run getnewbuf now; it must skip this header
        try {
            bp.b_lock().lock(BufLock.LK_EXCLUSIVE);
            if (bp.b_vp() != vp || bp.b_loffset() != off(blk)) {
                bp.b_lock().unlock();
                return IDENTITY_LOST;
            }
            cache.bremfree(bp);
            int v = bp.hasFlags(Buf.B_CACHE) ? bp.b_data()[0] : READ_ERROR;
            cache.bqrelse(bp);
            return v;
        } finally {
            cache.bqdrop(bp);
        }
    }

    /* --------------- structure --------------- */

    @Validate
    public void checkInvariants() {
        cache.checkInvariants();
    }

    /* --------------- stress mode (model checking: see the subclasses) --------------- */

    /**
     * Runs the scenario on real threads. Every subclass has this test; model checking only
     * {@link BufCacheLincheckTest}, because under reclaim getnewbuf meets a header another
     * thread has locked and backs off with a one-tick timed sleep, which Lincheck's model
     * checker cannot run (see {@link BufCacheReclaimLincheckTest}).
     */
    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.BUF_CACHE)
                .check(getClass());
    }
}
