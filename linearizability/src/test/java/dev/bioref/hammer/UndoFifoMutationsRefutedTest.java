// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The finalize mutation switches that act on the UNDO FIFO's indices are each caught by the UNDO
 * FIFO Lincheck test ({@link AbstractUndoFifoLincheckTest}, model checking, against
 * {@link UndoFifoSpec}); each run must report invalid results, not a harness crash.
 * <ul>
 *   <li>{@code firstOffsetNotLagged} (finalize mutation 2): the header image's first_offset moves
 *       to this cycle's save_undo_next_offset instead of the previous cycle's, so
 *       {@code undoSpace} after a finalize counts this cycle's UNDOs as free. Shortest witness:
 *       generateUndo, finalizeAdvance, undoSpace.</li>
 *   <li>{@code keepUndoHistory} (finalize mutation 6): the history survives the final finalize,
 *       so an UNDO for a range already covered in the <i>previous</i> span is suppressed
 *       ({@code -1}) although first_offset has moved past that UNDO. Shortest witness:
 *       generateUndo(t), finalizeAdvance, generateUndo(t).</li>
 * </ul>
 */
class UndoFifoMutationsRefutedTest {

    /** The FIFO with finalize mutation 2 on. Not named *Test: surefire must not run it directly. */
    public static class FirstOffsetNotLagged extends UndoFifoLincheckTest {
        @Override protected void mutate(HammerMutations m) { m.firstOffsetNotLagged = true; }
    }

    /** The FIFO with finalize mutation 6 on. */
    public static class KeepUndoHistory extends UndoFifoLincheckTest {
        @Override protected void mutate(HammerMutations m) { m.keepUndoHistory = true; }
    }

    @Test
    void firstOffsetNotLaggedIsCaught() { assertCaught(FirstOffsetNotLagged.class); }

    @Test
    void keepUndoHistoryIsCaught() { assertCaught(KeepUndoHistory.class); }

    private static void assertCaught(Class<?> mutant) {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                AbstractUndoFifoLincheckTest.modelChecking(LincheckOptions.UNDO_FIFO_MUTANTS).minimizeFailedScenario(false)
                        .sequentialSpecification(UndoFifoSpec.class).check(mutant));
        System.out.println(e.getMessage());     // the report, for the log
        assertTrue(e.getMessage().contains("Invalid execution results"), e::getMessage);
    }
}
