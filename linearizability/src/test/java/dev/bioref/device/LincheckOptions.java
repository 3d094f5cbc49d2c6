// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * Every Lincheck budget of this module in one place, as Caffeine's {@code LincheckOptions}: one
 * {@link Budget} per target, small by default so that {@code mvn verify} stays cheap, larger under
 * the {@code thorough} profile ({@code -Pthorough} sets {@code bioref.thorough=true}), and every
 * number overridable for all targets at once by a system property:
 * <ul>
 *   <li>{@code lincheck.modelChecking.iterations}, {@code lincheck.modelChecking.invocationsPerIteration}</li>
 *   <li>{@code lincheck.stress.iterations}, {@code lincheck.stress.invocationsPerIteration}</li>
 *   <li>{@code lincheck.actorsPerThread}, {@code lincheck.actorsAround} (operations before and after)</li>
 * </ul>
 * e.g. Caffeine's weekly budget: {@code -Dlincheck.modelChecking.iterations=100
 * -Dlincheck.modelChecking.invocationsPerIteration=1000 -Dlincheck.stress.iterations=100
 * -Dlincheck.stress.invocationsPerIteration=10000}.
 *
 * <p>Both modes are needed: model checking explores interleavings exhaustively within its bounds
 * but assumes sequential consistency, so it cannot see a missing {@code volatile} or a racy
 * publication; stress runs the scenario on real threads and can, but only by chance.
 *
 * <p>Why the defaults differ per target: the number of switch points per operation. A device
 * call passes through a CompletableFuture and the device lock; a HAMMER call through fs_token
 * and io_token (a monitor, a map and a thread-local list each); a buffer cache call through a
 * spinlock, the buffer lock, tokens, sleep queues and atomic counters (hundreds). The thorough
 * column is Caffeine's PR-build budget (25x400 model checking, 30x3000 stress) where a target
 * can afford it. Measured costs: proofs-notes/device.md, concurrency-buf.md,
 * concurrency-lincheck-hammer-2.md; README "Concurrency suites".
 */
public final class LincheckOptions {
    /** {@code -Pthorough}: the thorough column of every budget. */
    public static final boolean THOROUGH = Boolean.getBoolean("bioref.thorough");

    /**
     * One target's budget: model checking {@code mcIterations x mcInvocations}, stress
     * {@code stressIterations x stressInvocations}, two threads of {@code actorsPerThread}
     * operations with {@code actorsAround} before and after; {@code thorough} is used instead
     * under {@code -Pthorough}.
     */
    public record Budget(String name, int mcIterations, int mcInvocations, int stressIterations, int stressInvocations,
                         int actorsPerThread, int actorsAround, Budget thorough) {
        Budget active() { return THOROUGH && thorough != null ? thorough : this; }
    }

    private static Budget budget(String name, int mcIt, int mcInv, int stIt, int stInv, int per, int around, Budget thorough) {
        return new Budget(name, mcIt, mcInv, stIt, stInv, per, around, thorough);
    }

    /** Caffeine's PR-build budget with a larger scenario: the thorough column of the cheaper targets. */
    private static Budget caffeine(String name) { return budget(name, 25, 400, 30, 3_000, 4, 3, null); }

