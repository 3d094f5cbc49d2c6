// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace binding of HammerFinalizeCrash.tla (port: dev.bioref.hammer.HammerFlusher.finalize,
 * events logged by dev.bioref.hammer.HammerFinalizeTrace): finalize's steps in order with the UNDO
 * sequence numbers, header image, snapshot count and durable floor they change, and the frontend's
 * UNDO generation (Modify) that feeds them (proofs-notes/traces.md, "HammerFinalizeCrash" and
 * "Traces from the crash runs and finalize's values (session 7)"). The volume version is a constant
 * of the spec (V4), so a trace is checked in one part per version (its mounts, in order).
 */
public final class TraceHammerFinalizeCrashBinding {
    private TraceHammerFinalizeCrashBinding() { }

    public static final TraceSpec SPEC;

    static {
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        a.put("Mount", TraceSpec.fields("mount", TraceSpec.Type.NAT, "v4", TraceSpec.Type.BOOL));
        a.put("Modify", TraceSpec.fields("b", TraceSpec.Type.NAT, "undos", TraceSpec.Type.NAT));
        a.put("FinBegin", TraceSpec.fields("final", TraceSpec.Type.BOOL));
        a.put("FinData", TraceSpec.fields());
        a.put("FinLockEx", TraceSpec.fields("undos", TraceSpec.Type.NAT, "snapshot", TraceSpec.Type.NAT));
        a.put("FinSaveUndo", TraceSpec.fields("saveNext", TraceSpec.Type.NAT));
        a.put("FinBarrier1", TraceSpec.fields("ack", TraceSpec.Type.NAT));
        a.put("FinHdr", TraceSpec.fields("first", TraceSpec.Type.NAT, "next", TraceSpec.Type.NAT));
        a.put("FinBarrier3", TraceSpec.fields("ack", TraceSpec.Type.NAT));
        a.put("FinMeta", TraceSpec.fields());
        a.put("FinFinal", TraceSpec.fields("first", TraceSpec.Type.NAT, "cycles", TraceSpec.Type.NAT));
        a.put("HeaderBarrier", TraceSpec.fields("ack", TraceSpec.Type.NAT));
        a.put("Crash", TraceSpec.fields("snapshot", TraceSpec.Type.NAT));
        a.put(TraceSpec.UNMODELLED, TraceSpec.fields("op", TraceSpec.Type.STRING));
        SPEC = new TraceSpec("HammerFinalizeCrash", a, TraceHammerFinalizeCrashBinding::constants, List.of(),
                TraceHammerFinalizeCrashBinding::split);
    }

    /**
     * One part per volume version (the Mount's v4; events before the first Mount: version 4), each
     * without a mount's events from its Unmodelled step (a critical error) to the next Mount.
     */
    static List<List<Map<String, Object>>> split(List<Map<String, Object>> events) {
        Map<Boolean, List<Map<String, Object>>> parts = new LinkedHashMap<>();
        boolean v4 = true;
        boolean cut = false;
        for (Map<String, Object> e : events) {
            Object action = e.get("action");
            if ("Mount".equals(action)) {
                v4 = (Boolean) e.get("v4");
                cut = false;
            }
            if (TraceSpec.UNMODELLED.equals(action)) cut = true;
            if (!cut) parts.computeIfAbsent(v4, k -> new ArrayList<>()).add(e);
        }
        return new ArrayList<>(parts.values());
    }

    /**
     * V4 from the part's Mount; MaxCycles / MaxPartial = the final / non-final FinBegins; NBlocks = the
     * largest Modify block (at least 1), MaxMods = the Modify events, MaxData = MaxMods + 1 (a block's
     * value counts its modifications: None must be above them); no kernel writes, no mutant.
     */
    static String constants(List<Map<String, Object>> events) {
        boolean v4 = true;
        long fin = 0, partial = 0, blocks = 1, mods = 0;
        for (Map<String, Object> e : events) {
            if ("Modify".equals(e.get("action"))) {
                mods++;
                blocks = Math.max(blocks, ((Number) e.get("b")).longValue());
            }
            if (e.get("v4") instanceof Boolean b) v4 = b;
            if (e.get("final") instanceof Boolean f) {
                if (f) fin++; else partial++;
            }
        }
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        // MaxData bounds the block values (counts of modifications), so that None = MaxData + 1 is none of them
        sb.append("    NBlocks = ").append(blocks).append("\n    MaxData = ").append(mods + 1).append('\n');
        sb.append("    MaxCycles = ").append(fin).append('\n');
        sb.append("    MaxPartial = ").append(partial).append('\n');
        sb.append("    MaxMods = ").append(mods).append('\n');
        sb.append("    V4 = ").append(v4 ? "TRUE" : "FALSE").append('\n');
        sb.append("    KernelWrites = FALSE\n");
        for (String m : List.of("MetaBeforeUndoBarrier", "FirstOffsetNotLagged", "V3NoHeaderBarrier", "BarrierWithoutCacheFlush",
                "DataAfterMeta", "KeepUndoHistory", "ClearHistoryAtPartial")) {
            sb.append("    ").append(m).append(" = FALSE\n");
        }
        return sb.toString();
    }
}
