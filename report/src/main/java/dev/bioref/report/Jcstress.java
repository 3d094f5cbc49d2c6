// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the stress module's JCStress runs left behind. The genuine run's result blob
 * ({@code stress/target/jcstress-genuine/jcstress-results-*.bin.gz[.checked]}, read as
 * {@code EveryTestRan} reads it) gives each test's samples and, graded against the test's
 * {@code @Outcome} table, the FORBIDDEN outcomes seen; the must-fail runs' logs
 * ({@code stress/target/jcstress-mutants/run-N/jcstress.log}, written by {@code MutantsMustFail})
 * give which mutant JCStress reported {@code [FAILED]}, on which run.
 *
 * <p>Grading needs the tests' outcome tables, which are in the stress jar's
 * {@code META-INF/TestList}: with the jar on the class path each test is graded, without it the
 * forbidden count is unknown (-1). Only {@link JcstressBlob} touches JCStress classes (this class must load without
 * them); the caller checks {@link #available()} first.
 */
final class Jcstress {
    private Jcstress() { }

    /** One genuine test over all its configurations. {@code forbidden} = -1: not graded. */
    record Test(String name, long samples, int configs, String status, long forbidden, List<String> forbiddenOutcomes) { }

    private static final Pattern BLOB = Pattern.compile("jcstress-results-.*\\.bin\\.gz(\\.checked)?");
    private static final Pattern VERDICT = Pattern.compile("\\[(OK|FAILED|ERROR|SKIPPED)\\]\\s+(\\S+)");
    private static final Pattern RUN_DIR = Pattern.compile("run-(\\d+)");

    /** Whether JCStress's reader is on the class path. */
    static boolean available() {
        try {
            Class.forName("org.openjdk.jcstress.infra.collectors.DiskReadCollector", false, Jcstress.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The newest result blob in {@code dir} (checked or not), if any. */
    static Optional<Path> newestBlob(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> BLOB.matcher(p.getFileName().toString()).matches())
                    .max((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        }
    }

    /** Reads a result blob (needs JCStress on the class path: check {@link #available()}). */
    static List<Test> readBlob(Path blob) throws IOException {
        return JcstressBlob.read(blob);
    }

    /**
     * The must-fail runs' verdicts: test name → the first run that reported it {@code [FAILED]}
     * (0 if it ran in some run but was never reported FAILED). Empty if there are no logs.
     */
    static Map<String, Integer> mutantVerdicts(Path mutantsDir) throws IOException {
        Map<String, Integer> out = new TreeMap<>();
        if (!Files.isDirectory(mutantsDir)) return out;
        List<Path> runs;
        try (Stream<Path> s = Files.list(mutantsDir)) {
            runs = s.filter(p -> RUN_DIR.matcher(p.getFileName().toString()).matches())
                    .sorted((a, b) -> Integer.compare(runNumber(a), runNumber(b))).toList();
        }
        for (Path run : runs) {
            Path log = run.resolve("jcstress.log");
            if (!Files.isRegularFile(log)) continue;
            int n = runNumber(run);
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = VERDICT.matcher(line);
                if (!m.find()) continue;
                String test = m.group(2);
                if (m.group(1).equals("FAILED")) out.merge(test, n, (old, now) -> old == 0 ? now : Math.min(old, now));
                else out.putIfAbsent(test, 0);
            }
        }
        return out;
    }

    private static int runNumber(Path p) {
        Matcher m = RUN_DIR.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }
}
