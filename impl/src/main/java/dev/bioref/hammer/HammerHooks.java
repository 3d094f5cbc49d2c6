package dev.bioref.hammer;

import java.util.Map;

/**
 * Observation and interleaving points for tests and the simulation. Default: nothing.
 * Hooks run on the thread that reaches the point, with fs_token held.
 */
public interface HammerHooks {
    /** A named point inside finalize ("start", "undo-durable", "end"). */
    default void finalizeStep(HammerMount hmp, String step, boolean fin) { }

    /** Final finalize took the sync lock: {@code index} is the meta-data every recovery may return to. */
    default void snapshot(int cycle, Map<Integer, HammerOndisk.Slot> index) { }

    /** Right after hammer_io_flush issued bawrite (before the ClearAfterWrite mutation's late clear). */
    default void afterBawrite(HammerIo io) { }

    /** In hammer_io_modify, just before regetblk of a released bp (the window of notes §2.6 (2)). */
    default void beforeReget(HammerIo io) { }

    HammerHooks NONE = new HammerHooks() { };
}
