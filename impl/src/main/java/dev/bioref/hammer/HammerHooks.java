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

    /**
     * In hammer_io_checkwrite, after it has read modify_refs and modified and decided whether
     * to clear modified ({@code clear}), before it acts on that decision (io:L1345). Runs on the
     * kernel's thread with io_token held (and the interlock, if checkwrite won it); a test may
     * sleep here (tsleep releases the tokens) to widen the window of notes §2.6 (2).
     */
    default void checkwriteDecided(HammerIo io, boolean clear) { }

    HammerHooks NONE = new HammerHooks() { };
}
