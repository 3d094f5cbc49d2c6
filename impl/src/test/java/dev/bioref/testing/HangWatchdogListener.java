// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.testing;

import dev.bioref.kern.HangWatchdog;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The build-wide hang guard for every test engine of the module (JUnit Jupiter and jqwik): when
 * no test has started or finished for {@code -Dbioref.test.hangSeconds} (default 300), it
 * writes {@link HangWatchdog#report} (the tests in progress, the command that reruns the first,
 * every {@code Sleepq} sleeper, every thread's stack) to the console and to
 * {@code target/hang-report.txt}, and stops the forked JVM with exit status 1, which fails the
 * build. Registered through {@code META-INF/services}; JUnit's own
 * {@code junit.jupiter.execution.timeout.default} fails an interruptible Jupiter test earlier.
 */
public final class HangWatchdogListener implements TestExecutionListener {
    private final AtomicLong events = new AtomicLong();
    private final Map<TestIdentifier, Long> running = new ConcurrentHashMap<>();
    private final long boundNanos;
    private final java.util.function.Consumer<String> onExpiry;
    private HangWatchdog watchdog;

    /** The service-loaded guard: bound from {@code bioref.test.hangSeconds}, expiry stops the JVM. */
    public HangWatchdogListener() {
        this(TimeUnit.SECONDS.toNanos(Long.getLong("bioref.test.hangSeconds", 300)), HangWatchdogListener::expire);
    }

    /** Test seam: another bound and expiry action. */
    HangWatchdogListener(long boundNanos, java.util.function.Consumer<String> onExpiry) {
        this.boundNanos = boundNanos;
        this.onExpiry = onExpiry;
    }

    @Override public void testPlanExecutionStarted(TestPlan plan) {
        watchdog = HangWatchdog.start("a test", boundNanos, events::get, this::inProgress, "see the rerun command above",
                onExpiry);
    }

    @Override public void testPlanExecutionFinished(TestPlan plan) {
        if (watchdog != null) watchdog.close();
    }

    @Override public void executionStarted(TestIdentifier id) {
        events.incrementAndGet();
        if (id.isTest()) running.put(id, System.nanoTime());
    }

    @Override public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        events.incrementAndGet();
        running.remove(id);
    }

    /** The tests in progress and, for the first, the command that runs it alone. */
    String inProgress() {
        if (running.isEmpty()) return "no test is running (between tests or in a class-level callback)";
        StringBuilder b = new StringBuilder();
        for (Map.Entry<TestIdentifier, Long> e : running.entrySet()) {
            TestIdentifier id = e.getKey();
            b.append(id.getDisplayName()).append(" [").append(id.getUniqueId()).append("] for ")
                    .append(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - e.getValue())).append(" s");
            id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast).ifPresent(m ->
                    b.append("; rerun: mvn -B -pl impl -am test -Dtest='").append(m.getClassName()).append('#')
                            .append(m.getMethodName()).append("' -Dsurefire.failIfNoSpecifiedTests=false"));
            b.append("\n    ");
        }
        return b.toString().trim();
    }

    private static void expire(String report) {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        err.println(report);
        try {
            Path p = Path.of("target", "hang-report.txt");
            Files.writeString(p, report);
            err.println("bioref: hang report written to " + p.toAbsolutePath() + "; stopping the test JVM with exit status 1");
        } catch (java.io.IOException | RuntimeException e) {
            err.println("bioref: could not write target/hang-report.txt: " + e);
        }
        err.flush();
        Runtime.getRuntime().halt(1);
    }
}
