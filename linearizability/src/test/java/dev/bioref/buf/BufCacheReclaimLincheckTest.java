package dev.bioref.buf;

/**
 * The per-block view under reclaim: 3 blocks on 2 headers, so most scenarios recycle a header
 * (getnewbuf takes a CLEAN buffer, brelvp, gives it a new identity) in the middle of the
 * history, and {@link #bqhold} holds a header across an unlocked gap while the other thread
 * may need it.
 *
 * <p>Only the base's operations, which leave every buffer clean (bread, brelse, bwrite, and
 * bawrite, which the inline device completes before it returns): a delayed write would need
 * a daemon before its header could be reclaimed, and with none in model checking getblk could
 * wait forever. With clean buffers the pool cannot run out: each thread holds at most one
 * header (locked or referenced) at a time, so the other thread always finds the second one
 * reclaimable, or sleeps in getnewbuf until the first thread's release wakes it.
 */
public class BufCacheReclaimLincheckTest extends AbstractBufCacheLincheckTest {
    @Override protected int nbuf() { return 2; }
}
