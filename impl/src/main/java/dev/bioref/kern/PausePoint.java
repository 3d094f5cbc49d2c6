// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/**
 * The seed's lock-drop windows, by name: places a few instructions wide where a thread has
 * registered for a wakeup (tsleep_interlock) or dropped a lock or token and not yet slept, so
 * that another thread's wakeup must still be seen. {@link Pause#at} is called at each one; in
 * production no hook is installed and the call is one volatile read. A test installs a hook
 * to park a chosen thread exactly inside a window (proofs-notes/waits.md).
 */
public enum PausePoint {
    /** kern_synch.c tsleep(): the caller's LWKT tokens are released, the thread is not yet asleep. */
    TSLEEP_TOKENS_RELEASED,
    /** kern_lock.c lockmgr(): interlocked on the buffer lock, the holder may unlock before we sleep. */
    BUFLOCK_INTERLOCKED,
    /** vfs_bio.c bio_track_wait() L565-590: interlocked, the wait flag not yet set. */
    BIOTRACK_INTERLOCKED,
    /** hammer_io.c hammer_io_wait() L166: interlocked, running re-checked, not yet asleep (io_token held). */
    HAMMERIO_WAIT_INTERLOCKED,
    /** hammer_io.c hammer_io_modify() L770: interlocked, modify_refs &lt; 0 seen, not yet asleep. */
    HAMMERIO_MODIFY_INTERLOCKED,
    /** hammer_io.c hammer_io_write_interlock() L829: interlocked, modify_refs != 0 seen, not yet asleep. */
    HAMMERIO_WRITE_INTERLOCK_INTERLOCKED,
    /** hammer_subs.c hammer_lock_ex_ident(): interlocked on the lock, LOCKF_WANTED not yet set. */
    HAMMERLOCK_EX_INTERLOCKED,
    /** hammer_flusher.c hammer_flusher_wait() L164: interlocked, seq not done, not yet asleep. */
    FLUSHER_WAIT_INTERLOCKED,
    /** vfs_bio.c buf_daemon1() L2276-2284: interlocked, the request word read as 0, not yet asleep. */
    BUFDAEMON_REQUEST_INTERLOCKED,
    /** vfs_bio.c _biowait() L3252: BIO_WANT set, not yet asleep. */
    BIOWAIT_INTERLOCKED
}
