// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Action coverage of TLC runs ({@code -coverage}): which actions of a spec never fired in any
 * of its passing models. A dead action is a spec bug until shown otherwise (DmBufio's
 * {@code get} once never fired because its Begin contradicted itself), so the default build
 * fails on one unless {@code specs/coverage-exceptions.tsv} names it with the reason.
 *
 * <p>Interface: {@link #parse} reads the last coverage report of one TLC output;
 * {@link #merge} adds up several; {@link #dead} lists the actions with zero generated states;
 * {@link #readExceptions} reads the allow-list; {@link #check} compares the two and returns
 * the problems (empty: fine).
 *
 * <p>TLC 2.18 prints each action of {@code Next} (an operator used with several arguments
 * once, under its definition's line) as
 * {@code <Name line L, col C to line L2, col C2 of module M>: distinct:generated}; invariants and
 * properties are printed without counts and are ignored. The report is cumulative; the last one
 * printed is the final one.
 */
public final class Coverage {
    private Coverage() { }

    /** One action, as TLC names it: its definition's module, name and line. */
    public record Action(String module, String name, int line) implements Comparable<Action> {
        public Action {
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(name, "name");
        }

        @Override
        public int compareTo(Action o) {
            int c = module.compareTo(o.module);
            return c != 0 ? c : Integer.compare(line, o.line);
        }

        @Override
        public String toString() { return module + "!" + name + " (line " + line + ")"; }
    }

    /**
     * An allow-list row: this spec's action may be dead, for this reason. {@code scope}
     * {@code all}: dead in every model (a sound abstraction, say why); {@code default}: dead in
     * the default build's models only, covered by a thorough model (so under {@code -Pthorough}
     * the row excuses nothing and the action must fire).
     */
    public record Allowed(String spec, String action, String scope, String reason, int lineNo) {
        public Allowed {
            if (!scope.equals("all") && !scope.equals("default")) {
                throw new IllegalArgumentException("coverage exception scope must be all or default, was '" + scope
                        + "' (line " + lineNo + ")");
            }
        }
    }

    private static final Pattern HEADER = Pattern.compile("^The coverage statistics at ", Pattern.MULTILINE);
    private static final Pattern LINE = Pattern.compile(
            "^<(\\w+) line (\\d+), col \\d+ to line \\d+, col \\d+ of module (\\w+)>: (\\d+):(\\d+)\\s*$", Pattern.MULTILINE);

    /** Action -> generated states, from the last coverage report in {@code output}; empty if there is none. */
    public static Map<Action, Long> parse(String output) {
        int last = -1;
        Matcher h = HEADER.matcher(output);
        while (h.find()) last = h.start();
        Map<Action, Long> generated = new LinkedHashMap<>();
        if (last < 0) return generated;
        Matcher m = LINE.matcher(output);
        m.region(last, output.length());
        while (m.find()) {
            if (m.group(1).equals("Init")) continue;     // the initial predicate, not an action
            Action a = new Action(m.group(3), m.group(1), Integer.parseInt(m.group(2)));
            generated.merge(a, Long.parseLong(m.group(5)), Long::sum);
        }
        return generated;
    }

    /** The sum over several runs (an action a run does not print counts 0 there). */
    public static Map<Action, Long> merge(Collection<Map<Action, Long>> runs) {
        Map<Action, Long> sum = new TreeMap<>();
        for (Map<Action, Long> r : runs) r.forEach((a, g) -> sum.merge(a, g, Long::sum));
        return sum;
    }

    /** The actions that generated no state at all. */
    public static List<Action> dead(Map<Action, Long> merged) {
        return merged.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * Reads the allow-list: tab-separated {@code spec action scope reason}, {@code #} comments
     * and blank lines ignored. A malformed line throws, naming the file and the line.
     */
    public static List<Allowed> readExceptions(Path file) throws IOException {
        if (!Files.exists(file)) return List.of();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Allowed> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank() || l.startsWith("#")) continue;
            String[] f = l.split("\t");
            if (f.length != 4 || f[0].isBlank() || f[1].isBlank() || f[2].isBlank() || f[3].isBlank()) {
                throw new IllegalArgumentException(file + " line " + (i + 1)
                        + ": expected 4 tab-separated fields (spec, action, scope, reason), got '" + l + "'");
            }
            out.add(new Allowed(f[0].strip(), f[1].strip(), f[2].strip(), f[3].strip(), i + 1));
        }
        return out;
    }

    /**
     * The problems of one spec: each dead action that is not allow-listed, and each allow-listed
     * action of {@code spec} that fired after all or that the spec does not have (a stale or
     * misspelt row). Empty when the coverage is as the allow-list says. {@code thorough}: the
     * models include the thorough ones, so only {@code all} rows apply.
     */
    public static List<String> check(String spec, Map<Action, Long> merged, List<Allowed> exceptions, boolean thorough) {
        List<String> problems = new ArrayList<>();
        List<Allowed> mine = exceptions.stream()
                .filter(e -> e.spec().equals(spec) && (!thorough || e.scope().equals("all"))).toList();
        for (Action a : dead(merged)) {
            if (mine.stream().noneMatch(e -> e.action().equals(a.name()))) {
                problems.add("action " + a + " never fired in any passing model of " + spec
                        + ": a dead action (spec bug?), or add it with the reason to coverage-exceptions.tsv");
            }
        }
        for (Allowed e : mine) {
            List<Map.Entry<Action, Long>> named = merged.entrySet().stream()
                    .filter(x -> x.getKey().name().equals(e.action())).toList();
            if (named.isEmpty()) {
                problems.add("coverage-exceptions.tsv line " + e.lineNo() + ": " + spec + " has no action " + e.action()
                        + " in TLC's coverage report");
            } else if (named.stream().anyMatch(x -> x.getValue() > 0)) {
                problems.add("coverage-exceptions.tsv line " + e.lineNo() + ": " + spec + "'s " + e.action()
                        + " fired (" + named.stream().mapToLong(Map.Entry::getValue).sum()
                        + " states generated): remove the stale exception");
            }
        }
        return problems;
    }
}
