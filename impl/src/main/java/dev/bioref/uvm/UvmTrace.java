// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.trace.TraceLog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Stand-in (outside seed): the trace events of one vnode's pager object for spec UvmVnode
 * (proofs-notes/traces.md, "UvmVnode"; trace spec specs/src/main/tla/TraceUvmVnode.tla).
 *
 * <p>Interface: {@code layer.trace = new UvmTrace(log, vp)} turns tracing on for vnode
 * {@code vp} ({@link VnodeLayer#trace} is null by default: one null check per log point when
 * off). One event per operation of the spec (Attach, Reference, Detach, MapperQuit, Store, Fault,
 * Msync, Pageout, Recycle, ForceUnmount), logged when the operation returns, under the object lock,
 * with the object's state after it ({@link #end}); an operation on the traced vnode that the
 * spec does not model is an {@code Unmodelled} event. Only runs in which one operation runs at a
 * time are validated (the log order is then the operations' order).
 *
 * <p>Threads: each mmap is a new mapper "m1", "m2", ...; a fork's mapping belongs to the mapper
 * of the mapping it copies (the spec's second reference, held = 2); the mapper quits (the spec's
 * MapperQuit: its open file's vrele) when its last mapping is unmapped. The pagedaemon is "d1",
 * the thread that recycles or force-unmounts is "s1".
 */
public final class UvmTrace {
    final TraceLog log;
    final Vnode vp;
    private int mappers;                                       // [this]
    private final Map<String, Integer> live = new HashMap<>(); // mapper -> mappings not yet unmapped; [this]
    private final TreeSet<Long> failed = new TreeSet<>();     // pages whose write failed in this operation; [this]

    public UvmTrace(TraceLog log, Vnode vp) {
        this.log = Objects.requireNonNull(log, "log");
        this.vp = Objects.requireNonNull(vp, "vp");
    }

    /** Does this trace follow {@code v}? */
    boolean traces(Vnode v) { return v == vp; }

    /** A new mapper for an mmap. */
    synchronized String newMapper() {
        String t = "m" + (++mappers);
        live.put(t, 1);
        return t;
    }

    /** A fork's mapping of mapper t. */
    synchronized void forked(String t) { live.merge(t, 1, Integer::sum); }

    /** A mapping of t was unmapped (or its mmap failed): true if t has none left (it quits). */
    synchronized boolean unmapped(String t) {
        int n = live.merge(t, -1, Integer::sum);
        if (n == 0) live.remove(t);
        return n == 0;
    }

    /** uvn_io: these pages' write failed (called with the object locked). */
    synchronized void writeFailed(VmPage[] pps) {
        for (VmPage p : pps) failed.add(p.offset / VmPage.PAGE_SIZE);
    }

    /** Starts the event of operation {@code action} by thread {@code t}. */
    TraceLog.Event event(String action, String t) {
        return log.event(action).str("t", t);
    }

    /**
     * Ends an event with the object's state after the operation: flags, refs, resident, dirty
     * and writable pages, and the pages whose write failed during it (then forgotten). Called
     * with the object locked.
     */
    synchronized void end(TraceLog.Event e, UvmVnode u) {
        List<Long> resident = new ArrayList<>(), dirty = new ArrayList<>(), writable = new ArrayList<>();
        for (VmPage p : u.tracePages()) {
            long n = p.offset / VmPage.PAGE_SIZE;
            resident.add(n);
            if (!p.isClean() || p.pmapIsModified()) dirty.add(n);
            if (p.prot() == VmPage.Prot.WRITE) writable.add(n);
        }
        e.num("flags", u.u_flags).num("refs", u.uo_refs)
                .nums("resident", sorted(resident)).nums("dirty", sorted(dirty)).nums("writable", sorted(writable))
                .nums("failed", sorted(new ArrayList<>(failed)));
        failed.clear();
        e.end();
    }

    /** An operation on the traced vnode that UvmVnode.tla does not model (never matched). */
    void unmodelled(String op) {
        log.event(dev.bioref.trace.TraceSpec.UNMODELLED).str("op", op).end();
    }

    private static long[] sorted(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).sorted().toArray();
    }
}
