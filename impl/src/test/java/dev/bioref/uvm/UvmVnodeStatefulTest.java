// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

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
import java.util.List;

import static dev.bioref.uvm.UvmTestSupport.PG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pager with the vnode layer against a model of the files, as jqwik action chains:
 * mmap, stores through mappings, loads (read faults), msync (async and sync), munmap (persist or
 * kill), sync(2), truncate and grow, pagedaemon pageouts, and vnode recycling. The model is each
 * file's bytes and size. After every step: {@code checkInvariants()} of every uvn and the
 * globals, no broken action property (D1-D4, O9), and every load agrees with the model. After a
 * sync msync returns TRUE the range is durable (the device's durable image equals the model).
 *
 * <p>FIXED mode runs every action. FAITHFUL mode runs the subset that does not walk into a
 * rough edge (page-aligned truncates only, RE-5; every file held open, so sync never VREFs a free
 * vnode, RE-12, and nothing is recycled): the 1998 pager is correct in ordinary single-threaded
 * use. A failure prints jqwik's seed; rerun with {@code -Djqwik.seeds.whenfixed=...}.
 */
class UvmVnodeStatefulTest {
    static final int FILES = 3;
    static final int MAXPAGES = 6;

    static final class World {
        final UvmMode mode;
        final VnodeLayer l;
        final UvmFaultClient c;
        final byte[][] model = new byte[FILES][MAXPAGES * PG];
        final long[] size = new long[FILES];
        final List<UvmFaultClient.Mapping> maps = new ArrayList<>();
        int version;

        World(UvmMode mode) {
            this.mode = mode;
            l = UvmTestSupport.world(mode);
            l.throwOnFlaw = true;
            c = new UvmFaultClient(l);
            for (int f = 0; f < FILES; f++) {
                size[f] = 2 * PG;
                c.grow(l.vnode(f), size[f]);
                if (mode == UvmMode.FAITHFUL) l.vnode(f).vgetExternal();   // held open (RE-12)
            }
        }

        void check() {
            l.checkInvariants();
            assertTrue(l.flaws().isEmpty(), l.flaws().toString());
        }

        void mmap(int f, boolean w) {
            UvmFaultClient.Mapping m = c.mmap(l.vnode(f), w);
            assertNotNull(m);
            maps.add(m);
        }

        void munmap(int i) { c.munmap(maps.remove(i % maps.size())); }

        void store(int i, int pageAndOff, int len) {
            UvmFaultClient.Mapping m = writable(i);
            if (m == null) return;
            int f = m.vp.fileId;
            if (size[f] == 0) return;
            long off = pageAndOff % size[f];
            len = (int) Math.min(len, Math.min(PG - off % PG, size[f] - off));
            byte[] b = UvmTestSupport.bytes(++version, len);
            assertEquals(0, c.store(m, off, b), "store " + off);
            System.arraycopy(b, 0, model[f], (int) off, len);
        }

        UvmFaultClient.Mapping writable(int i) {
            for (int k = 0; k < maps.size(); k++) {
                UvmFaultClient.Mapping m = maps.get((i + k) % maps.size());
                if (m.writable) return m;
            }
            return null;
        }

        void load(int i, int pageAndOff) {
            UvmFaultClient.Mapping m = maps.get(i % maps.size());
            int f = m.vp.fileId;
            int[] err = {0};
            long off = pageAndOff % (MAXPAGES * PG);
            int len = (int) Math.min(64, PG - off % PG);
            byte[] got = c.load(m, off, len, err);
            if (off - off % PG >= size[f]) {
                assertEquals(UvmVnode.VM_PAGER_BAD, err[0], "load of a page past EOF at " + off);
                return;
            }
            assertNotNull(got, "load " + off + " err " + err[0]);
            int valid = (int) Math.max(0, Math.min(len, size[f] - off));
            assertArrayEquals(Arrays.copyOfRange(model[f], (int) off, (int) off + valid), Arrays.copyOf(got, valid),
                    "file " + f + " bytes at " + off);
            for (int b = valid; b < len; b++) assertEquals(0, got[b], "byte past EOF " + size[f] + " at " + (off + b));
        }

        void msync(int i, boolean sync) {
            UvmFaultClient.Mapping m = maps.get(i % maps.size());
            int f = m.vp.fileId;
            boolean ok = c.msync(m, 0, size[f], sync);
            assertTrue(ok, "msync without faults");
            if (sync) {
                byte[] d = m.vp.readFileDurable(0, (int) size[f]);
                assertArrayEquals(Arrays.copyOf(model[f], (int) size[f]), d, "file " + f + " durable after msync(MS_SYNC)");
            }
        }

        void truncate(int f, int pages, int extra) {
            long n = (long) pages * PG + (mode == UvmMode.FIXED ? extra : 0);
            if (n >= size[f]) return;
            c.truncate(l.vnode(f), n);
            Arrays.fill(model[f], (int) n, model[f].length, (byte) 0);
            size[f] = n;
        }

        void grow(int f, int pages) {
            long n = Math.max(size[f], (long) pages * PG);
            c.grow(l.vnode(f), n);
            size[f] = n;
        }

        void recycle(int f) { l.recycle(l.vnode(f)); }

        void pageout(int f, int page) { c.pageout(l.vnode(f), (long) page * PG); }

        void sync() { c.sync(); }
    }

    record Step(String name, java.util.function.Consumer<World> body) { }

    static Action.Independent<World> act(Arbitrary<Step> body) {
        return () -> body.map(b -> Transformer.mutate(b.name(), b.body()::accept));
    }

    private static Arbitrary<Integer> any() { return Arbitraries.integers().between(0, 1 << 20); }

    static final class MmapAction implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return w.maps.size() < 4; }
        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Combinators.combine(Arbitraries.integers().between(0, FILES - 1), Arbitraries.of(true, false))
                    .as((f, wr) -> Transformer.mutate("mmap " + f + (wr ? " rw" : " ro"), s -> s.mmap(f, wr)));
        }
    }

    static final class OnMapping implements Action.Dependent<World> {
        @Override public boolean precondition(World w) { return !w.maps.isEmpty(); }
        @Override public Arbitrary<Transformer<World>> transformer(World w) {
            return Arbitraries.oneOf(
                    Combinators.combine(any(), any(), Arbitraries.integers().between(1, 200))
                            .as((i, o, n) -> Transformer.<World>mutate("store m" + i + " @" + o + " len " + n, s -> s.store(i, o, n))),
                    Combinators.combine(any(), any()).as((i, o) -> Transformer.<World>mutate("load m" + i + " @" + o, s -> s.load(i, o))),
                    Combinators.combine(any(), Arbitraries.of(true, false))
                            .as((i, sy) -> Transformer.<World>mutate("msync m" + i + (sy ? " MS_SYNC" : " MS_ASYNC"), s -> s.msync(i, sy))),
                    any().map(i -> Transformer.<World>mutate("munmap m" + i, s -> s.munmap(i))));
        }
    }

    static Arbitrary<ActionChain<World>> chains(UvmMode mode, int steps) {
        Arbitrary<Integer> file = Arbitraries.integers().between(0, FILES - 1);
        net.jqwik.api.state.ActionChainArbitrary<World> ch = ActionChain.<World>startWith(() -> new World(mode))
                .withAction(2, new MmapAction())
                .withAction(8, new OnMapping())
                .withAction(1, act(Arbitraries.just(new Step("sync", World::sync))))
                .withAction(1, act(Combinators.combine(file, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(1, PG - 1))
                        .as((f, p, x) -> new Step("truncate " + f + " to " + p + " pages + " + x, s -> s.truncate(f, p, x)))))
                .withAction(1, act(Combinators.combine(file, Arbitraries.integers().between(1, MAXPAGES))
                        .as((f, p) -> new Step("grow " + f + " to " + p + " pages", s -> s.grow(f, p)))))
                .withAction(1, act(Combinators.combine(file, Arbitraries.integers().between(0, MAXPAGES - 1))
                        .as((f, p) -> new Step("pageout " + f + " page " + p, s -> s.pageout(f, p)))));
        if (mode == UvmMode.FIXED) ch = ch.withAction(1, act(file.map(f -> new Step("recycle " + f, s -> s.recycle(f)))));
        return ch.withMaxTransformations(steps);
    }

    @Provide Arbitrary<ActionChain<World>> fixedChains() { return chains(UvmMode.FIXED, 40); }

    @Provide Arbitrary<ActionChain<World>> faithfulChains() { return chains(UvmMode.FAITHFUL, 40); }

    @Property(tries = 25)
    void fixedModeAgreesWithTheModel(@ForAll("fixedChains") ActionChain<World> chain) {
        chain.withInvariant("checkInvariants and no broken property", World::check).run();
    }

    @Property(tries = 15)
    void faithfulModeAgreesInOrdinaryUse(@ForAll("faithfulChains") ActionChain<World> chain) {
        chain.withInvariant("checkInvariants and no broken property", World::check).run();
    }
}
