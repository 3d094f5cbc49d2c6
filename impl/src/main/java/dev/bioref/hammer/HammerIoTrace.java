// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.trace.TraceLog;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Trace events of the HAMMER io port for HammerIoProtocol.tla (issue 15, proofs-notes/traces.md):
 * one event per step of a spec action, named after it, with the io's state after the step.
 *
 * <p>Interface: {@link HammerMount#traceIoTo(TraceLog)} turns it on; the mount's field is null by
 * default, so tracing off costs one null check at each log point. Log points are in HammerIo,
 * HammerMount (getBuffer, relBuffer), HammerFlusher (the finalize loops) and HammerBioOps (the
 * kernel callbacks), each at the point where the Java step is atomic: HAMMER's own steps run
 * under fs_token (which serialises HAMMER threads between blocking points), the callbacks under
 * io_token with the bp locked. The spec models one io, so every event names its io: {@code io} is
 * 1, 2, ... per HammerIo object, in order of first event (a HammerBuffer that is destroyed and
 * created again for the same offset is a new io, starting from the spec's Init).
 *
 * <p>Threads: "Fl" while the flusher runs finalize's per-io loops ({@link #asFlusher}), "K" in a
 * kernel callback, otherwise "f1", "f2", ... per Java thread in order of first event (the flusher
 * slaves' B-tree work is frontend work in the spec).
 *
 * <p>{@code released} is logged as true while the io has no bp: a new io's field is 0 (hammer_io_init
 * leaves the zeroed struct) where the spec's Init says 1; without a bp the field means nothing
 * (every load sets it to 0) and after a disassociation it is 1 in both.
 */
public final class HammerIoTrace {
    private final TraceLog log;
    private final Map<HammerIo, Integer> ids = new IdentityHashMap<>();          // guarded by this
    private final Map<HammerIo, Boolean> cut = new IdentityHashMap<>();          // ios past an Unmodelled event
    private final Map<Thread, String> threads = new IdentityHashMap<>();         // guarded by this
    private final ThreadLocal<String> role = new ThreadLocal<>();
    private final ThreadLocal<Integer> quiet = ThreadLocal.withInitial(() -> 0);

    /** Events go to {@code log} (spec HammerIoProtocol); pass it to mounts as {@link HammerOptions#ioTrace}. */
    public HammerIoTrace(TraceLog log) {
        if (!"HammerIoProtocol".equals(log.spec())) {
            throw new IllegalArgumentException("a HAMMER io trace is checked against HammerIoProtocol, not " + log.spec());
        }
        this.log = log;
    }

    /** Runs {@code r} with this thread acting as the spec's flusher Fl. */
    void asFlusher(Runnable r) {
        String old = role.get();
        role.set("Fl");
        try {
            r.run();
        } finally {
            role.set(old);
        }
    }

    /** Runs {@code r} without logging this thread's steps (a path the spec does not model and that changes no logged variable). */
    void quietly(Runnable r) {
        quiet.set(quiet.get() + 1);
        try {
            r.run();
        } finally {
            quiet.set(quiet.get() - 1);
        }
    }

    /** A step of this thread (a frontend, or the flusher inside {@link #asFlusher}). */
    void step(HammerIo io, String action) { write(io, action, thread(), false); }

    /** A step of the kernel (a bioops callback). */
    void kernel(HammerIo io, String action) { write(io, action, "K", false); }

    /** FlushIssue: also logs reclaim (hammer_undo_reclaim's choice). */
    void flushIssue(HammerIo io) { write(io, "FlushIssue", thread(), true); }

    /** A step the spec does not model; the checker stops validating this io here. */
    synchronized void unmodelled(HammerIo io, String op) {
        if (quiet.get() > 0 || io.type == HammerIoType.DUMMY || cut.containsKey(io)) return;
        cut.put(io, true);
        log.event(dev.bioref.trace.TraceSpec.UNMODELLED).num("io", id(io)).str("type", type(io)).str("op", op).end();
    }

    private synchronized void write(HammerIo io, String action, String thread, boolean reclaim) {
        if (quiet.get() > 0 || io.type == HammerIoType.DUMMY || cut.containsKey(io)) return;
        if (io.type == HammerIoType.VOLUME) {
            unmodelled(io, "the root volume: loaded by the mount, referenced for the mount's life, modified and flushed by finalize without a ref of its own");
            return;
        }
        TraceLog.Event e = log.event(action).num("io", id(io)).str("type", type(io)).str("thread", thread)
                .bool("assoc", io.bp != null).bool("released", io.released || io.bp == null).bool("modified", io.modified)
                .bool("running", io.running).num("memVer", io.memVer).num("diskVer", io.diskVer);
        if (reclaim) e.bool("reclaim", io.reclaim);
        e.end();
    }

    private int id(HammerIo io) { return ids.computeIfAbsent(io, k -> ids.size() + 1); }

    private synchronized String thread() {
        String r = role.get();
        if (r != null) return r;
        return threads.computeIfAbsent(Thread.currentThread(), t -> "f" + (threads.size() + 1));
    }

    private static String type(HammerIo io) {
        return switch (io.type) {
            case DATA_BUFFER -> "DATA";
            case UNDO_BUFFER -> "UNDO";
            case META_BUFFER -> "META";
            case VOLUME -> "VOLUME";
            case DUMMY -> "DUMMY";
        };
    }
}
