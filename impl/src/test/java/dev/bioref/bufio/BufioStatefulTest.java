// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.Completer;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Op;
import dev.bioref.device.SeededCompleter;
import dev.bioref.kern.Clock;
import dev.bioref.kern.ManualClock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The client API against a model, as jqwik action chains, with checkInvariants() after every
 * step. The model: the newest data of each block (what the client last marked dirty, or read),
 * and the buffers the client holds. After every step, besides every clause of
 * {@link DmBufioInvariants}: a cached block without an error holds the model's data, and an
 * absent block reads back from the device as the model's data, unless a write to it failed.
 * write_dirty_buffers must return an error when a failed write was not yet reported, and when it
 * returns 0 every block is on the device.
 *
 * <p>Two device modes: INLINE with seeded write faults, and HELPING (a {@link SeededCompleter}:
 * I/O stays in flight across steps until a step completes some, or a waiter helps). A failure
 * prints jqwik's seed; rerun with {@code @Property(seed = "...")}.
 */
class BufioStatefulTest {
    static final int BS = 1024;
    static final int BLOCKS = 10;
    static final int MAX_HELD = 2;

    static final class World {
        final ManualClock clock = new ManualClock();
        final DmBufio m;
        final Completer completer;
        final LoopbackDevice dev, devB;
        final Client c, other;
        final byte[][] latest = new byte[BLOCKS][];
        final List<Set<String>> history = new ArrayList<>();
        final List<Buffer> held = new ArrayList<>();
        int version;

        World(boolean helping, double writeFaultRate) {
            DmBufio.Params p = new DmBufio.Params();
            p.clock = clock;
            p.retainBytes = BS;
            p.cacheSizeBytes = 6L * BS;
            p.waitTimeoutNanos = TimeUnit.SECONDS.toNanos(10);
            m = new DmBufio(p, BufioMutations.none(), BufioQuirks.none());
            completer = helping ? new SeededCompleter(42) : new dev.bioref.device.InlineCompleter();
            FaultPlan plan = writeFaultRate > 0 ? FaultPlan.builder(7).eioWithProbability(Op.WRITE, writeFaultRate).build() : FaultPlan.none();
            dev = new LoopbackDevice(new MemoryBackend((long) BLOCKS * BS), completer, Clock.SYSTEM, plan);
            devB = new LoopbackDevice(new MemoryBackend(16L * BS), new dev.bioref.device.InlineCompleter(), Clock.SYSTEM);
            c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(4).reserved(1));
            other = m.clientCreate(devB, new DmBufio.ClientOptions().blockSize(BS).capacity(8));
            for (int b = 0; b < BLOCKS; b++) {
                latest[b] = new byte[BS];
                history.add(new HashSet<>(Set.of(Arrays.toString(latest[b]))));
            }
        }

        byte[] next(int b) {
            version++;
            byte[] v = BufioTestSupport.pattern(version * 131 + b, BS);
            history.get(b).add(Arrays.toString(v));
            return v;
        }

        boolean tainted(long b) { return c.ghost.tainted.contains(b); }

        /** Checks data a caller got for block b against the model; a tainted block may have gone back in time. */
        void saw(long block, byte[] data) {
            int b = (int) block;
            if (Arrays.equals(data, latest[b])) return;
            if (tainted(b) && history.get(b).contains(Arrays.toString(data))) {
                latest[b] = data.clone();
                return;
            }
            throw new AssertionError("block " + b + " returned data that is not the newest (tainted=" + tainted(b) + ")");
        }

        void take(Buffer x) {
            saw(x.blockNumber(), x.data());
            held.add(x);
        }

        void check() {
            m.checkInvariants();
            for (int b = 0; b < BLOCKS; b++) {
                c.lock.lock();
                Buffer x;
                try { x = c.tree.get((long) b); } finally { c.lock.unlock(); }
                if (x != null) {
                    if ((x.state() & DmBufio.B_READING) != 0 || x.readError() != 0 || x.writeError() != 0) continue;
                    saw(b, x.data());          // the newest data, or an older one after a failed write
                } else if (!tainted(b) && c.ghost.inflight((long) b) == 0 && !Arrays.equals(dev.peekVisible((long) b * BS, BS), latest[b])) {
                    throw new AssertionError("block " + b + " is not cached and the device is stale");
                }
            }
        }

        void wdb() {
            long unreported = c.ghost.unreported.get();
            int r = c.writeDirtyBuffers();
            if (unreported > 0 && r == 0) throw new AssertionError(unreported + " failed write(s) not reported");
            if (r == 0) {
                for (int b = 0; b < BLOCKS; b++) {
                    if (!tainted(b) && !Arrays.equals(dev.peekDurable((long) b * BS, BS), latest[b])) {
                        throw new AssertionError("write_dirty_buffers returned 0 but block " + b + " is not durable");
                    }
                }
            }
        }

