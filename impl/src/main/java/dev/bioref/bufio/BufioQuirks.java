// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

/**
 * Seed behaviours the port changes (reference notes §8), each restorable by a switch so that a
 * test can show the difference. All off by default (port behaviour). proofs-notes/deviations.md
 * has one row per switch.
 */
public final class BufioQuirks {
    /** §8.4: forget_buffers may forget the first cached block at or beyond block + n (L1498-L1501). */
    public volatile boolean seedForgetBuffersOverrun;
    /** §8.5: issue_discard's length goes through block_to_sector, so it includes the sector offset (L1377). */
    public volatile boolean seedDiscardCountAddsStart;
    /** §8.6: new() of an uncached block is not zero-filled and may be released without a full mark. */
    public volatile boolean seedNewUnchecked;

    public static BufioQuirks none() { return new BufioQuirks(); }
}
