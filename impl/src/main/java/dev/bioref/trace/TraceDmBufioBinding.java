// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The trace binding of DmBufio.tla (port: dev.bioref.bufio.DmBufio, one client): the events the
 * port logs, their fields, the constants of a trace's model, and the split of a trace into parts.
 * Events and fields: proofs-notes/traces.md, "DmBufio". Buffers, blocks and threads are strings
 * in the model ("x0", "b3", "t1"): the spec compares them with its string sentinels.
 *
 * <p>Split: a part per client (each starts with an {@code Init} event: a client created, or
 * re-created after a crash or a reopen, starts from the spec's initial state). Within a part,
 * the events from its first {@code Unmodelled} one on are not validated (the spec has no state
 * to continue from after a call it does not model).
 */
public final class TraceDmBufioBinding {
    private TraceDmBufioBinding() { }

    public static final TraceSpec SPEC;

    static {
        TraceSpec.Type nat = TraceSpec.Type.NAT;
        TraceSpec.Type bool = TraceSpec.Type.BOOL;
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        a.put("Init", TraceSpec.fields("capacity", nat, "reserved", nat));
        a.put("rd_got", TraceSpec.fields("b", nat, "found", bool, "queued", TraceSpec.Type.NAT_ARRAY));
        a.put("al_steal", TraceSpec.fields("b", nat, "victim", nat));
        a.put("rd_wait", TraceSpec.fields("b", nat, "ok", bool));
        a.put("release", TraceSpec.fields("b", nat, "hold", nat, "freed", bool));
        a.put("mark_buffer_dirty", TraceSpec.fields("b", nat, "state", nat));
        a.put("forget", TraceSpec.fields("b", nat, "freed", bool));
        a.put("shrink", TraceSpec.fields("b", nat));
        a.put("sh_clean", TraceSpec.fields("b", nat));
        a.put("shrink_noio", TraceSpec.fields("b", nat));
        a.put("wdb_submit", TraceSpec.fields());
        a.put("wdb_flush", TraceSpec.fields("err", bool));
        a.put("CompleteRead", TraceSpec.fields("b", nat, "ok", bool));
        a.put("CompleteWrite", TraceSpec.fields("b", nat, "ok", bool, "state", nat));
        a.put(TraceSpec.UNMODELLED, TraceSpec.fields("op", TraceSpec.Type.STRING));
        SPEC = new TraceSpec("DmBufio", a, TraceDmBufioBinding::constants, List.of(), TraceDmBufioBinding::split);
    }

    /** The DmBufio.tla mutation constants, all FALSE in a trace's model (the port's switches are what is checked). */
    static final List<String> MUTANTS = List.of("completionClearsDirty", "noRecheckAfterAlloc", "noPinInPass2",
            "stealIgnoresHold", "writeNoWaitWriting", "nonAtomicDirtyClear", "lockWithPendingWrites", "moveStaleRange");

    /**
     * Bufs = the client's capacity (its reserve included), R = its reserve (the part's Init
     * event); the blocks named; one thread per buffer held at once plus one (the spec's threads
     * hold one buffer each); MaxOps = the calls (+ 1); MaxErrors = the failed completions.
     */
    static String constants(List<Map<String, Object>> events) {
        long capacity = 1, reserved = 0, ops = 0, errors = 0, holds = 0, maxHolds = 0;
        TreeSet<Long> blocks = new TreeSet<>();
        for (Map<String, Object> e : events) {
            String action = (String) e.get("action");
            if (action.equals("Init")) {
                capacity = (Long) e.get("capacity");
                reserved = (Long) e.get("reserved");
            }
            if (e.get("b") instanceof Long b) blocks.add(b);
            if (e.get("victim") instanceof Long b) blocks.add(b);
            if (e.get("queued") instanceof List<?> q) for (Object b : q) blocks.add((Long) b);
            switch (action) {
                case "rd_wait" -> { ops++; maxHolds = Math.max(maxHolds, ++holds); }
                case "release" -> holds--;
                case "shrink", "shrink_noio", "wdb_flush", "wdb_submit" -> ops++;
                case "forget" -> { if (Boolean.TRUE.equals(e.get("freed"))) ops++; }
                default -> { }
            }
            if (Boolean.FALSE.equals(e.get("ok"))) errors++;
        }
        if (blocks.isEmpty()) blocks.add(0L);
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        List<String> bufs = new ArrayList<>();
        for (long i = 0; i < Math.max(1, capacity); i++) bufs.add("\"x" + i + "\"");
        sb.append("    Bufs = {").append(String.join(", ", bufs)).append("}\n");
        sb.append("    R = ").append(reserved).append('\n');
        sb.append("    Blocks = {").append(String.join(", ", blocks.stream().map(b -> "\"b" + b + "\"").toList())).append("}\n");
        List<String> threads = new ArrayList<>();
        for (long i = 1; i <= maxHolds + 1; i++) threads.add("\"t" + i + "\"");
        sb.append("    Threads = {").append(String.join(", ", threads)).append("}\n");
        sb.append("    DiskInit <- TraceZeroDisk\n");
        sb.append("    MaxWrites = 1\n");
        // + 1: a trace cut inside a read (rd_got logged, rd_wait not) still has its call's Begin
        sb.append("    MaxOps = ").append(ops + 1).append('\n');
        sb.append("    MaxErrors = ").append(errors).append('\n');
        sb.append("    MaxCrashes = 0\n");
        sb.append("    Ops = {\"read\", \"forget\", \"wdb\", \"wdbasync\", \"shrink\", \"shrinkNoIo\"}\n");
        for (String m : MUTANTS) sb.append("    ").append(m).append(" = FALSE\n");
        return sb.toString();
    }

    /** One part per Init event; a part ends before its first Unmodelled event. */
    static List<List<Map<String, Object>>> split(List<Map<String, Object>> events) {
        List<List<Map<String, Object>>> parts = new ArrayList<>();
        List<Map<String, Object>> cur = null;
        boolean cut = false;
        for (Map<String, Object> e : events) {
            String action = (String) e.get("action");
            if (action.equals("Init") || cur == null) {
                cur = new ArrayList<>();
                parts.add(cur);
                cut = false;
            }
            if (action.equals(TraceSpec.UNMODELLED)) cut = true;
            if (!cut) cur.add(e);
        }
        parts.removeIf(List::isEmpty);
        return parts;
    }
}
