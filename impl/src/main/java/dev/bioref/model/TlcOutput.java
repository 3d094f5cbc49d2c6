// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads TLC's console output (TLC2 2.18, plain mode, not {@code -tool}) into a {@link TlcResult}.
 *
 * <p>Interface: {@link #parse(String, int, List)} with the output, TLC's exit status and the
 * names the cfg lists under PROPERTY/PROPERTIES. TLC does not name a violated temporal
 * property; when the cfg lists exactly one, the result carries that name, otherwise the
 * names joined with {@code |}. Output that matches none of the known endings is an
 * {@link TlcResult.Outcome#ERROR}, never a pass.
 */
public final class TlcOutput {
    private TlcOutput() { }

    private static final Pattern INVARIANT = Pattern.compile("^Error: Invariant (\\S+) is violated", Pattern.MULTILINE);
    private static final Pattern ACTION_PROPERTY = Pattern.compile("^Error: Action property (\\S+) is violated", Pattern.MULTILINE);
    private static final Pattern TEMPORAL = Pattern.compile("^Error: Temporal properties were violated", Pattern.MULTILINE);
    private static final Pattern DEADLOCK = Pattern.compile("^Error: Deadlock reached", Pattern.MULTILINE);
    private static final Pattern SUCCESS = Pattern.compile("^Model checking completed\\. No error has been found\\.", Pattern.MULTILINE);
    private static final Pattern STATES = Pattern.compile("^(\\d+) states generated, (\\d+) distinct states found, (\\d+) states left on queue\\.", Pattern.MULTILINE);
    private static final Pattern DEPTH = Pattern.compile("^The depth of the complete state graph search is (\\d+)\\.", Pattern.MULTILINE);
    private static final Pattern STATE_HEADER = Pattern.compile("^(?:State (\\d+)|(\\d+)): (?:<(.*)>|(Stuttering))\\s*$");
    private static final Pattern BACK_TO = Pattern.compile("^Back to state (\\d+): <(.*)>\\s*$");
    private static final Pattern VAR_LINE = Pattern.compile("^(?:/\\\\ )?([A-Za-z_][A-Za-z0-9_]*) = (.*)$");

    /** Parses a whole TLC run. {@code wallMillis} is set to 0; the runner fills it in. */
    public static TlcResult parse(String output, int exitCode, List<String> cfgProperties) {
        TlcResult.Outcome outcome;
        String property = "-";
        Matcher m;
        if ((m = INVARIANT.matcher(output)).find()) {
            outcome = TlcResult.Outcome.INVARIANT_VIOLATED;
            property = m.group(1);
        } else if ((m = ACTION_PROPERTY.matcher(output)).find()) {
            outcome = TlcResult.Outcome.PROPERTY_VIOLATED;
            property = m.group(1);
        } else if (TEMPORAL.matcher(output).find()) {
            outcome = TlcResult.Outcome.PROPERTY_VIOLATED;
            property = cfgProperties.isEmpty() ? "TemporalProperty" : String.join("|", cfgProperties);
        } else if (DEADLOCK.matcher(output).find()) {
            outcome = TlcResult.Outcome.DEADLOCK;
            property = "Deadlock";
        } else if (SUCCESS.matcher(output).find() && exitCode == 0) {
            outcome = TlcResult.Outcome.PASS;
        } else {
            outcome = TlcResult.Outcome.ERROR;
        }
        OptionalLong total = OptionalLong.empty();
        OptionalLong distinct = OptionalLong.empty();
        Matcher s = STATES.matcher(output);
        while (s.find()) {                       // the last line is the final count
            total = OptionalLong.of(Long.parseLong(s.group(1)));
            distinct = OptionalLong.of(Long.parseLong(s.group(2)));
        }
        OptionalLong depth = OptionalLong.empty();
        Matcher d = DEPTH.matcher(output);
        while (d.find()) depth = OptionalLong.of(Long.parseLong(d.group(1)));
        Trace trace = outcome.isViolation() ? trace(output) : new Trace(List.of());
        return new TlcResult(outcome, property, distinct, total, depth, 0, exitCode, trace, output);
    }

    private static final Pattern SIM_PROGRESS = Pattern.compile("^Progress: ([\\d,]+) states checked", Pattern.MULTILINE);
    private static final Pattern SIM_FINISHED = Pattern.compile("^Finished in ", Pattern.MULTILINE);

    /**
     * Parses a simulation run ({@code -simulate}). TLC 2.18 ends a passing simulation with
     * "Progress: N states checked." and "Finished in ..." and exit status 0, without the model
     * checker's "No error has been found"; a violation reads as in {@link #parse}.
     */
    public static SimulationResult parseSimulation(String output, int exitCode, List<String> cfgProperties, int invariants,
                                                   long traces, int depth, long seed, long wallMillis) {
        TlcResult mc = parse(output, exitCode, cfgProperties);
        TlcResult.Outcome outcome = mc.outcome();
        if (outcome == TlcResult.Outcome.ERROR && exitCode == 0 && SIM_FINISHED.matcher(output).find()
                && SIM_PROGRESS.matcher(output).find() && !output.contains("\nError:") && !output.startsWith("Error:")) {
            outcome = TlcResult.Outcome.PASS;
        }
        OptionalLong states = OptionalLong.empty();
        Matcher m = SIM_PROGRESS.matcher(output);
        while (m.find()) states = OptionalLong.of(Long.parseLong(m.group(1).replace(",", "")));
        return new SimulationResult(outcome, mc.property(), traces, depth, seed, states, invariants, wallMillis, exitCode,
                mc.trace(), output);
    }

    private static final Pattern BEHAVIOR = Pattern.compile("^Error: The behavior up to this point is:", Pattern.MULTILINE);

    /**
     * Parses a distributed TLC server's output. TLC 2.18's {@code TLCServer} prints a violation
     * as "Error: The behavior up to this point is:" and the trace, without the line that names
     * the invariant (or says deadlock), so the property is the one the cfg can have broken: its
     * only invariant when deadlock checking is off (bioref's mutant cfgs list just the invariant
     * they must break), else every candidate joined with {@code |}, as for temporal properties.
     */
    public static TlcResult parseDistributed(String output, int exitCode, String cfgText) {
        TlcResult r = parse(output, exitCode, cfgProperties(cfgText));
        if (r.outcome() != TlcResult.Outcome.ERROR || !BEHAVIOR.matcher(output).find()) return r;
        List<String> candidates = new ArrayList<>(cfgInvariants(cfgText));
        if (!checkDeadlockOff(cfgText)) candidates.add("Deadlock");
        if (candidates.isEmpty()) return r;
        TlcResult.Outcome outcome = candidates.equals(List.of("Deadlock")) ? TlcResult.Outcome.DEADLOCK
                : TlcResult.Outcome.INVARIANT_VIOLATED;
        return new TlcResult(outcome, String.join("|", candidates), r.distinct(), r.total(), r.depth(), r.wallMillis(),
                exitCode, trace(output), output);
    }

    /** The counterexample TLC printed: every "State N: <Action ...>" block, in order. */
    public static Trace trace(String output) {
        List<Trace.Step> steps = new ArrayList<>();
        String[] lines = output.split("\\R", -1);
        int i = 0;
        while (i < lines.length) {
            Matcher h = STATE_HEADER.matcher(lines[i]);
            Matcher b = BACK_TO.matcher(lines[i]);
            if (b.matches()) {
                int back = Integer.parseInt(b.group(1));
                steps.add(new Trace.Step(steps.size() + 1, actionName(b.group(2)), Map.of(), back));
                i++;
                continue;
            }
            if (!h.matches()) { i++; continue; }
            int number = Integer.parseInt(h.group(1) != null ? h.group(1) : h.group(2));
            String action = h.group(4) != null ? "Stuttering" : actionName(h.group(3));
            Map<String, String> vars = new LinkedHashMap<>();
            String current = null;
            i++;
            for (; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank() || STATE_HEADER.matcher(line).matches() || BACK_TO.matcher(line).matches()
                        || line.startsWith("Error:") || STATES.matcher(line).find()) {
                    break;
                }
                Matcher v = VAR_LINE.matcher(line);
                boolean newVar = v.matches() && (line.startsWith("/\\ ") || current == null);
                if (newVar) {
                    current = v.group(1);
                    vars.put(current, v.group(2).strip());
                } else if (current != null) {
                    vars.put(current, vars.get(current) + "\n" + line.strip());
                }
            }
            steps.add(new Trace.Step(number, action, vars, 0));
        }
        return new Trace(steps);
    }

    /** "IncX line 6, col 9 to line 6, col 44 of module T" → "IncX"; "Initial predicate" → "Init". */
    static String actionName(String label) {
        if (label.equals("Initial predicate")) return "Init";
        int at = label.indexOf(" line ");
        return at > 0 ? label.substring(0, at) : label;
    }

    /** The names a cfg lists under PROPERTY / PROPERTIES, comments stripped. */
    public static List<String> cfgProperties(String cfgText) {
        return cfgNames(cfgText, "PROPERTY", "PROPERTIES");
    }

    /** Whether the cfg says {@code CHECK_DEADLOCK FALSE} (comments stripped). */
    public static boolean checkDeadlockOff(String cfgText) {
        String text = cfgText.replaceAll("(?s)\\(\\*.*?\\*\\)", " ").replaceAll("\\\\\\*[^\\n]*", " ");
        return text.matches("(?s).*\\bCHECK_DEADLOCK\\s+FALSE\\b.*");
    }

    /** The names a cfg lists under INVARIANT / INVARIANTS, comments stripped. */
    public static List<String> cfgInvariants(String cfgText) {
        return cfgNames(cfgText, "INVARIANT", "INVARIANTS");
    }

    private static List<String> cfgNames(String cfgText, String one, String many) {
        String text = cfgText.replaceAll("(?s)\\(\\*.*?\\*\\)", " ").replaceAll("\\\\\\*[^\\n]*", " ");
        List<String> names = new ArrayList<>();
        boolean in = false;
        for (String tok : text.trim().split("\\s+")) {
            if (tok.equals(one) || tok.equals(many)) { in = true; continue; }
            if (KEYWORDS.contains(tok)) { in = false; continue; }
            if (in && !tok.isEmpty()) names.add(tok);
        }
        return names;
    }

    private static final java.util.Set<String> KEYWORDS = java.util.Set.of(
            "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS",
            "SYMMETRY", "VIEW", "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS",
            "CHECK_DEADLOCK", "POSTCONDITION", "ALIAS", "TYPE", "TYPE_CONSTRAINT", "PROPERTY", "PROPERTIES");
}
