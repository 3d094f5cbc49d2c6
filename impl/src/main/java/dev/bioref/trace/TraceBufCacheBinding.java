// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The trace binding of BufCache.tla (port: dev.bioref.buf.BufCache): the actions the port logs,
 * their fields, and the constants of a trace's model. Events and fields: proofs-notes/traces.md,
 * "BufCache events". Headers, blocks and processes are strings in the model ("h3", "b0", "p1"),
 * because the spec compares them with its string sentinels ("none", "noblk", "kernproc").
 */
public final class TraceBufCacheBinding {
    private TraceBufCacheBinding() { }

    public static final TraceSpec SPEC;

    static {
        TraceSpec.Type nat = TraceSpec.Type.NAT;
        TraceSpec.Type str = TraceSpec.Type.STRING;
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        a.put("getblk_found", TraceSpec.fields("h", nat, "b", nat, "flags", nat, "queue", str));
        a.put("getblk_new", TraceSpec.fields("h", nat, "b", nat, "flags", nat, "queue", str));
        a.put("getnewbuf_deallocate_refused", TraceSpec.fields("h", nat, "flags", nat, "queue", str));
        a.put("bread", TraceSpec.fields("h", nat, "flags", nat, "queue", str));
        a.put("buf_dep_attach", TraceSpec.fields("h", nat, "kind", str));
        for (String w : List.of("bdwrite", "bawrite", "bwrite", "brelse", "bqrelse", "binval_brelse")) {
            a.put(w, TraceSpec.fields("h", nat, "flags", nat, "queue", str));
        }
        a.put("regetblk", TraceSpec.fields("h", nat));
        a.put("findblk_ref", TraceSpec.fields("h", nat, "b", nat));
        a.put("bqdrop", TraceSpec.fields("h", nat));
        a.put("flushbufqueues", TraceSpec.fields("h", nat, "flags", nat, "queue", str));
        a.put("biodone_read", TraceSpec.fields("h", nat, "fail", TraceSpec.Type.BOOL, "flags", nat, "queue", str));
        a.put("biodone_write", TraceSpec.fields("h", nat, "fail", TraceSpec.Type.BOOL, "flags", nat, "queue", str));
        a.put(TraceSpec.UNMODELLED, TraceSpec.fields("op", str));
        SPEC = new TraceSpec("BufCache", a, TraceBufCacheBinding::constants);
    }

    /**
     * The headers and blocks the trace names; as many processes as buffers can be owned or held
     * at once (at most the number of headers owned, and the most holds outstanding); one new value
     * per bdwrite/bawrite/bwrite; one device error per failed completion; no mutant.
     */
    static String constants(List<Map<String, Object>> events) {
        TreeSet<Long> hdrs = new TreeSet<>();
        TreeSet<Long> blocks = new TreeSet<>();
        long writes = 0, errors = 0, holds = 0, maxHolds = 0;
        for (Map<String, Object> e : events) {
            if (e.get("h") instanceof Long h) hdrs.add(h);
            if (e.get("b") instanceof Long b) blocks.add(b);
            String action = (String) e.get("action");
            switch (action) {
                case "bdwrite", "bawrite", "bwrite" -> writes++;
                case "findblk_ref" -> maxHolds = Math.max(maxHolds, ++holds);
                case "bqdrop" -> holds--;
                default -> { }
            }
            if (Boolean.TRUE.equals(e.get("fail"))) errors++;
        }
        if (hdrs.isEmpty()) hdrs.add(0L);
        if (blocks.isEmpty()) blocks.add(0L);
        long procs = Math.max(1, Math.max(hdrs.size(), maxHolds));
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        sb.append("    Hdrs = ").append(set("h", hdrs)).append('\n');
        sb.append("    Blocks = ").append(set("b", blocks)).append('\n');
        TreeSet<Long> p = new TreeSet<>();
        for (long i = 1; i <= procs; i++) p.add(i);
        sb.append("    Procs = ").append(set("p", p)).append('\n');
        sb.append("    MaxWrites = ").append(writes).append('\n');
        sb.append("    MaxErrors = ").append(errors).append('\n');
        for (String m : List.of("GetnewbufIgnoresRefs", "BrelseLockedToClean", "BpdoneNoRedirtyOnError",
                "DaemonSkipsCheckwrite", "ClientDestroysPinned")) {
            sb.append("    ").append(m).append(" = FALSE\n");
        }
        return sb.toString();
    }

    private static String set(String prefix, TreeSet<Long> ids) {
        return "{" + String.join(", ", ids.stream().map(i -> "\"" + prefix + i + "\"").toList()) + "}";
    }
}
