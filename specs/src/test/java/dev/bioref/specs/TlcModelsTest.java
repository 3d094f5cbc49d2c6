// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.specs;

import dev.bioref.model.Coverage;
import dev.bioref.model.Manifest;
import dev.bioref.model.ModelCheck;
import dev.bioref.model.SpecsLayout;
import dev.bioref.model.TlcResult;
import dev.bioref.model.TlcRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every model of {@code expected-results.tsv} as one test: TLC must do what the manifest says
 * (a pass row passes; a mutant row violates exactly the property it names). Default rows
 * always; thorough rows with {@code -Pthorough} (or {@code -Dbioref.thorough=true}).
 *
 * <p>Run one spec's models: {@code mvn -o -B -pl specs -am verify -Dtest=TlcModelsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbioref.tlc.only=BufCache}. The summary is printed
 * at the end and written to {@code specs/target/tlc-summary.md}; counterexamples go to
 * {@code specs/target/traces/}.
 *
 * <p>Models are checked side by side, {@code bioref.tlc.parallel} TLC JVMs at a time (default: the
 * number of CPUs), the biggest recorded models first, so that the small ones, whose time is
 * mostly JVM start-up and parsing, fill the gaps. Each dynamic test waits for its own model; the
 * reports are printed whole, model by model. {@code -Dbioref.tlc.parallel=1} checks one at a time.
 */
class TlcModelsTest {
    private static final SpecsLayout LAYOUT = SpecsLayout.of(Path.of("src", "main", "tla"));
    private static final List<ModelCheck.Checked> CHECKED = Collections.synchronizedList(new ArrayList<>());
    /** Whether pass rows run with TLC's {@code -coverage} and each spec gets a dead-action test (default on). */
    private static final boolean COVERAGE = Boolean.parseBoolean(System.getProperty("bioref.tlc.coverage", "true"));
    private static final Path COVERAGE_EXCEPTIONS = LAYOUT.manifest().resolveSibling("coverage-exceptions.tsv");
    private static final ModelCheck CHECK =
            new ModelCheck(new TlcRunner(LAYOUT.specsDir(), LAYOUT.outDir()), LAYOUT.outDir(), System.out, COVERAGE);

    @TestFactory
    @DisplayName("TLC")
    Stream<DynamicTest> everyModelDoesWhatTheManifestSays() throws Exception {
        Manifest manifest = Manifest.read(LAYOUT.manifest());
        boolean thorough = Boolean.getBoolean("bioref.thorough");
        String only = System.getProperty("bioref.tlc.only", "");
        List<Manifest.Row> rows = manifest.active(thorough).stream()
                .filter(r -> only.isEmpty() || List.of(only.split(",")).contains(r.spec())
                        || List.of(only.split(",")).contains(r.config()))
                .toList();
        assertFalse(rows.isEmpty(), "no model selected from " + LAYOUT.manifest() + " (bioref.tlc.only=" + only + ")");
        Map<Manifest.Row, Future<ModelCheck.Checked>> running = startAll(rows);
        Stream<DynamicTest> models = rows.stream().map(row -> DynamicTest.dynamicTest(
                row.config() + " [" + row.expect().name().toLowerCase()
                        + (row.property().equals("-") ? "" : " " + row.property()) + "]",
                () -> {
                    ModelCheck.Checked c = outcome(running.get(row));
                    CHECKED.add(c);
                    assertTrue(c.ok(), row.config() + ": " + c.reason());
                }));
        return COVERAGE ? Stream.concat(models, coverageTests(manifest.active(thorough), rows, running, thorough)) : models;
    }

    /**
     * One test per spec whose passing models (not the Liveness ones; see {@link ModelCheck#coverage})
     * were all selected: every action of the spec must
     * generate a state in at least one of them, unless coverage-exceptions.tsv names it with a
     * reason (and an exception whose action did fire is stale, also a failure). A spec without a
     * passing model in the selection (HammerIoMulti by default) gets no such test.
     */
    private static Stream<DynamicTest> coverageTests(List<Manifest.Row> active, List<Manifest.Row> rows,
                                                     Map<Manifest.Row, Future<ModelCheck.Checked>> running,
                                                     boolean thorough) {
        Map<String, List<Manifest.Row>> passBySpec = new LinkedHashMap<>();
        for (Manifest.Row r : active) {
            if (CHECK.coverage(r)) passBySpec.computeIfAbsent(r.spec(), k -> new ArrayList<>()).add(r);
        }
        return passBySpec.entrySet().stream()
                .filter(e -> rows.containsAll(e.getValue()))
                .map(e -> DynamicTest.dynamicTest("coverage " + e.getKey() + " [" + e.getValue().size()
                        + " passing models, no dead action]", () -> {
                    List<Map<Coverage.Action, Long>> runs = new ArrayList<>();
                    for (Manifest.Row r : e.getValue()) {
                        ModelCheck.Checked c = outcome(running.get(r));
                        assertTrue(c.ok() && c.result().outcome() == TlcResult.Outcome.PASS,
                                r.config() + " did not pass, so " + e.getKey() + "'s coverage is incomplete: " + c.reason());
                        Map<Coverage.Action, Long> cov = Coverage.parse(c.result().output());
                        assertFalse(cov.isEmpty(), r.config() + ": no coverage report in TLC's output");
                        runs.add(cov);
                    }
                    Map<Coverage.Action, Long> merged = Coverage.merge(runs);
                    List<String> problems = Coverage.check(e.getKey(), merged, Coverage.readExceptions(COVERAGE_EXCEPTIONS), thorough);
                    System.out.println("coverage " + e.getKey() + ": " + merged.size() + " actions over "
                            + e.getValue().size() + " passing models, dead: " + Coverage.dead(merged));
                    assertTrue(problems.isEmpty(), String.join("\n", problems));
                }));
    }

    /** Submits every model to a pool of {@code bioref.tlc.parallel} threads, biggest recorded first. */
    private static Map<Manifest.Row, Future<ModelCheck.Checked>> startAll(List<Manifest.Row> rows) {
        int parallel = Integer.getInteger("bioref.tlc.parallel", Runtime.getRuntime().availableProcessors());
        if (parallel < 1) throw new IllegalArgumentException("bioref.tlc.parallel must be at least 1, was " + parallel);
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "tlc-model");
            t.setDaemon(true);
            return t;
        });
        Map<Manifest.Row, Future<ModelCheck.Checked>> running = new LinkedHashMap<>();
        rows.stream()
                .sorted(Comparator.comparingLong((Manifest.Row r) -> r.distinct().orElse(0)).reversed())
                .forEach(row -> running.put(row, pool.submit(() -> CHECK.check(row))));
        pool.shutdown();
        return running;
    }

    private static ModelCheck.Checked outcome(Future<ModelCheck.Checked> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }

    @AfterAll
    static void summary() {
        if (CHECKED.isEmpty()) return;
        List<ModelCheck.Checked> inManifestOrder = new ArrayList<>(CHECKED);
        inManifestOrder.sort(Comparator.comparingInt(c -> c.row().line()));
        CHECK.writeSummary(inManifestOrder);
    }
}