        void finish() {
            for (Buffer x : new ArrayList<>(held)) c.release(x);
            held.clear();
            wdb();
            if (completer instanceof SeededCompleter s) s.completeAll();
            check();
            c.destroy();
            other.destroy();
            m.checkInvariants();
        }
    }

    static Arbitrary<Integer> blocks() { return Arbitraries.integers().between(0, BLOCKS - 1); }

    static final class ReadAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return w.held.size() < MAX_HELD; }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Combinators.combine(blocks(), Arbitraries.of("read", "get", "new")).as((b, how) -> Transformer.mutate(how + " " + b, s -> {
                switch (how) {
                    case "read" -> s.take(s.c.read(b));
                    case "get" -> {
                        Buffer x = s.c.get(b);
                        if (x != null) s.take(x);
                    }
                    default -> {
                        for (Buffer x : s.held) if (x.blockNumber() == b) return;   // new() needs exclusive ownership
                        Buffer x = s.c.new_(b);
                        byte[] v = s.next(b);
                        System.arraycopy(v, 0, x.data(), 0, BS);      // modify the whole block, then mark
                        s.c.markBufferDirty(x);
                        s.latest[b] = v;
                        s.held.add(x);
                    }
                }
            }));
        }
    }

    static final class ModifyAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.held.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Combinators.combine(Arbitraries.integers().between(0, w.held.size() - 1), Arbitraries.integers().between(0, BS - 1),
                    Arbitraries.integers().between(1, BS)).as((i, from, len) -> Transformer.mutate("modify+mark held#" + i
                    + " [" + from + "," + Math.min(BS, from + len) + ")", s -> {
                Buffer x = s.held.get(i);
                int b = (int) x.blockNumber();
                int to = Math.min(BS, from + len);
                byte[] v = s.next(b);
                System.arraycopy(v, from, x.data(), from, to - from);
                s.c.markPartialBufferDirty(x, from, to);
                s.latest[b] = x.data().clone();
                s.history.get(b).add(Arrays.toString(s.latest[b]));
            }));
        }
    }

    static final class ReleaseAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.held.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.integers().between(0, w.held.size() - 1).map(i -> Transformer.mutate("release held#" + i,
                    s -> s.c.release(s.held.remove((int) i))));
        }
    }

    static final class MoveAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.held.isEmpty(); }

        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Combinators.combine(Arbitraries.integers().between(0, w.held.size() - 1), blocks()).as((i, nb) ->
                    Transformer.mutate("release_move held#" + i + " to " + nb, s -> {
                        Buffer x = s.held.get(i);
                        if (x.blockNumber() == nb) return;
                        for (Buffer y : s.held) if (y.blockNumber() == nb) return;   // it would wait for our own hold
                        s.held.remove((int) i);
                        s.c.releaseMove(x, nb);
                        s.latest[nb] = x.data().clone();
                        s.history.get(nb).add(Arrays.toString(s.latest[nb]));
                    }));
        }
    }

    static final class BackgroundAction implements Action.Independent<World> {
        @Override public Arbitrary<Transformer<World>> transformer() {
            return Combinators.combine(Arbitraries.of("wdb", "wdbAsync", "prefetch", "forget", "forgetBuffers", "shrinkNoIo",
                    "shrinkIo", "age", "pressure", "complete"), blocks()).as((what, b) -> Transformer.mutate(what + " " + b, s -> {
                switch (what) {
                    case "wdb" -> s.wdb();
                    case "wdbAsync" -> s.c.writeDirtyBuffersAsync();
                    case "prefetch" -> s.c.prefetch(b, Math.min(2, BLOCKS - b));
                    case "forget" -> s.c.forget(b);
                    case "forgetBuffers" -> s.c.forgetBuffers(b, 3);
                    case "shrinkNoIo" -> s.c.shrinkScan(2, false);
                    case "shrinkIo" -> s.c.shrinkScan(2, true);
                    case "age" -> {
                        s.clock.advance(TimeUnit.SECONDS.toNanos(301));
                        s.m.cleanupOldBuffers();
                    }
                    case "pressure" -> {
                        for (int k = 0; k < 4; k++) s.other.release(s.other.read((b + k) % 16));   // the second client fills the budget
                        if (s.m.globalCleanupPending()) s.m.globalCleanup();
                    }
                    default -> {
                        if (s.completer instanceof SeededCompleter sc) sc.completeOne();
                    }
                }
            }));
        }
    }

    private static Arbitrary<ActionChain<World>> chains(boolean helping, double faults, int steps) {
        return ActionChain.<World>startWith(() -> new World(helping, faults))
                .withAction(5, new ReadAction())
                .withAction(4, new ModifyAction())
                .withAction(5, new ReleaseAction())
                .withAction(1, new MoveAction())
                .withAction(4, new BackgroundAction())
                .withMaxTransformations(steps);
    }

    @Provide Arbitrary<ActionChain<World>> inlineChains() { return chains(false, 0.05, 40); }

    @Provide Arbitrary<ActionChain<World>> helpingChains() { return chains(true, 0, 40); }

    @Property(tries = 35)
    void modelAgreesOnAnInlineDeviceWithWriteFaults(@ForAll("inlineChains") ActionChain<World> chain) {
        World w = chain.withInvariant("checkInvariants and model", World::check).run();
        w.finish();
    }

    @Property(tries = 25)
    void modelAgreesWithHelpingCompletion(@ForAll("helpingChains") ActionChain<World> chain) {
        World w = chain.withInvariant("checkInvariants and model", World::check).run();
        w.finish();
    }
}
