// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/** The port's flusher sequencer, checked as {@link AbstractFlusherSequencerLincheckTest} describes. */
public class FlusherSequencerLincheckTest extends AbstractFlusherSequencerLincheckTest { }
