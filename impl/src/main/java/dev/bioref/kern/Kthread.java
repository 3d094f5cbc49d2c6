// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/**
 * A kernel thread (kern_kthread.c kthread_create, lwkt_create): a Java thread that, when it is
 * started by a thread registered with a {@link Scheduler}, runs under that scheduler too (it
 * waits for the baton before its first instruction and hands it on when it ends). Started by
 * any other thread it is an ordinary thread. Daemon, as kernel threads do not keep a process up.
 */
public final class Kthread extends Thread {
    private volatile Scheduler sched;

    public Kthread(Runnable body, String name) {
        super(body, name);
        setDaemon(true);
    }

    @Override public synchronized void start() {
        Scheduler s = Scheduler.current();
        if (s != null) {
            s.register(this);
            sched = s;
        }
        super.start();
    }

    @Override public void run() {
        Scheduler s = sched;
        if (s == null) {
            super.run();
            return;
        }
        try {
            s.firstTurn();
            super.run();
        } catch (RuntimeException | Error e) {
            // after a deadlock the scheduler has reported it; this thread only unwinds (whatever its
            // unwinding threw on the way, such as a token no longer held, is a consequence)
            if (s.deadlock() == null) throw e;
        } finally {
            s.exit();
        }
    }
}
