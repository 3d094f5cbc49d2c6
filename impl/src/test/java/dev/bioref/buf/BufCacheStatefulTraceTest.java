// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.buf.BufCacheTraceValidationTest.World;
import dev.bioref.trace.JqwikTraces;
import dev.bioref.trace.TraceCheck;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
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
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BufCache's jqwik runs, traced and validated with TLC (issue 15 item 3; proofs-notes/traces.md,
 * "Traces from the jqwik runs (session 7)"). {@link BufCacheStatefulTest} cannot be traced as it
 * stands: it uses BHEAVY (DIRTY_HW), vfsync, vfs_bio_clrbuf and a completion thread, outside
 * BufCache.tla's abstraction. This twin is a jqwik action chain over the steps the spec models,
 * on {@link BufCacheTraceValidationTest}'s traced world (4 headers, 7 blocks, an inline device,
 * a filesystem whose deps accept or veto): bread/getblk, the six releases, a dep attach, the
 * daemon's visit of a dirty buffer, regetblk of a parked one, holds and their drops, a one-shot
 * device error. checkInvariants() after every step; at the end of every try the trace is
 * validated (fixed seed, one long try: each try is one TLC run), so a mismatch fails with jqwik's seed
 * and shrunk chain and TraceCheck's first unmatched event. Must-fail: with
 * {@code bpdoneNoRedirtyOnError} on, the first sampled chain with a failed write is rejected at
 * its {@code biodone_write}.
 *
 * <p>Replay: {@code mvn -B -o -pl impl test -Dtest=BufCacheStatefulTraceTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class BufCacheStatefulTraceTest {
    static final int MAX_HELD = 2;

    static final class AcquireAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return w.held.size() < MAX_HELD; }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            List<Integer> free = new ArrayList<>();
            for (int b = 0; b < w.blocks; b++) if (!w.held.containsKey(b)) free.add(b);
            return Combinators.combine(Arbitraries.of(free), Arbitraries.of(false, true), Arbitraries.integers().between(0, 7))
                    .as((b, read, fault) -> Transformer.mutate((read ? "bread " : "getblk ") + b + (read && fault == 0 ? " (read fails)" : ""), s -> {
                        if (read) {
                            if (fault == 0) s.failNextRead.add(s.off(b));
                            Buf bp = s.bread(b);
                            if (bp.hasFlags(Buf.B_ERROR)) s.c.brelse(bp);   // a failed read: the contents are garbage
                            else s.held.put(b, bp);
                        } else {
                            Buf bp = s.getblk(b);
                            if (bp == null) {   // no free header: let the daemon write the dirty ones
                                for (Buf d : s.onQueue(Buf.BQUEUE_DIRTY)) s.flush(d);
                            } else {
                                s.held.put(b, bp);
                            }
                        }
                    }));
        }
    }

    static final class ReleaseAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.held.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Combinators.combine(Arbitraries.of(new ArrayList<>(w.held.keySet())), Arbitraries.integers().between(0, 5),
                    Arbitraries.integers().between(0, 4)).as((b, how, fault) -> Transformer.mutate(
                    List.of("bdwrite", "bawrite", "bwrite", "bqrelse", "brelse", "binval_brelse").get(how) + " " + b
                            + (how < 4 && fault == 0 ? " (write fails)" : ""), s -> release(s, b, how, fault == 0)));
        }

        /** The seeded workload's release (BufCacheTraceValidationTest.workload), with jqwik's choices. */
        static void release(World s, int b, int how, boolean fail) {
            Buf bp = s.held.remove(b);
            boolean veto = s.fs.veto(bp);
            if (!bp.hasFlags(Buf.B_CACHE) && how < 2) how = 5;     // never filled: the contract is B_INVAL brelse
            if (how < 4 && fail) s.failNextWrite.add(s.off(b));
            switch (how) {
                case 0 -> s.c.bdwrite(bp);
                case 1 -> s.c.bawrite(bp);
                case 2 -> s.c.bwrite(bp);
                case 3 -> { if (bp.hasFlags(Buf.B_CACHE)) s.c.bqrelse(bp); else s.c.bdwrite(bp); }
                case 4 -> { if (bp.hasFlags(Buf.B_CACHE)) s.c.brelse(bp); else s.c.bawrite(bp); }
                default -> {
                    if (veto) s.c.bqrelse(bp);   // the owner never destroys a pinned buffer (L1864)
                    else {
                        bp.setFlags(Buf.B_INVAL);
                        s.c.brelse(bp);
                    }
                }
            }
        }
    }

    static final class AttachAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.held.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.of("accept", "veto").map(k -> Transformer.mutate("dep attach " + k, s -> {
                Buf bp = s.held.values().iterator().next();
                if (bp.hasFlags(Buf.B_CACHE) && bp.dep_isEmpty()) s.fs.attach(bp, k);
            }));
        }
    }

    static final class DaemonAction implements Action.Independent<World> {
        @Override public Arbitrary<Transformer<World>> transformer() {
            return Arbitraries.integers().between(0, 7).map(i -> Transformer.mutate("flushbufqueues visit #" + i, s -> {
                List<Buf> dirty = s.onQueue(Buf.BQUEUE_DIRTY);
                if (!dirty.isEmpty()) s.flush(dirty.get(i % dirty.size()));
            }));
        }
    }

    static final class RegetblkAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return w.held.size() < MAX_HELD; }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.integers().between(0, 7).map(i -> Transformer.mutate("regetblk locked #" + i, s -> {
                List<Buf> locked = s.onQueue(Buf.BQUEUE_LOCKED);
                if (locked.isEmpty()) return;
                Buf bp = locked.get(i % locked.size());
                s.fs.regetblk(bp);
                s.held.put((int) (bp.b_loffset() / BufCacheTraceValidationTest.BS), bp);
            }));
        }
    }

    static final class HoldAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return w.holds.size() < 2; }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.integers().between(0, w.blocks - 1).map(b -> Transformer.mutate("bqhold " + b, s -> {
                Buf bp = s.c.findblk(s.vp, s.off(b), BufCache.FINDBLK_REF | BufCache.FINDBLK_TEST);
                if (bp != null) s.holds.add(bp);
            }));
        }
    }

    static final class DropAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.holds.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.just(Transformer.mutate("bqdrop", s -> s.c.bqdrop(s.holds.remove(0))));
        }
    }

    /** The chains; {@code made} receives each World the chain creates (the must-fail reads its trace after a throw). */
    static Arbitrary<ActionChain<World>> chains(BufMutations m, AtomicReference<World> made) {
        return ActionChain.<World>startWith(() -> {
                    World w = new World(4, 7, m);
                    made.set(w);
                    return w;
                })
                .withAction(6, new AcquireAction())
                .withAction(6, new ReleaseAction())
                .withAction(1, new AttachAction())
                .withAction(2, new DaemonAction())
                .withAction(1, new RegetblkAction())
                .withAction(2, new HoldAction())
                .withAction(2, new DropAction())
                .withMaxTransformations(120);
    }

    /** Releases what the client holds, drops the holds, writes the dirty buffers: the seeded workload's end. */
    static void finish(World w) {
        for (Buf bp : new ArrayList<>(w.held.values())) {
            if (bp.hasFlags(Buf.B_CACHE) || w.fs.veto(bp)) w.c.bqrelse(bp);
            else { bp.setFlags(Buf.B_INVAL); w.c.brelse(bp); }
        }
        w.held.clear();
        for (Buf bp : w.holds) w.c.bqdrop(bp);
        w.holds.clear();
        for (Buf d : w.onQueue(Buf.BQUEUE_DIRTY)) w.flush(d);
    }

    @Provide Arbitrary<ActionChain<World>> tracedChains() { return chains(BufMutations.none(), new AtomicReference<>()); }

    // one try, a long run: a TLC run costs about 3 CPU s whatever its length (JVM start, SANY); the default-build budget
    @Property(tries = 1, seed = "20261207", shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void generatedChainsAreBehavioursOfTheSpec(@ForAll("tracedChains") ActionChain<World> chain) {
        World w = chain.withInvariant("checkInvariants", s -> s.c.checkInvariants()).run();
        finish(w);
        w.c.checkInvariants();
        JqwikTraces.accept("BufCache", w.log.lines(), "BufCacheStatefulTraceTest.generatedChainsAreBehavioursOfTheSpec");
    }

    /** Thrown by a must-fail chain's invariant to stop the chain once its switch acted. */
    static final class SwitchActed extends RuntimeException {
        SwitchActed() { super("the mutation switch acted", null, false, false); }
    }

    /** A failed write completion: the step bpdoneNoRedirtyOnError changes. */
    static boolean failedWrite(List<String> lines) {
        return lines.stream().anyMatch(e -> e.contains("\"action\":\"biodone_write\"") && e.contains("\"fail\":true"));
    }

    /**
     * Must-fail: bpdoneNoRedirtyOnError on; the first sampled chain (the property's fixed seed)
     * whose trace has a failed write completion is run up to that step and validated, and TLC
     * rejects it at that biodone_write (the port destroys the buffer where the spec re-dirties it).
     */
    @Property(tries = 1, seed = "20261207")
    void bpdoneNoRedirtyOnErrorMakesTheGeneratedTraceRejected() {
        BufMutations m = BufMutations.none();
        m.bpdoneNoRedirtyOnError = true;
        AtomicReference<World> made = new AtomicReference<>();
        List<String> lines = chains(m, made).sampleStream().limit(40).map(chain -> {
            try {
                // stop right after the step where the switch acted: a later step of the broken cache may spin
                finish(chain.withInvariant("stop once a write failed", s -> {
                    if (failedWrite(s.log.lines())) throw new SwitchActed();
                }).run());
            } catch (RuntimeException | AssertionError e) {   // SwitchActed (jqwik may wrap it), or the broken port failing
                // the trace up to the switch's step is what is checked
            }
            return made.get().log.lines();
        }).filter(BufCacheStatefulTraceTest::failedWrite)
                .findFirst().orElseThrow(() -> new AssertionError("no sampled chain has a failed write: the must-fail has no input"));
        TraceCheck.Result r = JqwikTraces.check("BufCache", lines);
        assertEquals(TraceCheck.Verdict.REJECTED, r.verdict(), () -> "bpdoneNoRedirtyOnError was not caught:\n" + r.render("BufCache"));
        assertTrue(r.unmatchedLine().contains("\"action\":\"biodone_write\""), () -> "rejected at " + r.unmatchedLine());
        System.out.println("jqwik trace must-fail BufCache bpdoneNoRedirtyOnError: rejected at event " + r.firstUnmatched()
                + " of " + r.events() + ": " + r.unmatchedLine());
    }
}
