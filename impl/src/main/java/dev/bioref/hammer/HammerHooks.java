// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.Map;

/**
 * Observation and interleaving points for tests and the simulation. Default: nothing.
 * Hooks run on the thread that reaches the point, with fs_token held.
 */
public interface HammerHooks {
    /** The points of hammer_flusher_finalize a hook sees, in the order finalize reaches them. */
    enum FinalizeStep {
        /** finalize_lock held, before any write. */
        START("start"),
        /** Step 3 issued the modified DATA buffers (or, under dataAfterMeta, did not). */
        DATA_ISSUED("data-issued"),
        /** Step 6 issued the UNDO buffers, before barrier 1 (reached from flushUndos). */
        UNDO_ISSUED("undo-issued"),
        /** Barrier 1 returned: the UNDO is durable; only now may the header point at it. */
        UNDO_DURABLE("undo-durable"),
        /** Step 8 issued the volume header write. */
        HEADER_ISSUED("header-issued"),
        /** Meta-data issued and (final) first_offset advanced; the sync lock is still held. */
        END("end");

        private final String label;

        FinalizeStep(String label) { this.label = label; }

        /** The step's name in messages and traces ("undo-durable"). */
        @Override public String toString() { return label; }
    }

    /** A named point inside finalize ({@link FinalizeStep}). */
    default void finalizeStep(HammerMount hmp, FinalizeStep step, boolean fin) { }

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