    // ---- the budgets: name, model checking iterations x invocations, stress iterations x invocations, actors per thread, around
    /** The loopback device (read/write/flush, crash vs in-flight). */
    public static final Budget DEVICE = budget("device", 10, 100, 10, 1_000, 3, 2, caffeine("device"));
    /** HammerLock's refs/interlock word. */
    public static final Budget HAMMER_LOCK = budget("hammerLock", 10, 100, 10, 500, 3, 2, caffeine("hammerLock"));
    /** HAMMER's modify gate. */
    public static final Budget MODIFY_GATE = budget("modifyGate", 10, 100, 10, 500, 3, 2, caffeine("modifyGate"));
    /** The UNDO FIFO appender (every operation runs the port's buffer, token and lock code). */
    public static final Budget UNDO_FIFO = budget("undoFifo", 2, 30, 3, 100, 3, 2, caffeine("undoFifo"));
    /** The flusher sequencer. */
    public static final Budget FLUSHER_SEQUENCER = budget("flusherSequencer", 3, 30, 4, 100, 3, 2, caffeine("flusherSequencer"));
    /** The io registry (mod trees, lose tree, counters). */
    public static final Budget IO_REGISTRY = budget("ioRegistry", 3, 30, 4, 100, 3, 2, caffeine("ioRegistry"));
    /**
     * The buffer cache's per-block view: about 0.25 s per model-checking invocation on a quiet 2-core machine.
     * Model checking stays at 2 x 60: at 3 x 60 (tried in issue 16) the third iteration's scenario
     * (bread(3) | flushbufqueues() vs bwrite(2, 2)) was reported hung after 878 s on a machine with load
     * average ~25, not yet diagnosed (proofs-notes/concurrency-buf.md, F8). Stress 6 x 300 (was 3 x 300).
     * Thorough doubles the iterations.
     */
    public static final Budget BUF_CACHE = budget("bufCache", 2, 60, 6, 300, 2, 1,
            budget("bufCache", 4, 60, 12, 300, 3, 2, null));
    /** The UVM vnode pager's object lifecycle facade (attach/reference/detach/terminate). */
    public static final Budget UVN_LIFECYCLE = budget("uvnLifecycle", 2, 25, 2, 100, 2, 1, caffeine("uvnLifecycle"));
    /** The UVM vnode pager's mapped file (one byte at 4500: write, read, truncate to 5000), FIXED, stress only. */
    public static final Budget UVN_MAPPED_FILE = budget("uvnMappedFile", 0, 0, 2, 50, 2, 1, caffeine("uvnMappedFile"));
    /** dm-bufio Suite A (data view) and its lock-drop control in stress mode (model checking: BUFIO_DATA_VIEW_MC). */
    public static final Budget BUFIO_DATA_VIEW = budget("bufioDataView", 0, 0, 3, 200, 2, 1, caffeine("bufioDataView"));
    /**
     * dm-bufio Suite A in model checking (BufioDataViewModelCheckingTest): one operation per thread, none around,
     * 1 x 5 invocations: the first use of the port instruments most of java.util.concurrent (proofs-notes/bufio.md).
     */
    public static final Budget BUFIO_DATA_VIEW_MC = budget("bufioDataViewMc", 1, 5, 0, 0, 1, 0,
            budget("bufioDataViewMc", 5, 50, 0, 0, 2, 1, null));
    /** Refuted tests (a mutated facade): stop at the first failure, so the bound only caps a miss. */
    public static final Budget REFUTED = budget("refuted", 30, 40, 10, 500, 3, 2, null);
    /** UndoFifoMutationsRefutedTest: many short scenarios (the failure needs one particular order of two calls). */
    public static final Budget UNDO_FIFO_MUTANTS = budget("undoFifoMutants", 60, 2, 10, 500, 3, 2, null);
    /** BufCacheLincheckMutantsTest: stress only, longer scenarios, one operation around. */
    public static final Budget BUF_CACHE_MUTANTS = budget("bufCacheMutants", 20, 1_000, 20, 1_000, 3, 1, null);

    private LincheckOptions() { }

    /**
     * Model checking options of {@code b} (its thorough column under -Pthorough), with the -D overrides applied.
     * The seeded scheduler of threaded simulations ({@code dev.bioref.kern.Scheduler}, never active
     * under Lincheck) is one atomic step to the model checker: its "is one active?" check in every
     * token and sleep call would otherwise be a shared read, and a switch point, in every scenario.
     */
    public static ModelCheckingOptions modelChecking(Budget b) {
        Budget a = b.active();
        return new ModelCheckingOptions()
                .addGuarantee(org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt
                        .forClasses("dev.bioref.kern.Scheduler").allMethods().ignore())
                .threads(2).actorsPerThread(actorsPerThread(a)).actorsBefore(actorsAround(a)).actorsAfter(actorsAround(a))
                .iterations(intProperty("lincheck.modelChecking.iterations", a.mcIterations()))
                .invocationsPerIteration(intProperty("lincheck.modelChecking.invocationsPerIteration", a.mcInvocations()));
    }

    /** Stress options of {@code b} (its thorough column under -Pthorough), with the -D overrides applied. */
    public static StressOptions stress(Budget b) {
        Budget a = b.active();
        return new StressOptions()
                .threads(2).actorsPerThread(actorsPerThread(a)).actorsBefore(actorsAround(a)).actorsAfter(actorsAround(a))
                .iterations(intProperty("lincheck.stress.iterations", a.stressIterations()))
                .invocationsPerIteration(intProperty("lincheck.stress.invocationsPerIteration", a.stressInvocations()));
    }

    /** The device's budget: {@code modelChecking(DEVICE)}. */
    public static ModelCheckingOptions modelChecking() { return modelChecking(DEVICE); }

    /** The device's budget: {@code stress(DEVICE)}. */
    public static StressOptions stress() { return stress(DEVICE); }

    /** One line for a test's output: the budget in effect for {@code b}. */
    public static String describe(Budget b) {
        Budget a = b.active();
        return a.name() + ": model checking " + intProperty("lincheck.modelChecking.iterations", a.mcIterations()) + " x "
                + intProperty("lincheck.modelChecking.invocationsPerIteration", a.mcInvocations()) + ", stress "
                + intProperty("lincheck.stress.iterations", a.stressIterations()) + " x "
                + intProperty("lincheck.stress.invocationsPerIteration", a.stressInvocations()) + ", 2 threads x "
                + actorsPerThread(a) + " ops, " + actorsAround(a) + " before/after (thorough=" + THOROUGH + ")";
    }

    private static int actorsPerThread(Budget a) { return intProperty("lincheck.actorsPerThread", a.actorsPerThread()); }

    private static int actorsAround(Budget a) { return intProperty("lincheck.actorsAround", a.actorsAround()); }

    private static int intProperty(String name, int fallback) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) return fallback;
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) throw new IllegalArgumentException("system property " + name + " must be positive: " + v);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + name + " is not an integer: " + v, e);
        }
    }
}
