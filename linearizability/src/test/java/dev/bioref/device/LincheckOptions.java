package dev.bioref.device;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * Every Lincheck budget of this module in one place, small by default so that {@code mvn verify}
 * stays cheap, larger under the {@code thorough} profile ({@code -Pthorough}, which sets the
 * system property {@code bioref.thorough=true}), and each overridable by a system property:
 * {@code lincheck.modelChecking.iterations}, {@code lincheck.modelChecking.invocationsPerIteration},
 * {@code lincheck.stress.iterations}, {@code lincheck.stress.invocationsPerIteration}.
 *
 * <p>Both modes are needed: model checking explores interleavings exhaustively within its bounds
 * but assumes sequential consistency, so it cannot see a missing {@code volatile} or a racy
 * publication; stress runs the scenario on real threads and can, but only by chance.
 *
 * <p>Defaults: model checking 10x100 and stress 10x1000 for {@code mvn verify}; the thorough
 * profile runs Caffeine's PR-build budget (25x400 / 30x3000); Caffeine's weekly budget
 * (100x1000 / 100x10000) is one command away with the properties above. Each device call has
 * many switch points (the device lock, the counters, the clock), so even these budgets cost
 * tens of seconds on 2 cores; measured costs are in proofs-notes/device.md.
 */
public final class LincheckOptions {
    public static final boolean THOROUGH = Boolean.getBoolean("bioref.thorough");

    /**
     * Scenario size: two threads of {@code lincheck.actorsPerThread} operations (default 3),
     * with {@code lincheck.actorsAround} (default 2) before and after. Every device call passes
     * through CompletableFuture and the device lock, so each operation has many switch points;
     * the Lincheck default of 5 + 2x5 + 5 made model checking take 150 s at 25x400.
     */
    static final int ACTORS_PER_THREAD = intProperty("lincheck.actorsPerThread", THOROUGH ? 4 : 3);
    static final int ACTORS_AROUND = intProperty("lincheck.actorsAround", THOROUGH ? 3 : 2);

    private LincheckOptions() { }

    public static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions()
                .threads(2).actorsPerThread(ACTORS_PER_THREAD).actorsBefore(ACTORS_AROUND).actorsAfter(ACTORS_AROUND)
                .iterations(intProperty("lincheck.modelChecking.iterations", THOROUGH ? 25 : 10))
                .invocationsPerIteration(intProperty("lincheck.modelChecking.invocationsPerIteration", THOROUGH ? 400 : 100));
    }

    public static StressOptions stress() {
        return new StressOptions()
                .threads(2).actorsPerThread(ACTORS_PER_THREAD).actorsBefore(ACTORS_AROUND).actorsAfter(ACTORS_AROUND)
                .iterations(intProperty("lincheck.stress.iterations", THOROUGH ? 30 : 10))
                .invocationsPerIteration(intProperty("lincheck.stress.invocationsPerIteration", THOROUGH ? 3_000 : 1_000));
    }

    /**
     * The same options with other defaults, for subjects whose every operation passes hundreds
     * of switch points (the buffer cache: spinlock, buffer lock, tokens, sleep queues, atomic
     * counters): {@code iterations} x {@code invocations}, threads of {@code actorsPerThread}
     * operations with {@code actorsAround} before and after; the thorough profile doubles the
     * iterations, and every system property above still overrides.
     */
    public static ModelCheckingOptions modelChecking(int iterations, int invocations, int actorsPerThread, int actorsAround) {
        int per = intProperty("lincheck.actorsPerThread", THOROUGH ? actorsPerThread + 1 : actorsPerThread);
        int around = intProperty("lincheck.actorsAround", THOROUGH ? actorsAround + 1 : actorsAround);
        return new ModelCheckingOptions()
                .threads(2).actorsPerThread(per).actorsBefore(around).actorsAfter(around)
                .iterations(intProperty("lincheck.modelChecking.iterations", THOROUGH ? 2 * iterations : iterations))
                .invocationsPerIteration(intProperty("lincheck.modelChecking.invocationsPerIteration", invocations));
    }

    /** {@link #modelChecking(int, int, int, int)} for stress mode. */
    public static StressOptions stress(int iterations, int invocations, int actorsPerThread, int actorsAround) {
        int per = intProperty("lincheck.actorsPerThread", THOROUGH ? actorsPerThread + 1 : actorsPerThread);
        int around = intProperty("lincheck.actorsAround", THOROUGH ? actorsAround + 1 : actorsAround);
        return new StressOptions()
                .threads(2).actorsPerThread(per).actorsBefore(around).actorsAfter(around)
                .iterations(intProperty("lincheck.stress.iterations", THOROUGH ? 2 * iterations : iterations))
                .invocationsPerIteration(intProperty("lincheck.stress.invocationsPerIteration", invocations));
    }

    static String describeModelChecking() {
        return intProperty("lincheck.modelChecking.iterations", THOROUGH ? 25 : 10) + " x "
                + intProperty("lincheck.modelChecking.invocationsPerIteration", THOROUGH ? 400 : 100) + scenario();
    }

    static String describeStress() {
        return intProperty("lincheck.stress.iterations", THOROUGH ? 30 : 10) + " x "
                + intProperty("lincheck.stress.invocationsPerIteration", THOROUGH ? 3_000 : 1_000) + scenario();
    }

    private static String scenario() {
        return ", 2 threads x " + ACTORS_PER_THREAD + " ops, " + ACTORS_AROUND + " before/after (thorough=" + THOROUGH + ")";
    }

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
