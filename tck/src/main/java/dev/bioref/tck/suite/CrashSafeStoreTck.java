// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.suite;

import dev.bioref.device.CrashStates;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.WriteLog;
import dev.bioref.tck.CrashSafeStore;
import dev.bioref.tck.CrashSafeStore.Feature;
import dev.bioref.tck.CrashSafeStoreFactory;
import dev.bioref.tck.model.StoreModel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The TCK of the {@link CrashSafeStore} contract. Extend it with the one factory method,
 * {@link #factory()}:
 * <pre>
 * class MyStoreTckTest extends CrashSafeStoreTck {
 *     &#64;Override protected CrashSafeStoreFactory factory() { return new MyStoreFactory(); }
 * }</pre>
 *
 * <p>Runs: deterministic contract tests, misuse tests, a jqwik stateful property against
 * {@link StoreModel} with crashes and remounts, a Lincheck stress test against
 * {@link StoreModel.Map0}, and a crash-state test: every crash state of a workload's write log
 * (at most two pending writes landing, torn at sector prefixes) is recovered by mounting it and
 * checked against the crash promise. Keys used are 0..7; values are 1..64 bytes.
 *
 * <p>What it cannot check: which flush cycle a crash returns to (the contract's "equals a
 * completed flush cycle" across keys); only each key's value against its history since the
 * last acknowledged sync, and exact equality when nothing changed after that sync.
 */
public abstract class CrashSafeStoreTck {
    static final int KEYS = 8;
    static final int SCALE = Integer.getInteger("bioref.tck.scale", 1);
    static final boolean THOROUGH = Boolean.getBoolean("bioref.thorough");
    /** Lincheck budget: tiny in the default build (each invocation mounts a volume), larger with -Pthorough. */
    static final int LINCHECK_ITERATIONS = Integer.getInteger("bioref.tck.lincheck.iterations", THOROUGH ? 10 : 1);
    static final int LINCHECK_INVOCATIONS = Integer.getInteger("bioref.tck.lincheck.invocations", THOROUGH ? 300 : 20);

    /** The factory method: formats and mounts the store under test. */
    protected abstract CrashSafeStoreFactory factory();

    protected LoopbackDevice newDevice() {
        CrashSafeStoreFactory f = factory();
        LoopbackDevice d = LoopbackDevice.inMemory(f.deviceBytes());
        f.format(d);
        return d;
    }

    static byte[] value(int key, int version) {
        byte[] v = new byte[1 + (key * 7 + version * 13) % 64];
        for (int i = 0; i < v.length; i++) v[i] = (byte) (key * 31 + version * 11 + i + 1);
        return v;
    }

    /** Reads keys 0..KEYS-1 of a fresh mount of {@code d} (recovery), then unmounts it. */
    Map<Integer, byte[]> recover(LoopbackDevice d) {
        CrashSafeStore s = factory().mount(d);
        Map<Integer, byte[]> out = new HashMap<>();
        for (int k = 0; k < KEYS; k++) out.put(k, s.get(k));
        s.crash();
        return out;
    }

    // ------------------------------------------------------------------ values

    @Test @Timeout(60)
    void getReturnsTheLastPutOrNullAfterDelete() {
        CrashSafeStore s = factory().mount(newDevice());
        try {
            for (int k = 0; k < KEYS; k++) assertNull(s.get(k), "key " + k + " of an empty store");
            for (int k = 0; k < KEYS; k++) s.put(k, value(k, 1));
            s.put(3, value(3, 2));
            s.delete(5);
            for (int k = 0; k < KEYS; k++) {
                byte[] want = k == 5 ? null : value(k, k == 3 ? 2 : 1);
                assertArrayEquals(want, s.get(k), "key " + k);
            }
            s.sync();
            assertArrayEquals(value(3, 2), s.get(3), "sync changed a value");
        } finally {
            s.close();
        }
    }

    @Test @Timeout(60)
    void syncAcknowledgementsIncrease() {
        CrashSafeStore s = factory().mount(newDevice());
        try {
            long last = Long.MIN_VALUE;
            for (int i = 0; i < 4; i++) {
                s.put(i, value(i, i));
                long a = s.sync();
                assertTrue(a > last, "sync acknowledgement " + a + " after " + last);
                last = a;
            }
        } finally {
            s.close();
        }
    }

    @Test @Timeout(60)
    void aCleanUnmountKeepsEverything() {
        LoopbackDevice d = newDevice();
        CrashSafeStore s = factory().mount(d);
        for (int k = 0; k < KEYS; k++) s.put(k, value(k, 3));
        s.delete(2);
        s.close();
        d.crash();
        Map<Integer, byte[]> r = recover(d);
        for (int k = 0; k < KEYS; k++) assertArrayEquals(k == 2 ? null : value(k, 3), r.get(k), "key " + k + " after unmount");
    }

    @Test @Timeout(60)
    void aCrashAfterAnAcknowledgedSyncReturnsExactlyThatStore() {
        LoopbackDevice d = newDevice();
        CrashSafeStore s = factory().mount(d);
        for (int k = 0; k < KEYS; k++) s.put(k, value(k, 4));
        s.delete(6);
        s.sync();
        s.crash();
        d.crash();
        Map<Integer, byte[]> r = recover(d);
        for (int k = 0; k < KEYS; k++) assertArrayEquals(k == 6 ? null : value(k, 4), r.get(k), "key " + k + " after sync + crash");
    }

    @Test @Timeout(60)
    void aCrashAfterLaterChangesNeverGoesBehindTheSync() {
        LoopbackDevice d = newDevice();
        CrashSafeStore s = factory().mount(d);
        StoreModel m = new StoreModel();
        for (int k = 0; k < KEYS; k++) { s.put(k, value(k, 5)); m.put(k, value(k, 5)); }
        s.sync();
        m.acknowledged();
        for (int k = 0; k < KEYS; k += 2) { s.put(k, value(k, 6)); m.put(k, value(k, 6)); }
        s.delete(1);
        m.delete(1);
        s.crash();
        d.crash();
        Map<Integer, byte[]> r = recover(d);
        for (int k = 0; k < KEYS; k++) {
            String err = m.checkRecovered(k, r.get(k));
            if (err != null) fail(err);
        }
    }

    @Test @Timeout(60)
    void fsyncFollowsTheFeature() {
        LoopbackDevice d = newDevice();
        CrashSafeStore s = factory().mount(d);
        s.put(1, value(1, 7));
        s.fsync(1);
        assertArrayEquals(value(1, 7), s.get(1), "fsync changed the value");
        boolean durable = s.features().contains(Feature.FSYNC_DURABLE);
        if (!durable) s.sync();     // without the feature only sync promises durability; fsync must not get in its way
        s.crash();
        d.crash();
        Map<Integer, byte[]> r = recover(d);
        assertArrayEquals(value(1, 7), r.get(1), durable ? "fsync alone must make the key durable (FSYNC_DURABLE)"
                : "fsync then sync: the key must be durable");
    }

    // ------------------------------------------------------------------ misuse

    @Test @Timeout(60)
    void misuseThrowsNamingTheValueAndChangesNothing() {
        CrashSafeStore s = factory().mount(newDevice());
        try {
            s.put(0, value(0, 8));
            int keys = s.keys();
            assertMessage(assertThrows(IllegalArgumentException.class, () -> s.put(-1, value(0, 1))), "-1");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> s.put(keys, value(0, 1))), String.valueOf(keys));
            assertMessage(assertThrows(IllegalArgumentException.class, () -> s.get(keys)), String.valueOf(keys));
            assertMessage(assertThrows(IllegalArgumentException.class, () -> s.delete(-3)), "-3");
            assertThrows(IllegalArgumentException.class, () -> s.put(0, null));
            assertMessage(assertThrows(IllegalArgumentException.class, () -> s.put(0, new byte[0])), "0");
            int tooLong = s.maxValueLength() + 1;
            assertMessage(assertThrows(IllegalArgumentException.class, () -> s.put(0, new byte[tooLong])), String.valueOf(tooLong));
            assertArrayEquals(value(0, 8), s.get(0), "misuse changed key 0");
            s.sync();
        } finally {
            s.close();
        }
    }

    private static void assertMessage(RuntimeException e, String v) {
        assertTrue(String.valueOf(e.getMessage()).contains(v), "the exception must name the bad value " + v + ": " + e);
    }

    // ------------------------------------------------------------------ crash states

    @Test @Timeout(120)
    void everyCrashStateOfAWorkloadKeepsTheCrashPromise() {
        LoopbackDevice d = newDevice();
        WriteLog log = d.startLog();
        CrashSafeStore s = factory().mount(d);
        StoreModel m = new StoreModel();
        Random rnd = new Random(14);
        int ops = 16 * SCALE;
        List<StoreModel> after = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            int k = rnd.nextInt(KEYS);
            switch (rnd.nextInt(6)) {
                case 0, 1, 2 -> { s.put(k, value(k, i)); m.put(k, value(k, i)); }
                case 3 -> { s.delete(k); m.delete(k); }
                case 4 -> s.fsync(k);
                default -> { s.sync(); m.acknowledged(); }
            }
            after.add(copy(m));
            d.mark("op" + i);
        }
        s.crash();
        CrashStates states = CrashStates.of(log, CrashStates.Bounds.all().withMaxLanded(2).withTear(CrashStates.Tear.PREFIX));
        long budget = 200L * SCALE;
        long n = states.count().min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue();
        long stride = Math.max(1, n / budget);
        long checked = 0;
        long idx = 0;
        for (CrashStates.CrashState st : (Iterable<CrashStates.CrashState>) states.stream()::iterator) {
            if (idx++ % stride != 0) continue;
            String mark = st.point().lastMark();
            int opDone = mark == null ? -1 : Integer.parseInt(mark.substring(2));
            // a crash inside op i+1 may show op i+1's effect or not: accept either model
            StoreModel before = opDone < 0 ? new StoreModel() : after.get(opDone);
            StoreModel inFlight = opDone + 1 < ops ? after.get(opDone + 1) : before;
            Map<Integer, byte[]> r;
            try (LoopbackDevice img = st.toDevice()) {
                r = recover(img);
            } catch (RuntimeException e) {
                fail("crash state #" + st.ordinal() + " (" + st.point() + "): mount failed: " + e);
                return;
            }
            for (int k = 0; k < KEYS; k++) {
                String e1 = before.checkRecovered(k, r.get(k));
                String e2 = inFlight.checkRecovered(k, r.get(k));
                if (e1 != null && e2 != null) {
                    fail("crash state #" + st.ordinal() + " (" + st.point() + "): " + e1 + " (workload seed 14, " + ops + " ops)");
                }
            }
            checked++;
        }
        System.out.println(getClass().getSimpleName() + ": " + checked + " of " + n + " crash states recovered and checked");
        assertTrue(checked >= Math.min(n, 50), "only " + checked + " of " + n + " crash states were checked");
    }

    private static StoreModel copy(StoreModel m) {
        // the model is small; replaying is simpler than a deep copy constructor
        return m.copy();
    }

    // ------------------------------------------------------------------ stateful (jqwik)

    /** The store, its device and the model (jqwik's state). */
    public final class World {
        final LoopbackDevice dev = newDevice();
        CrashSafeStore store = factory().mount(dev);
        final StoreModel model = new StoreModel();
        int version;

        void crash() {
            store.crash();
            dev.crash();
            Map<Integer, byte[]> r = new HashMap<>();
            store = factory().mount(dev);
            for (int k = 0; k < KEYS; k++) {
                byte[] v = store.get(k);
                String err = model.checkRecovered(k, v);
                if (err != null) throw new AssertionError("after a crash: " + err);
                r.put(k, v);
            }
            model.recovered(r);
        }
    }

    private Action.Independent<World> act(String name, Arbitrary<Integer> keys, java.util.function.BiConsumer<World, Integer> f) {
        return () -> keys.map(k -> Transformer.mutate(name + " " + k, w -> f.accept(w, k)));
    }

    @Provide Arbitrary<ActionChain<World>> chains() {
        Arbitrary<Integer> key = Arbitraries.integers().between(0, KEYS - 1);
        return ActionChain.<World>startWith(World::new)
                .withAction(4, act("put", key, (w, k) -> {
                    byte[] v = value(k, ++w.version);
                    w.store.put(k, v);
                    w.model.put(k, v);
                }))
                .withAction(1, act("delete", key, (w, k) -> { w.store.delete(k); w.model.delete(k); }))
                .withAction(3, act("get", key, (w, k) -> {
                    if (!Arrays.equals(w.store.get(k), w.model.get(k))) throw new AssertionError("get " + k + " differs from the model");
                }))
                .withAction(1, act("fsync", key, (w, k) -> w.store.fsync(k)))
                .withAction(1, act("sync", Arbitraries.just(0), (w, k) -> { w.store.sync(); w.model.acknowledged(); }))
                .withAction(1, act("crash", Arbitraries.just(0), (w, k) -> w.crash()))
                .withMaxTransformations(30);
    }

    @Property(tries = 15)
    void theStoreAgreesWithTheModel(@ForAll("chains") ActionChain<World> chain) {
        World w = chain.run();
        w.store.close();
    }

    // ------------------------------------------------------------------ Lincheck

    static volatile CrashSafeStoreFactory lincheckFactory;

    /** Lincheck's subject: put/get/delete on keys 1..3, values are one byte (get returns it, 0 = absent). */
    public static final class LincheckScenario {
        private final CrashSafeStore s;

        public LincheckScenario() {
            LoopbackDevice d = LoopbackDevice.inMemory(lincheckFactory.deviceBytes());
            lincheckFactory.format(d);
            s = lincheckFactory.mount(d);
        }

        @Operation
        public int get(@Param(gen = IntGen.class, conf = "1:3") int key) {
            byte[] v = s.get(key);
            return v == null ? 0 : v[0];
        }

        @Operation
        public void put(@Param(gen = IntGen.class, conf = "1:3") int key, @Param(gen = IntGen.class, conf = "1:5") int v) {
            s.put(key, new byte[] {(byte) v, 42});
        }

        @Operation
        public void delete(@Param(gen = IntGen.class, conf = "1:3") int key) { s.delete(key); }

        @Operation
        public void sync() { s.sync(); }
    }

    /** Lincheck stress mode against {@link StoreModel.Map0} (2 threads × 2 operations; 1 × 20 by default, 10 × 300 with -Pthorough). */
    @Test @Timeout(120)
    void operationsAreLinearizable() {
        CrashSafeStoreFactory f = factory();
        lincheckFactory = f;
        LoopbackDevice d = LoopbackDevice.inMemory(f.deviceBytes());
        f.format(d);
        CrashSafeStore probe = f.mount(d);
        boolean concurrent = probe.features().contains(Feature.CONCURRENT);
        probe.close();
        new StressOptions()
                .threads(concurrent ? 2 : 1).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                .iterations(LINCHECK_ITERATIONS).invocationsPerIteration(LINCHECK_INVOCATIONS)
                .sequentialSpecification(StoreModel.Map0.class)
                .check(LincheckScenario.class);
    }
}
