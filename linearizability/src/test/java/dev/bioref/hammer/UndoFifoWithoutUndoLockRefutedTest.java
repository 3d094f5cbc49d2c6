// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UNDO FIFO Lincheck test bites: without undo_lock, an appender that loses fs_token in its
 * UNDO buffer fetch (the seed's hammer_bread_ext) has already read next_offset, so a second
 * appender gets the same offset (two records at one place, a result no sequential FIFO gives),
 * or both pass the history check for one target and both append. Model checking must report
 * invalid results (not a crash of the harness).
 */
class UndoFifoWithoutUndoLockRefutedTest {

    @Test
    void appendWithoutUndoLockIsRejected() {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                AbstractUndoFifoLincheckTest.modelChecking(LincheckOptions.REFUTED).actorsBefore(0).actorsAfter(1).minimizeFailedScenario(false)
                        .sequentialSpecification(UndoFifoSpec.class).check(UndoFifoWithoutUndoLock.class));
        System.out.println(e.getMessage());     // the report, for the log
        assertTrue(e.getMessage().contains("Invalid execution results"), e::getMessage);
    }
}
