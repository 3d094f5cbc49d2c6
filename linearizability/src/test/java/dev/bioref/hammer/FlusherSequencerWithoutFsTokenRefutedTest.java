// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The flusher sequencer Lincheck test bites: without fs_token, async's walk from
 * next_flush_group, hammer_flush_inode's choice of the fill group and the master's
 * "closed head becomes running" step interleave freely, so a frontend can close or fill a
 * group the master is about to run, or be handed a seq that no sequential order gives. Model
 * checking must reject it: invalid results, or one of the port's KKASSERTs on the group list
 * (an unexpected exception), both count.
 */
class FlusherSequencerWithoutFsTokenRefutedTest {

    @Test
    void sequencerWithoutFsTokenIsRejected() {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                AbstractFlusherSequencerLincheckTest.modelChecking(LincheckOptions.REFUTED).actorsBefore(0).actorsAfter(1).minimizeFailedScenario(false)
                        .sequentialSpecification(FlusherSequencerSpec.class).check(FlusherSequencerWithoutFsToken.class));
        System.out.println(e.getMessage());     // the report, for the log
    }
}
