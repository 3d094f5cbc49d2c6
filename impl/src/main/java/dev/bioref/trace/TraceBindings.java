// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The trace bindings of the specs other than LoopbackDevice (which {@link TraceSpec} holds
 * itself): per spec, its actions with their fields, and how to write the cfg's CONSTANTS section
 * for a given trace. {@link TraceSpec#named} and {@link TraceSpec}'s constants() look here, so a
 * new spec is bound by adding one line to {@link #ALL} and one class with its binding.
 */
final class TraceBindings {
    private TraceBindings() { }

    /** A spec's actions and its constants chooser (events → the CONSTANTS section of the cfg). */
    record Binding(TraceSpec spec, Function<List<Map<String, Object>>, String> constants) { }

    /** The bound specs by name; add a line per spec. */
    private static final List<Binding> ALL = List.of(
            BufCacheTrace.BINDING
    );

    static Binding named(String name) {
        for (Binding b : ALL) if (b.spec().name().equals(name)) return b;
        return null;
    }

    static List<String> names() {
        return ALL.stream().map(b -> b.spec().name()).toList();
    }
}
