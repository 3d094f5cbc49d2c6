// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace binding of HammerFinalizeCrash.tla (port: dev.bioref.hammer.HammerFlusher.finalize,
 * events logged by dev.bioref.hammer.HammerFinalizeTrace): finalize's steps in order (a partial
 * binding: proofs-notes/traces.md, "HammerFinalizeCrash"). The volume version is a constant of the
 * spec (V4), so a trace is checked in one part per version (its mounts, in order).
 */
public final class TraceHammerFinalizeCrashBinding {
    private TraceHammerFinalizeCrashBinding() { }

    static final List<String> STEPS = List.of("FinData", "FinLockEx", "FinSaveUndo", "FinBarrier1", "FinHdr",
            "FinBarrier3", "FinMeta", "FinFinal");

    public static final TraceSpec SPEC;

    static {
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        a.put("Mount", TraceSpec.fields("mount", TraceSpec.Type.NAT, "v4", TraceSpec.Type.BOOL));
        a.put("FinBegin", TraceSpec.fields("final", TraceSpec.Type.BOOL));
        for (String s : STEPS) a.put(s, TraceSpec.fields());
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

    /** V4 from the part's Mount; MaxCycles / MaxPartial = the final / non-final FinBegins; no frontend, no mutant. */
    static String constants(List<Map<String, Object>> events) {
        boolean v4 = true;
        long fin = 0, partial = 0;
        for (Map<String, Object> e : events) {
            if (e.get("v4") instanceof Boolean b) v4 = b;
            if (e.get("final") instanceof Boolean f) {
                if (f) fin++; else partial++;
            }
        }
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        sb.append("    NBlocks = 1\n    MaxData = 1\n");
        sb.append("    MaxCycles = ").append(fin).append('\n');
        sb.append("    MaxPartial = ").append(partial).append('\n');
        sb.append("    MaxMods = 0\n");
        sb.append("    V4 = ").append(v4 ? "TRUE" : "FALSE").append('\n');
        sb.append("    KernelWrites = FALSE\n");
        for (String m : List.of("MetaBeforeUndoBarrier", "FirstOffsetNotLagged", "V3NoHeaderBarrier", "BarrierWithoutCacheFlush",
                "DataAfterMeta", "KeepUndoHistory", "ClearHistoryAtPartial")) {
            sb.append("    ").append(m).append(" = FALSE\n");
        }
        return sb.toString();
    }
}
