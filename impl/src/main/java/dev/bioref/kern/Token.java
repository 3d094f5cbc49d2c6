package dev.bioref.kern;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An LWKT token: a lock that a thread keeps only while it runs. If the holder sleeps
 * ({@link Sleepq#tsleep}, or a blocking buffer lock), all its tokens are released and are
 * reacquired, in the same order and mode, before the sleep returns. So a token protects a
 * code section only up to its first sleep, which is exactly the guarantee the kernel gives.
 *
 * <p>Tokens may be held recursively by one thread. Shared holders exclude exclusive ones.
 * A thread that holds a token shared may not ask for it exclusively (the kernel would
 * deadlock): that throws.
 */
public final class Token {
    /** Tokens the current thread holds, in acquisition order, with their mode. */
    private static final ThreadLocal<List<Hold>> HELD = ThreadLocal.withInitial(ArrayList::new);

    private record Hold(Token token, boolean exclusive) { }

    private final String name;
    private Thread excl;                  // exclusive holder; guarded by this
    private int exclCount;                // recursion depth of excl; guarded by this
    private final Map<Thread, Integer> shared = new HashMap<>(); // shared holders; guarded by this

    public Token(String name) { this.name = name; }

    // lwkt_token.c lwkt_gettoken()
    public void gettoken() {
        acquire(true);
        HELD.get().add(new Hold(this, true));
    }

    // lwkt_token.c lwkt_gettoken_shared()
    public void gettoken_shared() {
        acquire(false);
        HELD.get().add(new Hold(this, false));
    }

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

    private synchronized void acquire(boolean exclusive) {
        Thread me = Thread.currentThread();
        if (exclusive) {
            if (shared.containsKey(me) && excl != me) {
                throw new Panic("lwkt_gettoken: " + name + " held shared by this thread; exclusive request would deadlock");
            }
            while (!(excl == me || (excl == null && shared.isEmpty()))) waitUninterruptibly();
            excl = me;
            exclCount++;
        } else {
            while (!(excl == null || excl == me)) waitUninterruptibly();
            shared.merge(me, 1, Integer::sum);
        }
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
        notifyAll();
    }

    private void waitUninterruptibly() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Releases every token the current thread holds, before it sleeps; the result gives them
     * back with {@link #reacquireAll}. Called by {@link Sleepq#tsleep} and the buffer lock.
     */
    static List<Object> releaseAllForSleep() {
        List<Hold> held = HELD.get();
        if (held.isEmpty()) return List.of();
        List<Object> saved = new ArrayList<>(held);
        for (int i = held.size() - 1; i >= 0; i--) held.get(i).token.release(held.get(i).exclusive);
        held.clear();
        return saved;
    }

    /** Reacquires the tokens {@link #releaseAllForSleep} released, in their original order. */
    static void reacquireAll(List<Object> saved) {
        for (Object o : saved) {
            Hold h = (Hold) o;
            h.token.acquire(h.exclusive);
            HELD.get().add(h);
        }
    }

    /** How many token holds the current thread has (for tests). */
    public static int heldCount() { return HELD.get().size(); }

    @Override public String toString() { return "token(" + name + ")"; }
}
