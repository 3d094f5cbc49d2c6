// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The trace binding of HammerIoProtocol (issue 15): the events the HAMMER io port logs
 * (dev.bioref.hammer.HammerIoTrace) and how a trace is cut for TLC.
 *
 * <p>Every event names an action of HammerIoProtocol.tla, the io it happened to ({@code io}:
 * 1, 2, ... per HammerIo object, in order of first event), the io's type ({@code type}: DATA,
 * UNDO, META or VOLUME), the thread ({@code thread}: "Fl" the flusher, "K" the kernel, any other
 * name a frontend) and the io's state after the step: {@code assoc}, {@code released},
 * {@code modified}, {@code running}, {@code memVer}, {@code diskVer}. FlushIssue also logs
 * {@code reclaim}. The spec models one io of one type: the trace is checked in one TLC run per
 * type, with the ios of that type one after the other (TraceHammerIoProtocol's IoSwitch).
 */
public final class TraceHammerIoProtocolBinding {
    private TraceHammerIoProtocolBinding() { }

    /** The actions in coverage order. */
    static final List<String> ACTIONS = List.of("Ref", "RefWait", "Load", "ModBegin", "LockEx", "Reget", "SetMod",
            "Mutate", "ModifyDone", "Wait", "Rel", "RelStart", "FlushBegin", "FlushSecure", "FlushIssue", "FlushClear",
            "RelDispose", "RelReget", "RelDone", "RelBrelse", "FlPick", "WriteInterlock", "DoneInterlock",
            "Checkwrite", "CheckwriteStart", "Deallocate", "Complete");

    public static final TraceSpec SPEC;

    static {
        Map<String, Map<String, TraceSpec.Type>> a = new LinkedHashMap<>();
        for (String action : ACTIONS) {
            Map<String, TraceSpec.Type> f = common();
            if (action.equals("FlushIssue")) f.put("reclaim", TraceSpec.Type.BOOL);
            a.put(action, f);
        }
        Map<String, TraceSpec.Type> un = new LinkedHashMap<>();
        un.put("io", TraceSpec.Type.NAT);
        un.put("type", TraceSpec.Type.STRING);
        un.put("op", TraceSpec.Type.STRING);
        a.put(TraceSpec.UNMODELLED, un);
        SPEC = new TraceSpec("HammerIoProtocol", a, TraceHammerIoProtocolBinding::constants, List.of(),
                TraceHammerIoProtocolBinding::split);
    }

    private static Map<String, TraceSpec.Type> common() {
        return TraceSpec.fields("io", TraceSpec.Type.NAT, "type", TraceSpec.Type.STRING, "thread", TraceSpec.Type.STRING,
                "assoc", TraceSpec.Type.BOOL, "released", TraceSpec.Type.BOOL, "modified", TraceSpec.Type.BOOL,
                "running", TraceSpec.Type.BOOL, "memVer", TraceSpec.Type.NAT, "diskVer", TraceSpec.Type.NAT);
    }

    /**
     * One part per io type (in order of first appearance); in a part, each io's events together,
     * in order, up to the io's first Unmodelled event: the spec does not model that step (a write
     * error, the root volume, ...), so the io's later events are not validated (the check reports
     * how many events it validated).
     */
    static List<List<Map<String, Object>>> split(List<Map<String, Object>> events) {
        Map<Object, Map<Object, List<Map<String, Object>>>> byType = new LinkedHashMap<>();
        Set<Object> cut = new java.util.HashSet<>();
        for (Map<String, Object> e : events) {
            if (cut.contains(e.get("io"))) continue;
            if (TraceSpec.UNMODELLED.equals(e.get("action"))) {
                cut.add(e.get("io"));
                continue;
            }
            Object type = e.get("type");
            if (!Set.of("DATA", "UNDO", "META", "VOLUME").contains(type)) {
                throw new TraceCheck.BadTrace((int) (long) (Long) e.get("seq"),
                        "\"type\" must be one of DATA, UNDO, META, VOLUME, was " + type);
            }
            byType.computeIfAbsent(type, t -> new LinkedHashMap<>()).computeIfAbsent(e.get("io"), i -> new ArrayList<>()).add(e);
        }
        List<List<Map<String, Object>>> parts = new ArrayList<>();
        for (Map<Object, List<Map<String, Object>>> ios : byType.values()) {
            List<Map<String, Object>> part = new ArrayList<>();
            ios.values().forEach(part::addAll);
            parts.add(part);
        }
        return parts;
    }

    /**
     * The spec with one mutant switch TRUE (e.g. "ClearAfterWrite"): checks that the port with the
     * same switch on follows the mutant spec, which covers the steps only the mutant takes (FlushClear).
     */
    public static TraceSpec withMutant(String mutant) {
        if (!MUTANTS.contains(mutant)) throw new IllegalArgumentException("HammerIoProtocol has no mutant " + mutant + "; known: " + MUTANTS);
        return new TraceSpec(SPEC.name(), SPEC.actions(),
                events -> constants(events).replace("    " + mutant + " = FALSE\n", "    " + mutant + " = TRUE\n"),
                SPEC.extraModules(), SPEC.split());
    }

    /** The spec's mutant switches (constants), each FALSE in {@link #SPEC}. */
    static final List<String> MUTANTS = List.of("ClearAfterWrite", "FlushWithoutInterlock", "CheckwriteAllowsMeta", "ReleaseBdwritesMeta",
            "DeallocIgnoresRefs", "DeallocIgnoresModified", "CwNoInterlock", "CwIgnoreModRefs", "SetModifiedAfterReget");

    /** Constants for one part: its type, its frontend threads, MaxVer = the highest version, no mutant. */
    static String constants(List<Map<String, Object>> events) {
        Set<String> front = new TreeSet<>();
        long maxVer = 0;
        Object type = events.get(0).get("type");
        for (Map<String, Object> e : events) {
            if (e.get("thread") instanceof String t && !t.equals("Fl") && !t.equals("K")) front.add(t);
            if (e.get("memVer") instanceof Long v) maxVer = Math.max(maxVer, v);
        }
        if (front.isEmpty()) front.add("f1");
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        sb.append("    F = {").append(String.join(", ", front.stream().map(t -> "\"" + t + "\"").toList())).append("}\n");
        sb.append("    Fl = \"Fl\"\n    NoOne = \"NoOne\"\n");
        sb.append("    T = \"").append(type).append("\"\n");
        sb.append("    MaxVer = ").append(maxVer).append('\n');
        for (String m : MUTANTS) {
            sb.append("    ").append(m).append(" = FALSE\n");
        }
        return sb.toString();
    }
}
