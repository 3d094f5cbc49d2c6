// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.stress;

import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.TestInfo;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.runners.TestList;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one JCStress run did with each test it was asked to run, read from the run's result
 * blob ({@code jcstress-results-<time>.bin.gz}, which JCStress 0.16 writes into its working
 * directory; the HTML under {@code -r} is rendered from it, and {@code java -jar
 * bioref-stress.jar -p <blob> -v} prints it again).
 *
 * <p>JCStress 0.16 can leave a selected test unchecked while exiting 0 and printing no
 * verdict line for it, in two ways this class tells apart:
 * <ul>
 *   <li><b>not run</b>: a test needing more CPUs than JCStress may use (one per actor; a
 *       Termination test's one actor is scheduled alone, its signal does not count) has no
 *       scheduling class. JCStress says so only once,
 *       in the start-up banner ("3 actors: No scheduling is possible, these tests would not
 *       run."), then leaves the test out of the run: no result, no [OK], no [FAILED];</li>
 *   <li><b>no samples</b>: the test ran but produced no sample, which is what sanity mode does
 *       to every {@code Mode.Termination} test: JCStress prints {@code [OK]} over an empty
 *       result table.</li>
 * </ul>
 * A third, rarer way: a test whose API the JVM lacks gets status {@code API_MISMATCH}, which
 * JCStress prints as SKIPPED without failing the run (its README: "mismatched tests will be
 * just skipped"); it is counted as not run too.
 * Both read as a pass. {@link #judge} names them.
 */
final class JcstressRun {
    private static final Pattern BLOB = Pattern.compile("jcstress-results-.*\\.bin\\.gz");

    /** Everything the blob says about one test, over all its JVM and compilation configurations. */
    record Tally(String test, long samples, int configs, Status worst) { }

    /** A selected test's fate in a run. */
    enum Kind {
        /** Ran and produced samples: JCStress's own verdict ([OK]/[FAILED]) is about something. */
        RAN,
        /** A Mode.Termination test in sanity mode: ran, no samples, by JCStress's design. */
        NOT_RUN_IN_MODE,
        /** Absent from the results: JCStress skipped it. */
        NOT_RUN,
        /** Present but without a single sample. */
        NO_SAMPLES,
        /** JCStress reported an error status for it (it fails the run itself for those). */
        ERROR
    }

    record Fate(String test, Kind kind, String reason) {
        boolean checked() { return kind == Kind.RAN; }
    }

    private JcstressRun() { }

    /** The test classes a JCStress {@code -t} regex selects, as JCStress selects them (find, not match). */
    static List<String> select(String regex) {
        Pattern p = Pattern.compile(regex);
        List<String> out = new ArrayList<>();
        for (String t : new TreeSet<>(TestList.tests())) if (p.matcher(t).find()) out.add(t);
        return out;
    }

    /** The newest result blob in {@code dir} (the names carry the start time, so they sort by it). */
    static Path newestBlob(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("no JCStress working directory " + dir);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> BLOB.matcher(p.getFileName().toString()).matches())
                    .max((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .orElseThrow(() -> new IOException("no jcstress-results-*.bin.gz in " + dir
                            + ": JCStress did not run there (or its blob was already checked)"));
        }
    }

    /** Reads a result blob: one tally per test that has at least one result in it. */
    static Map<String, Tally> read(Path blob) throws IOException {
        InProcessCollector collector = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(blob.toString(), collector);
        try {
            reader.dump();
        } catch (ClassNotFoundException e) {
            throw new IOException("cannot read the JCStress blob " + blob + ": " + e, e);
        } finally {
            reader.close();
        }
        Map<String, Tally> out = new TreeMap<>();
        for (TestResult r : collector.getTestResults()) {
            Tally t = out.get(r.getName());
            long samples = r.getTotalCount() + (t == null ? 0 : t.samples());
            int configs = 1 + (t == null ? 0 : t.configs());
            Status worst = t == null ? r.status() : t.worst().combine(r.status());
            out.put(r.getName(), new Tally(r.getName(), samples, configs, worst));
        }
        return out;
    }

    /** The CPUs JCStress must place a test's actors on (one each; a Termination test's signal is not counted). */
    static int threads(String test) {
        TestInfo info = TestList.getInfo(test);
        if (info == null) throw new IllegalArgumentException("not a JCStress test of this jar: " + test);
        return info.threads();
    }

    /** Whether the class is a {@code @JCStressTest(Mode.Termination)} (read without initialising it). */
    static boolean termination(String test) {
        try {
            Class<?> c = Class.forName(test, false, JcstressRun.class.getClassLoader());
            JCStressTest a = c.getAnnotation(JCStressTest.class);
            return a != null && a.value() == Mode.Termination;
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("JCStress test class not on the classpath: " + test, e);
        }
    }

    /**
     * The fate of each selected test in a run, in selection order.
     *
     * @param mode the run's {@code -m} (sanity runs no sample of a Termination test)
     * @param cpus the CPUs JCStress could use (its {@code -c}, else the machine's)
     */
    static List<Fate> judge(Collection<String> selected, Map<String, Tally> results, String mode, int cpus) {
        List<Fate> out = new ArrayList<>();
        for (String test : selected) {
            Tally t = results.get(test);
            int threads = threads(test);
            if (t == null) {
                out.add(new Fate(test, Kind.NOT_RUN, threads > cpus
                        ? "skipped by JCStress: " + threads + " actors need " + threads
                          + " CPUs, JCStress had " + cpus + " (\"No scheduling is possible, these tests would not run\");"
                          + " use at most " + cpus + " actors, start a third party as a thread from an actor"
                        : "absent from the results although it needs only " + threads + " of " + cpus
                          + " CPUs: JCStress did not run it (see the run's log)"));
            } else if (t.worst() == Status.API_MISMATCH) {
                out.add(new Fate(test, Kind.NOT_RUN, "skipped by JCStress: API_MISMATCH (the test needs an API this JVM"
                        + " lacks; JCStress labels it SKIPPED and does not fail the run)"));
            } else if (t.worst() != Status.NORMAL) {
                out.add(new Fate(test, Kind.ERROR, "JCStress reported " + t.worst() + " (" + t.samples() + " samples)"));
            } else if (t.samples() == 0 && termination(test) && mode.equals("sanity")) {
                out.add(new Fate(test, Kind.NOT_RUN_IN_MODE, "Mode.Termination: sanity mode runs no sample of it"));
            } else if (t.samples() == 0) {
                out.add(new Fate(test, Kind.NO_SAMPLES, "ran in " + t.configs()
                        + " configuration(s) without a single sample: its [OK] checked nothing"));
            } else {
                out.add(new Fate(test, Kind.RAN, t.samples() + " samples in " + t.configs() + " configuration(s)"));
            }
        }
        return out;
    }
}
