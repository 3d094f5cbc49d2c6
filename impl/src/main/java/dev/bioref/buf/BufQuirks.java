// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * Switches that restore seed behaviour the port changed (proofs-notes/deviations.md, "Buffer
 * cache"). All off by default: the default is the port's decision. A test per switch shows the
 * seed behaviour.
 */
public final class BufQuirks {
    /**
     * Accept Params whose lobufspace is negative (the seed's bufinit for small nbuf, §4.2):
     * getnewbuf's flushing hysteresis then never clears and no header can be reused.
     */
    public volatile boolean seedNegativeLobufspace;
    /**
     * getnewbuf sets B_AGE with a plain read-modify-write of b_flags (L1957, spinlock only, no
     * buffer lock), which can lose a concurrent owner's flag update (§5.5). Off: CAS.
     */
    public volatile boolean seedUnlockedAgeRmw;
    /**
     * brelse/bqrelse check ownership only when they unlock, after changing state, as lockmgr
     * does in the seed. Off: the port checks at entry, so a misuse changes nothing.
     */
    public volatile boolean seedLateOwnershipCheck;

    /**
     * waitrunningbufspace loops while runningbufreq != 0, which its own increment keeps non-zero
     * until some write completes: with nothing in flight it never returns (L328-332). Off: the
     * port stops waiting for the fairness flag when no write is in flight.
     */
    public volatile boolean seedWaitrunningbufspaceSpin;

    /**
     * getnewbuf publishes its need (needsbuffer) only after its scan failed (L2177): a release in
     * between sees no waiter and wakes nobody, and the caller sleeps while a header is free, for
     * ever with no timeout (found by JCStress with nbuf = 1). Off: after publishing, the port
     * looks at the queues once more and retries instead of sleeping if a header appeared.
     */
    public volatile boolean seedGetnewbufLostWakeup;

    public static BufQuirks none() { return new BufQuirks(); }
}
