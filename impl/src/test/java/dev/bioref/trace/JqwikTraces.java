// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Trace validation of jqwik-generated runs (issue 15 item 3; proofs-notes/traces.md, "Traces
 * from the jqwik runs (session 7)"). A jqwik property that traces its port calls
 * {@link #accept} at the end of each try: the try's trace goes through {@link TraceCheck#check}
 * (so the verification report counts it), and a trace TLC does not accept throws an
 * AssertionError carrying TraceCheck's verdict, the first unmatched event and the file the trace
 * was kept in. jqwik then shrinks the sample (bounded) and prints its seed and the shrunk sample
 * above that message. {@link #check} is the same without the assertion, for the must-fail checks.
 */
public final class JqwikTraces {
    private JqwikTraces() { }

    private static final AtomicInteger FILES = new AtomicInteger();

    /** Validates one try's trace; returns the result, which must be ACCEPTED (else throws). */
    public static TraceCheck.Result accept(String spec, List<String> lines, String property) {
        TraceCheck.Result r = check(spec, lines);
        if (r.verdict() != TraceCheck.Verdict.ACCEPTED) {
            Path f = keep(spec, lines);
            throw new AssertionError("the jqwik try's trace is not a behaviour of " + spec + ":\n" + r.render(spec)
                    + "the trace: " + f + " (./bioref check-trace " + f + " --spec " + spec + ")\n"
                    + "replay: the seed and sample jqwik prints for " + property
                    + (r.verdict() == TraceCheck.Verdict.ERROR ? "\n" + r.tlcOutput() : ""));
        }
        System.out.println("jqwik trace " + spec + " (" + property + "): " + r.events() + " events, "
                + r.validated() + " validated, " + r.tlcMillis() + " ms of TLC");
        return r;
    }

    /** Validates a trace through {@link TraceCheck#check}; the verdict is the caller's to judge. */
    public static TraceCheck.Result check(String spec, List<String> lines) {
        return new TraceCheck(LoopbackTraceValidationTest.SPECS, LoopbackTraceValidationTest.WORK)
                .check(TraceSpec.named(spec), lines);
    }

    /** Writes a trace under impl/target/trace-check for replay with ./bioref check-trace. */
    public static Path keep(String spec, List<String> lines) {
        Path f = LoopbackTraceValidationTest.WORK.resolve("jqwik-" + spec + "-" + ProcessHandle.current().pid()
                + "-" + FILES.incrementAndGet() + ".ndjson");
        try {
            Files.createDirectories(f.getParent());
            Files.write(f, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the trace in " + f, e);
        }
        return LoopbackTraceValidationTest.ROOT.relativize(f);
    }
}
