// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * Named switches that remove one guard of the protocol each (notes §7.1, §7.2). All are off by
 * default; each is turned on by a test that expects the resulting failure to be caught.
 */
public final class HammerMutations {
    // ---- I/O layer guards (§7.1)
    /** Clear modified after bawrite instead of before (race R2). */
    public boolean clearAfterWrite;
    /** Let finalize flush DATA/UNDO/VOLUME without the write interlock (race R3). */
    public boolean flushWithoutInterlock;
    /** checkwrite lets the kernel write VOLUME/META buffers. */
    public boolean checkwriteAllowsMeta;
    /** release bdwrite's modified META/VOLUME buffers like DATA. */
    public boolean releaseBdwritesMeta;
    /** deallocate disassociates even when the io has refs (race R4). */
    public boolean deallocIgnoresRefs;
    /** deallocate disassociates even when the io is modified. */
    public boolean deallocIgnoresModified;
    /** checkwrite skips its try_interlock_norefs guard (TLA+ CwNoInterlock). */
    public boolean cwNoInterlock;
    /** checkwrite clears modified even while modify_refs != 0 (TLA+ CwIgnoreModRefs). */
    public boolean cwIgnoreModRefs;
    /** modify sets modified before regetblk (SetModifiedAfterReget off). */
    public boolean setModifiedAfterReget;

    // ---- wakeup paths (lost-wakeup mutants of the JCStress *Asleep twins, §7.4 J5/J6/J8/J10)
    /** io_complete clears waiting but skips the wakeup of hammer_io_wait's sleepers (io:L1148-1151). */
    public boolean completeSkipsWakeup;
    /** io_complete skips the wakeup of a wait_all placemarker next behind the completing head (io:L1138-1142, race R6). */
    public boolean completeSkipsPlacemarkerWakeup;
    /** wait_all removes its placemarker but does not wake the DUMMY that is now the head (the chain, io:L216-222). */
    public boolean waitAllSkipsChainWakeup;
    /** direct_write_complete clears DIRECT_IO|DIRECT_WAIT but skips the wakeup of direct_wait (io:L1820-1824). */
    public boolean directCompleteSkipsWakeup;
    /**
     * The flusher's master loop publishes done but skips {@code wakeup(&hmp->flusher.done)}
     * (fl:L272-273): hammer_flusher_wait's sleepers are not woken (J10).
     */
    public boolean flusherSkipsDoneWakeup;

    // ---- waits that do not wait, wakeups that are lost (proofs-notes/waits.md, issue 13)
    /** hammer_io_wait returns while the write is still running (io:L166-185). */
    public boolean waitIoSkipsWait;
    /** hammer_io_wait returns after one sleep without re-checking running: a spurious wakeup ends the wait. */
    public boolean waitIoSkipsRecheck;
    /** hammer_io_modify proceeds while the write interlock is held (modify_refs &lt; 0, io:L770-780). */
    public boolean modifySkipsWait;
    /** hammer_io_done_interlock releases the write interlock but skips the wakeup of modify's sleepers (io:L843-850). */
    public boolean doneInterlockSkipsWakeup;
    /** hammer_io_write_interlock takes the interlock while modify_refs != 0 (io:L829-840). */
    public boolean writeInterlockSkipsWait;
    /** hammer_io_modify_done drops the last modify ref but skips the wakeup of write_interlock's sleepers (io:L808-820). */
    public boolean modifyDoneSkipsWakeup;
    /** hammer_flusher_wait returns before its sequence number is done (fl:L164-172). */
    public boolean flusherWaitSkipsWait;
    /** hammer_io_direct_wait returns while the direct write is in flight (io:L1844-1860). */
    public boolean directWaitSkipsWait;
    /** hammer_io_wait_all's placemarker leaves before it reaches the head of iorun (io:L205-215). */
    public boolean waitAllSkipsWait;
    /** hammer_io_limit_backlog returns while io_running_space is over the limit (io:L2000-2007). */
    public boolean limitBacklogSkipsWait;
    /** io_complete drops io_running_space below half the limit but skips the io_running_wakeup wakeup (io:L1120-1125). */
    public boolean completeSkipsBacklogWakeup;

