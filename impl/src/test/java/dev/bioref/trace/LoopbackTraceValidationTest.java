// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import dev.bioref.device.CrashPolicy;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Request;
import dev.bioref.device.SeededCompleter;
import dev.bioref.kern.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace validation of the LoopbackDevice port against LoopbackDevice.tla (issue 15, first
 * spec): seeded device workloads log their steps with a {@link TraceLog}, TLC checks each trace
 * with TraceLoopbackDevice.tla, and the action coverage is printed. Must-fail checks: each
 * device mutation switch makes a trace TLC rejects. The hand-written examples: CheckTraceCommandTest.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LoopbackTraceValidationTest {
    static final Path ROOT = root();
    static final Path SPECS = ROOT.resolve("specs/src/main/tla");
    static final Path WORK = ROOT.resolve("impl/target/trace-check");
    static final TraceSpec SPEC = TraceSpec.LOOPBACK_DEVICE;

    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("specs").resolve("expected-results.tsv"))) return d;
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    /**
     * A seeded workload on a 4-sector device with out-of-order completions: one-sector WRITEs
     * (some FUA), FLUSHes, completions in a seeded order, crashes that keep a seeded subset of the
     * cache; {@code steps} submissions or completions in all. Returns the trace.
     */
    static TraceLog workload(long seed, int steps, LoopbackDevice.Mutation mutation) {
        SeededCompleter completer = new SeededCompleter(seed);
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(4 * LoopbackDevice.SECTOR_SIZE), completer, Clock.SYSTEM);
        if (mutation != null) dev.enableMutation(mutation);
        TraceLog log = TraceLog.inMemory("LoopbackDevice");
        dev.traceTo(log);
        Random rnd = new Random(seed);
        for (int i = 0; i < steps; i++) {
            int k = rnd.nextInt(100);
            if (k < 40 || completer.pending() == 0) {
                byte[] data = new byte[LoopbackDevice.SECTOR_SIZE];
                data[0] = (byte) i;
                long off = (long) rnd.nextInt(4) * LoopbackDevice.SECTOR_SIZE;
                dev.submit(rnd.nextInt(5) == 0 ? Request.writeFua(off, data) : Request.write(off, data), c -> { });
            } else if (k < 50) {
                dev.submit(Request.flush(), c -> { });
            } else if (k < 98) {
                completer.completeOne();
            } else {
                dev.crash(CrashPolicy.seeded(rnd.nextLong()));
            }
            if (mutation == null) dev.checkInvariants();
        }
        while (completer.pending() > 0) completer.completeOne();
        return log;
    }

    static TraceCheck.Result check(List<String> lines) {
        return new TraceCheck(SPECS, WORK).check(SPEC, lines);
    }

    @Test
    void seededPortTracesAreBehavioursOfTheSpec() {
        long[] seeds = {7, 11};
        int events = 0;
        Map<String, Integer> coverage = new java.util.LinkedHashMap<>();
        for (String a : SPEC.specActions()) coverage.put(a, 0);
        long tlcMillis = 0;
        for (long seed : seeds) {
            List<String> lines = workload(seed, seed == 7 ? 1000 : 120, null).lines();
            TraceCheck.Result r = check(lines);
            assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> "seed " + seed + ":\n" + r.render("LoopbackDevice")
                    + "\nreplay: mvn -B -pl impl -am test -Dtest=LoopbackTraceValidationTest\n" + r.tlcOutput());
            events += r.events();
            tlcMillis += r.tlcMillis();
            r.coverage().forEach((a, n) -> coverage.merge(a, n, Integer::sum));
            if (seed == 7) {
                assertTrue(r.events() >= 1000, "the speed trace has " + r.events() + " events, want >= 1000");
                System.out.printf("trace validation speed: %d events in %.1f s of TLC (%.0f events/s)%n",
                        r.events(), r.tlcMillis() / 1000.0, r.events() * 1000.0 / r.tlcMillis());
            }
        }
        System.out.println("trace validation LoopbackDevice: " + seeds.length + " traces, " + events + " events, accepted, "
                + tlcMillis + " ms of TLC; action coverage " + coverage);
        coverage.forEach((a, n) -> assertTrue(n > 0, "no validated trace step matched action " + a + ": " + coverage));
    }

    @Test
    void eachDeviceMutationMakesATraceTlcRejects() {
        for (LoopbackDevice.Mutation m : LoopbackDevice.Mutation.values()) {
            TraceCheck.Result r = check(workload(3, 60, m).lines());
            assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> m + " was not caught:\n" + r.render("LoopbackDevice"));
            String expectAction = m == LoopbackDevice.Mutation.FLUSH_SKIPS_CACHE ? "CompleteFlush" : "CompleteFua";
            assertTrue(r.unmatchedLine().contains("\"action\":\"" + expectAction + "\""),
                    () -> m + ": first unmatched event should be a " + expectAction + ", was " + r.unmatchedLine());
            System.out.println("trace validation must-fail " + m + ": rejected at event " + r.firstUnmatched()
                    + " of " + r.events() + ": " + r.unmatchedLine());
        }
    }

    @Test
    void malformedLinesAndUnmodelledStepsAreNamed() {
        TraceCheck.BadTrace bad = org.junit.jupiter.api.Assertions.assertThrows(TraceCheck.BadTrace.class, () ->
                TraceCheck.parseEvent(SPEC, "{\"v\":1,\"spec\":\"LoopbackDevice\",\"seq\":1,\"action\":\"SubmitWrite\",\"id\":1,\"fua\":false}", 1, 1));
        assertTrue(bad.getMessage().contains("\"sector\""), bad.getMessage());
        bad = org.junit.jupiter.api.Assertions.assertThrows(TraceCheck.BadTrace.class, () ->
                TraceCheck.parseEvent(SPEC, "{\"v\":1,\"spec\":\"LoopbackDevice\",\"seq\":2,\"action\":\"Write\"}", 3, 2));
        assertTrue(bad.getMessage().startsWith("line 3: \"action\" Write is not an action"), bad.getMessage());
        // A READ is outside the spec's abstraction: the port logs it as Unmodelled.
        LoopbackDevice dev = LoopbackDevice.inMemory(4 * LoopbackDevice.SECTOR_SIZE);
        TraceLog log = TraceLog.inMemory("LoopbackDevice");
        dev.traceTo(log);
        dev.execute(Request.read(0, new byte[LoopbackDevice.SECTOR_SIZE]));
        assertEquals(List.of("{\"v\":1,\"spec\":\"LoopbackDevice\",\"seq\":1,\"action\":\"Unmodelled\",\"op\":\"READ of 1 sectors at sector 0\"}"),
                log.lines());
    }
}
