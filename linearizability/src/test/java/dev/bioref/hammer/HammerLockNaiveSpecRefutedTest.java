// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The HammerLock Lincheck test bites: against the sequential spec the notes first wrote down
 * (§7.3 target 1: "refAndMaybeLoad returns true iff refs was 0"), which forgets that a plain
 * 0→1 {@code hammer_ref} sets CHECK and so forces the next {@code ref_interlock} to load, the
 * same operations must be rejected. Lincheck finds it with one plain ref followed by a
 * ref_interlock, already in the sequential part of a scenario.
 */
class HammerLockNaiveSpecRefutedTest {

    /** {@link HammerLockSpec} with the CHECK bit left out. */
    public static class NaiveSpec extends HammerLockSpec {
        @Override public int refAndMaybeLoad() {
            if (disposing) return -1;
            boolean load = count == 0;
            count++;
            frontendHeld++;
            return load ? 1 : 0;
        }
    }

    @Test
    void naiveCounterSpecIsRejected() {
        assertThrows(AssertionError.class, () ->
                LincheckOptions.modelChecking(LincheckOptions.HAMMER_LOCK).minimizeFailedScenario(false).sequentialSpecification(NaiveSpec.class).check(HammerLockLincheckTest.class));
    }
}
