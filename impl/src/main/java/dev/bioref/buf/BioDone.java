// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * A bio layer's completion callback (bio_done). biodone() clears the layer's bio_done and calls
 * it; the callback then owns further chaining and the buffer's disposal. It runs in completion
 * context and must not block on a buffer lock.
 */
@FunctionalInterface
public interface BioDone {
    void done(Bio bio);
}
