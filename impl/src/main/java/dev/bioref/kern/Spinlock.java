// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A kernel spinlock: short, never held across a sleep. {@link Sleepq#tsleep} refuses to sleep
 * while the calling thread holds one (the kernel would deadlock or panic), which turns the
 * seed's "drop the spinlock before anything that may block" rule into a check.
 */
public final class Spinlock {
    private static final ThreadLocal<int[]> HELD = ThreadLocal.withInitial(() -> new int[1]);

    private final ReentrantLock lock = new ReentrantLock();
    private final String name;

    public Spinlock(String name) { this.name = name; }

    // spinlock2.h spin_lock()
    public void spin_lock() {
        if (lock.isHeldByCurrentThread()) {
            throw new Panic("spin_lock: " + name + " already held by this thread (spinlocks do not recurse)");
        }
        lock.lock();
        HELD.get()[0]++;
    }

    // spinlock2.h spin_trylock()
    public boolean spin_trylock() {
        if (lock.isHeldByCurrentThread()) return false;
        if (!lock.tryLock()) return false;
        HELD.get()[0]++;
        return true;
    }

    // spinlock2.h spin_unlock()
    public void spin_unlock() {
        if (!lock.isHeldByCurrentThread()) {
            throw new Panic("spin_unlock: " + name + " not held by this thread");
        }
        HELD.get()[0]--;
        lock.unlock();
    }

    public boolean heldByMe() { return lock.isHeldByCurrentThread(); }

    /** How many spinlocks the calling thread holds. */
    public static int heldCount() { return HELD.get()[0]; }

    @Override public String toString() { return "spin(" + name + ")"; }
}
