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
}
