// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Panic;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stand-in (outside seed): a 1998 {@code simple_lock} (spin lock). Not reentrant: locking it
 * twice panics like the kernel's "locking against myself". An acquisition is bounded by the
 * scheduler's deadlock bound and reports the holder, since a holder that sleeps (RE-13) would
 * make other CPUs spin forever.
 */
public final class SimpleLock {
    private final ReentrantLock lock = new ReentrantLock();
    private final String name;
    private final UvmSched sched;
    private volatile Thread owner;
    private static final ThreadLocal<int[]> HELD = ThreadLocal.withInitial(() -> new int[1]);

    /** Simple locks the calling thread holds (sleeping with one is a panic). */
    static int heldCount() { return HELD.get()[0]; }

    public SimpleLock(String name, UvmSched sched) {
        this.name = name;
        this.sched = sched;
    }

    // simple_lock()
    public void lock() {
        if (lock.isHeldByCurrentThread()) throw new Panic("simple_lock: locking against myself: " + name);
        if (!lock.tryLock()) {
            sched.waitingOn("simple_lock", name, () -> owner);
            try {
                long start = System.nanoTime();
                while (!lock.tryLock(10, TimeUnit.MILLISECONDS)) {
                    sched.checkBound(start, "simple_lock", name + " held by " + nameOf(owner), () -> owner);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UvmDeadlock(Thread.currentThread().getName() + " interrupted spinning on " + name);
            } finally {
                sched.doneWaiting();
            }
        }
        owner = Thread.currentThread();
        HELD.get()[0]++;
    }

    // simple_lock_try()
    public boolean tryLock() {
        if (lock.isHeldByCurrentThread()) throw new Panic("simple_lock_try: locking against myself: " + name);
        if (!lock.tryLock()) return false;
        owner = Thread.currentThread();
        HELD.get()[0]++;
        return true;
    }

    // simple_unlock()
    public void unlock() {
        if (!lock.isHeldByCurrentThread()) {
            throw new Panic("simple_unlock: " + name + " not held by " + Thread.currentThread().getName()
                    + " (holder " + nameOf(owner) + ")");
        }
        owner = null;
        HELD.get()[0]--;
        lock.unlock();
    }

    public boolean held() { return lock.isHeldByCurrentThread(); }

    public boolean isLocked() { return lock.isLocked(); }

    Thread owner() { return owner; }

    static String nameOf(Thread t) { return t == null ? "nobody" : t.getName(); }

    @Override public String toString() { return name; }
}
