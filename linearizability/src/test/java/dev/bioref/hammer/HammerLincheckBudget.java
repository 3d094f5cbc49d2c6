package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * The HAMMER Lincheck classes' budgets: {@link LincheckOptions} (same properties, same
 * thorough profile), with half the invocations per iteration in the default run, because every
 * HAMMER operation passes through fs_token and io_token (a monitor, a map and a thread-local
 * list each), which multiplies the switch points. A property set on the command line, or
 * {@code -Pthorough}, restores LincheckOptions' numbers or the given ones.
 */
final class HammerLincheckBudget {
    private HammerLincheckBudget() { }

    static ModelCheckingOptions modelChecking() {
        ModelCheckingOptions o = LincheckOptions.modelChecking();
        if (!LincheckOptions.THOROUGH && System.getProperty("lincheck.modelChecking.invocationsPerIteration") == null) {
            o.invocationsPerIteration(100);
        }
        return o;
    }

    static StressOptions stress() {
        StressOptions o = LincheckOptions.stress();
        if (!LincheckOptions.THOROUGH && System.getProperty("lincheck.stress.invocationsPerIteration") == null) {
            o.invocationsPerIteration(500);
        }
        return o;
    }

    /**
     * The same with a smaller default {@code iterations x invocations}, for facades whose every
     * operation runs the port's buffer, token and lock code (each about 10x a HammerLock call);
     * {@code -Pthorough} or the properties above restore the usual budget or set their own.
     */
    static ModelCheckingOptions modelChecking(int iterations, int invocations) {
        ModelCheckingOptions o = modelChecking();
        if (LincheckOptions.THOROUGH) return o;
        if (System.getProperty("lincheck.modelChecking.iterations") == null) o.iterations(iterations);
        if (System.getProperty("lincheck.modelChecking.invocationsPerIteration") == null) o.invocationsPerIteration(invocations);
        return o;
    }

    /** {@link #modelChecking(int, int)} for stress mode. */
    static StressOptions stress(int iterations, int invocations) {
        StressOptions o = stress();
        if (LincheckOptions.THOROUGH) return o;
        if (System.getProperty("lincheck.stress.iterations") == null) o.iterations(iterations);
        if (System.getProperty("lincheck.stress.invocationsPerIteration") == null) o.invocationsPerIteration(invocations);
        return o;
    }
}
