// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The modify-gate Lincheck test bites: with callers that do not hold fs_token, the try-variants'
 * check and the port's call are no longer one step, so a modifier can pass its check, the
 * flusher take the write interlock, and the modifier then sleep in modify for good (or the two
 * interleave into a result no semaphore gives). Model checking must reject it.
 */
class ModifyGateWithoutFsTokenRefutedTest {

    @Test
    void gateWithoutFsTokenIsRejected() {
        assertThrows(AssertionError.class, () ->
                LincheckOptions.modelChecking(LincheckOptions.MODIFY_GATE).minimizeFailedScenario(false)
                        .sequentialSpecification(ModifyGateSpec.class).check(ModifyGateWithoutFsToken.class));
    }
}
