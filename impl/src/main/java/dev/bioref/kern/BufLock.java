// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/**
 * The buffer lock: an exclusive lockmgr lock whose ownership can be handed to the kernel.
 *
 * <p>Interface:
 * <ul>
 *   <li>{@link #lock(int, String, long)} takes it: blocking, {@link #LK_NOWAIT} (fail with
 *       EBUSY instead of sleeping), {@link #LK_SLEEPFAIL} (if it had to sleep, return ENOLCK
 *       without taking it: the caller must look again), with a timeout (EWOULDBLOCK) or
 *       {@link #LK_PCATCH} (EINTR on interrupt).</li>
 *   <li>{@link #unlock()} releases it. Only the owning thread may, unless the owner is
 *       {@link #KERNPROC}: then any thread (the I/O completion path) may.</li>
 *   <li>{@link #kernproc()} (BUF_KERNPROC) hands a held lock to the kernel, before async I/O.</li>
 *   <li>Recursion is a bug here: a blocking request for a lock the caller holds panics; a
 *       {@link #LK_NOWAIT} one fails with EBUSY (getnewbuf and the daemon try-lock buffers
 *       that may be the caller's own, in its acquire window).</li>
 * </ul>
 * Sleeping for the lock releases the caller's LWKT tokens (see {@link Sleepq}).
 */
public final class BufLock {
    /** The pseudo-owner "the kernel": async I/O owns the buffer until completion releases it. */
    public static final Object KERNPROC = new Object() {
        @Override public String toString() { return "KERNPROC"; }
    };

    public static final int LK_EXCLUSIVE = 0x0001;
    public static final int LK_NOWAIT = 0x0002;
    public static final int LK_SLEEPFAIL = 0x0004;
    public static final int LK_PCATCH = 0x0008;
    public static final int LK_TIMELOCK = 0x0010;

    private final String name;
    private Object owner;          // a Thread, KERNPROC or null; guarded by this
    private long acquisitions;     // how many times the lock was taken; guarded by this

    public BufLock(String name) { this.name = name; }

    /** BUF_LOCK(bp, flags): 0 when taken, else EBUSY / ENOLCK / EWOULDBLOCK / EINTR. */
    public int lock(int flags) { return lock(flags, "buflk", 0); }

    // buf2.h BUF_TIMELOCK() over kern_lock.c lockmgr()
    public int lock(int flags, String wmesg, long timeoutNanos) {
        Thread me = Thread.currentThread();
        boolean slept = false;
        for (;;) {
            long ticket;
            synchronized (this) {
                if (owner == me) {
                    if ((flags & LK_NOWAIT) != 0) return Errno.EBUSY;   // a try-lock of one's own buffer just fails
                    throw new Panic("lockmgr: locking against myself: " + name + " (flags=0x"
                            + Integer.toHexString(flags) + ")");
                }
                if (owner == null) {
                    if (slept && (flags & LK_SLEEPFAIL) != 0) return Errno.ENOLCK;
                    owner = me;
                    acquisitions++;
                    if (trackHolders) HOLDERS.put(this, me);
                    return 0;
                }
                if ((flags & LK_NOWAIT) != 0) return Errno.EBUSY;
                if (slept && (flags & LK_SLEEPFAIL) != 0) return Errno.ENOLCK;
                if (KernMutations.bufLockSkipsWait) {   // mutation: take a held lock without waiting
                    owner = me;
                    acquisitions++;
                    if (trackHolders) HOLDERS.put(this, me);
                    return 0;
                }
                ticket = Sleepq.tsleep_interlock(this);
            }
            Pause.at(PausePoint.BUFLOCK_INTERLOCKED);
            int error = Sleepq.tsleep(this, ticket, wmesg, timeoutNanos);
            slept = true;
            if (error == Errno.EINTR && (flags & LK_PCATCH) == 0) {
                Thread.interrupted();  // not interruptible: swallow and keep waiting
                error = 0;
            }
            if (error != 0) return error;
            if ((flags & LK_SLEEPFAIL) != 0) {
                return Errno.ENOLCK;
            }
        }
    }

    /** lockmgr LK_NOWAIT shorthand: true if taken. */
    public boolean tryLock() { return lock(LK_EXCLUSIVE | LK_NOWAIT) == 0; }

    // buf2.h BUF_UNLOCK()
    public void unlock() {
        synchronized (this) {
            Object o = owner;
            if (o == null) throw new Panic("lockmgr: " + name + " released but not locked");
            if (o != KERNPROC && o != Thread.currentThread()) {
                throw new Panic("lockmgr: " + name + " released by " + Thread.currentThread().getName()
                        + " but owned by " + describe(o));
            }
            owner = null;
            if (trackHolders) HOLDERS.remove(this);
        }
        if (!KernMutations.bufLockSkipsWakeup) Sleepq.wakeup(this);
    }

    // buf2.h BUF_KERNPROC()
    public void kernproc() {
        synchronized (this) {
            if (owner != Thread.currentThread()) {
                throw new Panic("BUF_KERNPROC: " + name + " not held by " + Thread.currentThread().getName()
                        + " (owner " + describe(owner) + ")");
            }
            owner = KERNPROC;
            if (trackHolders) HOLDERS.remove(this);
        }
    }

    /** BUF_LOCKINUSE: held by anyone. */
    public synchronized boolean isLocked() { return owner != null; }

    /** Held by the calling thread. */
    public synchronized boolean ownedByMe() { return owner == Thread.currentThread(); }

    /** Held by the calling thread or by the kernel (so the caller may act for the owner). */
    public synchronized boolean ownedByMeOrKernel() {
        return owner == Thread.currentThread() || owner == KERNPROC;
    }

    public synchronized boolean ownedByKernel() { return owner == KERNPROC; }

    /** The owner: a Thread, {@link #KERNPROC} or null. */
    public synchronized Object owner() { return owner; }

    public synchronized long acquisitions() { return acquisitions; }

    // ---- test seam: which buffer locks threads hold (for QuiescentInv after every test)

    private static volatile boolean trackHolders;
    private static final java.util.concurrent.ConcurrentHashMap<BufLock, Thread> HOLDERS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Starts recording which thread holds which buffer lock (tests; off in production). */
    public static void trackHolders() { trackHolders = true; }

    /** The buffer locks held by a thread now (not by KERNPROC), with the holder; empty unless tracking. */
    public static java.util.Map<BufLock, Thread> heldByThreads() { return java.util.Map.copyOf(HOLDERS); }

    private static String describe(Object o) {
        if (o == null) return "nobody";
        if (o instanceof Thread t) return t.getName();
        return o.toString();
    }

    @Override public String toString() { return name + "(owner=" + describe(owner()) + ")"; }
}
