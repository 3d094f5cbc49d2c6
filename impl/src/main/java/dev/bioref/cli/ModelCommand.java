// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import dev.bioref.model.Manifest;
import dev.bioref.model.ModelCheck;
import dev.bioref.model.SpecsLayout;
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

    @Option(names = "--workers", paramLabel = "N", defaultValue = "auto",
            description = "TLC worker threads: auto or a number (default: ${DEFAULT-VALUE})")
    String workers;

    @Option(names = "--list", description = "list the models that would run, and stop")
    boolean list;

    @Override public Integer call() throws Exception {
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
        TlcRunner runner = new TlcRunner(layout.specsDir(), layout.outDir(), workers,
                System.getProperty("bioref.tlc.heap", "1g"), Long.getLong("bioref.tlc.timeoutSeconds", 1800));
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