    /**
     * The flusher master, idle, polls flusher.signal instead of sleeping on it (fl:L286-287):
     * it releases and retakes fs_token in a loop and never sleeps "hmrwwa" (does not wait).
     * Read on every poll, so a test can turn it off again.
     */
    public volatile boolean masterIdleSkipsWait;
    /** hammer_flusher_async bumps flusher.signal but skips {@code wakeup(&hmp->flusher.signal)} (fl:L115-116): an idle master is not woken. */
    public volatile boolean asyncSkipsWakeup;

    /** An idle flusher slave polls its runstate instead of sleeping "hmrssw" (fl:L461 slave loop); read on every poll. */
    public volatile boolean slaveIdleSkipsWait;
    /** The master hands a group to a ready slave (runstate 1) but skips the slave's wakeup (fl:L388-408): the slave sleeps on, the master waits for it in "hmrfcc". */
    public volatile boolean dispatchSkipsWakeup;
    /** A slave puts itself back on the ready list but skips {@code wakeup(&ready_list)}: the master waiting in "hmrfcc" is not woken. */
    public volatile boolean slaveDoneSkipsWakeup;

    /**
     * A slave's hammer_flusher_flush_inode does not wait while another thread is in (or waiting
     * for) finalize (flusher.finalize_want, "hmrsxx"): it goes on to its own UNDO/meta checks at once.
     */
    public volatile boolean finalizeWantSkipsWait;
    /** hammer_flusher_finalize drops finalize_want to 0 but skips {@code wakeup(&finalize_want)}: a slave in "hmrsxx" sleeps on. */
    public volatile boolean finalizeSkipsWakeup;
    /** hammer_flusher_destroy does not wait for the master ("hmrwex") and the slaves ("hmrwwc") to exit. */
    public volatile boolean destroySkipsWait;
    /** The exiting master skips {@code wakeup(&flusher.exiting)}: destroy's timed "hmrwex" sleep runs to its 1 s timeout. */
    public volatile boolean masterExitSkipsWakeup;
    /** An exiting slave skips its wakeup: destroy sleeps in "hmrwwc" for good (untimed). */
    public volatile boolean slaveExitSkipsWakeup;

    // ---- early returns that leave something held (issue 13)
    /** hammer_io_inval's EAGAIN return (io:L470-475) keeps the bp locked instead of bqrelse'ing it. */
    public boolean invalKeepsBufferLocked;

    // ---- finalize mutations (§7.2)
    /** 1: issue meta-data writes before the UNDO barrier. */
    public boolean metaBeforeUndoBarrier;
    /** 2: move the header's first_offset to this cycle's save (no one-cycle lag). */
    public boolean firstOffsetNotLagged;
    /** 3: version < 4 without the header barrier. */
    public boolean v3NoHeaderBarrier;
    /** 4: barriers wait for the writes but do not flush the device cache. */
    public boolean barrierWithoutCacheFlush;
    /** 5: flush data after meta-data. */
    public boolean dataAfterMeta;
    /** 6: keep the UNDO history across cycles. */
    public boolean keepUndoHistory;
    /**
     * hammer_io_complete ignores a write error (io:L1089-1099): no critical error, no ioerror ref;
     * B_ERROR is still cleared, so the failed write is lost silently. Caught by
     * FaultsSimulationTest (simulate --faults eio: "absorbed silently"); proofs-notes/faults.md.
     */
    public boolean completeIgnoresError;

    public static HammerMutations none() { return new HammerMutations(); }

    /** The names of the switches that are on, for messages. */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        for (java.lang.reflect.Field f : HammerMutations.class.getFields()) {
            try {
                if (f.getType() == boolean.class && f.getBoolean(this)) sb.append(sb.length() == 0 ? "" : ",").append(f.getName());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
