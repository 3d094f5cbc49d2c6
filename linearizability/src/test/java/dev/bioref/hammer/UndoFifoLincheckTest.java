// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/** The port's UNDO FIFO, checked as {@link AbstractUndoFifoLincheckTest} describes. */
public class UndoFifoLincheckTest extends AbstractUndoFifoLincheckTest { }
