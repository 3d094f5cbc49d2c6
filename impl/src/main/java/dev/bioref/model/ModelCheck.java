// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Checks TLC models against the manifest: the runner behind {@code mvn verify} (specs module)
 * and {@code ./bioref model}.
 *
 * <p>Interface: {@link #check(Manifest.Row)} runs one row, prints one progress line (and the
 * counterexample, if TLC found one) and returns a {@link Checked}; {@link #judge} is the pure
 * comparison of a result with its row; {@link #writeSummary} prints the summary table and
 * writes {@code tlc-summary.md} and {@code tlc-summary.tsv} into the output directory.
 *
 * <p>Rules. An unexpected outcome fails: a pass row that TLC rejects, a violation row (a
 * mutant) that TLC passes, a violation of another property than the one named, and any TLC
 * error (printed with TLC's whole output). A state count or depth that differs from the
 * recorded one is a warning, not a failure; the depth only when TLC ran with one worker (see
 * {@link #judge(Manifest.Row, TlcResult, boolean)}).
 */
public final class ModelCheck {
    private final TlcRunner runner;
    private final Path outDir;
    private final PrintStream log;
    private final boolean coverage;

    /** One checked row: the row, TLC's result, whether it was as expected, why not, and warnings. */
    public record Checked(Manifest.Row row, TlcResult result, boolean ok, String reason, List<String> warnings) {
        public Checked {
            Objects.requireNonNull(reason, "reason");
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Rows with fewer recorded distinct states than this (and the default build's violation rows,
     * which record none and stop at the first counterexample) run TLC with C1 only ({@link TlcRunner}): start-up
     * dominates them. {@code -Dbioref.tlc.c1MaxDistinct=0} runs every model with C2.
     */
    static final long C1_MAX_DISTINCT = Long.getLong("bioref.tlc.c1MaxDistinct", 50_000);

    /** Whether TLC start-up dominates {@code row}, so it runs with C1 only. */
    static boolean small(Manifest.Row row) {
        if (C1_MAX_DISTINCT <= 0) return false;
        if (row.distinct().isPresent()) return row.distinct().getAsLong() < C1_MAX_DISTINCT;
        return row.expect() == Manifest.Expect.VIOLATION && row.profile().equals("default");
    }

    public ModelCheck(TlcRunner runner, Path outDir, PrintStream log) {
        this(runner, outDir, log, false);
    }

    /**
     * {@code coverage}: pass rows run with TLC's {@code -coverage}, so that the output of each
     * carries the states every action generated ({@link Coverage}). Not violation rows: they stop
     * at the first counterexample and say nothing about dead actions. Not the {@code *Liveness*}
     * rows: coverage slows TLC's liveness checking most (measured, CPU s without/with:
     * MCHammerIoProtocol_Liveness.cfg 27.3/38.7, MCHammerFlusherSeq_Liveness.cfg 17.1/23.0), and
     * each has the Next of a safety model of its spec that is covered.
     */
    public ModelCheck(TlcRunner runner, Path outDir, PrintStream log, boolean coverage) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.outDir = Objects.requireNonNull(outDir, "outDir");
        this.log = Objects.requireNonNull(log, "log");
        this.coverage = coverage;
    }

    /**
     * Pass rows with at least this many recorded distinct states (or none recorded) run without
     * coverage: on the four {@code *_Big} default models it costs 46 CPU s more (measured, see
     * proofs-notes/specs.md "Action coverage"). {@code -Dbioref.tlc.coverageMaxDistinct=0}
     * (the thorough profile) covers every pass row.
     */
    static final long COVERAGE_MAX_DISTINCT = Long.getLong("bioref.tlc.coverageMaxDistinct", 50_000);

    /** Whether {@code row} runs with TLC's {@code -coverage} (see the constructor). */
    public boolean coverage(Manifest.Row row) {
        if (!coverage || row.expect() != Manifest.Expect.PASS || row.config().contains("Liveness")) return false;
        if (COVERAGE_MAX_DISTINCT <= 0) return true;
        return row.distinct().isPresent() && row.distinct().getAsLong() < COVERAGE_MAX_DISTINCT;
    }

    /**
     * Runs TLC for {@code row}, prints a progress line and any counterexample, and judges it. Safe
     * to call from several threads at once: everything after the start line is printed in one
     * piece, so the reports of models checked side by side do not interleave.
     */
    public Checked check(Manifest.Row row) {
        log.println("TLC " + row.config() + " (" + row.module() + ", expect " + expected(row) + ") ...");
        TlcResult r = runner.run(row.config(), row.module(), small(row), coverage(row));
        Checked c = judge(row, r, runner.singleWorker());
        StringBuilder out = new StringBuilder();
        out.append(progressLine(c)).append('\n');
        for (String w : c.warnings()) out.append("WARN ").append(row.config()).append(": ").append(w).append('\n');
        if (!r.trace().isEmpty()) {
            Path saved = saveTrace(c);
            out.append("Counterexample (").append(r.describe()).append("), saved in ").append(saved).append(":\n");
            out.append(r.trace().render());
        }
        if (!c.ok()) {
            out.append("FAIL ").append(row.config()).append(": ").append(c.reason()).append('\n');
            if (r.outcome() == TlcResult.Outcome.ERROR || r.trace().isEmpty()) {
                out.append("---- TLC output (").append(String.join(" ", runner.command(row.config(), row.module(), small(row), coverage(row)))).append(") ----\n");
                out.append(r.output()).append('\n');
                out.append("---- end of TLC output ----\n");
            }
        }
        synchronized (log) {
            log.print(out);
            log.flush();
        }
        return c;
    }

    /** Compares TLC's result with what the row expects, as for a single-worker run. */
    public static Checked judge(Manifest.Row row, TlcResult r) {
        return judge(row, r, true);
    }

    /**
     * Compares TLC's result with what the row expects. {@code exactDepth}: whether the reported
     * depth is exact. With several workers TLC's breadth-first search is not strictly level by
     * level and the depth it reports moves by a level between identical runs (seen here: 45, 46,
     * 47 on one model; distinct and total state counts do not move), so a changed depth is then
     * not reported.
     */
    public static Checked judge(Manifest.Row row, TlcResult r, boolean exactDepth) {
        List<String> warnings = new ArrayList<>();
        if (r.outcome() == TlcResult.Outcome.ERROR) {
            return new Checked(row, r, false, "TLC did not finish normally (exit " + r.exitCode()
                    + "): parse/semantic error, false ASSUME, or crash; see TLC's output", warnings);
        }
        if (row.expect() == Manifest.Expect.PASS) {
            if (r.outcome() != TlcResult.Outcome.PASS) {
                return new Checked(row, r, false, "expected pass, TLC reported " + r.describe(), warnings);
            }
            compare("distinct states", row.distinct(), r.distinct(), warnings);
            compare("total states", row.total(), r.total(), warnings);
            if (exactDepth) compare("depth", row.depth(), r.depth(), warnings);
            return new Checked(row, r, true, "as expected", warnings);
        }
        if (r.outcome() == TlcResult.Outcome.PASS) {
            return new Checked(row, r, false, "mutant passed: expected " + row.property()
                    + " to be violated but TLC found no error, so the spec cannot see this bug", warnings);
        }
        boolean named = Arrays.asList(r.property().split("\\|")).contains(row.property());
        if (!named) {
            return new Checked(row, r, false, "expected " + row.property() + " to be violated, TLC reported "
                    + r.describe(), warnings);
        }
        return new Checked(row, r, true, "violated as expected", warnings);
    }

    private static void compare(String what, OptionalLong recorded, OptionalLong now, List<String> warnings) {
        if (recorded.isPresent() && (now.isEmpty() || now.getAsLong() != recorded.getAsLong())) {
            warnings.add(what + " changed: recorded " + recorded.getAsLong() + ", now "
                    + (now.isPresent() ? now.getAsLong() : "unknown") + " (update specs/expected-results.tsv if intended)");
        }
    }

    private static String expected(Manifest.Row row) {
        return row.expect() == Manifest.Expect.PASS ? "pass" : "violation of " + row.property();
    }

    public static String progressLine(Checked c) {
        TlcResult r = c.result();
        return String.format("%-4s %s: %s, %s distinct / %s total states, depth %s, %.1f s",
                c.ok() ? "OK" : "FAIL", c.row().config(), r.describe(), num(r.distinct()), num(r.total()),
                num(r.depth()), r.wallMillis() / 1000.0);
    }

    private static String num(OptionalLong v) { return v.isPresent() ? Long.toString(v.getAsLong()) : "-"; }

    private Path saveTrace(Checked c) {
        TlcResult r = c.result();
        String base = c.row().config().replace(".cfg", "");
        Path dir = outDir.resolve("traces");
        Path file = dir.resolve(base + ".txt");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, "Counterexample for " + c.row().config() + " (module " + c.row().module()
                    + "): " + r.describe() + ", expected " + expected(c.row()) + "\n"
                    + "Each step: state number, action, the variables that changed.\n\n"
                    + r.trace().render(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(base + ".tlc.out"), r.output(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the trace for " + c.row().config(), e);
        }
        return file;
    }

    /** Prints the summary table and writes tlc-summary.md and tlc-summary.tsv; returns the markdown. */
    public String writeSummary(List<Checked> checked) {
        StringBuilder md = new StringBuilder();
        StringBuilder tsv = new StringBuilder("config\tmodule\tprofile\texpect\tproperty\toutcome\tdistinct\ttotal\tdepth\tseconds\tverdict\tnote\n");
        md.append("| config | expect | TLC said | distinct | total | depth | time (s) | verdict |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---|\n");
        int failed = 0;
        int warned = 0;
        long millis = 0;
        for (Checked c : checked) {
            TlcResult r = c.result();
            millis += r.wallMillis();
            if (!c.ok()) failed++;
            if (!c.warnings().isEmpty()) warned++;
            String verdict = !c.ok() ? "FAIL: " + c.reason() : c.warnings().isEmpty() ? "ok" : "ok, WARN: " + String.join("; ", c.warnings());
            md.append(String.format("| %s | %s | %s | %s | %s | %s | %.1f | %s |%n", c.row().config(), expected(c.row()),
                    r.describe(), num(r.distinct()), num(r.total()), num(r.depth()), r.wallMillis() / 1000.0, verdict));
            tsv.append(String.join("\t", c.row().config(), c.row().module(), c.row().profile(),
                    c.row().expect().name().toLowerCase(), c.row().property(), r.outcome().name().toLowerCase()
                            + (r.outcome().isViolation() ? ":" + r.property() : ""),
                    num(r.distinct()), num(r.total()), num(r.depth()), String.format("%.1f", r.wallMillis() / 1000.0),
                    c.ok() ? "ok" : "FAIL", c.ok() ? String.join("; ", c.warnings()) : c.reason())).append('\n');
        }
        md.append(String.format("%n%d models, %d as expected, %d failed, %d with changed state counts; TLC time %.1f s.%n",
                checked.size(), checked.size() - failed, failed, warned, millis / 1000.0));
        try {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("tlc-summary.md"), "# TLC summary\n\n" + md, StandardCharsets.UTF_8);
            Files.writeString(outDir.resolve("tlc-summary.tsv"), tsv.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TLC summary into " + outDir, e);
        }
        log.println();
        log.println("TLC summary (" + outDir.resolve("tlc-summary.md") + "):");
        log.print(md);
        return md.toString();
    }

    /** True when every row was as expected. */
    public static boolean allOk(List<Checked> checked) {
        return checked.stream().allMatch(Checked::ok);
    }
}
