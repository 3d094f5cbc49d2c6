// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A counterexample as TLC printed it: numbered states, each with the action that led to it
 * and the value of every variable.
 *
 * <p>{@link #render()} prints it for a reader: per step the state number, the action name
 * and only what changed (every variable in the first state). A function, record or sequence
 * variable whose shape did not change is shown entry by entry, only the changed entries:
 * {@code b_flags[h1] = {"CACHE", "HASHED"}} rather than the whole function.
 */
public record Trace(List<Step> steps) {
    /**
     * One state. {@code action} is the action's name ("Init" for the initial state,
     * "Stuttering" for a stuttering step); {@code backTo} is the state a liveness lasso
     * returns to, or 0.
     */
    public record Step(int number, String action, Map<String, String> vars, int backTo) {
        public Step {
            Objects.requireNonNull(action, "action");
            vars = Collections.unmodifiableMap(new LinkedHashMap<>(vars));
        }
    }

    public Trace {
        steps = List.copyOf(steps);
    }

    public boolean isEmpty() { return steps.isEmpty(); }

    /** The trace, one step per paragraph, with only the changed variables (or entries). */
    public String render() {
        StringBuilder sb = new StringBuilder();
        Map<String, String> prev = Map.of();
        String nl = System.lineSeparator();
        for (Step s : steps) {
            if (s.backTo() > 0) {
                sb.append(String.format("%3d  %s  (loops back to state %d)%n", s.number(), s.action(), s.backTo()));
                continue;
            }
            sb.append(String.format("%3d  %s%n", s.number(), s.action()));
            for (Map.Entry<String, String> e : s.vars().entrySet()) {
                String before = prev.get(e.getKey());
                String now = flat(e.getValue());
                if (before != null && flat(before).equals(now)) continue;
                for (String line : changes(e.getKey(), before == null ? null : flat(before), now)) {
                    sb.append("       ").append(line).append(nl);
                }
            }
            if (!s.vars().isEmpty()) prev = s.vars();
        }
        return sb.toString();
    }

    private static String flat(String value) {
        return value.replaceAll("\\s*\\n\\s*", " ");
    }

    /** "name = value", or per changed entry "name[k] = v" / "name.f = v" when the shape is kept. */
    static List<String> changes(String name, String before, String now) {
        if (before != null) {
            Map<String, String> a = entries(before);
            Map<String, String> b = entries(now);
            if (a != null && b != null && a.keySet().equals(b.keySet()) && a.size() > 1) {
                List<String> out = new ArrayList<>();
                for (Map.Entry<String, String> e : b.entrySet()) {
                    if (!e.getValue().equals(a.get(e.getKey()))) out.add(name + e.getKey() + " = " + e.getValue());
                }
                return out;
            }
        }
        return List.of(name + " = " + now);
    }

    /**
     * The entries of a TLA+ function {@code (k :> v @@ ...)}, record {@code [f |-> v, ...]} or
     * sequence {@code <<v, ...>>} value, keyed "[k]", ".f" or "[i]"; null for any other value.
     */
    static Map<String, String> entries(String v) {
        String t = v.strip();
        Map<String, String> out = new LinkedHashMap<>();
        if (t.startsWith("(") && t.endsWith(")") && t.contains(":>")) {
            for (String part : splitTop(t.substring(1, t.length() - 1), "@@")) {
                int at = indexTop(part, ":>");
                if (at < 0) return null;
                out.put("[" + part.substring(0, at).strip() + "]", part.substring(at + 2).strip());
            }
            return out;
        }
        if (t.startsWith("[") && t.endsWith("]") && t.contains("|->")) {
            for (String part : splitTop(t.substring(1, t.length() - 1), ",")) {
                int at = indexTop(part, "|->");
                if (at < 0) return null;
                out.put("." + part.substring(0, at).strip(), part.substring(at + 3).strip());
            }
            return out;
        }
        if (t.startsWith("<<") && t.endsWith(">>") && t.length() > 4) {
            int i = 1;
            for (String part : splitTop(t.substring(2, t.length() - 2), ",")) out.put("[" + i++ + "]", part.strip());
            return out;
        }
        return null;
    }

    /** Splits at {@code sep} where it is outside brackets and strings. */
    private static List<String> splitTop(String s, String sep) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        int at;
        while ((at = indexTop(s.substring(start), sep)) >= 0) {
            parts.add(s.substring(start, start + at));
            start += at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** The first index of {@code sep} in {@code s} at bracket depth 0 and outside strings, or -1. */
    private static int indexTop(String s, String sep) {
        int depth = 0;
        boolean str = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (str) {
                if (c == '\\') i++;
                else if (c == '"') str = false;
                continue;
            }
            if (depth == 0 && s.startsWith(sep, i)) return i;
            if (c == '"') str = true;
            else if (s.startsWith("<<", i)) { depth++; i++; }
            else if (s.startsWith(">>", i) && depth > 0) { depth--; i++; }
            else if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
        }
        return -1;
    }
}
