// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What trace validation needs to know about one spec: the actions a trace may name, the fields
 * each carries (name and JSON type), and how to choose the spec's constants for a given trace.
 * The trace spec is {@code Trace<name>.tla} beside {@code <name>.tla}; it declares
 * {@code CONSTANT TraceLog}, {@code TraceInit}, {@code TraceNext} and {@code TraceMatchedInv}.
 *
 * <p>Bindings: LoopbackDevice is defined here; any other spec {@code S} is bound by a class
 * {@code dev.bioref.trace.TraceSBinding} (e.g. {@code TraceHammerIoProtocolBinding}) with a
 * {@code public static final TraceSpec SPEC}, so that adding a spec adds a file and touches
 * no shared code. {@code constantsFor} gives the CONSTANTS section of the cfg for a trace;
 * {@code extraModules} are further .tla files (besides {@code S} and {@code TraceS}) that the
 * trace spec EXTENDS or INSTANCEs and TraceCheck copies beside the generated module.
 * {@code split} cuts a parsed trace into parts that TLC checks one by one (each part with its
 * own constants; e.g. HammerIoProtocol: one part per io type, because the io's type is a
 * constant of the spec); the default is the whole trace as one part. Parts keep each event's
 * {@code seq}, by which a rejection names the event.
 */
public record TraceSpec(String name, Map<String, Map<String, Type>> actions,
                        Function<List<Map<String, Object>>, String> constantsFor, List<String> extraModules,
                        Function<List<Map<String, Object>>, List<List<Map<String, Object>>>> split) {
    /** JSON types of event fields. */
    public enum Type { NAT, BOOL, STRING, NAT_ARRAY, CACHE_ARRAY, INT, STRING_ARRAY }

    /** A binding whose trace spec needs only {@code S.tla} and {@code TraceS.tla}, one TLC run per trace. */
    public TraceSpec(String name, Map<String, Map<String, Type>> actions, Function<List<Map<String, Object>>, String> constantsFor) {
        this(name, actions, constantsFor, List.of(), List::of);
    }

    /** A binding with extra modules, one TLC run per trace. */
    public TraceSpec(String name, Map<String, Map<String, Type>> actions, Function<List<Map<String, Object>>, String> constantsFor,
                     List<String> extraModules) {
        this(name, actions, constantsFor, extraModules, List::of);
    }

    /** Every spec of this project, bound or not (for {@link #bound()}). */
    static final List<String> SPECS = List.of("LoopbackDevice", "BufCache", "DmBufio", "HammerIoProtocol",
            "HammerFlusherSeq", "HammerFinalizeCrash", "UvmVnode");

    /** The action a port logs for a request or completion the spec does not model; never matched. */
    public static final String UNMODELLED = "Unmodelled";

    /** The spec's actions in the order they are reported (coverage), without {@link #UNMODELLED}. */
    public List<String> specActions() {
        return actions.keySet().stream().filter(a -> !a.equals(UNMODELLED)).toList();
    }

    /** The spec bound to {@code name}; throws IllegalArgumentException naming the bound specs. */
    public static TraceSpec named(String name) {
        TraceSpec s = lookup(name);
        if (s == null) {
            throw new IllegalArgumentException("no trace binding for spec '" + name + "' (bound: " + String.join(", ", bound()) + ")");
        }
        return s;
    }

    /** The names of the bound specs. */
    public static List<String> bound() {
        List<String> b = new ArrayList<>();
        for (String s : SPECS) if (lookup(s) != null) b.add(s);
        return b;
    }

    private static TraceSpec lookup(String name) {
        if ("LoopbackDevice".equals(name)) return LOOPBACK_DEVICE;
        if (name == null || !name.matches("[A-Z][A-Za-z0-9]*")) return null;
        try {
            Class<?> c = Class.forName(TraceSpec.class.getPackageName() + ".Trace" + name + "Binding");
            return (TraceSpec) c.getField("SPEC").get(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            return null;
        }
    }

    /** The CONSTANTS section of the cfg for a trace of this spec. */
    String constants(List<Map<String, Object>> events) {
        return constantsFor.apply(events);
    }

    private static String loopbackConstants(List<Map<String, Object>> events) {
        // LoopbackDevice: sectors and request ids as the trace uses them, one crash per Crash
        // event, the crash-persists-subset variant (the port's crash(CrashPolicy)), no mutant.
        Set<Long> sectors = new TreeSet<>();
        long maxId = 0;
        long crashes = 0;
        for (Map<String, Object> e : events) {
            if (e.get("sector") instanceof Long s) sectors.add(s + 1);
            if (e.get("id") instanceof Long id) maxId = Math.max(maxId, id);
            if ("Crash".equals(e.get("action"))) crashes++;
        }
        if (sectors.isEmpty()) sectors.add(1L);
        StringBuilder sb = new StringBuilder("CONSTANTS\n");
        sb.append("    Sectors = {");
        sb.append(String.join(", ", sectors.stream().map(String::valueOf).toList())).append("}\n");
        sb.append("    MaxRequests = ").append(maxId).append('\n');
        sb.append("    MaxCrashes = ").append(crashes).append('\n');
        sb.append("    CrashPersistsSubset = TRUE\n");
        sb.append("    FlushSkipsCache = FALSE\n");
        sb.append("    FuaKeepsStaleCache = FALSE\n");
        return sb.toString();
    }

    /** LoopbackDevice.tla's actions as the port logs them (dev.bioref.device.LoopbackDevice). */
    public static final TraceSpec LOOPBACK_DEVICE;

    static {
        Map<String, Map<String, Type>> a = new LinkedHashMap<>();
        a.put("SubmitWrite", fields("id", Type.NAT, "sector", Type.NAT, "fua", Type.BOOL));
        a.put("SubmitFlush", fields("id", Type.NAT));
        a.put("CompleteLost", fields("id", Type.NAT, "completionSeq", Type.NAT));
        a.put("CompleteWrite", fields("id", Type.NAT, "completionSeq", Type.NAT, "cache", Type.CACHE_ARRAY));
        a.put("CompleteFua", fields("id", Type.NAT, "completionSeq", Type.NAT, "cache", Type.CACHE_ARRAY));
        a.put("CompleteFlush", fields("id", Type.NAT, "completionSeq", Type.NAT, "cache", Type.CACHE_ARRAY));
        a.put("Crash", fields("generation", Type.NAT, "landed", Type.NAT_ARRAY));
        a.put(UNMODELLED, fields("op", Type.STRING));
        LOOPBACK_DEVICE = new TraceSpec("LoopbackDevice", a, TraceSpec::loopbackConstants);
    }

    /** {@code fields("id", Type.NAT, "fua", Type.BOOL)}: field names and types, in order. */
    public static Map<String, Type> fields(Object... kv) {
        Map<String, Type> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Type) kv[i + 1]);
        return m;
    }
}
