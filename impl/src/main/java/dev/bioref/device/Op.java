// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/** The commands the loopback device accepts, as a block layer would issue them. */
public enum Op {
    /** Read sectors into the request's buffer. Sees every completed write, durable or not. */
    READ,
    /** Write the request's buffer. Visible at completion; durable at a later FLUSH, or at once with FUA. */
    WRITE,
    /** Make every write that completed before this FLUSH was submitted durable (a cache flush / barrier). */
    FLUSH,
    /** Forget sectors: they read back as zeros from then on (durable like a write). */
    DISCARD
}
