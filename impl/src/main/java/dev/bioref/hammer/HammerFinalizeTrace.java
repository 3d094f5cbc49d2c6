// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;

import java.util.HashMap;
import java.util.Map;

/**
 * Trace events of finalize for HammerFinalizeCrash.tla (issue 15, proofs-notes/traces.md,
 * "HammerFinalizeCrash" and "Traces from the crash runs and finalize's values (session 7)"): one
 * event per finalize step of the spec (FinBegin, FinData, FinLockEx, FinSaveUndo, FinBarrier1,
 * FinHdr, FinBarrier3, FinMeta, FinFinal), logged by {@link HammerFlusher#finalize} and its helpers
 * under fs_token and the finalize lock (one finalize at a time), when the step is done, with the
 * values the step changes; and one Modify event per hammer_generate_undo call (under undo_lock).
 *
 * <p>The abstraction (the spec's values from the port's): an UNDO record's spec sequence number is
 * its port sequence number minus the mount's first next-sequence plus 1 (the spec's Init has
 * {@code cFirst = 1}; a PAD takes a sequence number too); a spec block is an UNDO target (a device
 * offset), numbered 1, 2, ... per mount in order of first Modify; the spec's cycles and snapshots are
 * the port's snapshot count (snapshot 0 is the mount's), and the spec's {@code ack} is the port's
 * {@code durableFloor}. Block contents are not logged (the trace spec counts modifications).
 *
 * <p>Interface: {@link HammerOptions#finalizeTrace}; {@link HammerFlusher#create} hands it to the
 * flusher (its field is null otherwise: one null check per log point when off).
 */
public final class HammerFinalizeTrace {
    private final TraceLog log;
    private int mounts;                 // guarded by this
    private HammerFlusher cut;          // a flusher past an Unmodelled event; guarded by this
    private long seqBase;               // the port sequence number that is the spec's 1; guarded by this
    private final Map<Long, Integer> blocks = new HashMap<>();   // UNDO target -> spec block; guarded by this
    private boolean exclusive;          // finalize holds the sync lock exclusively (its own blockmap UNDO); guarded by this

    /** Events go to {@code log} (spec HammerFinalizeCrash). */
    public HammerFinalizeTrace(TraceLog log) {
        if (!"HammerFinalizeCrash".equals(log.spec())) {
            throw new IllegalArgumentException("a HAMMER finalize trace is checked against HammerFinalizeCrash, not " + log.spec());
        }
        this.log = log;
    }

    /** hammer_flusher_create: a new mount starts from the spec's Init; {@code v4}: volume version 4 or later. */
    synchronized void mount(HammerFlusher f, boolean v4, long nextSeq) {
        cut = null;
        seqBase = nextSeq;
        blocks.clear();
        exclusive = false;
        log.event("Mount").num("mount", ++mounts).bool("v4", v4).end();
    }

    private boolean off(HammerFlusher f) { return f == cut || f.abandon; }

    private long seq(long portSeq) { return portSeq - seqBase + 1; }

    /** hammer_generate_undo of {@code target}: {@code undos} sequence numbers appended (0: the history suppressed it). */
    synchronized void modify(HammerFlusher f, long target, long undos) {
        if (off(f) || exclusive) return;       // finalize's blockmap UNDO is logged with FinLockEx
        int b = blocks.computeIfAbsent(target, k -> blocks.size() + 1);
        log.event("Modify").num("b", b).num("undos", undos).end();
    }

    /** A finalize step without fields. */
    synchronized void step(HammerFlusher f, String action) {
        if (off(f)) return;
        log.event(action).end();
    }

    /** Finalize begins (after the meta_limit test of a non-final one). */
    synchronized void begin(HammerFlusher f, boolean fin) {
        if (off(f)) return;
        log.event("FinBegin").bool("final", fin).end();
    }

    /** sync_lock_ex taken: from here the UNDO records generated are finalize's own (the blockmap copy). */
    synchronized void syncEx(HammerFlusher f) { exclusive = true; }

    /** Step 4-5: {@code undos} sequence numbers appended by the blockmap copy; {@code snapshot}: the latest snapshot. */
    synchronized void lockEx(HammerFlusher f, long undos, int snapshot) {
        if (off(f)) return;
        log.event("FinLockEx").num("undos", undos).num("snapshot", snapshot).end();
    }

    /** Step 6a: the UNDO records before the saved next are issued. */
    synchronized void saveUndo(HammerFlusher f, long saveSeq) {
        if (off(f)) return;
        log.event("FinSaveUndo").num("saveNext", seq(saveSeq)).end();
    }

    /** Step 6b or 9: a barrier; {@code ack}: the durable floor after it. */
    synchronized void barrier(HammerFlusher f, String action, int ack) {
        if (off(f)) return;
        log.event(action).num("ack", ack).end();
    }

    /** Steps 7-8: the header image's UNDO sequence numbers {first, next}. */
    synchronized void header(HammerFlusher f, long[] firstNext) {
        if (off(f)) return;
        log.event("FinHdr").num("first", seq(firstNext[0])).num("next", seq(firstNext[1])).end();
    }

    /** Steps 11-12: the in-core first sequence number and the snapshot count after the step. */
    synchronized void fin(HammerFlusher f, long firstSeq, int cycles) {
        exclusive = false;
        if (off(f)) return;
        log.event("FinFinal").num("first", seq(firstSeq)).num("cycles", cycles).end();
    }

    /**
     * A crash that drops every write not yet durable ({@code LoopbackDevice.crash()}), logged before
     * it; {@code snapshot}: the snapshot the port's recovery of the durable image returned to (the
     * crash checker's match). The spec's Crash({}) must recover to that snapshot (RecoveryConsistentInv),
     * no older than its ack (RecoveryDurableInv). The next event is the remount's Mount.
     */
    public synchronized void crash(HammerMount hmp, int snapshot) {
        HammerFlusher f = hmp.flusher;
        if (off(f) || snapshot < 0) return;
        log.event("Crash").num("snapshot", snapshot).end();
    }

    /** A finalize stopped by a critical error: not modelled; nothing more is logged for this mount. */
    synchronized void unmodelled(HammerFlusher f, String op) {
        exclusive = false;
        if (off(f)) return;
        log.event(TraceSpec.UNMODELLED).str("op", op).end();
        cut = f;
    }
}
