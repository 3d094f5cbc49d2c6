// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.KernMutations;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Pause;
import dev.bioref.kern.PausePoint;
import dev.bioref.kern.Sleepq;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * struct hammer_lock (hammer.h) with the hammer_subs.c operations the I/O layer relies on.
 *
 * <p>Interface: two independent words.
 * <ul>
 *   <li>{@code refs}: structural references plus the interlock flags LOCKED, WANTED, CHECK.
 *       {@link #ref}/{@link #rel} count and never block. {@link #refInterlock} takes a ref and,
 *       on a 0→1 transition or while CHECK is set, also the interlock (returns true: the caller
 *       must load the structure, then call {@link #refInterlockDone}). {@link #relInterlock}
 *       drops a ref and, on 1→0, takes the interlock (returns true: the caller disposes of the
 *       structure, then calls {@link #relInterlockDone}). {@link #tryInterlockNorefs} succeeds
 *       only on a completely idle word; {@link #putInterlock} releases it.</li>
 *   <li>{@code lockval}: a recursive exclusive/shared lock ({@link #lockEx}, {@link #lockSh},
 *       {@link #unlock}).</li>
 * </ul>
 * Both sleep through {@link Sleepq}, so LWKT tokens are released while a thread waits.
 */
public final class HammerLock {
    public static final int REFS_LOCKED = 0x40000000;
    public static final int REFS_WANTED = 0x20000000;
    public static final int REFS_CHECK = 0x10000000;
    public static final int REFS_FLAGS = 0x70000000;

    static final int LOCKF_EXCLUSIVE = 0x40000000;
    static final int LOCKF_WANTED = 0x20000000;

    final AtomicInteger refs = new AtomicInteger();       // refs + LOCKED/WANTED/CHECK; atomic
    final AtomicInteger lockval = new AtomicInteger();    // count + EXCLUSIVE/WANTED; atomic
    volatile Thread lowner;   // exclusive owner of lockval; written by the owner only
    volatile Thread rowner;   // interlock owner (debugging, as in the seed)
    private final Object refsChan = new Object();
    private final Object lockChan = new Object();

    /** Refs without the flag bits. */
    public int refCount() { return refs.get() & ~REFS_FLAGS; }

    /** hammer_isactive(): refs without flags is non-zero. */
    public boolean isActive() { return refCount() != 0; }

    /** The interlock is held by someone. */
    public boolean interlocked() { return (refs.get() & REFS_LOCKED) != 0; }

    // hammer_subs.c hammer_ref()
    public void ref() {
        for (;;) {
            int lv = refs.get();
            int nlv = (lv & ~REFS_FLAGS) == 0 ? (lv + 1) | REFS_CHECK : lv + 1;
            Panic.KKASSERT(((nlv & ~REFS_FLAGS)) > 0, () -> "hammer_ref: refs overflow, word 0x" + Integer.toHexString(lv));
            if (refs.compareAndSet(lv, nlv)) return;
        }
    }

    // hammer_subs.c hammer_rel()
    public void rel() {
        for (;;) {
            int lv = refs.get();
            Panic.KKASSERT((lv & ~REFS_FLAGS) > 0, () -> "hammer_rel: no refs to drop, word 0x" + Integer.toHexString(lv));
            int nlv = (lv & ~REFS_FLAGS) == 1 ? (lv - 1) & ~REFS_CHECK : lv - 1;
            if (refs.compareAndSet(lv, nlv)) return;
        }
    }

    // hammer_subs.c hammer_ref_interlock()
    // The ref, CHECK on a 0->1 transition, and the interlock are taken in ONE compare-and-set, as
    // the original does: an earlier port bumped the count first and decided afterwards, so a
    // plain ref() landing in between made the 0->1 caller believe someone else would load the
    // structure, and nobody did (found by Lincheck; proofs-notes/concurrency-hammer.md F1).
    public boolean refInterlock() { return refInterlock(null); }

    /**
     * {@link #refInterlock()}, calling {@code beforeWait} once if the ref was counted with CHECK
     * pending while another thread holds the interlock, i.e. when this call must wait for it
     * (HammerIoProtocol's Ref to RefWait; the io trace logs the Ref there and RefWait on return).
     */
    public boolean refInterlock(Runnable beforeWait) {
        for (;;) {
            int lv = refs.get();
            int nlv = lv + 1;
            if ((lv & ~REFS_FLAGS) == 0) nlv |= REFS_CHECK;         // 0 -> 1: the structure must be checked/loaded
            if ((nlv & REFS_CHECK) == 0) {
                if (refs.compareAndSet(lv, nlv)) return false;     // already loaded: a plain ref
            } else if ((lv & REFS_LOCKED) != 0) {
                if (refs.compareAndSet(lv, nlv)) {                 // CHECK pending, interlock busy: wait below
                    if (beforeWait != null) beforeWait.run();
                    break;
                }
            } else if (refs.compareAndSet(lv, nlv | REFS_LOCKED)) {
                rowner = Thread.currentThread();
                return true;                                       // CHECK pending and ours to handle
            }
        }
        // The interlock holder clears CHECK when it is done; if it leaves CHECK set, take it over.
        for (;;) {
            int lv = refs.get();
            if ((lv & REFS_CHECK) == 0) return false;              // another thread handled it
            if ((lv & REFS_LOCKED) != 0) {
                if (KernMutations.refInterlockSkipsWait) return false;   // mutation: CHECK still pending
                long t = Sleepq.tsleep_interlock(refsChan);
                if (refs.compareAndSet(lv, lv | REFS_WANTED)) Sleepq.tsleep(refsChan, t, "h1lk", 0);
            } else if (refs.compareAndSet(lv, lv | REFS_LOCKED)) {
                rowner = Thread.currentThread();
                return true;
            }
        }
    }

    // hammer_subs.c hammer_ref_interlock_done()
    public void refInterlockDone() {
        for (;;) {
            int lv = refs.get();
            if (refs.compareAndSet(lv, lv & ~REFS_FLAGS)) {
                rowner = null;
                if ((lv & REFS_WANTED) != 0 && !KernMutations.interlockDoneSkipsWakeup) Sleepq.wakeup(refsChan);
                return;
            }
        }
    }

    // hammer_subs.c hammer_rel_interlock()
    public boolean relInterlock() {
        for (;;) {
            int lv = refs.get();
            int n = lv & ~REFS_FLAGS;
            Panic.KKASSERT(n > 0, () -> "hammer_rel_interlock: no refs to drop, word 0x" + Integer.toHexString(lv));
            if (n == 1) {
                if ((lv & REFS_LOCKED) == 0) {
                    if (refs.compareAndSet(lv, (lv - 1) | REFS_LOCKED)) {
                        rowner = Thread.currentThread();
                        return true;
                    }
                } else if (KernMutations.relInterlockSkipsWait) {
                    if (refs.compareAndSet(lv, lv - 1)) return false;     // mutation: last ref gone under another's interlock
                } else {
                    long t = Sleepq.tsleep_interlock(refsChan);
                    if (refs.compareAndSet(lv, lv | REFS_WANTED)) Sleepq.tsleep(refsChan, t, "h0lk", 0);
                }
            } else if (refs.compareAndSet(lv, lv - 1)) {
                return false;
            }
        }
    }

    // hammer_subs.c hammer_rel_interlock_done()
    public void relInterlockDone() {
        for (;;) {
            int lv = refs.get();
            int nlv = lv & ~(REFS_LOCKED | REFS_WANTED);
            if ((lv & ~REFS_FLAGS) == 0) nlv &= ~REFS_CHECK;
            if (refs.compareAndSet(lv, nlv)) {
                rowner = null;
                if ((lv & REFS_WANTED) != 0 && !KernMutations.interlockDoneSkipsWakeup) Sleepq.wakeup(refsChan);
                return;
            }
        }
    }

    // hammer_subs.c hammer_try_interlock_norefs()
    public boolean tryInterlockNorefs() {
        for (;;) {
            int lv = refs.get();
            if (lv != 0) return false;
            if (refs.compareAndSet(0, REFS_LOCKED)) {
                rowner = Thread.currentThread();
                return true;
            }
        }
    }

    // hammer_subs.c hammer_put_interlock()
    public void putInterlock(int error) {
        for (;;) {
            int lv = refs.get();
            Panic.KKASSERT((lv & REFS_LOCKED) != 0, () -> "hammer_put_interlock: interlock not held, word 0x"
                    + Integer.toHexString(lv));
            int nlv = lv & ~(REFS_LOCKED | REFS_WANTED);
            if ((nlv & ~REFS_FLAGS) == 0 || error == 0) nlv &= ~REFS_CHECK;
            if (refs.compareAndSet(lv, nlv)) {
                rowner = null;
                if ((lv & REFS_WANTED) != 0 && !KernMutations.interlockDoneSkipsWakeup) Sleepq.wakeup(refsChan);
                return;
            }
        }
    }

    // hammer_subs.c hammer_lock_ex_ident()
    public void lockEx() {
        Thread td = Thread.currentThread();
        for (;;) {
            int lv = lockval.get();
            if (lv == 0) {
                if (lockval.compareAndSet(0, 1 | LOCKF_EXCLUSIVE)) { lowner = td; return; }
            } else if ((lv & LOCKF_EXCLUSIVE) != 0 && lowner == td) {
                if (lockval.compareAndSet(lv, lv + 1)) return;
            } else {
                if (KernMutations.lockExSkipsWait) {   // mutation: take a held lock without waiting
                    if (lockval.compareAndSet(lv, (lv + 1) | LOCKF_EXCLUSIVE)) { lowner = td; return; }
                    continue;
                }
                long t = Sleepq.tsleep_interlock(lockChan);
                Pause.at(PausePoint.HAMMERLOCK_EX_INTERLOCKED);
                if (lockval.compareAndSet(lv, lv | LOCKF_WANTED)) Sleepq.tsleep(lockChan, t, "hmrlck", 0);
            }
        }
    }

    // hammer_subs.c hammer_lock_sh()
    public void lockSh() {
        Thread td = Thread.currentThread();
        for (;;) {
            int lv = lockval.get();
            if ((lv & LOCKF_EXCLUSIVE) == 0 || lowner == td) {
                if (lockval.compareAndSet(lv, lv + 1)) return;
            } else {
                long t = Sleepq.tsleep_interlock(lockChan);
                if (lockval.compareAndSet(lv, lv | LOCKF_WANTED)) Sleepq.tsleep(lockChan, t, "hmrlck", 0);
            }
        }
    }

    // hammer_subs.c hammer_unlock()
    public void unlock() {
        int lv0 = lockval.get();
        Panic.KKASSERT((lv0 & ~(LOCKF_EXCLUSIVE | LOCKF_WANTED)) != 0, "hammer_unlock: lock not held");
        if ((lv0 & LOCKF_EXCLUSIVE) != 0) {
            Panic.KKASSERT(lowner == Thread.currentThread(), () -> "hammer_unlock: exclusive lock owned by "
                    + lowner + ", released by " + Thread.currentThread().getName());
        }
        for (;;) {
            int lv = lockval.get();
            int count = lv & ~(LOCKF_EXCLUSIVE | LOCKF_WANTED);
            if (count > 1) {
                if (lockval.compareAndSet(lv, lv - 1)) return;
            } else {
                if ((lv & LOCKF_EXCLUSIVE) != 0) lowner = null;
                if (lockval.compareAndSet(lv, 0)) {
                    if ((lv & LOCKF_WANTED) != 0 && !KernMutations.unlockSkipsWakeup) Sleepq.wakeup(lockChan);
                    return;
                }
            }
        }
    }

    /** The lockval is held exclusively by the calling thread. */
    public boolean ownedExclusiveByMe() {
        return (lockval.get() & LOCKF_EXCLUSIVE) != 0 && lowner == Thread.currentThread();
    }

    /** lockval count (exclusive or shared holds). */
    public int lockCount() { return lockval.get() & ~(LOCKF_EXCLUSIVE | LOCKF_WANTED); }

    @Override public String toString() {
        return "hammer_lock(refs=0x" + Integer.toHexString(refs.get()) + ", lockval=0x" + Integer.toHexString(lockval.get()) + ")";
    }
}
