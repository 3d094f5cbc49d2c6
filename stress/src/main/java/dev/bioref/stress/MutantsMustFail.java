// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.stress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Proves the JCStress suite bites: every test class whose name matches a pattern (the
 * deliberately broken variants and the mutants, each with one guard of the port turned off)
 * must be reported {@code [FAILED]} by JCStress, each one on its own. A mutant that JCStress
 * does not catch fails this check; so does a pattern that matches no test.
 *
 * <p>JCStress's own exit status only says that <em>some</em> test failed; this runner reads
 * its per-test verdict lines so that one caught mutant cannot hide an uncaught one. A racy
 * mutant may escape a single sanity run, so an uncaught one is retried alone, up to
 * {@code attempts} runs in all, before it is declared uncaught.
 *
 * <p>A mutant JCStress did not run, or ran without a sample (more actors than CPUs; a
 * Termination test in sanity mode; see {@link JcstressRun}), is missed, with the reason, and
 * not retried: it would be skipped again. Each run gets its own working directory, so that its
 * result blob can be read. JCStress is given two CPUs ({@code -c 2}), this project's machine,
 * so that a mutant with more actors than that is missed on every machine, and so that the
 * {@link RunnerGuardProof} classes are skipped everywhere: such a class is caught when its run
 * shows it not run (what {@link EveryTestRan} fails the genuine run on), missed if it ran.
 *
 * <p>The first run may be narrowed to one JVM configuration (JCStress's {@code -jvmArgs}, e.g.
 * {@code -XX:TieredStopAtLevel=1}; JCStress still runs it with biased locking on and off): in
 * sanity mode a JCStress run is mostly JVM start-ups, one per test and configuration, so one
 * configuration instead of JCStress's eight (interpreter, C1, C2, C2 with its code-motion
 * randomizers, each with biased locking on and off) costs a quarter of the forks. A mutant
 * caught there is caught by a configuration the genuine run also uses. The runs after it
 * (each uncaught one alone) use all of JCStress's configurations, so a mutant is declared
 * missed only after {@code attempts - 1} full runs; the build passes 4 attempts, the 3 full
 * runs the check made before the first run was narrowed.
 *
 * <p>Usage (run by the stress module in {@code verify}):
 * <pre>java -cp target/bioref-stress.jar dev.bioref.stress.MutantsMustFail \
 *     target/bioref-stress.jar '^dev\.bioref\..*\.(broken|mutants)\.' sanity 4 target/mutants false -XX:TieredStopAtLevel=1</pre>
 * The optional sixth argument is JCStress's {@code -sc} (split per-actor compilation modes;
 * default true); the optional seventh, the first run's JVM arguments ({@code -} or absent: all
 * of JCStress's configurations in every run, as before).
 */
public final class MutantsMustFail {
    private static final Pattern FAILED = Pattern.compile("\\[FAILED\\]\\s+(\\S+)");
    /** The CPUs JCStress may use in the must-fail runs (its {@code -c}). */
    static final int CPUS = 2;

    private MutantsMustFail() { }

