package dev.bioref.stress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
 * <p>Usage (run by the stress module in {@code verify}):
 * <pre>java -cp target/bioref-stress.jar dev.bioref.stress.MutantsMustFail \
 *     target/bioref-stress.jar '^dev\.bioref\..*\.(broken|mutants)\.' sanity 3 target/mutants false</pre>
 * The optional last argument is JCStress's {@code -sc} (split per-actor compilation modes;
 * default true).
 */
public final class MutantsMustFail {
    private static final Pattern FAILED = Pattern.compile("\\[FAILED\\]\\s+(\\S+)");

    private MutantsMustFail() { }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println("usage: MutantsMustFail <stress-jar> <test-regex> <mode> <attempts> <results-dir> [<split-compilation true|false>]");
            System.exit(2);
        }
        String split = args.length == 6 ? args[5] : "true";
        if (!split.equals("true") && !split.equals("false")) {
            System.err.println("MutantsMustFail: split compilation must be true or false, not " + split);
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Pattern select = Pattern.compile(args[1]);
        String mode = args[2];
        int attempts = Integer.parseInt(args[3]);
        Path results = Path.of(args[4]);

        List<String> tests = new ArrayList<>();
        for (String t : listTests()) if (select.matcher(t).find()) tests.add(t);
        if (tests.isEmpty()) {
            System.err.println("MutantsMustFail: no JCStress test matches " + args[1] + ": nothing would be proven");
            System.exit(1);
        }
        Map<String, Integer> caughtOnRun = new LinkedHashMap<>();
        for (String t : tests) caughtOnRun.put(t, 0);

        // one run over all of them, then each uncaught one alone
        for (int run = 1; run <= attempts; run++) {
            List<String> pending = new ArrayList<>();
            for (var e : caughtOnRun.entrySet()) if (e.getValue() == 0) pending.add(e.getKey());
            if (pending.isEmpty()) break;
            String regex = run == 1 ? args[1] : "^(" + String.join("|", quoteAll(pending)) + ")$";
            for (String failed : runJcstress(jar, regex, mode, split, results.resolve("run-" + run))) {
                if (caughtOnRun.getOrDefault(failed, -1) == 0) caughtOnRun.put(failed, run);
            }
        }

        System.out.println();
        System.out.println("JCStress mutants and broken variants (each must be caught):");
        int uncaught = 0;
        for (var e : caughtOnRun.entrySet()) {
            boolean ok = e.getValue() > 0;
            if (!ok) uncaught++;
            System.out.printf("  %-8s %s%s%n", ok ? "caught" : "MISSED", e.getKey(),
                    ok ? "  (run " + e.getValue() + ")" : "");
        }
        System.out.printf("%d caught, %d missed, of %d%n", caughtOnRun.size() - uncaught, uncaught, caughtOnRun.size());
        if (uncaught > 0) {
            System.out.println("A missed mutant means the JCStress suite cannot see that guard's removal.");
            System.out.println("Replay one: java -jar " + jar + " -m " + mode + " -sc " + split + " -t '^<class>$'");
        }
        System.exit(uncaught == 0 ? 0 : 1);
    }

    private static List<String> quoteAll(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) out.add(Pattern.quote(n));
        return out;
    }

    /** Runs JCStress as a child JVM; returns the test classes it reported [FAILED]. */
    private static List<String> runJcstress(Path jar, String regex, String mode, String split, Path results)
            throws IOException, InterruptedException {
        Files.createDirectories(results);
        Path log = results.resolve("jcstress.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "-m", mode, "-sc", split, "-t", regex, "-r", results.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        int code = pb.start().waitFor();
        List<String> failed = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            var m = FAILED.matcher(line);
            if (m.find() && !failed.contains(m.group(1))) failed.add(m.group(1));
        }
        System.out.printf("jcstress -t %s: exit %d, %d test(s) failed (log: %s)%n", regex, code, failed.size(), log);
        if (!failed.isEmpty() && code == 0) {
            // the genuine suite relies on this exit status to fail the build (exec-maven-plugin)
            System.err.println("MutantsMustFail: jcstress reported FAILED tests but exited 0: a FORBIDDEN outcome"
                    + " in the genuine suite would not fail the build");
            System.exit(1);
        }
        return failed;
    }

    /** The test class names in META-INF/TestList (length-prefixed strings after each JCTEST marker). */
    static List<String> listTests() throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = MutantsMustFail.class.getResourceAsStream("/META-INF/TestList")) {
            if (in == null) throw new IOException("META-INF/TestList not on the classpath: run from the shaded stress jar");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("JCTEST")) continue;
                int i = "JCTEST".length();
                int s = line.indexOf('S', i);
                int len = Integer.parseInt(line.substring(i, s));
                names.add(line.substring(s + 1, s + 1 + len));
            }
        }
        return names;
    }
}
