// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An LWKT token: a lock that a thread keeps only while it runs. If the holder sleeps
 * ({@link Sleepq#tsleep}, or a blocking buffer lock), all its tokens are released and are
 * reacquired, in the same order and mode, before the sleep returns. The same happens while it
 * waits for a contended token. So a token protects a code section only up to its first sleep or
 * contended acquire, which is exactly the guarantee the kernel gives, and tokens never deadlock.
 *
 * <p>Tokens may be held recursively by one thread. Shared holders exclude exclusive ones.
 * A thread that holds a token shared may not ask for it exclusively (the kernel would
 * deadlock): that throws.
 */
public final class Token {
    /** Tokens the current thread holds, in acquisition order, with their mode. */
    private static final ThreadLocal<List<Hold>> HELD = ThreadLocal.withInitial(ArrayList::new);

    /** One hold of a token by the current thread: which token, in which mode. */
    record Hold(Token token, boolean exclusive) { }

    private final String name;
    private Thread excl;                  // exclusive holder; guarded by this
    private int exclCount;                // recursion depth of excl; guarded by this
    private final Map<Thread, Integer> shared = new HashMap<>(); // shared holders; guarded by this

    public Token(String name) { this.name = name; }

    // lwkt_token.c lwkt_gettoken()
    public void gettoken() { get(true); }

    // lwkt_token.c lwkt_gettoken_shared()
    public void gettoken_shared() { get(false); }

    /**
     * Takes this token. If it is contended, the thread blocks as an LWKT thread does: it gives up
     * every token it holds while it waits and gets them all back, with the new one, before it
     * runs again (lwkt_getalltokens). So two threads that each hold a token and want the other's
     * cannot deadlock.
     */
    private void get(boolean exclusive) {
        Scheduler sched = Scheduler.current();
        if (sched != null && Spinlock.heldCount() == 0) sched.point();   // a scheduling point of the seeded scheduler
        if (tryAcquire(exclusive)) {
            HELD.get().add(new Hold(this, exclusive));
            return;
        }
        List<Hold> want = new ArrayList<>(releaseAllForSleep());
        want.add(new Hold(this, exclusive));
        acquireAll(want);
    }

    /** Takes every token of {@code want} or none, waiting for releases in between (lwkt_getalltokens). */
    private static void acquireAll(List<Hold> want) {
        boolean interrupted = false;
        Scheduler sched = Scheduler.current();
        for (;;) {
            long ticket;
            if (sched != null) ticket = sched.interlock(RELEASED);
            else synchronized (RELEASED) { ticket = releasedGen; }
            int got = 0;
            while (got < want.size() && want.get(got).token.tryAcquire(want.get(got).exclusive)) got++;
            if (got == want.size()) {
                HELD.get().addAll(want);
                if (interrupted) Thread.currentThread().interrupt();
                return;
            }
            for (int i = got - 1; i >= 0; i--) want.get(i).token.release(want.get(i).exclusive);
            if (sched != null) {   // under the seeded scheduler: wait there for a release; no other thread
                                   // runs in between, so our own releases above are not taken for one
                sched.sleep(RELEASED, sched.interlock(RELEASED), "token " + want.get(got).token.name, 0);
                continue;
            }
            synchronized (RELEASED) {
                while (releasedGen == ticket) {
                    try {
                        RELEASED.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;   // tokens are not interruptible: keep waiting, restore it after
                    }
                }
            }
        }
    }

    /** Signalled whenever any token is released: blocked acquirers retry (LWKT's rescheduling). */
    private static final Object RELEASED = new Object();
    private static long releasedGen;   // guarded by RELEASED

    // lwkt_token.c lwkt_reltoken()
    public void reltoken() {
        List<Hold> held = HELD.get();
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i).token == this) {
                boolean ex = held.remove(i).exclusive;
                release(ex);
                return;
            }
        }
        throw new Panic("lwkt_reltoken: " + name + " not held by " + Thread.currentThread().getName());
    }

    /** True if the current thread holds this token in either mode. */
    public boolean heldByMe() {
        for (Hold h : HELD.get()) if (h.token == this) return true;
        return false;
    }

    /** True if the current thread holds this token exclusively. */
    public boolean heldExclusiveByMe() {
        synchronized (this) { return excl == Thread.currentThread(); }
    }

    private synchronized boolean tryAcquire(boolean exclusive) {
        Thread me = Thread.currentThread();
        if (exclusive) {
            if (shared.containsKey(me) && excl != me) {
                throw new Panic("lwkt_gettoken: " + name + " held shared by this thread; exclusive request would deadlock");
            }
            if (!(excl == me || (excl == null && shared.isEmpty()))) return false;
            excl = me;
            exclCount++;
        } else {
            if (!(excl == null || excl == me)) return false;
            shared.merge(me, 1, Integer::sum);
        }
        HOLDS.incrementAndGet();
        return true;
    }

    private synchronized void release(boolean exclusive) {
        Thread me = Thread.currentThread();
        if (exclusive) {
            if (excl != me || exclCount <= 0) throw new Panic("lwkt_reltoken: " + name + " exclusive hold lost");
            if (--exclCount == 0) excl = null;
        } else {
            Integer n = shared.get(me);
            if (n == null) throw new Panic("lwkt_reltoken: " + name + " shared hold lost");
            if (n == 1) shared.remove(me); else shared.put(me, n - 1);
        }
        HOLDS.decrementAndGet();
        synchronized (RELEASED) {
            releasedGen++;
            RELEASED.notifyAll();
        }
        Scheduler.wakeupAll(RELEASED);   // waiters under a seeded scheduler (none in production)
    }

    /**
     * Releases every token the current thread holds, before it sleeps; the result gives them
     * back with {@link #reacquireAll}. Called by {@link Sleepq#tsleep} and the buffer lock.
     */
    static List<Hold> releaseAllForSleep() {
        List<Hold> held = HELD.get();
        if (held.isEmpty()) return List.of();
        List<Hold> saved = new ArrayList<>(held);
        for (int i = held.size() - 1; i >= 0; i--) held.get(i).token.release(held.get(i).exclusive);
        held.clear();
        return saved;
    }

    /** Reacquires the tokens {@link #releaseAllForSleep} released, in their original order. */
    static void reacquireAll(List<Hold> saved) {
        if (!saved.isEmpty()) acquireAll(saved);
    }

    /** Token holds by all threads together (QuiescentInv: 0 when nothing runs). */
    private static final java.util.concurrent.atomic.AtomicInteger HOLDS = new java.util.concurrent.atomic.AtomicInteger();

    /** How many token holds all threads have now (for the quiescence check after a test). */
    public static int holdsOutstanding() { return HOLDS.get(); }

    /** How many token holds the current thread has (for tests). */
    public static int heldCount() { return HELD.get().size(); }

    @Override public String toString() { return "token(" + name + ")"; }
}
