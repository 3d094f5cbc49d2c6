// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The trace binding of UvmVnode.tla (port: dev.bioref.uvm, log points in
 * {@code dev.bioref.uvm.UvmTrace}): one event per operation, matched by the operation's
 * steps in TraceUvmVnode.tla. Events and fields: proofs-notes/traces.md, "UvmVnode".
 * Threads are strings in the model ("m1", "d1", "s1"), because the spec compares them with
 * its string sentinel "none".
 */
public final class TraceUvmVnodeBinding {
    private TraceUvmVnodeBinding() { }

    /** The spec's switches (rough edges and mutants), all FALSE: the trace is checked against the FIXED spec. */
    static final List<String> SWITCHES = List.of("re1AttachWindowIgnored", "re2IosyncWaitsOnlyForNio",
            "re3MarksCleanOnWriteError", "re6RelkillLeaksVref", "re7TerminateWaitsOnNio", "re8TerminateLeaksIosync",
            "re9VnIsLockedIsObjectFlag", "re20GetIgnoresDying", "nf1AttachDuringVclean", "nf2ReleasedDirtyDroppedSilently",
            "nf3DetachKillsDuringTerminate", "attachIgnoresBlocked", "flushFreesBusy", "flushSkipsWriteProtect",
            "flushIgnoresModified", "ownerIgnoresReleased", "terminateSkipsWait");

    public static final TraceSpec SPEC;

    static {
        TraceSpec.Type nat = TraceSpec.Type.NAT;
        TraceSpec.Type str = TraceSpec.Type.STRING;
        TraceSpec.Type nats = TraceSpec.Type.NAT_ARRAY;
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        Object[] after = {"flags", nat, "refs", nat, "resident", nats, "dirty", nats, "writable", nats, "failed", nats};
        a.put("Attach", with(new Object[] {"t", str, "w", TraceSpec.Type.BOOL}, after));
        for (String op : List.of("Reference", "Detach", "MapperQuit", "Recycle", "ForceUnmount")) {
            a.put(op, with(new Object[] {"t", str}, after));
        }
        for (String op : List.of("Store", "Fault", "Pageout")) a.put(op, with(new Object[] {"t", str, "o", nat}, after));
        a.put("Msync", with(new Object[] {"t", str, "range", nats, "sync", TraceSpec.Type.BOOL}, after));
        a.put(TraceSpec.UNMODELLED, TraceSpec.fields("op", str));
        SPEC = new TraceSpec("UvmVnode", a, TraceUvmVnodeBinding::constants);
    }

    private static Map<String, TraceSpec.Type> with(Object[] first, Object[] rest) {
        Object[] all = new Object[first.length + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return TraceSpec.fields(all);
    }

    /**
     * The mappers the trace names ("m1".."mN"), one pagedaemon and one system thread; the pages
     * it names; every mapper operation, recycle and forced unmount (no uncache: not traced);
     * budgets large enough for the trace; one store per Store event, one device error per failed
     * write; a one-page object starting empty (InitActive FALSE), MP (BKL FALSE), FIXED, no mutant.
     */
    static String constants(List<Map<String, Object>> events) {
        int mappers = 1;
        TreeSet<Long> offs = new TreeSet<>();
        long stores = 0, errors = 0;
        for (Map<String, Object> e : events) {
            if (e.get("t") instanceof String t && t.matches("m[0-9]+")) mappers = Math.max(mappers, Integer.parseInt(t.substring(1)));
            if (e.get("o") instanceof Long o) offs.add(o);
            for (String f : List.of("resident", "dirty", "writable", "failed", "range")) {
                if (e.get(f) instanceof List<?> l) for (Object x : l) offs.add((Long) x);
            }
            if ("Store".equals(e.get("action"))) stores++;
            if (e.get("failed") instanceof List<?> l) errors += l.size();
        }
        if (offs.isEmpty()) offs.add(0L);
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        StringBuilder ms = new StringBuilder();
        for (int i = 1; i <= mappers; i++) ms.append(i > 1 ? ", " : "").append("\"m").append(i).append('"');
        sb.append("    Mappers = {").append(ms).append("}\n");
        sb.append("    Daemons = {\"d1\"}\n    Systems = {\"s1\"}\n");
        sb.append("    Offs = {").append(String.join(", ", offs.stream().map(String::valueOf).toList())).append("}\n");
        sb.append("    MapperOps = {\"attach\", \"reference\", \"store\", \"fault\", \"msync\"}\n");
        sb.append("    SysOps = {\"recycle\", \"forceUnmount\"}\n");
        sb.append("    MaxOps = ").append(events.size() + 1).append('\n');
        sb.append("    MaxStores = ").append(stores).append('\n');
        sb.append("    MaxErrors = ").append(errors).append('\n');
        sb.append("    InitActive = FALSE\n    BKL = FALSE\n");
        for (String s : SWITCHES) sb.append("    ").append(s).append(" = FALSE\n");
        return sb.toString();
    }
}