    public static void main(String[] args) throws Exception {
        if (args.length < 5 || args.length > 7) {
            System.err.println("usage: MutantsMustFail <stress-jar> <test-regex> <mode> <attempts> <results-dir>"
                    + " [<split-compilation true|false> [<first-run-jvm-args>|-]]");
            System.exit(2);
        }
        String split = args.length >= 6 ? args[5] : "true";
        String firstRunJvmArgs = args.length == 7 && !args[6].isBlank() && !args[6].equals("-") ? args[6].trim() : null;
        if (!split.equals("true") && !split.equals("false")) {
            System.err.println("MutantsMustFail: split compilation must be true or false, not " + split);
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        String mode = args[2];
        int attempts = Integer.parseInt(args[3]);
        Path results = Path.of(args[4]);

        List<String> tests = JcstressRun.select(args[1]);
        if (tests.isEmpty()) {
            System.err.println("MutantsMustFail: no JCStress test matches " + args[1] + ": nothing would be proven");
            System.exit(1);
        }
        Map<String, Integer> caughtOnRun = new LinkedHashMap<>();
        Map<String, String> note = new LinkedHashMap<>();   // why a test is settled without a [FAILED]
        for (String t : tests) caughtOnRun.put(t, 0);

        // one run over all of them, then each uncaught one alone
        for (int run = 1; run <= attempts; run++) {
            List<String> pending = new ArrayList<>();
            for (var e : caughtOnRun.entrySet()) if (e.getValue() == 0 && !note.containsKey(e.getKey())) pending.add(e.getKey());
            if (pending.isEmpty()) break;
            String regex = run == 1 ? args[1] : "^(" + String.join("|", quoteAll(pending)) + ")$";
            Path dir = results.resolve("run-" + run);
            List<String> failed = runJcstress(jar, regex, mode, split, run == 1 ? firstRunJvmArgs : null, dir);
            Map<String, JcstressRun.Fate> fate = new LinkedHashMap<>();
            for (JcstressRun.Fate f : JcstressRun.judge(pending, JcstressRun.read(JcstressRun.newestBlob(dir)), mode, CPUS)) {
                fate.put(f.test(), f);
            }
            for (String t : pending) {
                JcstressRun.Fate f = fate.get(t);
                String proof = proofReason(t);
                if (proof != null) {
                    // a runner-guard proof: it must not have run
                    if (f.kind() == JcstressRun.Kind.NOT_RUN) {
                        caughtOnRun.put(t, run);
                        note.put(t, "EveryTestRan would fail on it: " + f.reason());
                    } else {
                        note.put(t, "JCStress ran it (" + f.reason() + "), so it proves nothing about skipped tests"
                                + " (it is meant to be skipped: " + proof + ")");
                    }
                } else if (failed.contains(t)) {
                    caughtOnRun.put(t, run);
                } else if (!f.checked()) {
                    note.put(t, "not run, so it cannot be caught: " + f.reason());
                }
            }
        }

        System.out.println();
        System.out.println("JCStress mutants and broken variants (each must be caught):");
        int uncaught = 0;
        for (var e : caughtOnRun.entrySet()) {
            boolean ok = e.getValue() > 0;
            if (!ok) uncaught++;
            String why = note.containsKey(e.getKey()) ? ": " + note.get(e.getKey()) : "";
            String where = !ok ? "" : "  (run " + e.getValue()
                    + (e.getValue() == 1 && firstRunJvmArgs != null ? ", " + firstRunJvmArgs + " only" : "") + ")";
            System.out.printf("  %-8s %s%s%s%n", ok ? "caught" : "MISSED", e.getKey(), where, why);
        }
        System.out.printf("%d caught, %d missed, of %d%n", caughtOnRun.size() - uncaught, uncaught, caughtOnRun.size());
        if (uncaught > 0) {
            System.out.println("A missed mutant means the JCStress suite cannot see that guard's removal.");
            System.out.println("Replay one: java -jar " + jar + " -m " + mode + " -sc " + split + " -c " + CPUS + " -t '^<class>$'");
        }
        System.exit(uncaught == 0 ? 0 : 1);
    }

    /** The {@link RunnerGuardProof} reason of a test class, or null if it is an ordinary mutant. */
    private static String proofReason(String test) {
        try {
            RunnerGuardProof p = Class.forName(test, false, MutantsMustFail.class.getClassLoader())
                    .getAnnotation(RunnerGuardProof.class);
            return p == null ? null : p.value();
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("JCStress test class not on the classpath: " + test, e);
        }
    }

    private static List<String> quoteAll(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) out.add(Pattern.quote(n));
        return out;
    }

    /**
     * Runs JCStress as a child JVM; returns the test classes it reported [FAILED].
     *
     * @param jvmArgs JCStress's {@code -jvmArgs} (one JVM configuration), or null for all of its own
     */
    private static List<String> runJcstress(Path jar, String regex, String mode, String split, String jvmArgs, Path results)
            throws IOException, InterruptedException {
        Files.createDirectories(results);
        try (var old = Files.newDirectoryStream(results, "jcstress-results-*.bin.gz")) {
            for (Path p : old) Files.delete(p);   // an earlier build's blob must not stand in for this run's
        }
        Path log = results.resolve("jcstress.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toAbsolutePath().toString(), "-m", mode, "-sc", split, "-c", Integer.toString(CPUS),
                "-t", regex, "-r", results.toAbsolutePath().toString()));
        if (jvmArgs != null) {
            cmd.add("-jvmArgs");
            cmd.add(jvmArgs);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(results.toFile());   // JCStress writes its result blob into its working directory
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        int code = pb.start().waitFor();
        List<String> failed = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            var m = FAILED.matcher(line);
            if (m.find() && !failed.contains(m.group(1))) failed.add(m.group(1));
        }
        System.out.printf("jcstress -t %s%s: exit %d, %d test(s) failed (log: %s)%n", regex,
                jvmArgs == null ? "" : " -jvmArgs '" + jvmArgs + "'", code, failed.size(), log);
        if (!failed.isEmpty() && code == 0) {
            // the genuine suite relies on this exit status to fail the build (exec-maven-plugin)
            System.err.println("MutantsMustFail: jcstress reported FAILED tests but exited 0: a FORBIDDEN outcome"
                    + " in the genuine suite would not fail the build");
            System.exit(1);
        }
        return failed;
    }
}
