// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import dev.bioref.model.Manifest;
import dev.bioref.model.ModelCheck;
import dev.bioref.model.Simulation;
import dev.bioref.model.SpecsLayout;
import dev.bioref.model.TlcResult;
import dev.bioref.model.TlcRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code ./bioref model [SPEC...]}: runs TLC on the specs' models and compares each outcome with
 * {@code specs/expected-results.tsv}, as {@code mvn verify} does in the specs module.
 */
@Command(name = "model",
        description = {"Model-check the TLA+ specs with TLC and compare with specs/expected-results.tsv.",
                "SPEC is a spec name (BufCache, LoopbackDevice, ...) or a cfg file name; none means every default model.",
                "Exit status: 0 when every model did what the manifest expects, 1 otherwise."},
        mixinStandardHelpOptions = true)
public final class ModelCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "SPEC", description = "specs or cfg files to check (default: all)")
    List<String> specs = new ArrayList<>();

    @Option(names = "--specs-dir", paramLabel = "DIR",
            description = "directory of the .tla/.cfg files (default: specs/src/main/tla of this checkout)")
    Path specsDir;

    @Option(names = "--thorough", description = "also run the thorough-profile models")
    boolean thorough;

    @Option(names = "--workers", paramLabel = "N",
            description = "TLC worker threads: auto or a number (default: auto; 1 with --simulate, so that a seed replays);"
                    + " with --distributed, the number of TLCWorker JVMs (default: 2)")
    String workers;

    @Option(names = "--distributed", description = "TLC's distributed mode on this machine: a TLCServer and --workers"
            + " TLCWorker JVMs over RMI on 127.0.0.1 (safety models only)")
    boolean distributed;

    @Option(names = "--simulate", description = "TLC's random simulation instead of the exhaustive check:"
            + " --traces behaviours of at most --depth states each, from --seed; reports behaviours, states and invariant checks per second")
    boolean simulate;

    @Option(names = "--depth", paramLabel = "D", description = "with --simulate: states per behaviour at most (default: 100, TLC's)")
    Integer depth;

    @Option(names = "--traces", paramLabel = "N", description = "with --simulate: behaviours to generate (default: 1000)")
    Long traces;

    @Option(names = "--seed", paramLabel = "S", description = "with --simulate: TLC's random seed (default: 1)")
    Long seed;

    @Option(names = "--list", description = "list the models that would run, and stop")
    boolean list;

    @CommandLine.Mixin VerboseOption verbose;

    @Override public Integer call() throws Exception {
        if (workers != null && !workers.matches("auto|[1-9][0-9]{0,3}")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--workers must be 'auto' or a number from 1 to 9999, was '" + workers + "'");
        }
        PrintStream out = System.out;
        SpecsLayout layout;
        Manifest manifest;
        List<Manifest.Row> rows;
        try {
            layout = SpecsLayout.of(specsDir != null ? specsDir : defaultSpecsDir());
            if (!Files.isRegularFile(layout.manifest())) {
                throw new IllegalArgumentException("no manifest " + layout.manifest() + " next to the specs directory " + layout.specsDir());
            }
            manifest = Manifest.read(layout.manifest());
            rows = select(manifest, specs, thorough);
            if (!simulate && (depth != null || traces != null || seed != null)) {
                throw new IllegalArgumentException("--depth, --traces and --seed need --simulate");
            }
            if (simulate && depth != null && depth < 1) throw new IllegalArgumentException("--depth must be at least 1, was " + depth);
            if (simulate && traces != null && traces < 1) throw new IllegalArgumentException("--traces must be at least 1, was " + traces);
            if (simulate && distributed) throw new IllegalArgumentException("--simulate and --distributed exclude each other");
            if (distributed && workers != null && !workers.matches("[1-9][0-9]{0,2}")) {
                throw new IllegalArgumentException("--workers with --distributed is the number of TLCWorker JVMs (1-999), was '" + workers + "'");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (list) {
            for (Manifest.Row r : rows) {
                out.println(r.config() + "\t" + r.module() + "\t" + r.profile() + "\t"
                        + r.expect().name().toLowerCase() + "\t" + r.property());
            }
            return 0;
        }
        TlcRunner runner;
        try {
            runner = new TlcRunner(layout.specsDir(), layout.outDir(),
                    workers == null || distributed ? (simulate ? "1" : "auto") : workers,
                    System.getProperty("bioref.tlc.heap", "1g"), Long.getLong("bioref.tlc.timeoutSeconds", 1800));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (simulate) return simulate(runner, rows, out);
        if (distributed) return distributed(runner, rows, workers != null ? Integer.parseInt(workers) : 2, layout, out);
        ModelCheck check = new ModelCheck(runner, layout.outDir(), out);
        out.println("bioref model: " + rows.size() + " models from " + layout.manifest());
        List<ModelCheck.Checked> done = new ArrayList<>();
        int i = 0;
        for (Manifest.Row r : rows) {
            out.print("[" + (++i) + "/" + rows.size() + "] ");
            done.add(check.check(r));
        }
        check.writeSummary(done);
        return ModelCheck.allOk(done) ? 0 : 1;
    }

    /** {@code --simulate}: each row simulated, one line each; exit 1 if one did what its row does not allow. */
    private int simulate(TlcRunner runner, List<Manifest.Row> rows, PrintStream out) {
        Simulation sim = new Simulation(runner, out, depth != null ? depth : 100, traces != null ? traces : 1000,
                seed != null ? seed : 1);
        out.println("bioref model --simulate: " + rows.size() + " models");
        int failed = 0;
        int i = 0;
        for (Manifest.Row r : rows) {
            out.print("[" + (++i) + "/" + rows.size() + "] ");
            if (!sim.check(r).ok()) failed++;
        }
        out.println(rows.size() + " models simulated, " + (rows.size() - failed) + " as the manifest allows, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    /**
     * {@code --distributed}: each row checked by a TLCServer and {@code n} TLCWorker JVMs, judged as
     * a single-JVM run is (same verdict, same distinct states as recorded); the total of generated
     * states and the depth are not compared, since the workers' caches and TLC's distributed
     * breadth-first order change them.
     */
    private int distributed(TlcRunner runner, List<Manifest.Row> rows, int n, SpecsLayout layout, PrintStream out) {
        out.println("bioref model --distributed: " + rows.size() + " models, each on a TLCServer and " + n
                + " TLCWorker JVMs (127.0.0.1)");
        List<ModelCheck.Checked> done = new ArrayList<>();
        int i = 0;
        for (Manifest.Row r : rows) {
            out.println("[" + (++i) + "/" + rows.size() + "] TLC distributed " + r.config() + " (" + r.module() + ") ...");
            TlcResult res;
            try {
                res = runner.distributed(r.config(), r.module(), n);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Manifest.Row noTotal = new Manifest.Row(r.config(), r.module(), r.profile(), r.expect(), r.property(),
                    r.distinct(), OptionalLong.empty(), r.depth(), r.line());
            ModelCheck.Checked c = ModelCheck.judge(noTotal, res, false);
            done.add(new ModelCheck.Checked(r, res, c.ok(), c.reason(), c.warnings()));
            out.println(ModelCheck.progressLine(c));
            for (String w : c.warnings()) out.println("WARN " + r.config() + ": " + w);
            if (!res.trace().isEmpty()) {
                out.println("Counterexample as TLC's distributed server printed it (it may start mid-behaviour);"
                        + " the whole trace: ./bioref model --workers 1 " + r.config());
                out.print(res.trace().render());
            }
            if (!c.ok()) {
                out.println("FAIL " + r.config() + ": " + c.reason());
                if (res.outcome() == TlcResult.Outcome.ERROR) {
                    out.println("---- TLC server output (and workers'; all in " + layout.outDir().resolve("tlc-distributed") + ") ----");
                    out.println(res.output());
                    out.println("---- end of TLC output ----");
                }
            }
        }
        long failed = done.stream().filter(c -> !c.ok()).count();
        out.println(done.size() + " models, " + (done.size() - failed) + " as expected, " + failed + " failed (distributed, "
                + n + " workers)");
        return failed == 0 ? 0 : 1;
    }

    /**
     * The manifest rows named by {@code names} (spec or cfg), or all active rows when none is
     * named; throws IllegalArgumentException naming a name that matches no row.
     */
    static List<Manifest.Row> select(Manifest manifest, List<String> names, boolean thorough) {
        if (names.isEmpty()) return manifest.active(thorough);
        List<Manifest.Row> rows = new ArrayList<>();
        for (String name : names) {
            List<Manifest.Row> hit = manifest.rows().stream().filter(r ->
                    r.config().equals(name) || r.config().equals(name + ".cfg")
                            || ((r.spec().equals(name) || r.module().equals(name)) && (thorough || !r.thorough())))
                    .toList();
            if (hit.isEmpty()) {
                throw new IllegalArgumentException("no model named '" + name + "' in " + manifest.file() + " (specs: "
                                + String.join(", ", manifest.rows().stream().map(Manifest.Row::spec).distinct().toList()) + ")");
            }
            for (Manifest.Row r : hit) if (!rows.contains(r)) rows.add(r);
        }
        return rows;
    }

    /** $BIOREF_HOME/specs/src/main/tla, else ./specs/src/main/tla, else next to the running jar's checkout. */
    static Path defaultSpecsDir() {
        Path rel = Path.of("specs", "src", "main", "tla");
        String home = System.getenv("BIOREF_HOME");
        if (home != null && !home.isEmpty()) return Path.of(home).resolve(rel);
        if (Files.isDirectory(rel)) return rel;
        try {
            Path jar = Path.of(ModelCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // impl/target/bioref.jar or impl/target/classes → the checkout is three levels up
            Path repo = jar.getParent() == null ? null : jar.getParent().getParent() == null ? null
                    : jar.getParent().getParent().getParent();
            if (repo != null && Files.isDirectory(repo.resolve(rel))) return repo.resolve(rel);
        } catch (URISyntaxException | SecurityException e) {
            // fall through to the relative path, whose absence SpecsLayout reports
        }
        return rel;
    }
}
