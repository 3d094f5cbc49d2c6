// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * Mutation switches: each one removes a guard the cache relies on. All off by default; tests in
 * BufMutationsTest turn each on and show that the damage is caught (an invariant clause or a
 * model comparison fails). Never turn one on outside such a test.
 */
public final class BufMutations {
    /** getnewbuf ignores b_refs (the checks at L2002, L2031, L2131): reuse under a hold. */
    public volatile boolean getnewbufIgnoresRefs;
    /** brelse puts a B_LOCKED buffer on CLEAN instead of LOCKED (L1538). */
    public volatile boolean brelseLockedToClean;
    /** bpdone marks a failed write clean instead of re-dirtying it (L3557-3560). */
    public volatile boolean bpdoneNoRedirtyOnError;
    /** flushbufqueues writes without asking io_checkwrite (L2441). */
    public volatile boolean daemonSkipsCheckwrite;
    /**
     * bd_signal advances bd_wake_index and clears the slot's ticket count but skips the
     * {@code wakeup(&bd_wake_ary[i])} (L508-509): a writer asleep in bd_wait on a passed ticket
     * is not woken (lost wakeup; it sleeps until bd_wait's hz timeout).
     */
    public volatile boolean bdSignalSkipsWakeup;
    /** The buffer daemon does not sleep between passes although no request was posted (buf_daemon1 L2276-2284). */
    public volatile boolean daemonSkipsWait;
    /** bd_speedup posts the request word (0 to 1) but skips {@code wakeup(&bd_request)} (L404-405). */
    public volatile boolean bdSpeedupSkipsWakeup;
    /** _biowait returns before BIO_DONE (L3252-3275): the caller sees an I/O that is still in flight. */
    public volatile boolean biowaitSkipsWait;
    /** biodone_sync sets BIO_DONE but skips the wakeup of a BIO_WANT sleeper (L3770-3790). */
    public volatile boolean biodoneSkipsWakeup;

    /**
     * getblk locks a buffer it found without LK_SLEEPFAIL (L2764-2771) and skips the identity
     * re-check after the lock (L2784-2791): a header recycled while getblk slept on its lock is
     * returned as the block asked for (the re-check after a lock was slept on, issue 13).
     */
    public volatile boolean getblkSkipsRecheck;

    /** bd_wait returns instead of sleeping on its ticket (L480-484): the writer is not throttled. */
    public volatile boolean bdWaitSkipsWait;
    /** waitrunningbufspace returns instead of sleeping while too much write I/O is in flight (L329-332). */
    public volatile boolean waitrunningbufspaceSkipsWait;
    /** runningbufwakeup clears runningbufreq but skips {@code wakeup(&runningbufreq)} (L275). */
    public volatile boolean runningbufwakeupSkipsWakeup;

    /** getnewbuf finds no buffer and returns at once instead of sleeping "newbuf"/"bufspc" on needsbuffer (L2168-2189). */
    public volatile boolean getnewbufSkipsWait;
    /** bufspacewakeup clears VFS_BIO_NEED_BUFSPACE but skips {@code wakeup(&needsbuffer)} (L228, the wakeup at L242). */
    public volatile boolean bufspacewakeupSkipsWakeup;

    public static BufMutations none() { return new BufMutations(); }
}
