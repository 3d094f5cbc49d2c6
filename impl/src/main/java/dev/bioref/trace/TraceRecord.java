// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a record of every trace a test validated, for the verification report (issue 17 item 4:
 * "traces validated and action coverage"). One small file per {@link TraceCheck#check} call, in
 * {@code <dir>/<spec>-<pid>-<n>.tsv}, where dir is the system property
 * {@code bioref.trace.recordDir}, or {@code ${basedir}/target/trace-validation} when the JVM is a
 * surefire fork (surefire sets {@code basedir}); nothing is written by the CLI. One file per check,
 * so parallel checks and several surefire forks never interleave their lines.
 *
 * <p>Format, one {@code key<TAB>value} a line: {@code spec}, {@code verdict} (ACCEPTED, REJECTED,
 * ERROR), {@code events}, {@code validated} (events matched by an action), {@code first_unmatched}
 * (0 if none), {@code tlc_ms}, then one {@code action<TAB>NAME<TAB>COUNT} line per spec action
 * (zero counts included, so an uncovered action is visible). The report module reads these
 * (dev.bioref.report.VerificationReport#traces).
 */
public final class TraceRecord {
    private static final AtomicLong SEQ = new AtomicLong();

    private TraceRecord() {}

    /** The directory records go to, or null when none is configured (the CLI). */
    static Path dir() {
        String d = System.getProperty("bioref.trace.recordDir");
        if (d != null && !d.isBlank()) return Path.of(d);
        String basedir = System.getProperty("basedir");
        if (basedir != null && !basedir.isBlank()) return Path.of(basedir, "target", "trace-validation");
        return null;
    }

    /** Records one check's result; an I/O error is reported on stderr and does not fail the check. */
    static void write(TraceSpec spec, TraceCheck.Result r) {
        Path dir = dir();
        if (dir == null) return;
        StringBuilder sb = new StringBuilder();
        sb.append("spec\t").append(spec.name()).append('\n')
          .append("verdict\t").append(r.verdict()).append('\n')
          .append("events\t").append(r.events()).append('\n')
          .append("validated\t").append(r.verdict() == TraceCheck.Verdict.ACCEPTED ? r.validated() : 0).append('\n')
          .append("first_unmatched\t").append(r.firstUnmatched()).append('\n')
          .append("tlc_ms\t").append(r.tlcMillis()).append('\n');
        for (Map.Entry<String, Integer> e : r.coverage().entrySet()) {
            sb.append("action\t").append(e.getKey()).append('\t').append(e.getValue()).append('\n');
        }
        Path f = dir.resolve(spec.name() + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + ".tsv");
        try {
            Files.createDirectories(dir);
            Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("TraceRecord: cannot write " + f + ": " + e.getMessage() + " (the verification report will miss this trace)");
        }
    }
}
