// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.stress;

import dev.bioref.stress.JcstressRun.Fate;
import dev.bioref.stress.JcstressRun.Kind;
import dev.bioref.stress.JcstressRun.Tally;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fails the build when a selected JCStress test checked nothing. JCStress's exit status only
 * covers the tests it ran and sampled: a test it skips (more actors than CPUs) or runs without
 * a sample leaves no [FAILED] and exit 0, so the build passed while checking nothing
 * ({@link JcstressRun} says how each shows in JCStress 0.16's output). This checker reads the
 * genuine run's result blob and requires every test the run's {@code -t} selects to have
 * samples, naming each one that does not and why.
 *
 * <p>One exception, by JCStress's design, listed on one line and not failed: a
 * {@code Mode.Termination} test in sanity mode ("not run in this mode"); each such test needs
 * an ordinary-mode twin ({@code *Asleep}) to be checked in a sanity build.
 *
 * <p>The blob it read is renamed {@code *.bin.gz.checked} (JCStress's {@code -p} still reads
 * it), so a later build whose JCStress wrote no blob fails here instead of passing on an old one.
 *
 * <p>Usage (the stress module runs it in {@code verify}, right after the genuine run, whose
 * working directory is {@code target/jcstress-genuine}):
 * <pre>java -cp target/bioref-stress.jar dev.bioref.stress.EveryTestRan \
 *     target/jcstress-genuine '^(?!.*\.(broken|mutants|pending)\.)dev\.bioref\.' sanity</pre>
 * Optional last argument: the CPUs JCStress could use (default: this machine's), only to
 * explain a skip. The check itself is proved to bite in every build by
 * {@link MutantsMustFail}, whose run must have this check fail on
 * {@code dev.bioref.stress.broken.SkippedThreeActors}, and by {@code EveryTestRanTest} on a
 * saved blob.
 */
public final class EveryTestRan {
    private EveryTestRan() { }

    public static void main(String[] args) {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: EveryTestRan <jcstress-working-dir> <test-regex> <mode> [<cpus>]");
            System.exit(2);
        }
        int cpus = args.length == 4 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        System.exit(run(Path.of(args[0]), args[1], args[2], cpus, System.out));
    }

    /** Checks the newest unchecked blob in {@code dir} against the selection, then marks it checked. */
    static int run(Path dir, String regex, String mode, int cpus, PrintStream out) {
        Path blob;
        Map<String, Tally> results;
        try {
            blob = JcstressRun.newestBlob(dir);
            results = JcstressRun.read(blob);
            Files.move(blob, blob.resolveSibling(blob.getFileName() + ".checked"));
        } catch (IOException e) {
            out.println("EveryTestRan: " + e.getMessage());
            return 1;
        }
        return check(JcstressRun.select(regex), regex, results, mode, cpus, blob, out);
    }

    /**
     * Prints the fate of every selected test and returns 0 if each was checked (or is a
     * Termination test in sanity mode), 1 otherwise.
     */
    static int check(List<String> selected, String regex, Map<String, Tally> results, String mode, int cpus,
                     Path blob, PrintStream out) {
        out.println();
        out.println("JCStress: every selected test must have run (-t " + regex + ", -m " + mode + "; " + blob + "):");
        if (selected.isEmpty()) {
            out.println("  EveryTestRan: no test matches the selection: the run checked nothing");
            return 1;
        }
        List<String> strays = new ArrayList<>();
        for (String t : results.keySet()) if (!selected.contains(t)) strays.add(t);
        if (!strays.isEmpty()) {
            out.println("  EveryTestRan: the blob has results for tests outside the selection, so it is not this run's: " + strays);
            return 1;
        }
        List<Fate> fates = JcstressRun.judge(selected, results, mode, cpus);
        List<String> inMode = new ArrayList<>();
        int bad = 0;
        for (Fate f : fates) {
            switch (f.kind()) {
                case RAN -> out.printf("  ran        %s  (%s)%n", f.test(), f.reason());
                case NOT_RUN_IN_MODE -> inMode.add(f.test());
                default -> {
                    bad++;
                    out.printf("  %-10s %s: %s%n", label(f.kind()), f.test(), f.reason());
                }
            }
        }
        if (!inMode.isEmpty()) {
            out.println("  not run in this mode (Mode.Termination, no samples in " + mode + "; their ordinary-mode twins check them): "
                    + String.join(", ", inMode));
        }
        out.printf("%d ran, %d not run in this mode, %d UNCHECKED, of %d selected%n",
                fates.size() - inMode.size() - bad, inMode.size(), bad, fates.size());
        if (bad > 0) out.println("An UNCHECKED test passed JCStress without checking anything: the build fails.");
        return bad == 0 ? 0 : 1;
    }

    private static String label(Kind k) {
        return switch (k) {
            case NOT_RUN -> "NOT RUN";
            case NO_SAMPLES -> "NO SAMPLES";
            case ERROR -> "ERROR";
            default -> k.name();
        };
    }
}
