// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes one Markdown page, {@code target/verification-report.md} at the repository root, from
 * what the build's modules left in their {@code target/} directories: every TLC model, every
 * Lincheck test, every JCStress test, the guard-switch (mutant) matrix, the crash states checked
 * and each module's time. It is what a user reads instead of the build log.
 *
 * <p>Interface: {@code java -cp report/target/classes[:stress/target/bioref-stress.jar]
 * dev.bioref.report.VerificationReport --root DIR [--build-start 2026-12-06T22:00:00Z|all]
 * [--profile TEXT] [--out FILE]}; the report module runs it last in {@code verify}.
 * {@link #render} is the whole report as a string, for tests. A missing input is "not run"
 * in its section, an unreadable one is named with the reason; neither fails the build. An
 * input written before {@code --build-start} is marked as from an earlier build.
 *
 * <p>Exit status: 0 report written; 2 usage error; 3 the report could not be written.
 */
public final class VerificationReport {
    private final Path root;
    private final Optional<Instant> buildStart;
    private final String profile;

    VerificationReport(Path root, Optional<Instant> buildStart, String profile) {
        this.root = root.toAbsolutePath().normalize();
        this.buildStart = buildStart;
        this.profile = profile;
    }

    public static void main(String[] args) {
        Path root = null;
        Path out = null;
        Optional<Instant> start = Optional.empty();
        String profile = "";
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--root" -> root = Path.of(v);
                    case "--out" -> out = Path.of(v);
                    case "--profile" -> profile = v;
                    case "--build-start" -> start = v.equals("all") ? Optional.empty() : Optional.of(Instant.parse(v));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (root == null) throw new IllegalArgumentException("--root DIR is required");
            if (!Files.isDirectory(root)) throw new IllegalArgumentException("--root " + root + " is not a directory");
        } catch (IllegalArgumentException | DateTimeParseException e) {
            System.err.println("VerificationReport: " + e.getMessage()
                    + " (usage: --root DIR [--build-start ISO-INSTANT|all] [--profile TEXT] [--out FILE])");
            System.exit(2);
            return;
        }
        Path file = out != null ? out : root.resolve("target").resolve("verification-report.md");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            VerificationReport report = new VerificationReport(root, start, profile);
            Files.writeString(file, report.render(), StandardCharsets.UTF_8);
            // the build log also shows, per spec, the traces and events validated and the action coverage (issue 15)
            System.out.println("Trace validation and action coverage (from the report):\n" + report.traces());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("VerificationReport: cannot write " + file + ": " + e.getMessage());
            System.exit(3);
            return;
        }
        System.out.println("Verification report: " + file.toAbsolutePath().normalize());
    }

    /** The whole report. */
    String render() {
        StringBuilder md = new StringBuilder("# bioref verification report\n\n");
        md.append("Written ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" from the `target/` outputs under `")
                .append(root).append("`");
        buildStart.ifPresent(s -> md.append("; build started ").append(s));
        if (!profile.isEmpty()) md.append("; ").append(profile);
        md.append(".\nA section says \"not run\" when its module left no output; an input older than the build start is marked"
                + " *from an earlier build*, and a surefire report older than it is left out. Regenerate from whatever is there with"
                + " `mvn -B -o -pl report verify -Dbioref.report.since=all`.\n\n");
        List<Surefire.Case> cases = new ArrayList<>();
        StringBuilder unreadable = new StringBuilder();
        for (String module : modules()) {
            try {
                Surefire.Result r = Surefire.read(module, root.resolve(module).resolve("target").resolve("surefire-reports"), buildStart);
                cases.addAll(r.cases());
                if (r.stale() > 0) {
                    unreadable.append("- ").append(module).append(": ").append(r.stale())
                            .append(" surefire report(s) older than the build start left out (tests an earlier build ran)\n");
                }
                for (Path p : r.unreadable()) unreadable.append("- unreadable surefire report (not well-formed XML): `").append(rel(p)).append("`\n");
            } catch (IOException e) {
                unreadable.append("- cannot list ").append(module).append("'s surefire reports: ").append(e.getMessage()).append('\n');
            }
        }
        section(md, "TLC models", () -> tlc());
        section(md, "Lincheck tests", () -> lincheck(cases));
        section(md, "JCStress tests", () -> jcstress());
        section(md, "Guard switches (mutants) and the detectors that caught them", () -> mutants(cases));
        section(md, "Crash states checked", () -> crashStates());
        section(md, "Time per module", () -> moduleTimes(cases));
        section(md, "Trace validation and action coverage", () -> traces());
        if (unreadable.length() > 0) md.append("\n").append(unreadable);
        return md.toString();
    }

    private interface Section { String body() throws IOException; }

    private void section(StringBuilder md, String title, Section s) {
        md.append("## ").append(title).append("\n\n");
        try {
            md.append(s.body());
        } catch (IOException | RuntimeException | LinkageError e) {
            md.append("Could not be read: ").append(e.getMessage()).append("\n");
        }
        md.append('\n');
    }

    /** The parent pom's modules, in reactor order, else the known four. */
    List<String> modules() {
        Path pom = root.resolve("pom.xml");
        List<String> out = new ArrayList<>();
        try {
            Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(pom, StandardCharsets.UTF_8));
            while (m.find()) out.add(m.group(1).trim());
        } catch (IOException e) {
            // fall through to the known modules
        }
        return out.isEmpty() ? List.of("impl", "specs", "linearizability", "stress") : out;
    }

    // ---- TLC

    String tlc() throws IOException {
        Path tsv = root.resolve("specs/target/tlc-summary.tsv");
        if (!Files.isRegularFile(tsv)) return "not run (no `specs/target/tlc-summary.tsv`).\n";
        List<TlcSummary.Row> rows = TlcSummary.read(tsv);
        StringBuilder sb = new StringBuilder(inputLine(tsv));
        sb.append("| model | profile | expect | TLC said | distinct | total | distinct/s | depth | time (s) | verdict |\n");
        sb.append("|---|---|---|---|---:|---:|---:|---:|---:|---|\n");
        int bad = 0;
        double secs = 0;
        for (TlcSummary.Row r : rows) {
            if (!r.verdict().equals("ok")) bad++;
            secs += r.seconds().orElse(0);
            String expect = r.expect().equals("pass") ? "pass" : "violation of " + r.property();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.config(), r.profile(), expect,
                    r.outcome(), n(r.distinct()), n(r.total()), n(r.distinctPerSecond()), n(r.depth()),
                    r.seconds().isPresent() ? String.format(Locale.ROOT, "%.1f", r.seconds().getAsDouble()) : "-",
                    r.verdict() + (r.note().isEmpty() ? "" : ": " + r.note())));
        }
        sb.append(String.format(Locale.ROOT, "%n%d models, %d as expected, %d not; TLC time %.1f s."
                + " distinct/s is distinct states over TLC's wall time (JVM start included).%n", rows.size(), rows.size() - bad, bad, secs));
        return sb.toString();
    }

    // ---- Lincheck

    private static final Pattern BUDGET = Pattern.compile("(?m)^\\S+ (model checking|stress): (.*)$");

    String lincheck(List<Surefire.Case> cases) {
        List<Surefire.Case> lc = cases.stream()
                .filter(c -> c.module().equals("linearizability") || c.className().contains("Lincheck")).toList();
        if (lc.isEmpty()) return "not run (no surefire reports from `linearizability/` and no `*Lincheck*` test elsewhere).\n";
        StringBuilder sb = new StringBuilder(inputLine(root.resolve("linearizability/target/surefire-reports")));
        sb.append("| test | mode | budget (iterations x invocations, threads x ops) | result | time (s) |\n|---|---|---|---|---:|\n");
        int failed = 0;
        for (Surefire.Case c : lc) {
            if (c.status() == Surefire.Status.FAILED || c.status() == Surefire.Status.ERROR) failed++;
            Matcher b = BUDGET.matcher(c.out());
            String budget = b.find() ? b.group(2) : "not logged";
            sb.append(String.format(Locale.ROOT, "| %s.%s | %s | %s | %s | %.1f |%n", c.simpleClass(), c.name(), lincheckMode(c),
                    budget, c.status().name().toLowerCase(Locale.ROOT), c.seconds()));
        }
        sb.append(String.format(Locale.ROOT, "%n%d Lincheck test cases, %d failed or in error. A *must be refuted* test passes"
                + " when Lincheck rejects the broken target.%n", lc.size(), failed));
        return sb.toString();
    }

    static String lincheckMode(Surefire.Case c) {
        String n = c.name().toLowerCase(Locale.ROOT);
        if (c.className().endsWith("RefutedTest") || c.className().endsWith("MutantsTest")) return "must be refuted";
        if (n.contains("modelchecking")) return "model checking";
        if (n.contains("stress")) return "stress";
        return "other";
    }

    // ---- JCStress

    String jcstress() throws IOException {
        StringBuilder sb = new StringBuilder();
        Path genuine = root.resolve("stress/target/jcstress-genuine");
        Optional<Path> blob = Jcstress.newestBlob(genuine);
        sb.append("### Genuine tests (samples, FORBIDDEN outcomes seen)\n\n");
        if (blob.isEmpty()) {
            sb.append("not run (no result blob in `stress/target/jcstress-genuine/`).\n\n");
        } else if (!Jcstress.available()) {
            sb.append("not read: JCStress is not on the report's class path (`stress/target/bioref-stress.jar` is missing); blob `")
                    .append(rel(blob.get())).append("`.\n\n");
        } else {
            sb.append(genuine(blob.get()));
        }
        sb.append("### Mutants and broken variants (must be reported FAILED)\n\n");
        Path mutantsDir = root.resolve("stress/target/jcstress-mutants");
        Map<String, Integer> v = Jcstress.mutantVerdicts(mutantsDir);
        if (v.isEmpty()) {
            sb.append("not run (no `stress/target/jcstress-mutants/run-*/jcstress.log`).\n");
            return sb.toString();
        }
        sb.append(inputLine(mutantsDir));
        sb.append("| class | verdict |\n|---|---|\n");
        int caught = 0;
        for (var e : v.entrySet()) {
            if (e.getValue() > 0) caught++;
            sb.append("| ").append(shortName(e.getKey())).append(" | ")
                    .append(e.getValue() > 0 ? "caught (FAILED on run " + e.getValue() + ")" : "not reported FAILED").append(" |\n");
        }
        sb.append(String.format(Locale.ROOT, "%n%d of %d reported FAILED. (A runner-guard proof such as `SkippedThreeActors`"
                + " is caught by not running, which MutantsMustFail judges; this table shows JCStress's verdict lines only.)%n", caught, v.size()));
        return sb.toString();
    }

    private String genuine(Path blob) {
        List<Jcstress.Test> tests;
        try {
            tests = Jcstress.readBlob(blob);
        } catch (IOException | RuntimeException | LinkageError e) {
            return "could not be read: `" + rel(blob) + "`: " + e.getMessage()
                    + " (a truncated blob: JCStress was stopped before it finished)\n\n";
        }
        StringBuilder sb = new StringBuilder(inputLine(blob));
        if (tests.isEmpty()) return sb.append("The blob holds no result: JCStress ran no test.\n\n").toString();
        sb.append("| test | samples | configurations | status | FORBIDDEN outcomes seen |\n|---|---:|---:|---|---|\n");
        long samples = 0;
        int withForbidden = 0;
        for (Jcstress.Test t : tests) {
            samples += t.samples();
            if (t.forbidden() > 0) withForbidden++;
            String f = t.forbidden() < 0 ? "not graded (test not in this jar)"
                    : t.forbidden() == 0 ? "0" : t.forbidden() + " (`" + String.join("`, `", t.forbiddenOutcomes()) + "`)";
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s |%n", shortName(t.name()), t.samples(), t.configs(), t.status(), f));
        }
        sb.append(String.format(Locale.ROOT, "%n%d tests, %d samples, %d with a FORBIDDEN outcome. A test with 0 samples"
                + " checked nothing (see the stress module's EveryTestRan output).%n%n", tests.size(), samples, withForbidden));
        return sb.toString();
    }

    private static String shortName(String fqcn) {
        return fqcn.startsWith("dev.bioref.") ? fqcn.substring("dev.bioref.".length()) : fqcn;
    }

    // ---- mutants matrix

    /** How one detector of one switch fared in this build. */
    enum Seen { CAUGHT, MISSED, NOT_RUN, UNKNOWN }

    String mutants(List<Surefire.Case> cases) throws IOException {
        Path md = root.resolve("proofs-notes/mutants.md");
        if (!Files.isRegularFile(md)) return "not available (no `proofs-notes/mutants.md`).\n";
        List<MutantsIndex.Entry> entries = MutantsIndex.read(md);
        Map<String, Integer> jc = Jcstress.mutantVerdicts(root.resolve("stress/target/jcstress-mutants"));
        Path tsv = root.resolve("specs/target/tlc-summary.tsv");
        List<TlcSummary.Row> tlc = Files.isRegularFile(tsv) ? TlcSummary.read(tsv) : List.of();
        StringBuilder sb = new StringBuilder("From the index `proofs-notes/mutants.md`: each detector it names, judged on this build's"
                + " outputs: ✔ caught (JCStress reported it FAILED; the TLC mutant row was rejected as expected; the must-fail"
                + " or mutation test passed), ✘ missed (ran and did not catch it), – not run in this build, ? the name identifies"
                + " no single check.\n\n| section | switch | detectors | caught by |\n|---|---|---|---:|\n");
        int switches = 0;
        int caughtSome = 0;
        for (MutantsIndex.Entry e : entries) {
            List<String> marks = new ArrayList<>();
            int caught = 0;
            int identified = 0;
            for (String d : e.detectors()) {
                Seen s = judgeDetector(d, jc, tlc, cases);
                if (s == Seen.CAUGHT) caught++;
                if (s != Seen.UNKNOWN) identified++;
                marks.add("`" + d + "` " + switch (s) { case CAUGHT -> "✔"; case MISSED -> "✘"; case NOT_RUN -> "–"; case UNKNOWN -> "?"; });
            }
            switches++;
            if (caught > 0) caughtSome++;
            sb.append("| ").append(e.section()).append(" | ").append(e.switchName().replace("|", "\\|")).append(" | ")
                    .append(String.join("; ", marks)).append(" | ").append(caught).append(" of ").append(identified).append(" |\n");
        }
        sb.append(String.format(Locale.ROOT, "%n%d rows, %d caught by at least one detector in this build.%n", switches, caughtSome));
        return sb.toString();
    }

    static Seen judgeDetector(String d, Map<String, Integer> jcstress, List<TlcSummary.Row> tlc, List<Surefire.Case> cases) {
        if (d.contains(".mutants.") || d.contains(".broken.")) {
            if (jcstress.isEmpty()) return Seen.NOT_RUN;
            for (var e : jcstress.entrySet()) {
                if (e.getKey().equals(d) || e.getKey().endsWith("." + d)) return e.getValue() > 0 ? Seen.CAUGHT : Seen.MISSED;
            }
            return Seen.NOT_RUN;
        }
        String name = d.replace(".cfg", "");
        List<TlcSummary.Row> models = tlc.stream().filter(r -> {
            String c = r.config().replace(".cfg", "");
            return c.equals(name) || (name.matches("[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+") && c.endsWith("_" + name));
        }).toList();
        if (!models.isEmpty()) {
            boolean ok = models.stream().allMatch(r -> r.verdict().equals("ok"));
            return ok ? Seen.CAUGHT : Seen.MISSED;
        }
        if (!d.matches("[A-Z][A-Za-z0-9]*(Test|Tests|Properties)(\\.[a-zA-Z0-9_]+)?")) return Seen.UNKNOWN;
        int dot = d.indexOf('.');
        String cls = dot < 0 ? d : d.substring(0, dot);
        String method = dot < 0 ? null : d.substring(dot + 1);
        List<Surefire.Case> hit = cases.stream()
                .filter(c -> c.simpleClass().equals(cls) && (method == null || c.name().equals(method) || c.name().startsWith(method + "("))).toList();
        if (hit.isEmpty()) return Seen.NOT_RUN;
        boolean passed = hit.stream().allMatch(c -> c.status() == Surefire.Status.PASSED);
        return passed ? Seen.CAUGHT : Seen.MISSED;
    }

    // ---- crash states

    private static final Pattern CRASH = Pattern.compile("(?i)([A-Za-z0-9_.]+)?:?\\s?crash states checked:?\\s*(\\d+)");

    String crashStates() throws IOException {
        StringBuilder found = new StringBuilder();
        for (String module : modules()) {
            Path dir = root.resolve(module).resolve("target/surefire-reports");
            if (!Files.isDirectory(dir)) continue;
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.getFileName().toString().matches(".*\\.(xml|txt)")).sorted().toList();
            }
            for (Path f : files) {
                Matcher m = CRASH.matcher(Files.readString(f, StandardCharsets.UTF_8));
                while (m.find()) {
                    found.append("- ").append(m.group(1) == null ? "" : m.group(1) + " ").append(m.group(2))
                            .append(" crash states (`").append(rel(f)).append("`)\n");
                }
            }
        }
        found.append(crashStatesFile());
        if (found.length() > 0) return found.toString();
        return "not logged: no surefire report holds a \"crash states checked: N\" line (HammerCrashConsistencyTest prints"
                + " its count to the console after its last test, where surefire does not keep it).\n";
    }

    /**
     * The figures a test wrote to {@code <module>/target/crash-states.txt} (one {@code key value}
     * a line: crash_states_checked, crash_states_torn, seconds, cpu_seconds, source; written by
     * impl's CrashStatesCountTest), as a list item; "" if no module has the file.
     */
    String crashStatesFile() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String module : modules()) {
            Path f = root.resolve(module).resolve("target/crash-states.txt");
            if (!Files.isRegularFile(f)) continue;
            java.util.Map<String, String> kv = new java.util.LinkedHashMap<>();
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String[] p = line.trim().split("\\s+", 2);
                if (p.length == 2) kv.put(p[0], p[1]);
            }
            if (!kv.containsKey("crash_states_checked")) {
                sb.append("- `").append(rel(f)).append("` holds no crash_states_checked line\n");
                continue;
            }
            sb.append("- ").append(kv.getOrDefault("source", "")).append(" ").append(kv.get("crash_states_checked"))
                    .append(" crash states (torn: ").append(kv.getOrDefault("crash_states_torn", "not logged")).append(")")
                    .append(kv.containsKey("seconds") ? ", " + kv.get("seconds") + " s" : "")
                    .append(kv.containsKey("cpu_seconds") ? " (" + kv.get("cpu_seconds") + " s CPU)" : "")
                    .append(" (`").append(rel(f)).append("`)\n");
        }
        return sb.toString();
    }

    // ---- trace validation (issue 15), from the records TraceCheck writes under <module>/target/trace-validation/

    /**
     * Per spec: the traces validated (accepted), the traces rejected (the must-fail trace checks and
     * the rejection tests; a test that expected acceptance fails the build on its own), the events
     * matched, and the action coverage of the accepted traces, with the actions no accepted trace
     * matched named. Records older than the build start are left out and counted.
     */
    String traces() throws IOException {
        record Spec(java.util.Map<String, Long> actions, long[] n) {}   // n: accepted, rejected, error, events validated, tlc ms
        java.util.Map<String, Spec> specs = new java.util.TreeMap<>();
        int stale = 0;
        for (String module : modules()) {
            Path dir = root.resolve(module).resolve("target").resolve("trace-validation");
            if (!Files.isDirectory(dir)) continue;
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(f -> f.getFileName().toString().endsWith(".tsv")).sorted().toList();
            }
            for (Path f : files) {
                if (buildStart.isPresent() && Files.getLastModifiedTime(f).toInstant().isBefore(buildStart.get())) {
                    stale++;
                    continue;
                }
                java.util.Map<String, String> kv = new java.util.LinkedHashMap<>();
                java.util.Map<String, Long> acts = new java.util.LinkedHashMap<>();
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    String[] p = line.split("\t");
                    if (p.length == 3 && p[0].equals("action")) acts.put(p[1], Long.parseLong(p[2]));
                    else if (p.length == 2) kv.put(p[0], p[1]);
                }
                String name = kv.get("spec");
                if (name == null) continue;
                Spec sp = specs.computeIfAbsent(name, k -> new Spec(new java.util.LinkedHashMap<>(), new long[5]));
                String verdict = kv.getOrDefault("verdict", "ERROR");
                boolean ok = verdict.equals("ACCEPTED");
                sp.n()[ok ? 0 : verdict.equals("REJECTED") ? 1 : 2]++;
                if (ok) sp.n()[3] += Long.parseLong(kv.getOrDefault("validated", "0"));
                sp.n()[4] += Long.parseLong(kv.getOrDefault("tlc_ms", "0"));
                for (var e : acts.entrySet()) sp.actions().merge(e.getKey(), ok ? e.getValue() : 0L, Long::sum);
            }
        }
        if (specs.isEmpty()) {
            return "not run: no module left records under `target/trace-validation/` (impl's trace validation tests write them)"
                    + (stale > 0 ? "; " + stale + " record(s) from an earlier build left out" : "") + ".\n";
        }
        StringBuilder sb = new StringBuilder("Every trace a test checked with TLC (`dev.bioref.trace.TraceCheck`): accepted traces"
                + " count towards coverage; rejected ones are the must-fail trace checks (a switched port's trace) and the"
                + " rejection tests of edited or hand-written failing traces.\n\n"
                + "| spec | traces accepted | traces rejected | errors | events validated | actions covered | TLC time (s) |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder detail = new StringBuilder();
        java.util.Map<String, String> uncovered = uncoveredActionReasons();
        for (var e : specs.entrySet()) {
            long[] n = e.getValue().n();
            var acts = e.getValue().actions();
            long covered = acts.values().stream().filter(v -> v > 0).count();
            sb.append("| ").append(e.getKey()).append(" | ").append(n[0]).append(" | ").append(n[1]).append(" | ").append(n[2])
                    .append(" | ").append(n[3]).append(" | ").append(covered).append(" of ").append(acts.size())
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", n[4] / 1000.0)).append(" |\n");
            detail.append("- **").append(e.getKey()).append("**: ");
            StringBuilder list = new StringBuilder();
            for (var a : acts.entrySet()) list.append(list.length() > 0 ? ", " : "").append(a.getKey()).append(' ').append(a.getValue());
            detail.append(list);
            List<String> zero = acts.entrySet().stream().filter(a -> a.getValue() == 0).map(Map.Entry::getKey).toList();
            detail.append(zero.isEmpty() ? " (every action matched)" : "; not matched by any accepted trace: " + String.join(", ", zero)
                    + " (proofs-notes/traces.md says why)").append('\n');
            for (String a : zero) {
                String why = uncovered.get(e.getKey() + "\t" + a);
                if (why != null) detail.append("  - ").append(a).append(": ").append(why).append('\n');
            }
        }
        sb.append("\nSteps matched per action (accepted traces):\n\n").append(detail);
        if (stale > 0) sb.append("\n").append(stale).append(" record(s) older than the build start left out.\n");
        return sb.toString();
    }

    /**
     * specs/trace/uncovered-actions.tsv: {@code spec<TAB>action<TAB>reason} for actions no accepted
     * trace matches, printed under the spec's coverage line; keyed {@code spec<TAB>action}.
     */
    java.util.Map<String, String> uncoveredActionReasons() throws IOException {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        Path f = root.resolve("specs/trace/uncovered-actions.tsv");
        if (!Files.isRegularFile(f)) return out;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] p = line.split("\t", 3);
            if (p.length == 3) out.put(p[0] + "\t" + p[1], p[2]);
        }
        return out;
    }

    // ---- time per module

    String moduleTimes(List<Surefire.Case> cases) throws IOException {
        StringBuilder sb = new StringBuilder("Tests: the sum of surefire's per-test times. Module: from the newest file each module"
                + " wrote under `target/`, the time since the previous module's newest file (the first module: since the build"
                + " start); an estimate from file times, blank where the module's outputs predate the build start.\n\n"
                + "| module | test cases | tests (s) | module (s, estimated) | last output |\n|---|---:|---:|---:|---|\n");
        Optional<Instant> prev = buildStart;
        for (String module : modules()) {
            List<Surefire.Case> mine = cases.stream().filter(c -> c.module().equals(module)).toList();
            double t = mine.stream().mapToDouble(Surefire.Case::seconds).sum();
            Optional<Instant> last = newest(root.resolve(module).resolve("target"), module.equals("report"));
            String span = "";
            if (last.isPresent() && prev.isPresent() && buildStart.isPresent() && !last.get().isBefore(buildStart.get())
                    && !last.get().isBefore(prev.get())) {
                span = String.format(Locale.ROOT, "%.0f", (last.get().toEpochMilli() - prev.get().toEpochMilli()) / 1000.0);
            }
            boolean fresh = last.isPresent() && (buildStart.isEmpty() || !last.get().isBefore(buildStart.get()));
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %s | %s |%n", module, mine.size(), t, span,
                    last.isEmpty() ? "not built" : last.get().truncatedTo(ChronoUnit.SECONDS) + (fresh ? "" : " (from an earlier build)")));
            if (last.isPresent() && fresh) prev = last;
        }
        return sb.toString();
    }

    /** The newest modification time under {@code dir}; for the report module, now (it is still running). */
    private static Optional<Instant> newest(Path dir, boolean running) throws IOException {
        if (!Files.isDirectory(dir)) return Optional.empty();
        if (running) return Optional.of(Instant.now());
        try (Stream<Path> s = Files.walk(dir, 3)) {
            return s.filter(Files::isRegularFile).map(p -> {
                try {
                    return Files.getLastModifiedTime(p);
                } catch (IOException e) {
                    return FileTime.fromMillis(0);
                }
            }).max(FileTime::compareTo).map(FileTime::toInstant);
        }
    }

    // ---- helpers

    private String inputLine(Path p) {
        StringBuilder sb = new StringBuilder("Input: `").append(rel(p)).append('`');
        try {
            Instant m = Files.getLastModifiedTime(p).toInstant();
            if (buildStart.isPresent() && m.isBefore(buildStart.get())) {
                sb.append(", *from an earlier build* (written ").append(m.truncatedTo(ChronoUnit.SECONDS)).append(')');
            }
        } catch (IOException e) {
            // no time: say nothing about freshness
        }
        return sb.append(".\n\n").toString();
    }

    private String rel(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(root) ? root.relativize(a).toString() : a.toString();
    }

    private static String n(java.util.OptionalLong v) { return v.isPresent() ? Long.toString(v.getAsLong()) : "-"; }

}
