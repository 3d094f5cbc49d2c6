// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;

/**
 * Trace events of finalize's order for HammerFinalizeCrash.tla (issue 15, proofs-notes/traces.md,
 * "HammerFinalizeCrash"): one event per finalize step of the spec (FinBegin, FinData, FinLockEx,
 * FinSaveUndo, FinBarrier1, FinHdr, FinBarrier3, FinMeta, FinFinal), logged by
 * {@link HammerFlusher#finalize} and its helpers under fs_token and the finalize lock (one finalize
 * at a time), when the step is done. Only the order and {@code final} are logged: the spec's
 * meta-data, UNDO and device variables are abstract values that the port's bytes and offsets are
 * not mapped to (a partial binding; the crash states are checked by the crash-state enumeration).
 *
 * <p>Interface: {@link HammerOptions#finalizeTrace}; {@link HammerFlusher#create} hands it to the
 * flusher (its field is null otherwise: one null check per log point when off).
 */
public final class HammerFinalizeTrace {
    private final TraceLog log;
    private int mounts;                 // guarded by this
    private HammerFlusher cut;          // a flusher past an Unmodelled event; guarded by this

    /** Events go to {@code log} (spec HammerFinalizeCrash). */
    public HammerFinalizeTrace(TraceLog log) {
        if (!"HammerFinalizeCrash".equals(log.spec())) {
            throw new IllegalArgumentException("a HAMMER finalize trace is checked against HammerFinalizeCrash, not " + log.spec());
        }
        this.log = log;
    }

    /** hammer_flusher_create: a new mount starts from the spec's Init; {@code v4}: volume version 4 or later. */
    synchronized void mount(HammerFlusher f, boolean v4) {
        cut = null;
        log.event("Mount").num("mount", ++mounts).bool("v4", v4).end();
    }

    /** A finalize step without fields. */
    synchronized void step(HammerFlusher f, String action) {
        if (f == cut || f.abandon) return;
        log.event(action).end();
    }

    /** Finalize begins (after the meta_limit test of a non-final one). */
    synchronized void begin(HammerFlusher f, boolean fin) {
        if (f == cut || f.abandon) return;
        log.event("FinBegin").bool("final", fin).end();
    }

    /** A finalize stopped by a critical error: not modelled; nothing more is logged for this mount. */
    synchronized void unmodelled(HammerFlusher f, String op) {
        if (f == cut || f.abandon) return;
        log.event(TraceSpec.UNMODELLED).str("op", op).end();
        cut = f;
    }
}
