// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.Clock;
import dev.bioref.trace.JqwikTraces;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceLog;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoopbackDevice's jqwik runs, traced and validated with TLC (issue 15 item 3;
 * proofs-notes/traces.md, "Traces from the jqwik runs (session 7)"). The device properties
 * ({@link CrashModelProperties}, {@link BackendAgreementProperties}) use multi-sector writes,
 * READs and DISCARDs, which LoopbackDevice.tla does not model (Unmodelled), so this twin
 * generates what the spec models: one-sector WRITEs (some FUA), FLUSHes, completions in a
 * jqwik-chosen order (a {@link SeededCompleter} held queue) and crashes keeping a chosen subset
 * of the cache. Every try's trace is validated (a fixed seed, one try: each is one TLC run);
 * a rejected trace fails with jqwik's seed and shrunk sample and TraceCheck's first unmatched
 * event. Must-fail: with {@code FLUSH_SKIPS_CACHE} on, the first generated sample whose trace the
 * switch changes is rejected at a CompleteFlush.
 *
 * <p>Replay: {@code mvn -B -o -pl impl test -Dtest=CrashModelTraceProperties -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class CrashModelTraceProperties {
    static final int SECTORS = 4;

    /** One step: kind 0-3 a WRITE of {@code sector} (3: FUA), 4 a FLUSH, 5-8 complete the held request at {@code pick}, 9 a crash. */
    record Op(int kind, int sector, int pick, long crashSeed) {
        @Override public String toString() {
            return switch (kind) {
                case 0, 1, 2 -> "W" + sector;
                case 3 -> "FUA" + sector;
                case 4 -> "FLUSH";
                case 9 -> "CRASH(" + crashSeed + ")";
                default -> "COMPLETE#" + pick;
            };
        }
    }

    @Provide Arbitrary<List<Op>> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, SECTORS - 1),
                Arbitraries.integers().between(0, 7), Arbitraries.longs()).as(Op::new).list().ofMinSize(30).ofMaxSize(60);
    }

    /** Runs {@code ops} on a traced 4-sector device, completes what is left, returns the trace. */
    static List<String> run(List<Op> ops, LoopbackDevice.Mutation mutation) {
        SeededCompleter completer = new SeededCompleter(1);
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(SECTORS * LoopbackDevice.SECTOR_SIZE), completer, Clock.SYSTEM);
        if (mutation != null) dev.enableMutation(mutation);
        TraceLog log = TraceLog.inMemory("LoopbackDevice");
        dev.traceTo(log);
        int i = 0;
        for (Op op : ops) {
            i++;
            switch (op.kind()) {
                case 0, 1, 2, 3 -> {
                    byte[] data = new byte[LoopbackDevice.SECTOR_SIZE];
                    data[0] = (byte) i;
                    long off = (long) op.sector() * LoopbackDevice.SECTOR_SIZE;
                    dev.submit(op.kind() == 3 ? Request.writeFua(off, data) : Request.write(off, data), c -> { });
                }
                case 4 -> dev.submit(Request.flush(), c -> { });
                case 9 -> dev.crash(CrashPolicy.seeded(op.crashSeed()));
                default -> {
                    if (completer.pending() > 0) completer.completeAt(op.pick() % completer.pending());
                }
            }
            if (mutation == null) dev.checkInvariants();
        }
        while (completer.pending() > 0) completer.completeOldest();
        return log.lines();
    }

    // one try, a long run: a TLC run costs about 3 CPU s whatever its length (JVM start, SANY); the default-build budget
    @Property(tries = 1, seed = "20261207", shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void generatedDeviceRunsAreBehavioursOfTheSpec(@ForAll("ops") List<Op> ops) {
        JqwikTraces.accept("LoopbackDevice", run(ops, null), "CrashModelTraceProperties.generatedDeviceRunsAreBehavioursOfTheSpec");
    }

    /**
     * Must-fail: FLUSH_SKIPS_CACHE on; of the sampled op lists (the property's fixed seed), the
     * first whose trace the switch changes (the same ops run with and without it log different
     * events) is validated, and TLC rejects it at a CompleteFlush. Deterministic: the seed fixes
     * the samples.
     */
    @Property(tries = 1, seed = "20261207")
    void flushSkipsCacheMakesTheGeneratedTraceRejected() {
        LoopbackDevice.Mutation m = LoopbackDevice.Mutation.FLUSH_SKIPS_CACHE;
        List<String> lines = ops().sampleStream().limit(50).filter(o -> !run(o, null).equals(run(o, m)))
                .map(o -> run(o, m)).findFirst()
                .orElseThrow(() -> new AssertionError("no sampled run is changed by " + m + ": the must-fail has no input"));
        TraceCheck.Result r = JqwikTraces.check("LoopbackDevice", lines);
        assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> m + " was not caught:\n" + r.render("LoopbackDevice"));
        assertTrue(r.unmatchedLine().contains("\"action\":\"CompleteFlush\""), () -> "rejected at " + r.unmatchedLine());
        System.out.println("jqwik trace must-fail LoopbackDevice " + m + ": rejected at event " + r.firstUnmatched()
                + " of " + r.events() + ": " + r.unmatchedLine());
    }
}
