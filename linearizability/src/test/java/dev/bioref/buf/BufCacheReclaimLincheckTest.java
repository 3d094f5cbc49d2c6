// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * The per-block view under reclaim: 3 blocks on 2 headers, so most scenarios recycle a header
 * (getnewbuf takes a CLEAN buffer, brelvp, gives it a new identity) in the middle of the
 * history, and {@link #bqhold} holds a header across an unlocked gap while the other thread
 * may need it.
 *
 * <p>Only the base's operations, which leave every buffer clean (bread, brelse, bwrite, and
 * bawrite, which the inline device completes before it returns): a delayed write would need
 * a daemon before its header could be reclaimed, and with no daemon thread getblk could wait
 * forever. With clean buffers the pool cannot run out: each thread holds at most one header
 * (locked or referenced) at a time, so getnewbuf always finds the other header reclaimable
 * (at worst it backs off a tick while the other thread has it locked) and never sleeps for a
 * free header (that sleep could miss its wakeup in the seed's order: finding F1 in
 * proofs-notes/concurrency-buf.md, fixed as deviation B27; JCStress dev.bioref.buf.GetnewbufLostWakeup).
 *
 * <p>Stress mode only: the one-tick back-off is a timed sleep, and under Lincheck's model
 * checker System.nanoTime() stands still, so the sleep never times out and Lincheck reports a
 * livelock (finding F2). {@link BufCacheLincheckTest} model-checks the same operations without
 * reclaim.
 */
public class BufCacheReclaimLincheckTest extends AbstractBufCacheLincheckTest {
    @Override protected int nbuf() { return 2; }
}
