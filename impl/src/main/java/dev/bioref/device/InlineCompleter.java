// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.concurrent.CompletableFuture;

/** Completes each request on the submitter's thread, before submit returns. Deterministic. */
public final class InlineCompleter implements Completer {
    @Override public void schedule(Runnable completion) { completion.run(); }

    @Override public void await(CompletableFuture<?> done) {
        if (!done.isDone()) {
            throw new IllegalStateException("inline completer: request did not complete during submit");
        }
    }

    @Override public String toString() { return "inline"; }
}
