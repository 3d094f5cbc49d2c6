// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The trace binding of HammerFlusherSeq.tla (port: dev.bioref.hammer.HammerFlusher and
 * HammerFrontend.flushInode, events logged by dev.bioref.hammer.HammerFlusherTrace). Events and
 * fields: proofs-notes/traces.md, "HammerFlusherSeq". Inodes are numbers 1, 2, ... (the spec's
 * {@code cino} uses 0 for none), clients strings ("c1", "fl", "n1", ...).
 */
public final class TraceHammerFlusherSeqBinding {
    private TraceHammerFlusherSeqBinding() { }

    public static final TraceSpec SPEC;

    static {
        TraceSpec.Type nat = TraceSpec.Type.NAT;
        TraceSpec.Type str = TraceSpec.Type.STRING;
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        a.put("Mount", TraceSpec.fields("mount", nat, "mpc", str));
        a.put("AddBegin", TraceSpec.fields("c", str, "ino", nat, "target", nat, "next", nat, "fill", nat));
        a.put("AddEnd", TraceSpec.fields("c", str, "ino", nat, "target", nat));
        for (String async : List.of("Async", "AsyncOne", "AsyncFlg")) {
            a.put(async, TraceSpec.fields("c", str, "cseq", nat, "next", nat, "closed", nat));
        }
        a.put("Wait", TraceSpec.fields("c", str, "cseq", nat, "done", nat));
        a.put("MasterWake", TraceSpec.fields());
        a.put("Flush", TraceSpec.fields("done", nat, "mpc", str, "fill", nat));
        a.put("FlushInode", TraceSpec.fields("ino", nat, "wouldblock", TraceSpec.Type.BOOL));
        a.put("Finalize", TraceSpec.fields("done", nat, "mpc", str));
        a.put(TraceSpec.UNMODELLED, TraceSpec.fields("op", str));
        SPEC = new TraceSpec("HammerFlusherSeq", a, TraceHammerFlusherSeqBinding::constants, List.of(),
                TraceHammerFlusherSeqBinding::split);
    }

    /**
     * One part: the events without those of a mount from its first Unmodelled step (a critical
     * error, a failed inode sync) up to the next Mount, which the check reports as not validated.
     */
    static List<List<Map<String, Object>>> split(List<Map<String, Object>> events) {
        List<Map<String, Object>> part = new ArrayList<>();
        boolean cut = false;
        for (Map<String, Object> e : events) {
            Object action = e.get("action");
            if ("Mount".equals(action)) cut = false;
            if (TraceSpec.UNMODELLED.equals(action)) cut = true;
            if (!cut) part.add(e);
        }
        return part.isEmpty() ? List.of() : List.of(part);
    }

    /** The inodes and clients named, MaxSeq = the highest seq handed out, one EWOULDBLOCK per logged one, no mutant. */
    static String constants(List<Map<String, Object>> events) {
        TreeSet<Long> inodes = new TreeSet<>();
        TreeSet<String> clients = new TreeSet<>();
        long maxNext = 1, wouldBlocks = 0;
        for (Map<String, Object> e : events) {
            if (e.get("ino") instanceof Long i) inodes.add(i);
            if (e.get("c") instanceof String c) clients.add(c);
            if (e.get("next") instanceof Long n) maxNext = Math.max(maxNext, n);
            if (e.get("cseq") instanceof Long s) maxNext = Math.max(maxNext, s + 1);
            if (Boolean.TRUE.equals(e.get("wouldblock"))) wouldBlocks++;
        }
        if (inodes.isEmpty()) inodes.add(1L);
        if (clients.isEmpty()) clients.add("c1");
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        sb.append("    Inodes = {").append(String.join(", ", inodes.stream().map(String::valueOf).toList())).append("}\n");
        sb.append("    Clients = {").append(String.join(", ", clients.stream().map(c -> "\"" + c + "\"").toList())).append("}\n");
        sb.append("    MaxSeq = ").append(Math.max(1, maxNext - 1)).append('\n');
        sb.append("    MaxWouldBlock = ").append(wouldBlocks).append('\n');
        sb.append("    IgnoreGroupLock = FALSE\n");
        return sb.toString();
    }
}
