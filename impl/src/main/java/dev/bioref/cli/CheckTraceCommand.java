// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import dev.bioref.model.SpecsLayout;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./bioref check-trace FILE --spec NAME}: validates an NDJSON trace (format v1,
 * proofs-notes/traces.md) against a TLA+ spec with TLC, for this port or any other
 * implementation that emits the format.
 */
@Command(name = "check-trace",
        description = {"Validate an NDJSON trace (format v1, proofs-notes/traces.md) against a TLA+ spec with TLC.",
                "Prints the verdict, the action coverage and, on failure, the first unmatched event and the spec state before it.",
                "Exit status: 0 accepted, 1 rejected, 2 usage error or malformed trace, 3 environment error."},
        mixinStandardHelpOptions = true)
public final class CheckTraceCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the trace, one JSON event per line")
    Path file;

    @Option(names = "--spec", required = true, paramLabel = "NAME", description = "the spec to check against (bound: LoopbackDevice, and the specs bound by dev.bioref.trace.Trace<NAME>Binding; proofs-notes/traces.md)")
    String specName;

    @Option(names = "--specs-dir", paramLabel = "DIR",
            description = "directory of the .tla files (default: specs/src/main/tla of this checkout)")
    Path specsDir;

    @CommandLine.Mixin VerboseOption verbose;

    @Override public Integer call() {
        TraceSpec ts;
        SpecsLayout layout;
        List<String> lines;
        try {
            ts = TraceSpec.named(specName);
            layout = SpecsLayout.of(specsDir != null ? specsDir : ModelCommand.defaultSpecsDir());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no trace file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace file " + file, e);
        }
        TraceCheck.Result r;
        try {
            r = new TraceCheck(layout.specsDir(), layout.outDir().resolve("trace-check")).check(ts, lines);
        } catch (TraceCheck.BadTrace e) {
            throw new CommandLine.ParameterException(spec.commandLine(), file + " " + e.getMessage());
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        java.io.PrintWriter err = spec.commandLine().getErr();
        out.print(r.render(ts.name()));
        out.printf("TLC: %d events in %.1f s (%.0f events/s)%n", r.events(), r.tlcMillis() / 1000.0,
                r.events() * 1000.0 / Math.max(1, r.tlcMillis()));
        if (r.verdict() == TraceCheck.Verdict.ERROR) {
            if (verbose.verbose) err.println(r.tlcOutput());
            err.println("bioref check-trace: environment error: TLC did not decide on " + file
                    + (verbose.verbose ? "" : " (--verbose prints TLC's output)"));
            err.flush();
            out.flush();
            return Main.ENVIRONMENT;
        }
        if (r.verdict() == TraceCheck.Verdict.REJECTED) {
            out.println("replay: ./bioref check-trace " + file + " --spec " + ts.name());
            out.flush();
            return Main.CHECK_FAILED;
        }
        out.flush();
        return Main.OK;
    }
}
