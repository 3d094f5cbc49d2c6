// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Trace events of the flusher's sequencing for HammerFlusherSeq.tla (issue 15, proofs-notes/traces.md,
 * "HammerFlusherSeq"): one event per step of a spec action, named after it, with the values of the
 * spec variables the step changes.
 *
 * <p>Interface: {@link HammerOptions#flusherTrace}; {@link HammerFlusher#create} hands it to the
 * flusher (its field is null otherwise, so tracing off costs one null check per log point). Every
 * log point runs under fs_token, which serialises HAMMER threads between blocking points, and at a
 * place where the step is complete and no sleep (token release) separates it from its effect.
 *
 * <p>Names: inodes are 1, 2, ... per HammerInode object in order of first event; clients are "c1",
 * "c2", ... per Java thread, "fl" for adds made from inside the flusher (a reflush queued by the
 * slave's sync, which in the seed is the flusher thread's own call of hammer_flush_inode), and a
 * fresh "n1", "n2", ... for each async whose caller does not wait (the frontend's autoflush).
 */
public final class HammerFlusherTrace {
    private final TraceLog log;
    private final Map<HammerInode, Integer> inodes = new IdentityHashMap<>();   // guarded by this
    private final Map<Thread, String> clients = new IdentityHashMap<>();        // guarded by this
    private int mounts;                                                         // guarded by this
    private int noWaits;                                                        // guarded by this
    private HammerFlusher cut;          // a flusher past an Unmodelled event: nothing more is logged for it; guarded by this

    /** Events go to {@code log} (spec HammerFlusherSeq). */
    public HammerFlusherTrace(TraceLog log) {
        if (!"HammerFlusherSeq".equals(log.spec())) {
            throw new IllegalArgumentException("a HAMMER flusher trace is checked against HammerFlusherSeq, not " + log.spec());
        }
        this.log = log;
    }

    private boolean off(HammerFlusher f) { return f == cut || f.abandon || f.exiting; }

    synchronized int ino(HammerInode ip) { return inodes.computeIfAbsent(ip, k -> inodes.size() + 1); }

    synchronized String client(HammerFlusher f) {
        if (f.inFlusher()) return "fl";
        return clients.computeIfAbsent(Thread.currentThread(), t -> "c" + (clients.size() + 1));
    }

    synchronized String noWaitClient() { return "n" + (++noWaits); }

    /** hammer_flusher_create: a new flusher starts from the spec's Init ({@code mpc}: "Top" when a master thread starts with its loop). */
    synchronized void mount(HammerFlusher f, boolean threaded) {
        cut = null;
        log.event("Mount").num("mount", ++mounts).str("mpc", threaded ? "Top" : "Sleep").end();
    }

    /** hammer_flush_inode: a client picked the group {@code target} and took group_lock. */
    synchronized void addBegin(HammerFlusher f, String c, HammerInode ip, int target) {
        if (off(f)) return;
        log.event("AddBegin").str("c", c).num("ino", ino(ip)).num("target", target).num("next", f.next)
                .num("fill", f.fillFlushGroup == null ? 0 : f.fillFlushGroup.seq).end();
    }

    /** hammer_flush_inode_core: the inode is in the group's tree, group_lock dropped. */
    synchronized void addEnd(HammerFlusher f, String c, HammerInode ip, int target) {
        if (off(f)) return;
        log.event("AddEnd").str("c", c).num("ino", ino(ip)).num("target", target).end();
    }

    /** Async, AsyncOne or AsyncFlg: the groups closed, the seq returned. */
    synchronized void async(HammerFlusher f, String action, String c, int seq) {
        if (off(f)) return;
        int closed = 0;
        for (HammerFlushGroup g : f.flushGroupList) if (g.closed) closed++;
        log.event(action).str("c", c).num("cseq", seq).num("next", f.next).num("closed", closed).end();
    }

    /** hammer_flusher_wait returned. */
    synchronized void waitDone(HammerFlusher f, String c, int seq) {
        if (off(f)) return;
        log.event("Wait").str("c", c).num("cseq", seq).num("done", f.done).end();
    }

    /** The master woke up (threaded: took the signal; thread-less: async runs its loop). */
    synchronized void masterWake(HammerFlusher f) {
        if (off(f)) return;
        log.event("MasterWake").end();
    }

    /** One step of the master's loop: nomore (mpc Sleep), a dummy seq, or the head group started (mpc Slaves). */
    synchronized void flush(HammerFlusher f, String mpc) {
        if (off(f)) return;
        log.event("Flush").num("done", f.done).str("mpc", mpc)
                .num("fill", f.fillFlushGroup == null ? 0 : f.fillFlushGroup.seq).end();
    }

    /** A slave synced one inode of the running group: it left the tree, or EWOULDBLOCK kept it there. */
    synchronized void flushInode(HammerFlusher f, HammerInode ip, boolean wouldblock) {
        if (off(f)) return;
        log.event("FlushInode").num("ino", ino(ip)).bool("wouldblock", wouldblock).end();
    }

    /** The group's final finalize: freed and done published (mpc Top), or a re-run (mpc Slaves). */
    synchronized void finalizeGroup(HammerFlusher f, String mpc) {
        if (off(f)) return;
        log.event("Finalize").num("done", f.done).str("mpc", mpc).end();
    }

    /** A step the spec does not model: nothing more is logged for this flusher (the check stops at it). */
    synchronized void unmodelled(HammerFlusher f, String op) {
        if (off(f)) return;
        log.event(TraceSpec.UNMODELLED).str("op", op).end();
        cut = f;
    }
}
