// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.SeededCompleter;
import dev.bioref.kern.Clock;
import dev.bioref.trace.JqwikTraces;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceLog;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DmBufio's jqwik runs, traced and validated with TLC (issue 15 item 3; proofs-notes/traces.md,
 * "Traces from the jqwik runs (session 7)"). {@link BufioStatefulTest} cannot be traced as it
 * stands: it calls new/get/prefetch/release_move (Unmodelled: a part's events from the first
 * one on are not validated), partial marks and a second client. This twin is a jqwik action
 * chain over the calls DmBufio.tla models, on the rig of BufioTraceValidationTest (a 6-buffer
 * client with 1 reserved, 8 blocks, a HELPING seeded completer, retain 0): read (up to 3 held),
 * modify + mark dirty, release, write_dirty_buffers (async and not), forget, shrink with and
 * without I/O, completions. checkInvariants() after every step; at the end of every try the trace
 * is validated (fixed seed, one long try: each try is one TLC run), so a mismatch fails with jqwik's seed
 * and shrunk chain and TraceCheck's first unmatched event. Must-fail: with
 * {@code forgetDropsDirty} on, the first sampled chain that forgets an unheld dirty buffer is
 * rejected at that {@code forget}.
 *
 * <p>Replay: {@code mvn -B -o -pl impl test -Dtest=BufioStatefulTraceTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class BufioStatefulTraceTest {
    static final int BS = 4096;
    static final int BLOCKS = 8;
    static final int MAX_HELD = 3;

    static final class World {
        final DmBufio m;
        final Client c;
        final SeededCompleter comp = new SeededCompleter(1);
        final TraceLog log = TraceLog.inMemory("DmBufio");
        final List<Buffer> held = new ArrayList<>();
        boolean forgotDirty;   // a forget met an unheld DIRTY buffer: the step forgetDropsDirty changes

        World(BufioMutations mut) {
            DmBufio.Params p = new DmBufio.Params();
            p.waitTimeoutNanos = TimeUnit.SECONDS.toNanos(20);
            p.retainBytes = 0;                   // the shrinker may take every idle buffer
            m = new DmBufio(p, mut, BufioQuirks.none());
            LoopbackDevice dev = new LoopbackDevice(new MemoryBackend(BLOCKS * (long) BS), comp, Clock.SYSTEM);
            c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(6).reserved(1));
            c.traceTo(log);
        }

        void forget(int b) {
            c.lock.lock();
            try {
                Buffer x = c.tree.get((long) b);
                if (x != null && x.holdCount() == 0 && (x.state() & DmBufio.B_DIRTY) != 0) forgotDirty = true;
            } finally {
                c.lock.unlock();
            }
            c.forget(b);
        }

        void finish() {
            for (Buffer x : held) c.release(x);
            held.clear();
            c.writeDirtyBuffers();
            comp.completeAll();
        }
    }

    static Transformer<World> step(String name, java.util.function.Consumer<World> body) {
        return Transformer.mutate(name, body::accept);
    }

    static final class ReadAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return w.held.size() < MAX_HELD; }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.integers().between(0, BLOCKS - 1).map(b -> step("read " + b, s -> s.held.add(s.c.read(b))));
        }
    }

    static final class HeldAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.held.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            int n = w.held.size();
            return Arbitraries.integers().between(0, n - 1).flatMap(i -> Arbitraries.of(
                    step("modify+mark held#" + i, s -> {
                        Buffer x = s.held.get(i);
                        x.data()[0]++;
                        s.c.markBufferDirty(x);
                    }),
                    step("release held#" + i, s -> s.c.release(s.held.remove((int) i)))));
        }
    }

    static final class BackgroundAction implements Action.Independent<World> {
        @Override public Arbitrary<Transformer<World>> transformer() {
            return Arbitraries.integers().between(0, BLOCKS - 1).flatMap(b -> Arbitraries.of(
                    step("write_dirty_buffers_async", s -> s.c.writeDirtyBuffersAsync()),
                    step("write_dirty_buffers", s -> s.c.writeDirtyBuffers()),
                    step("forget " + b, s -> s.forget(b)),
                    step("shrink " + (1 + b % 2) + " noio", s -> s.c.shrinkScan(1 + b % 2, false)),
                    step("shrink " + (1 + b % 2) + " io", s -> s.c.shrinkScan(1 + b % 2, true)),
                    step("complete " + (b % 3), s -> { for (int k = b % 3; k >= 0; k--) s.comp.completeOne(); })));
        }
    }

    /** The chains; {@code made} receives each World the chain creates (the must-fail reads it after a throw). */
    static Arbitrary<ActionChain<World>> chains(BufioMutations mut, AtomicReference<World> made) {
        return ActionChain.<World>startWith(() -> {
                    World w = new World(mut);
                    made.set(w);
                    return w;
                })
                .withAction(4, new ReadAction())
                .withAction(5, new HeldAction())
                .withAction(4, new BackgroundAction())
                .withMaxTransformations(60);
    }

    @Provide Arbitrary<ActionChain<World>> tracedChains() { return chains(BufioMutations.none(), new AtomicReference<>()); }

    // one try, a long run: a TLC run costs about 3 CPU s whatever its length (JVM start, SANY); the default-build budget
    @Property(tries = 1, seed = "20261207", shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void generatedChainsAreBehavioursOfTheSpec(@ForAll("tracedChains") ActionChain<World> chain) {
        World w = chain.withInvariant("checkInvariants", s -> s.m.checkInvariants()).run();
        w.finish();
        w.m.checkInvariants();
        List<String> lines = w.log.lines();
        TraceCheck.Result r = JqwikTraces.accept("DmBufio", lines, "BufioStatefulTraceTest.generatedChainsAreBehavioursOfTheSpec");
        assertEquals(lines.size(), r.validated(), "every event is validated (no Unmodelled call in these chains)");
    }

    /** Thrown by a must-fail chain's invariant to stop the chain once its switch acted. */
    static final class SwitchActed extends RuntimeException {
        SwitchActed() { super("the mutation switch acted", null, false, false); }
    }

    /**
     * Must-fail: forgetDropsDirty on; the first sampled chain (the property's fixed seed) that
     * forgets an unheld DIRTY buffer is run up to that step and validated, and TLC rejects it at that forget.
     */
    @Property(tries = 1, seed = "20261207")
    void forgetDropsDirtyMakesTheGeneratedTraceRejected() {
        BufioMutations mut = BufioMutations.of(List.of("forgetDropsDirty"));
        AtomicReference<World> made = new AtomicReference<>();
        World hit = chains(mut, made).sampleStream().limit(40).map(chain -> {
            try {
                // stop right after the step where the switch acted: a later step of the broken cache may wait forever
                chain.withInvariant("stop once a dirty buffer was forgotten", s -> {
                    if (s.forgotDirty) throw new SwitchActed();
                }).run().finish();
            } catch (RuntimeException | AssertionError e) {   // SwitchActed (jqwik may wrap it), or the broken port failing
                // the trace up to the switch's step is what is checked
            }
            return made.get();
        }).filter(w -> w.forgotDirty).findFirst()
                .orElseThrow(() -> new AssertionError("no sampled chain forgets a dirty buffer: the must-fail has no input"));
        TraceCheck.Result r = JqwikTraces.check("DmBufio", hit.log.lines());
        assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> "forgetDropsDirty was not caught:\n" + r.render("DmBufio"));
        assertTrue(r.unmatchedLine().contains("\"action\":\"forget\""), () -> "rejected at " + r.unmatchedLine());
        System.out.println("jqwik trace must-fail DmBufio forgetDropsDirty: rejected at event " + r.firstUnmatched()
                + " of " + r.events() + ": " + r.unmatchedLine());
    }
}
