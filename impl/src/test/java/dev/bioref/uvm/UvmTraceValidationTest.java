// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceLog;
import dev.bioref.trace.TraceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace validation of the UVM vnode pager port against UvmVnode.tla (issue 15;
 * proofs-notes/traces.md "UvmVnode"): a directed run and a seeded run through the fault client
 * and the vnode layer (mmap, fork, munmap, stores, read faults, msync with and without SYNCIO,
 * pageouts, injected write errors, recycle, forced unmount) on one vnode log one event per
 * operation; TLC checks each trace with TraceUvmVnode.tla, and the action coverage is printed.
 * Must-fail: each switch that changes a step of such a run (flushIgnoresModified,
 * flushSkipsWriteProtect, re3MarksCleanOnWriteError) makes a trace TLC rejects, at its msync.
 *
 * <p>Replay: {@code mvn -B -pl impl -am test -Dtest=UvmTraceValidationTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UvmTraceValidationTest {
    static final Path ROOT = root();
    static final Path SPECS = ROOT.resolve("specs/src/main/tla");
    static final Path WORK = ROOT.resolve("impl/target/trace-check");
    static final TraceSpec SPEC = TraceSpec.named("UvmVnode");
    static final int PG = VmPage.PAGE_SIZE;
    /** -Dbioref.thorough=true: also the seeded run (one more TLC run; the default build keeps the directed one). */
    static final boolean THOROUGH = Boolean.getBoolean("bioref.thorough");
    static final String REPLAY = "replay: mvn -B -pl impl -am test -Dtest=UvmTraceValidationTest -Dsurefire.failIfNoSpecifiedTests=false";

    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("specs").resolve("expected-results.tsv"))) return d;
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    /** One traced vnode of 6 pages (the workloads use pages 0, 2, 4: the spec has one-page clusters). */
    static final class Rig {
        final VnodeLayer layer = new VnodeLayer(UvmMode.FIXED.roughEdges(), 1, 8, 64, 8);
        final UvmFaultClient c = new UvmFaultClient(layer);
        final Vnode vp = layer.vnode(0);
        final TraceLog log = TraceLog.inMemory("UvmVnode");

        Rig() {
            c.grow(vp, 6L * PG);                 // before tracing: the object does not exist yet
            layer.trace = new UvmTrace(log, vp);
        }

        void store(UvmFaultClient.Mapping m, int page) {
            assertEquals(0, c.store(m, (long) page * PG + 8, new byte[] {(byte) (page + 1), 7}), "store page " + page);
        }
    }

    /**
     * Every action once or more: attach (new and VALID), fork, faults, stores, msyncs, pageout,
     * write errors, persist, forced unmount, recycle. The spec's Recycle needs v_usecount 0, i.e.
     * every mapper's file closed (MapperQuit): no mmap follows it (proofs-notes/traces.md).
     */
    static List<String> directed(Consumer<Rig> beforeMsync) {
        Rig r = new Rig();
        UvmFaultClient.Mapping m1 = r.c.mmap(r.vp, true);
        r.store(m1, 0);
        r.store(m1, 2);
        int[] err = {0};
        assertTrue(r.c.load(m1, 4L * PG, 16, err) != null, "load page 4: " + err[0]);
        UvmFaultClient.Mapping f1 = r.c.fork(m1);
        assertTrue(r.c.msync(m1, 0, 6L * PG, true), "msync(MS_SYNC)");
        r.store(m1, 0);
        assertTrue(r.c.pageout(r.vp, 0) >= 0, "pageout page 0");
        r.store(m1, 2);
        r.vp.failNextWrites(1);
        r.c.msync(m1, 0, 6L * PG, false);       // page 2's write fails: it stays dirty
        r.c.munmap(f1);
        UvmFaultClient.Mapping m2 = r.c.mmap(r.vp, false);
        r.c.munmap(m1);
        r.c.munmap(m2);                          // the last reference: the object persists
        UvmFaultClient.Mapping m3 = r.c.mmap(r.vp, true);
        r.store(m3, 4);
        r.store(m3, 0);
        beforeMsync.accept(r);
        r.c.msync(m3, 0, 6L * PG, true);         // the must-fail checks' switches act here
        r.store(m3, 0);
        r.c.msync(m3, 0, 6L * PG, false);
        r.store(m3, 2);
        r.layer.forceUnmount(r.vp);
        r.c.munmap(m3);
        assertTrue(r.layer.recycle(r.vp), "recycle");
        return r.log.lines();
    }

    /**
     * A seeded run: mmap/fork/munmap, stores, loads, msyncs, pageouts, write errors on one vnode,
     * at most two references per mapper (the spec's held), then every mapping unmapped and a recycle.
     */
    static List<String> seeded(long seed, int ops) {
        Rig r = new Rig();
        Random rnd = new Random(seed);
        List<UvmFaultClient.Mapping> maps = new ArrayList<>();
        Map<UvmFaultClient.Mapping, Integer> mapper = new java.util.IdentityHashMap<>();
        Map<Integer, Integer> live = new java.util.HashMap<>();
        int mappers = 0;
        for (int i = 0; i < ops; i++) {
            int k = rnd.nextInt(100);
            int page = 2 * rnd.nextInt(3);
            if (k < 3) r.vp.failNextWrites(1);
            if (maps.isEmpty() || k < 10) {
                if (maps.size() < 3) {
                    UvmFaultClient.Mapping m = r.c.mmap(r.vp, rnd.nextInt(4) != 0);
                    mappers++;
                    if (m != null) {
                        maps.add(m);
                        mapper.put(m, mappers);
                        live.put(mappers, 1);
                    }
                }
            } else if (k < 15) {
                UvmFaultClient.Mapping m = maps.get(rnd.nextInt(maps.size()));
                if (live.get(mapper.get(m)) == 1) {
                    UvmFaultClient.Mapping f = r.c.fork(m);
                    maps.add(f);
                    mapper.put(f, mapper.get(m));
                    live.merge(mapper.get(m), 1, Integer::sum);
                }
            } else if (k < 25) {
                UvmFaultClient.Mapping m = maps.remove(rnd.nextInt(maps.size()));
                live.merge(mapper.get(m), -1, Integer::sum);
                r.c.munmap(m);
            } else if (k < 55) {
                UvmFaultClient.Mapping m = maps.get(rnd.nextInt(maps.size()));
                if (m.writable) r.store(m, page);
            } else if (k < 65) {
                int[] err = {0};
                r.c.load(maps.get(rnd.nextInt(maps.size())), (long) page * PG, 8, err);
            } else if (k < 82) {
                r.c.msync(maps.get(rnd.nextInt(maps.size())), 0, 6L * PG, rnd.nextBoolean());
            } else {
                r.c.pageout(r.vp, (long) page * PG);
            }
        }
        while (!maps.isEmpty()) r.c.munmap(maps.remove(maps.size() - 1));
        assertTrue(r.layer.recycle(r.vp), "recycle");
        return r.log.lines();
    }

    static TraceCheck.Result check(String name, List<String> lines) throws Exception {
        Files.createDirectories(WORK);
        Files.write(WORK.resolve("uvm-" + name + ".ndjson"), lines);
        TraceCheck.Result res = new TraceCheck(SPECS, WORK).check(SPEC, lines);
        System.out.println("[UvmVnode trace " + name + "] " + lines.size() + " events, " + res.verdict() + " in "
                + res.tlcMillis() + " ms of TLC; action coverage " + res.coverage());
        return res;
    }

    @Test
    void directedAndSeededTracesAreBehavioursOfTheSpec() throws Exception {
        Map<String, Integer> coverage = new LinkedHashMap<>();
        int events = 0;
        Map<String, List<String>> runs = new LinkedHashMap<>();
        runs.put("directed", directed(r -> { }));
        if (THOROUGH) runs.put("seed7", seeded(7, 150));   // 102 events, every action but ForceUnmount
        for (Map.Entry<String, List<String>> run : runs.entrySet()) {
            TraceCheck.Result res = check(run.getKey(), run.getValue());
            assertEquals(TraceCheck.Verdict.ACCEPTED, res.verdict(), run.getKey() + ": " + res.render("UvmVnode") + REPLAY);
            res.coverage().forEach((a, n) -> coverage.merge(a, n, Integer::sum));
            events += res.events();
        }
        System.out.println("[UvmVnode trace] validated " + events + " events in " + runs.size() + " traces; action coverage " + coverage);
        coverage.forEach((a, n) -> assertTrue(n > 0, "no trace step matched action " + a + ": " + coverage + "\n" + REPLAY));
    }

    /** Each switch makes the directed run's trace rejected at the msync where it acts. */
    @Test
    void switchedPortsTracesAreRejected() throws Exception {
        Map<String, Consumer<Rig>> switches = new LinkedHashMap<>();
        switches.put("flushIgnoresModified", r -> r.layer.guards.flushIgnoresModified = true);
        switches.put("flushSkipsWriteProtect", r -> r.layer.guards.flushSkipsWriteProtect = true);
        switches.put("re3MarksCleanOnWriteError", r -> {
            r.layer.re.re3MarksCleanOnWriteError = true;
            r.vp.failNextWrites(1);
        });
        Map<String, List<String>> traces = new LinkedHashMap<>();
        for (Map.Entry<String, Consumer<Rig>> s : switches.entrySet()) traces.put(s.getKey(), directed(s.getValue()));
        // the TLC runs (one worker each) two at a time: the machine has two cores
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            Map<String, java.util.concurrent.Future<TraceCheck.Result>> results = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> t : traces.entrySet()) {
                results.put(t.getKey(), pool.submit(() -> check(t.getKey(), t.getValue())));
            }
            for (Map.Entry<String, java.util.concurrent.Future<TraceCheck.Result>> e : results.entrySet()) {
                TraceCheck.Result res = e.getValue().get();
                assertEquals(TraceCheck.Verdict.REJECTED, res.verdict(), e.getKey() + ": " + res.render("UvmVnode") + REPLAY);
                assertTrue(res.unmatchedLine().contains("\"action\":\"Msync\""), e.getKey() + " rejected elsewhere: "
                        + res.render("UvmVnode") + REPLAY);
                System.out.println("[UvmVnode trace " + e.getKey() + "] rejected at event " + res.firstUnmatched() + ": " + res.unmatchedLine());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
