// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * The UNDO FIFO with appenders that skip undo_lock ({@link HammerUndo#withoutUndoLock}): must be
 * REJECTED by Lincheck (asserted by {@link UndoFifoWithoutUndoLockRefutedTest}; the name keeps it
 * out of surefire's includes, so its own inherited tests, which must fail, are not run).
 */
public class UndoFifoWithoutUndoLock extends UndoFifoLincheckTest {
    @Override protected boolean appendersHoldUndoLock() { return false; }
}
