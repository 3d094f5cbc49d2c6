// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Sleepq;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Stand-in (outside seed): the 1998 scheduler's sleep/wakeup as the pager uses it
 * ({@code UVM_UNLOCK_AND_WAIT}, {@code wakeup}), built on {@link Sleepq} so no wakeup is lost:
 * the sleeper registers under the object lock, unlocks, sleeps, and re-locks explicitly.
 *
 * <p>Every wait is bounded by {@link #deadlockBoundNanos}: a wait that outlives it throws
 * {@link UvmDeadlock} naming the wait-for chain (who waits on what, who holds it, what that
 * holder waits on), so a deadlock is a failure with its cycle, never a hang. Holders are given
 * as suppliers: a page's busy owner, the vnode lock's owner, or null for "nobody will wake this".
 *
 * <p>Pause points: {@link #pause} calls a test hook at a named point of the port, so a test can
 * stop a thread inside a window (the deterministic stand-in for an MP interleaving).
 */
public final class UvmSched {
    /** A wait longer than this is a deadlock (default 5 s; tests and the simulation use less). */
    public volatile long deadlockBoundNanos = TimeUnit.SECONDS.toNanos(5);

    /** Called at each pause point with its name; null = no pauses. */
    public volatile PauseHook pauseHook;

    public interface PauseHook {
        void at(String point, UvmVnode uvn);
    }

    record Waiting(String wmesg, String what, Supplier<Thread> holder) { }

    private final Map<Thread, Waiting> waiting = new ConcurrentHashMap<>();

    /** Runs the pause hook, if any, at {@code point}. */
    public void pause(String point, UvmVnode uvn) {
        PauseHook h = pauseHook;
        if (h != null) h.at(point, uvn);
    }

    /** Registers for a wakeup on {@code chan}: call under the lock that guards the condition. */
    long interlock(Object chan) { return Sleepq.tsleep_interlock(chan); }

    /**
     * Sleeps on {@code chan} until a wakeup issued after {@code ticket}. {@code what} describes
     * the condition; {@code holder} names the thread that must act to end the wait (may return
     * null). Throws {@link UvmDeadlock} after the bound.
     */
    void sleep(Object chan, long ticket, String wmesg, Supplier<String> what, Supplier<Thread> holder) {
        Thread me = Thread.currentThread();
        if (SimpleLock.heldCount() != 0) {
            throw new dev.bioref.kern.Panic("tsleep(\"" + wmesg + "\"): sleeping with " + SimpleLock.heldCount()
                    + " simple lock(s) held by " + me.getName() + " (" + what.get() + ")");
        }
        waiting.put(me, new Waiting(wmesg, what.get(), holder));
        long deadline = System.nanoTime() + deadlockBoundNanos;
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new UvmDeadlock(chain(me, wmesg, what.get(), holder));
                int r = Sleepq.tsleep(chan, ticket, wmesg, Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
                if (r == 0) return;
                if (r == Errno.EINTR) throw new UvmDeadlock(me.getName() + " interrupted while sleeping on " + wmesg);
                waiting.put(me, new Waiting(wmesg, what.get(), holder));
            }
        } finally {
            waiting.remove(me);
        }
    }

    void wakeup(Object chan) { Sleepq.wakeup(chan); }

    /** Registers a spin/lock wait for the deadlock report (no sleep channel). */
    void waitingOn(String wmesg, String what, Supplier<Thread> holder) {
        waiting.put(Thread.currentThread(), new Waiting(wmesg, what, holder));
    }

    void doneWaiting() { waiting.remove(Thread.currentThread()); }

    void checkBound(long startNanos, String wmesg, String what, Supplier<Thread> holder) {
        if (System.nanoTime() - startNanos > deadlockBoundNanos) {
            throw new UvmDeadlock(chain(Thread.currentThread(), wmesg, what, holder));
        }
    }

    private String chain(Thread me, String wmesg, String what, Supplier<Thread> holder) {
        StringBuilder sb = new StringBuilder(me.getName() + " -[" + wmesg + ": " + what + "]-> ");
        Set<Thread> seen = new LinkedHashSet<>();
        seen.add(me);
        Thread h = holder.get();
        while (true) {
            if (h == null) { sb.append("nobody (no thread will wake it)"); break; }
            if (!h.isAlive()) { sb.append(h.getName()).append(" (exited)"); break; }
            sb.append(h.getName());
            if (seen.contains(h)) { sb.append(" (cycle)"); break; }
            seen.add(h);
            Waiting w = waiting.get(h);
            if (w == null) { sb.append(" (running, not in a pager wait)"); break; }
            sb.append(" -[").append(w.wmesg()).append(": ").append(w.what()).append("]-> ");
            h = w.holder().get();
        }
        return sb.toString();
    }

    /** The threads currently in a pager wait, one line each (diagnostics). */
    public List<String> waiters() {
        List<String> l = new ArrayList<>();
        waiting.forEach((t, w) -> l.add(t.getName() + " on " + w.wmesg() + " (" + w.what() + ")"));
        return l;
    }
}
