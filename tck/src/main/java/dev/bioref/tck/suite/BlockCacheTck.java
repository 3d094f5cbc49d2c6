// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.suite;

import dev.bioref.device.CrashStates;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Op;
import dev.bioref.device.Request;
import dev.bioref.device.WriteLog;
import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCache.Buffer;
import dev.bioref.tck.BlockCache.Feature;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.BlockCacheFactory;
import dev.bioref.tck.BlockIOException;
import dev.bioref.tck.model.BlockCacheModel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The TCK of the {@link BlockCache} contract. Extend it with the one factory method,
 * {@link #create}, and run {@code mvn test}:
 * <pre>
 * class MyCacheTckTest extends BlockCacheTck {
 *     &#64;Override protected BlockCache create(BlockCacheConfig c) { return new MyCache(c); }
 * }</pre>
 * The implementation's {@link BlockCache#features()} chooses which optional promises are checked.
 *
 * <p>What it runs: deterministic contract tests (one per sentence of BlockCache's javadoc),
 * misuse tests, a jqwik stateful property against {@link BlockCacheModel} (with crashes),
 * a Lincheck stress test whose sequential specification is {@link BlockCacheModel.Registers},
 * and crash-state tests: every crash state of a workload's write log (bounded: at most two
 * pending writes land, each whole or torn at a sector) checked against the durability promise.
 *
 * <p>What it proves and what it cannot: the contract holds on the cases tried (small devices,
 * capacities of 3 to 8 blocks, two threads for Lincheck). It does not prove the absence of
 * races it did not hit, nor anything about performance.
 * Budgets scale with {@code -Dbioref.tck.scale=N} (default 1).
 */
public abstract class BlockCacheTck {
    /** Bytes per block in every test: two sectors, so that torn writes are possible. */
    protected static final int BS = 1024;
    static final int SCALE = Integer.getInteger("bioref.tck.scale", 1);
    static final boolean THOROUGH = Boolean.getBoolean("bioref.thorough");
    /** Lincheck budget: tiny in the default build, larger with -Pthorough (bioref.thorough=true). */
    static final int LINCHECK_ITERATIONS = Integer.getInteger("bioref.tck.lincheck.iterations", THOROUGH ? 10 : 1);
    static final int LINCHECK_INVOCATIONS = Integer.getInteger("bioref.tck.lincheck.invocations", THOROUGH ? 300 : 20);

    private final List<BlockCache> opened = new ArrayList<>();

    /** The factory method: a cache over {@code config}'s devices. */
    protected abstract BlockCache create(BlockCacheConfig config);

    /** This suite's factory method as a {@link BlockCacheFactory}. */
    protected final BlockCacheFactory factory() { return this::create; }

    // ------------------------------------------------------------------ helpers

    /** A device of {@code blocks} blocks, each block b filled with {@link #initial(int, long)}. */
    protected static LoopbackDevice device(int owner, int blocks, FaultPlan faults) {
        LoopbackDevice d = LoopbackDevice.inMemory((long) blocks * BS, faults);
        for (int b = 0; b < blocks; b++) d.execute(Request.write((long) b * BS, initial(owner, b)));
        d.execute(Request.flush());
        return d;
    }

    static byte[] initial(int owner, long block) { return pattern(1000 * owner + (int) block, 0); }

    static byte[] pattern(int a, int b) {
        byte[] v = new byte[BS];
        for (int i = 0; i < BS; i++) v[i] = (byte) (a * 31 + b * 17 + i * 7 + 1);
        return v;
    }

    protected BlockCache open(int capacity, LoopbackDevice... devs) {
        BlockCache c = create(new BlockCacheConfig(List.of(devs), BS, capacity));
        opened.add(c);
        return c;
    }

    @AfterEach void closeCaches() {
        for (BlockCache c : opened) {
            try { c.close(); } catch (RuntimeException ignored) { /* a failed test already said why */ }
        }
        opened.clear();
    }

    static byte[] read(BlockCache c, int owner, long block) {
        Buffer b = c.bread(owner, block);
        byte[] v = b.data().clone();
        c.release(b);
        return v;
    }

    enum How { BDWRITE, BAWRITE, BWRITE }

    static int write(BlockCache c, int owner, long block, byte[] v, How how) {
        Buffer b = c.getblk(owner, block);
        System.arraycopy(v, 0, b.data(), 0, v.length);
        switch (how) {
            case BDWRITE -> { c.bdwrite(b); return 0; }
            case BAWRITE -> { c.bawrite(b); return 0; }
            default -> { return c.bwrite(b); }
        }
    }

    private boolean has(BlockCache c, Feature f) { return c.features().contains(f); }

    // ------------------------------------------------------------------ values

    @Test @Timeout(30)
    void breadOfAnUnwrittenBlockReturnsWhatTheDeviceHolds() {
        BlockCache c = open(4, device(0, 8, FaultPlan.none()));
        for (int b = 0; b < 8; b++) assertArrayEquals(initial(0, b), read(c, 0, b), "block " + b);
    }

    @Test @Timeout(30)
    void everyWriteCallMakesItsDataTheValue() {
        BlockCache c = open(4, device(0, 8, FaultPlan.none()));
        int v = 1;
        for (How how : How.values()) {
            for (int b = 0; b < 8; b++) {
                assertEquals(0, write(c, 0, b, pattern(b, v), how), how + " of block " + b);
                assertArrayEquals(pattern(b, v), read(c, 0, b), how + " then bread of block " + b);
            }
            v++;
        }
    }

    @Test @Timeout(30)
    void valuesSurviveEvictionFromASmallCache() {
        BlockCache c = open(3, device(0, 24, FaultPlan.none()));
        for (int b = 0; b < 24; b++) write(c, 0, b, pattern(b, 7), How.values()[b % 3]);
        for (int round = 0; round < 2; round++) {
            for (int b = 23; b >= 0; b--) assertArrayEquals(pattern(b, 7), read(c, 0, b), "block " + b + " after eviction");
        }
    }

    @Test @Timeout(30)
    void getblkOfAnUncachedBlockReleasedUnfilledLeavesTheValue() {
        BlockCache c = open(4, device(0, 8, FaultPlan.none()));
        Buffer b = c.getblk(0, 5);
        boolean valid = b.valid();
        c.release(b);
        assertArrayEquals(initial(0, 5), read(c, 0, 5), "getblk (valid=" + valid + ") + release changed block 5");
        Buffer again = c.getblk(0, 5);
        boolean validAfterRead = again.valid();
        c.release(again);
        if (validAfterRead) {
            assertArrayEquals(initial(0, 5), read(c, 0, 5), "getblk of a cached block then release changed it");
        }
    }

    @Test @Timeout(30)
    void ownersAreIndependent() {
        BlockCache c = open(4, device(0, 4, FaultPlan.none()), device(1, 4, FaultPlan.none()));
        write(c, 0, 2, pattern(2, 50), How.BDWRITE);
        assertArrayEquals(initial(1, 2), read(c, 1, 2), "a write of owner 0 changed owner 1's block");
        write(c, 1, 2, pattern(2, 51), How.BWRITE);
        assertArrayEquals(pattern(2, 50), read(c, 0, 2));
        assertEquals(0, c.sync(1));
        assertEquals(0, c.syncAll());
    }

    @Test @Timeout(30)
    void readAheadNeverChangesResults() {
        BlockCache c = open(6, device(0, 12, FaultPlan.none()));
        write(c, 0, 3, pattern(3, 9), How.BDWRITE);
        for (int b = 0; b < 12; b++) {
            Buffer x = c.breadn(0, b, 3);
            byte[] want = b == 3 ? pattern(3, 9) : initial(0, b);
            assertArrayEquals(want, x.data(), "breadn of block " + b);
            c.release(x);
        }
    }

    // ------------------------------------------------------------------ durability

    @Test @Timeout(30)
    void syncMakesEveryCompletedWriteDurable() {
        LoopbackDevice d = device(0, 10, FaultPlan.none());
        BlockCache c = open(4, d);
        for (int b = 0; b < 10; b++) write(c, 0, b, pattern(b, 3), How.values()[b % 3]);
        assertEquals(0, c.sync(0));
        d.crash();
        BlockCache after = open(4, d);
        for (int b = 0; b < 10; b++) assertArrayEquals(pattern(b, 3), read(after, 0, b), "block " + b + " after sync + crash");
    }

    @Test @Timeout(30)
    void withoutSyncACrashLeavesOldOrNewDataNeverOther() {
        LoopbackDevice d = device(0, 10, FaultPlan.none());
        BlockCache c = open(4, d);
        for (int b = 0; b < 10; b++) write(c, 0, b, pattern(b, 4), How.values()[b % 3]);
        d.crash();
        BlockCache after = open(4, d);
        for (int b = 0; b < 10; b++) {
            byte[] got = read(after, 0, b);
            assertTrue(Arrays.equals(got, initial(0, b)) || Arrays.equals(got, pattern(b, 4)),
                    "block " + b + " after a crash holds data that was never its value");
        }
    }

    @Test @Timeout(60)
    void everyCrashStateOfAWorkloadKeepsTheDurabilityPromise() {
        int blocks = 6;
        LoopbackDevice d = device(0, blocks, FaultPlan.none());
        BlockCacheModel m = new BlockCacheModel(BS);
        for (int b = 0; b < blocks; b++) m.known(0, b, initial(0, b));
        WriteLog log = d.startLog();
        BlockCache c = open(3, d);
        // after op i: the candidates of every block (a deep copy per op)
        List<List<List<byte[]>>> candidatesAfter = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(14);
        int ops = 24 * SCALE;
        for (int i = 0; i < ops; i++) {
            int b = rnd.nextInt(blocks);
            int kind = rnd.nextInt(5);
            if (kind == 4) {
                assertEquals(0, c.sync(0), "sync");
                m.synced(0);
            } else {
                byte[] v = pattern(b, 100 + i);
                write(c, 0, b, v, How.values()[Math.min(kind, 2)]);
                m.write(0, b, v);
            }
            List<List<byte[]>> snap = new ArrayList<>();
            for (int k = 0; k < blocks; k++) snap.add(m.crashCandidates(0, k));
            candidatesAfter.add(snap);
            d.mark("op" + i);
        }
        CrashStates states = CrashStates.of(log, CrashStates.Bounds.all().withMaxLanded(2).withTear(CrashStates.Tear.PREFIX));
        long checked = 0;
        long budget = 4000L * SCALE;
        for (CrashStates.CrashState s : (Iterable<CrashStates.CrashState>) states.stream().limit(budget)::iterator) {
            String mark = s.point().lastMark();
            int opDone = mark == null ? -1 : Integer.parseInt(mark.substring(2));
            byte[] img = s.image();
            for (int b = 0; b < blocks; b++) {
                // allowed: the candidates after the last completed op, plus the next op's write (in flight)
                List<byte[]> allowed = new ArrayList<>(opDone < 0 ? List.of(initial(0, b)) : candidatesAfter.get(opDone).get(b));
                if (opDone + 1 < ops) allowed.addAll(candidatesAfter.get(opDone + 1).get(b));
                String err = sectorsFrom(img, b, allowed);
                if (err != null) {
                    fail("crash state #" + s.ordinal() + " (" + s.point() + "): block " + b + " " + err
                            + " (workload seed 14, " + ops + " ops)");
                }
            }
            checked++;
        }
        System.out.println(getClass().getSimpleName() + ": " + checked + " crash states of " + states.crashPoints().size()
                + " crash points checked (of " + states.count() + ")");
        assertTrue(checked > 50, "only " + checked + " crash states were enumerated");
    }

    /** Null if every sector of block {@code b} of {@code img} equals that sector of some allowed value. */
    static String sectorsFrom(byte[] img, int b, List<byte[]> allowed) {
        for (int s = 0; s < BS / LoopbackDevice.SECTOR_SIZE; s++) {
            int from = b * BS + s * LoopbackDevice.SECTOR_SIZE;
            boolean ok = false;
            for (byte[] a : allowed) {
                if (Arrays.equals(img, from, from + LoopbackDevice.SECTOR_SIZE, a, s * LoopbackDevice.SECTOR_SIZE,
                        (s + 1) * LoopbackDevice.SECTOR_SIZE)) { ok = true; break; }
            }
            if (!ok) return "sector " + s + " holds data that was neither its value at the last sync nor written after it";
        }
        return null;
    }

    // ------------------------------------------------------------------ errors

    @Test @Timeout(30)
    void aFailedReadThrowsAndTheNextBreadRetries() {
        LoopbackDevice d = device(0, 4, FaultPlan.builder(1).eioOnNth(Op.READ, 1).build());
        BlockCache c = open(4, d);
        BlockIOException e = assertThrows(BlockIOException.class, () -> c.bread(0, 2));
        assertEquals(5, e.errno(), "errno of a failed read");
        assertArrayEquals(initial(0, 2), read(c, 0, 2), "the bread after a failed read");
    }

    @Test @Timeout(30)
    void aFailedWriteIsReportedAsTheFeaturesSay() {
        LoopbackDevice d = device(0, 4, FaultPlan.builder(1).eioOnNth(Op.WRITE, 5).build());   // the fixture wrote the 4 blocks first: the 5th write is the test's
        BlockCache c = open(4, d);
        int r = write(c, 0, 1, pattern(1, 60), How.BWRITE);
        int s = c.sync(0);
        if (has(c, Feature.SYNC_WRITE_REPORTS_ERROR)) assertEquals(5, r, "bwrite of a write the device failed");
        if (has(c, Feature.SYNC_REPORTS_WRITE_ERROR)) {
            assertTrue(r != 0 || s != 0, "neither bwrite nor the next sync reported the failed write");
        }
        if (!has(c, Feature.SYNC_WRITE_REPORTS_ERROR) && !has(c, Feature.SYNC_REPORTS_WRITE_ERROR)) {
            assertTrue(has(c, Feature.FAILED_WRITE_STAYS_DIRTY),
                    "an implementation that reports write errors nowhere must at least keep failed writes dirty");
        }
        if (has(c, Feature.FAILED_WRITE_STAYS_DIRTY)) {
            assertEquals(0, c.sync(0), "the sync after the failure (the device fails no more writes)");
            d.crash();
            assertArrayEquals(pattern(1, 60), read(open(4, d), 0, 1), "a failed write must stay dirty and be made durable by the next sync");
        }
    }

    // ------------------------------------------------------------------ invalidate, memory

    @Test @Timeout(30)
    void invalidateOfADirtyBlockFollowsTheFeature() {
        BlockCache c = open(4, device(0, 4, FaultPlan.none()));
        write(c, 0, 2, pattern(2, 70), How.BDWRITE);
        c.invalidate(0, 2);
        byte[] got = read(c, 0, 2);
        if (has(c, Feature.INVALIDATE_DISCARDS_DIRTY)) {
            assertTrue(Arrays.equals(initial(0, 2), got) || Arrays.equals(pattern(2, 70), got),
                    "after invalidate the value is what the device holds");
        } else {
            assertArrayEquals(pattern(2, 70), got, "invalidate must not lose a dirty block");
        }
        write(c, 0, 3, pattern(3, 71), How.BWRITE);
        c.invalidate(0, 3);
        assertArrayEquals(pattern(3, 71), read(c, 0, 3), "invalidate of a block already written");
        c.invalidate(0, 0);   // not cached: nothing happens
        assertArrayEquals(initial(0, 0), read(c, 0, 0));
    }

    @Test @Timeout(30)
    void cachedNeverExceedsCapacity() {
        BlockCache c = open(4, device(0, 16, FaultPlan.none()));
        assertEquals(4, c.capacity());
        for (int i = 0; i < 48; i++) {
            int b = (i * 5) % 16;
            if (i % 2 == 0) read(c, 0, b); else write(c, 0, b, pattern(b, i), How.values()[i % 3]);
            if (has(c, Feature.BOUNDED_MEMORY)) {
                assertTrue(c.cached() <= c.capacity(), "cached() = " + c.cached() + " > capacity 4 after op " + i);
            }
            assertTrue(c.cached() >= 0, "cached() is negative");
        }
    }

    // ------------------------------------------------------------------ holds

    @Test @Timeout(30)
    void aHoldExcludesOthersOnlyWithExclusiveHold() throws Exception {
        BlockCache c = open(4, device(0, 4, FaultPlan.none()));
        Buffer mine = c.bread(0, 1);
        AtomicReference<byte[]> seen = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            seen.set(read(c, 0, 1));
            done.countDown();
        }, "tck-second-holder");
        t.setDaemon(true);
        t.start();
        boolean returned = done.await(300, TimeUnit.MILLISECONDS);
        if (has(c, Feature.EXCLUSIVE_HOLD)) {
            assertFalse(returned, "a second bread returned while the block was held exclusively");
            System.arraycopy(pattern(1, 80), 0, mine.data(), 0, BS);
            c.bwrite(mine);
            assertTrue(done.await(10, TimeUnit.SECONDS), "the waiting bread did not return after the release");
            assertArrayEquals(pattern(1, 80), seen.get(), "the waiter must see the holder's write");
        } else {
            assertTrue(returned || done.await(10, TimeUnit.SECONDS), "a shared hold must not block another reader");
            c.release(mine);
        }
        t.join(10_000);
    }

    // ------------------------------------------------------------------ misuse

    @Test @Timeout(30)
    void misuseThrowsNamingTheValueAndChangesNothing() {
        BlockCache c = open(4, device(0, 4, FaultPlan.none()));
        write(c, 0, 0, pattern(0, 90), How.BDWRITE);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.bread(0, 4)), "4");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.getblk(0, -1)), "-1");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.bread(1, 0)), "1");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.sync(-2)), "-2");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> c.invalidate(0, 99)), "99");
        assertThrows(RuntimeException.class, () -> c.release(null));
        Buffer b = c.bread(0, 1);
        c.release(b);
        assertThrows(IllegalStateException.class, () -> c.release(b), "giving a buffer back twice");
        assertThrows(IllegalStateException.class, () -> c.bdwrite(b), "writing a buffer already given back");
        BlockCache other = open(4, device(0, 4, FaultPlan.none()));
        Buffer foreign = other.bread(0, 2);
        assertThrows(IllegalArgumentException.class, () -> c.release(foreign), "a buffer of another cache");
        other.release(foreign);
        assertArrayEquals(pattern(0, 90), read(c, 0, 0), "misuse changed block 0");
        for (int k = 1; k < 4; k++) assertArrayEquals(initial(0, k), read(c, 0, k), "misuse changed block " + k);
        assertEquals(0, c.sync(0));
    }

    private static void assertMessage(RuntimeException e, String value) {
        assertTrue(String.valueOf(e.getMessage()).contains(value), "the exception must name the bad value " + value + ": " + e);
    }

    // ------------------------------------------------------------------ stateful (jqwik)

    /** The cache, its device and the model, side by side (jqwik's state). */
    public final class World {
        final LoopbackDevice dev;
        BlockCache cache;
        final BlockCacheModel model = new BlockCacheModel(BS);
        static final int BLOCKS = 8;
        int version;

        World() {
            dev = device(0, BLOCKS, FaultPlan.none());
            cache = create(new BlockCacheConfig(List.of(dev), BS, 3));
            for (int b = 0; b < BLOCKS; b++) model.known(0, b, initial(0, b));
        }

        void check() {
            if (cache.features().contains(Feature.BOUNDED_MEMORY) && cache.cached() > cache.capacity()) {
                throw new AssertionError("cached() " + cache.cached() + " > capacity " + cache.capacity());
            }
        }

        void crash() {
            cache.close();
            dev.crash();
            cache = create(new BlockCacheConfig(List.of(dev), BS, 3));
            for (int b = 0; b < BLOCKS; b++) {
                byte[] got = read(cache, 0, b);
                if (!model.resolve(0, b, got)) throw new AssertionError("after the crash block " + b + " holds data that was never its value since the last sync");
                model.crashed(0, b);
            }
        }
    }

    private Action.Independent<World> act(String name, Arbitrary<Integer> blocks, java.util.function.BiConsumer<World, Integer> f) {
        return () -> blocks.map(b -> Transformer.mutate(name + " " + b, w -> f.accept(w, b)));
    }

    @Provide Arbitrary<ActionChain<World>> chains() {
        Arbitrary<Integer> blk = Arbitraries.integers().between(0, World.BLOCKS - 1);
        return ActionChain.<World>startWith(World::new)
                .withAction(4, act("bread", blk, (w, b) -> {
                    byte[] got = read(w.cache, 0, b);
                    if (!Arrays.equals(got, w.model.value(0, b))) throw new AssertionError("bread " + b + " returned a stale or wrong value");
                }))
                .withAction(4, act("write", Arbitraries.integers().between(0, 3 * World.BLOCKS - 1), (w, x) -> {
                    int b = x % World.BLOCKS;
                    How how = How.values()[x / World.BLOCKS];
                    byte[] v = pattern(b, ++w.version);
                    int r = write(w.cache, 0, b, v, how);
                    if (r != 0) throw new AssertionError(how + " of block " + b + " returned " + r + " without a fault");
                    w.model.write(0, b, v);
                }))
                .withAction(1, act("invalidate", blk, (w, b) -> {
                    w.cache.invalidate(0, b);
                    byte[] got = read(w.cache, 0, b);
                    if (w.cache.features().contains(Feature.INVALIDATE_DISCARDS_DIRTY)) {
                        if (!Arrays.equals(got, w.model.value(0, b)) && !w.model.resolve(0, b, got)) {
                            throw new AssertionError("after invalidate block " + b + " holds a value it never had");
                        }
                    } else if (!Arrays.equals(got, w.model.value(0, b))) {
                        throw new AssertionError("invalidate of block " + b + " lost its value");
                    }
                }))
                .withAction(1, act("sync", Arbitraries.just(0), (w, o) -> {
                    int r = w.cache.sync(0);
                    if (r != 0) throw new AssertionError("sync returned " + r + " without a fault");
                    w.model.synced(0);
                }))
                .withAction(1, act("crash", Arbitraries.just(0), (w, o) -> w.crash()))
                .withMaxTransformations(40);
    }

    @Property(tries = 25)
    void theCacheAgreesWithTheModel(@ForAll("chains") ActionChain<World> chain) {
        World w = chain.withInvariant("bounded memory", World::check).run();
        w.cache.close();
    }

    // ------------------------------------------------------------------ Lincheck

    /** The factory the Lincheck scenario uses (Lincheck instantiates it with no arguments). */
    static volatile BlockCacheFactory lincheckFactory;

    /**
     * Lincheck's test subject: one cache over a 3-block device, complete client operations
     * (bread + release; getblk + fill + bdwrite/bawrite/bwrite; sync), values are the first byte.
     * For shared-hold caches callers of a block exclude each other while one writes, as the
     * contract requires (here: every operation on the block).
     */
    public static final class LincheckScenario {
        private final BlockCache c;
        private final ReentrantLock[] writers = {new ReentrantLock(), new ReentrantLock(), new ReentrantLock(), new ReentrantLock()};
        private final boolean exclusive;

        public LincheckScenario() {
            LoopbackDevice d = LoopbackDevice.inMemory(4L * BS);
            c = lincheckFactory.create(new BlockCacheConfig(List.of(d), BS, 6));
            exclusive = c.features().contains(Feature.EXCLUSIVE_HOLD);
        }

        @Operation
        public int read(@Param(gen = IntGen.class, conf = "1:3") int blk) {
            if (!exclusive) writers[blk].lock();
            try {
                Buffer b = c.bread(0, blk);
                int v = b.data()[0];
                c.release(b);
                return v;
            } finally {
                done(blk);
            }
        }

        private Buffer fill(int blk, int v) {
            if (!exclusive) writers[blk].lock();
            Buffer b = c.getblk(0, blk);
            Arrays.fill(b.data(), (byte) v);
            return b;
        }

        private void done(int blk) { if (!exclusive) writers[blk].unlock(); }

        @Operation
        public void bdwrite(@Param(gen = IntGen.class, conf = "1:3") int blk, @Param(gen = IntGen.class, conf = "1:4") int v) {
            try { c.bdwrite(fill(blk, v)); } finally { done(blk); }
        }

        @Operation
        public void bawrite(@Param(gen = IntGen.class, conf = "1:3") int blk, @Param(gen = IntGen.class, conf = "5:6") int v) {
            try { c.bawrite(fill(blk, v)); } finally { done(blk); }
        }

        @Operation
        public int bwrite(@Param(gen = IntGen.class, conf = "1:3") int blk, @Param(gen = IntGen.class, conf = "7:8") int v) {
            try { return c.bwrite(fill(blk, v)); } finally { done(blk); }
        }

        @Operation
        public void sync() {
            int r = c.sync(0);
            if (r != 0) throw new IllegalStateException("sync returned " + r + " without a fault");
        }
    }

    /**
     * Lincheck in stress mode (real threads) against {@link BlockCacheModel.Registers}; small
     * budget (2 threads × 2 operations, 1 before and after; 1 × 20 invocations in the default
     * build, 10 × 300 with -Pthorough; -Dbioref.tck.lincheck.iterations/invocations override). Implementations without {@link Feature#CONCURRENT} get one thread.
     */
    @Test @Timeout(120)
    void operationsAreLinearizable() {
        lincheckFactory = factory();
        BlockCache probe = open(2, LoopbackDevice.inMemory(4L * BS));
        boolean concurrent = has(probe, Feature.CONCURRENT);
        new StressOptions()
                .threads(concurrent ? 2 : 1).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                .iterations(LINCHECK_ITERATIONS).invocationsPerIteration(LINCHECK_INVOCATIONS)
                .sequentialSpecification(BlockCacheModel.Registers.class)
                .check(LincheckScenario.class);
    }

    /** Sanity of the fixture itself: a device's blocks start distinct, so stale reads are visible. */
    @Test
    void initialBlocksAreDistinct() {
        assertNotEquals(Arrays.toString(initial(0, 1)), Arrays.toString(initial(0, 2)));
    }
}
