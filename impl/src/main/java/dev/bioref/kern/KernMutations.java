// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/**
 * Mutation switches of the kernel primitives and of the waits that live outside a cache or a
 * mount (the buffer lock, the bio tracking counter). Static because those objects have no
 * owner to carry a switch object; all off by default; each is turned on only by a test in
 * {@code WaitSitesTest} that expects the failure, and turned off again in a finally block
 * (the impl tests run one at a time). Names follow proofs-notes/waits.md: {@code <site>SkipsWait}
 * (the waiter proceeds without waiting), {@code <site>SkipsWakeup} (the waker does not wake).
 */
public final class KernMutations {
    private KernMutations() { }

    /**
     * tsleep ignores its interlock ticket and sleeps on the generation it reads when it blocks:
     * a wakeup between tsleep_interlock and the sleep (the window) is lost.
     */
    public static volatile boolean tsleepSkipsWakeup;
    /** lockmgr: a blocking request on a held buffer lock takes it anyway (does not wait). */
    public static volatile boolean bufLockSkipsWait;
    /** BUF_UNLOCK releases the lock but skips the wakeup of its sleepers. */
    public static volatile boolean bufLockSkipsWakeup;
    /** bio_track_wait returns while I/O is still active (does not wait). */
    public static volatile boolean bioTrackSkipsWait;
    /** bio_track_rel drops the count (and the wait flag) but skips the wakeup (L524-560). */
    public static volatile boolean bioTrackSkipsWakeup;

    /** hammer_lock_ex: a request on a held HAMMER lock takes it anyway (does not wait). */
    public static volatile boolean lockExSkipsWait;
    /** hammer_unlock releases the lock but skips the wakeup of LOCKF_WANTED sleepers. */
    public static volatile boolean unlockSkipsWakeup;

    /** hammer_ref_interlock: a second referencer returns while CHECK is pending and the interlock busy (h1lk, does not wait). */
    public static volatile boolean refInterlockSkipsWait;
    /** hammer_rel_interlock: the last ref is dropped while another thread holds the interlock (h0lk, does not wait). */
    public static volatile boolean relInterlockSkipsWait;
    /** hammer_ref_interlock_done, hammer_rel_interlock_done, hammer_put_interlock release the interlock but skip the REFS_WANTED wakeup. */
    public static volatile boolean interlockDoneSkipsWakeup;

    /** Turns every switch off. */
    public static void reset() {
        tsleepSkipsWakeup = false;
        bufLockSkipsWait = false;
        bufLockSkipsWakeup = false;
        bioTrackSkipsWait = false;
        bioTrackSkipsWakeup = false;
        lockExSkipsWait = false;
        unlockSkipsWakeup = false;
        refInterlockSkipsWait = false;
        relInterlockSkipsWait = false;
        interlockDoneSkipsWakeup = false;
    }

    /** True if any switch is on. */
    public static boolean any() {
        return tsleepSkipsWakeup || bufLockSkipsWait || bufLockSkipsWakeup || bioTrackSkipsWait || bioTrackSkipsWakeup
                || lockExSkipsWait || unlockSkipsWakeup || refInterlockSkipsWait || relInterlockSkipsWait
                || interlockDoneSkipsWakeup;
    }
}
