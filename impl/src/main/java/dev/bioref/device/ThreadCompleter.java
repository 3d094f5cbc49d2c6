// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Completes requests in submission order on one daemon thread, the way an interrupt handler
 * runs biodone on a CPU other than the submitter's. Completion callbacks therefore race with
 * the submitter, as they do in the kernel.
 */
public final class ThreadCompleter implements Completer {
    private static final Runnable STOP = () -> { };
    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    public ThreadCompleter() { this("bioref-completion"); }

    public ThreadCompleter(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (true) {
            Runnable r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == STOP) return;
            r.run();
        }
    }

    @Override public void schedule(Runnable completion) {
        if (closed) throw new IllegalStateException("completion thread is closed");
        queue.add(completion);
    }

    @Override public void await(CompletableFuture<?> done) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("a synchronous request from the completion thread would deadlock");
        }
        done.join();
    }

    /** True when called on the completion thread ("in interrupt context"). */
    public boolean isCompletionThread() { return Thread.currentThread() == thread; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        queue.add(STOP);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override public String toString() { return "thread"; }
}
