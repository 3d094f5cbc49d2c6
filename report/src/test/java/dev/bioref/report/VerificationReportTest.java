// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report generator on small saved inputs laid out as a build leaves them: a TLC summary,
 * surefire reports, JCStress blobs (two saved from real runs: a whole one and one JCStress was
 * killed while writing) and must-fail logs, and a mutants index.
 */
class VerificationReportTest {
    @TempDir Path root;

    private static final String TSV = TlcSummary.HEADER + "\n"
            + "MCA.cfg\tMCA\tdefault\tpass\t-\tpass\t1000\t2500\t12\t2.0\tok\t\n"
            + "MCA_GuardOff.cfg\tMCA\tdefault\tviolation\tSafeInv\tinvariant_violated:SafeInv\t50\t60\t4\t1.0\tok\t\n"
            + "MCA_Other.cfg\tMCA\tdefault\tviolation\tOtherInv\tpass\t70\t80\t5\t1.0\tFAIL\tmutant passed\n";

    private static String suite(String cls, String cases) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"" + cls + "\" tests=\"2\">" + cases + "</testsuite>\n";
    }

    private void write(String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    private void copy(String resource, String rel) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        try (InputStream in = getClass().getResourceAsStream("/fixture/" + resource)) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void fullBuild() throws IOException {
        write("pom.xml", "<project><modules><module>impl</module><module>specs</module>"
                + "<module>linearizability</module><module>stress</module><module>report</module></modules></project>");
        write("specs/target/tlc-summary.tsv", TSV);
        write("linearizability/target/surefire-reports/TEST-dev.bioref.a.GateLincheckTest.xml", suite("dev.bioref.a.GateLincheckTest",
                "<testcase name=\"modelCheckingTest\" classname=\"dev.bioref.a.GateLincheckTest\" time=\"3.5\">"
                        + "<system-out><![CDATA[GateLincheckTest model checking: 10 x 100, 2 threads x 3 ops (thorough=false)\n]]></system-out></testcase>"
                        + "<testcase name=\"stressTest\" classname=\"dev.bioref.a.GateLincheckTest\" time=\"1.25\"><failure message=\"x\"/></testcase>"));
        write("linearizability/target/surefire-reports/TEST-dev.bioref.a.GateWithoutLockRefutedTest.xml", suite("dev.bioref.a.GateWithoutLockRefutedTest",
                "<testcase name=\"withoutLockIsRejected\" classname=\"dev.bioref.a.GateWithoutLockRefutedTest\" time=\"2\"/>"));
        write("impl/target/surefire-reports/TEST-dev.bioref.a.AMutationTest.xml", suite("dev.bioref.a.AMutationTest",
                "<testcase name=\"guardOffIsCaught\" classname=\"dev.bioref.a.AMutationTest\" time=\"0.5\"/>"));
        write("impl/target/surefire-reports/TEST-dev.bioref.a.CrashTest.xml", suite("dev.bioref.a.CrashTest",
                "<testcase name=\"recovers\" classname=\"dev.bioref.a.CrashTest\" time=\"0.5\">"
                        + "<system-out>CrashTest: crash states checked: 12345</system-out></testcase>"));
        write("impl/target/surefire-reports/TEST-dev.bioref.a.Broken.xml", "<testsuite><testcase name=");
        write("impl/target/crash-states.txt", "crash_states_checked 100000\ncrash_states_torn 99137\nseconds 4.2\ncpu_seconds 3.8\nsource x.CrashCountTest\n");
        write("impl/target/trace-validation/S-1-1.tsv", "spec\tS\nverdict\tACCEPTED\nevents\t10\nvalidated\t9\nfirst_unmatched\t0\ntlc_ms\t1500\n"
                + "action\tGo\t6\naction\tStop\t3\naction\tNever\t0\n");
        write("specs/trace/uncovered-actions.tsv", "# spec\taction\treason\nS\tNever\ta sound abstraction that never fires\n");
        write("impl/target/trace-validation/S-1-2.tsv", "spec\tS\nverdict\tREJECTED\nevents\t4\nvalidated\t0\nfirst_unmatched\t3\ntlc_ms\t500\n"
                + "action\tGo\t2\naction\tStop\t0\naction\tNever\t0\n");
        copy("genuine-blob.gz", "stress/target/jcstress-genuine/jcstress-results-2026-11-22-05-08-05.bin.gz.checked");
        write("stress/target/jcstress-mutants/run-1/jcstress.log",
                "  [FAILED] dev.bioref.a.mutants.GateVsWrite_GuardOff\n  [OK] dev.bioref.a.mutants.Racy_GuardOff\n  [OK] dev.bioref.a.mutants.Never_Other\n");
        write("stress/target/jcstress-mutants/run-2/jcstress.log", "[FAILED] dev.bioref.a.mutants.Racy_GuardOff\n");
        write("proofs-notes/mutants.md", "# index\n\n## Part A\n\n| switch | must fail | also |\n|---|---|---|\n"
                + "| guardOff | `a.mutants.GateVsWrite_GuardOff`, `a.mutants.Racy_GuardOff`; `GateWithoutLockRefutedTest.withoutLockIsRejected` | AMutationTest; TLC `MCA_GuardOff` |\n"
                + "| other | `a.mutants.Never_Other`; `NotRunTest` | TLC `MCA_Other`; `Helper.method` |\n\nText.\n");
    }

    private String render() {
        return new VerificationReport(root, Optional.empty(), "thorough=false").render();
    }

    @Test
    void everySectionFromAFullBuild() throws IOException {
        fullBuild();
        String md = render();
        // TLC: every model with its numbers, distinct/s = 1000 / 2.0 s
        assertTrue(md.contains("| MCA.cfg | default | pass | pass | 1000 | 2500 | 500 | 12 | 2.0 | ok |"), md);
        assertTrue(md.contains("3 models, 2 as expected, 1 not; TLC time 4.0 s."), md);
        // Lincheck: mode and logged budget, failure shown, refuted test's mode
        assertTrue(md.contains("| GateLincheckTest.modelCheckingTest | model checking | 10 x 100, 2 threads x 3 ops (thorough=false) | passed | 3.5 |"), md);
        assertTrue(md.contains("| GateLincheckTest.stressTest | stress | not logged | failed | 1.3 |"), md);
        assertTrue(md.contains("| GateWithoutLockRefutedTest.withoutLockIsRejected | must be refuted |"), md);
        assertTrue(md.contains("3 Lincheck test cases, 1 failed or in error."), md);
        // JCStress genuine blob (saved from a real run; the test is not in this class path's TestList, so not graded)
        assertTrue(md.contains("| hammer.mutants.ModifyVsCheckwrite_OnlyCwHonorModRefs | 112 | 28 | NORMAL | not graded (test not in this jar) |"), md);
        // must-fail logs: first run that caught each
        assertTrue(md.contains("| a.mutants.GateVsWrite_GuardOff | caught (FAILED on run 1) |"), md);
        assertTrue(md.contains("| a.mutants.Racy_GuardOff | caught (FAILED on run 2) |"), md);
        assertTrue(md.contains("| a.mutants.Never_Other | not reported FAILED |"), md);
        assertTrue(md.contains("2 of 3 reported FAILED."), md);
        // mutants matrix
        assertTrue(md.contains("| Part A | guardOff | `a.mutants.GateVsWrite_GuardOff` ✔; `a.mutants.Racy_GuardOff` ✔; "
                + "`GateWithoutLockRefutedTest.withoutLockIsRejected` ✔; `MCA_GuardOff` ✔; `AMutationTest` ✔ | 5 of 5 |"), md);
        assertTrue(md.contains("| Part A | other | `a.mutants.Never_Other` ✘; `NotRunTest` –; `MCA_Other` ✘; `Helper.method` ? | 0 of 3 |"), md);
        assertTrue(md.contains("2 rows, 1 caught by at least one detector in this build."), md);
        // crash states, and the unreadable report named
        assertTrue(md.contains("- CrashTest 12345 crash states (`impl/target/surefire-reports/TEST-dev.bioref.a.CrashTest.xml`)"), md);
        assertTrue(md.contains("- x.CrashCountTest 100000 crash states (torn: 99137), 4.2 s (3.8 s CPU) (`impl/target/crash-states.txt`)"), md);
        assertTrue(md.contains("unreadable surefire report (not well-formed XML): `impl/target/surefire-reports/TEST-dev.bioref.a.Broken.xml`"), md);
        // traces: the accepted one counts, the rejected one (a must-fail check) does not add coverage
        assertTrue(md.contains("| S | 1 | 1 | 0 | 9 | 2 of 3 | 2.0 |"), md);
        assertTrue(md.contains("- **S**: Go 6, Stop 3, Never 0; not matched by any accepted trace: Never"), md);
        assertTrue(md.contains("\n  - Never: a sound abstraction that never fires\n"), md);   // the reason from specs/trace/uncovered-actions.tsv
        // time per module: test cases per module from the parsed reports
        assertTrue(md.contains("| impl | 2 | 1.0 |"), md);
        assertTrue(md.contains("| linearizability | 3 | 6.8 |"), md);
    }

    @Test
    void anEmptyCheckoutSaysNotRunEverywhere() throws IOException {
        write("pom.xml", "<project/>");
        String md = render();
        assertTrue(md.contains("not run (no `specs/target/tlc-summary.tsv`)."), md);
        assertTrue(md.contains("not run: no module left records under `target/trace-validation/`"), md);
        assertTrue(md.contains("not run (no surefire reports from `linearizability/`"), md);
        assertTrue(md.contains("not run (no result blob in `stress/target/jcstress-genuine/`)."), md);
        assertTrue(md.contains("not run (no `stress/target/jcstress-mutants/run-*/jcstress.log`)."), md);
        assertTrue(md.contains("not available (no `proofs-notes/mutants.md`)."), md);
        assertTrue(md.contains("not logged: no surefire report holds"), md);
        assertTrue(md.contains("| impl | 0 | 0.0 |  | not built |"), md);
    }

    @Test
    void aTruncatedBlobAndABadSummaryAreNamedNotFatal() throws IOException {
        write("pom.xml", "<project/>");
        copy("truncated-blob.gz", "stress/target/jcstress-genuine/jcstress-results-2026-11-22-05-05-07.bin.gz");
        write("specs/target/tlc-summary.tsv", TlcSummary.HEADER + "\nMCA.cfg\tMCA\tdefault\tpass\n");
        String md = render();
        assertTrue(md.contains("could not be read: `stress/target/jcstress-genuine/jcstress-results-2026-11-22-05-05-07.bin.gz`"), md);
        assertTrue(md.contains("Could not be read: " + root.resolve("specs/target/tlc-summary.tsv") + ": line 2 has 4 columns, not 12"), md);
    }

    @Test
    void inputsOlderThanTheBuildAreMarked() throws IOException {
        fullBuild();
        String md = new VerificationReport(root, Optional.of(Instant.now().plusSeconds(3600)), "").render();
        assertTrue(md.contains("Input: `specs/target/tlc-summary.tsv`, *from an earlier build*"), md);
        assertTrue(md.contains("(from an earlier build)"), md);
        assertTrue(md.contains("- linearizability: 2 surefire report(s) older than the build start left out"), md);
        assertTrue(md.contains("not run (no surefire reports from `linearizability/`"), md);
        assertFalse(md.contains("Input: `specs/target/tlc-summary.tsv`.\n"), md);
    }

    @Test
    void tlcSummaryRejectsAForeignHeader() throws IOException {
        write("s.tsv", "config\tsomething\n");
        IOException e = assertThrows(IOException.class, () -> TlcSummary.read(root.resolve("s.tsv")));
        assertTrue(e.getMessage().contains("line 1 is not the TLC runner's header"), e.getMessage());
    }

    @Test
    void mutantVerdictsTakeTheFirstCatchingRun() throws IOException {
        fullBuild();
        Map<String, Integer> v = Jcstress.mutantVerdicts(root.resolve("stress/target/jcstress-mutants"));
        assertEquals(Map.of("dev.bioref.a.mutants.GateVsWrite_GuardOff", 1, "dev.bioref.a.mutants.Racy_GuardOff", 2,
                "dev.bioref.a.mutants.Never_Other", 0), v);
        List<MutantsIndex.Entry> idx = MutantsIndex.read(root.resolve("proofs-notes/mutants.md"));
        assertEquals(2, idx.size());
        assertEquals(List.of("a.mutants.Never_Other", "NotRunTest", "MCA_Other", "Helper.method"), idx.get(1).detectors());
    }
}
