// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * Tunables of one mount, in one place (small defaults for tests; the simulation overrides them).
 */
public final class HammerOptions {
    /** Volume version: 3 (header barrier before meta-data) or 4 (sequence-number recovery). */
    public int version = HammerOndisk.VERSION_4;
    /** Zone sizes used when formatting. */
    public HammerOndisk.Geometry geometry = HammerOndisk.Geometry.small();
    /** Buffer headers in the cache; raised to hold every cached block of the volume (no daemon runs). */
    public int nbuf = 64;
    /** Flusher slave threads; 0 = no threads, the caller of async runs the master loop (deterministic). */
    public int flusherThreads = 0;
    /** hammer_limit_dirtybufspace: locked dirty (volume+meta) plus running bytes above which finalize runs early. */
    public long limitDirtybufspace = 16L * HammerOndisk.BUFSIZE;
    /** hammer_limit_running_io: limit_backlog waits while more write bytes than this are in flight. */
    public long limitRunningIo = 64L * HammerOndisk.BUFSIZE;
    /** Timeout of hammer_io_wait's sleep; the seed uses one tick, tests use 0 (none) so a lost wakeup hangs. */
    public long ioWaitTimeoutNanos = 0;
    /** Inode count of the key space (keys are spread over inodes by key % inodes). */
    public int inodes = 8;
    /** Records per inode after which put queues the inode (autoflush). */
    public int autoflushRecords = 16;
    /** Records one sync_inode pass commits before returning EWOULDBLOCK (0 = no limit). */
    public int wouldblockBudget = 0;
    /** checkwrite refuses VOLUME/META with B_LOCKED instead of panicking (the seed panics). */
    public boolean lenientCheckwrite = false;
    /**
     * Seed behaviour (deviation H2, proofs-notes/deviations.md): checkwrite starts the kernel's
     * write of a DATA/UNDO buffer without setting NEEDFLUSH, so barrier 1 can skip the device
     * cache flush while a kernel-written UNDO buffer is only cached. Default false (fixed).
     */
    public boolean seedCheckwriteSkipsFlushMark = false;
    /** Trace events for HammerIoProtocol (issue 15), or null (off). Not copied by {@link #copy()}. */
    public HammerIoTrace ioTrace = null;
    /** Trace events for HammerFlusherSeq (issue 15), or null (off). Not copied by {@link #copy()}. */
    public HammerFlusherTrace flusherTrace = null;
    /** Trace events for HammerFinalizeCrash (issue 15; finalize's order and values), or null (off). Not copied by {@link #copy()}. */
    public HammerFinalizeTrace finalizeTrace = null;

    public HammerOptions copy() {
        HammerOptions o = new HammerOptions();
        o.version = version; o.geometry = geometry; o.nbuf = nbuf; o.flusherThreads = flusherThreads;
        o.limitDirtybufspace = limitDirtybufspace; o.limitRunningIo = limitRunningIo;
        o.ioWaitTimeoutNanos = ioWaitTimeoutNanos; o.inodes = inodes; o.autoflushRecords = autoflushRecords;
        o.wouldblockBudget = wouldblockBudget; o.lenientCheckwrite = lenientCheckwrite;
        o.seedCheckwriteSkipsFlushMark = seedCheckwriteSkipsFlushMark;
        return o;
    }
}
