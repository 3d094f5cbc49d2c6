// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * Called once when a request completes: the device's "interrupt". It runs on whatever thread
 * the {@link Completer} chooses, so it must not assume it runs on the submitter's thread.
 */
@FunctionalInterface
public interface Callback {
    void done(Completion completion);

    /** A callback that ignores the completion. */
    Callback IGNORE = c -> { };
}
