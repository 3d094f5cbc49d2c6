package dev.bioref.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A counterexample as TLC printed it: numbered states, each with the action that led to it
 * and the value of every variable.
 *
 * <p>{@link #render()} prints it for a reader: per step the state number, the action name
 * and only the variables that changed (all of them in the first state).
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
            vars = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vars));
        }
    }

    public Trace {
        steps = List.copyOf(steps);
    }

    public boolean isEmpty() { return steps.isEmpty(); }

    /** The trace, one step per paragraph, with only the changed variables. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        Map<String, String> prev = Map.of();
        for (Step s : steps) {
            if (s.backTo() > 0) {
                sb.append(String.format("%3d  %s  (loops back to state %d)%n", s.number(), s.action(), s.backTo()));
                continue;
            }
            sb.append(String.format("%3d  %s%n", s.number(), s.action()));
            for (Map.Entry<String, String> e : s.vars().entrySet()) {
                if (e.getValue().equals(prev.get(e.getKey()))) continue;
                String value = e.getValue().replace("\n", "\n" + " ".repeat(9 + e.getKey().length()));
                sb.append("       ").append(e.getKey()).append(" = ").append(value).append(System.lineSeparator());
            }
            if (!s.vars().isEmpty()) prev = s.vars();
        }
        return sb.toString();
    }
}
