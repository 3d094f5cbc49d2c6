// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.concurrent.CompletableFuture;

/**
 * Decides when, and on which thread, a submitted request completes. The device hands each
 * submitted request to its completer as a {@link Runnable} that applies the request and calls
 * its callback; the completer chooses the moment and the thread.
 *
 * <ul>
 *   <li>{@link InlineCompleter}: at once, on the submitter's thread: deterministic.</li>
 *   <li>{@link ThreadCompleter}: on a completion thread, like an interrupt.</li>
 *   <li>{@link SeededCompleter}: held until the test or a seeded choice completes them, in any
 *       order: deterministic simulation with reordering.</li>
 *   <li>{@link GateCompleter}: inline until shut, then held until the test releases them one
 *       by one or all: keeps chosen writes in flight for as long as a test needs.</li>
 * </ul>
 */
public interface Completer extends AutoCloseable {

    /** Accepts one request's completion work; runs it now or later. */
    void schedule(Runnable completion);

    /**
     * Blocks until {@code done} is complete, helping where the completer needs help (a seeded
     * completer runs held completions until it is). Used by the device's synchronous calls.
     */
    void await(CompletableFuture<?> done);

    /** Stops accepting work; a completion thread is stopped after draining. */
    @Override default void close() { }
}
