// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The buf daemon runs while the flusher holds changed, released-by-their-last-holder META
 * buffers that finalize has not written yet (race R5; notes §2.6 (4), MetaPinnedInv and
 * MetaNeverKernelWrittenInv).
 *
 * <p>Initial state, on the real cache with inline completion: four keys written and synced,
 * then rewritten, so the next sync changes their meta blocks. The flusher syncs; its slaves
 * change the META buffers and drop their refs (hammer_io_release keeps a modified META bp
 * OWNED: never a delayed write); finalize then blocks (fs_token released) after issuing the
 * data writes, before the UNDO barrier and the meta-data writes, until the kernel has made its
 * pass. The kernel visits every delayed write of the cache (flushbufqueues, checkwrite).
 *
 * <p>What must hold: the kernel never sees a META or VOLUME bp as a delayed write, and never
 * writes one. With ReleaseBdwritesMeta ({@code mutants.MetaReleaseVsCheckwrite_ReleaseBdwritesMeta})
 * release hands the changed META bps to the kernel as delayed writes, before their UNDO is
 * durable. (The run uses the lenient checkwrite, which refuses such a bp with B_LOCKED instead
 * of the seed's panic, so that a mutant does not wedge the flusher on a bp the panicking
 * kernel holds.)
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.MetaReleaseVsCheckwrite$' -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "0, [01], 0, 0", expect = ACCEPTABLE, desc = "the kernel saw only DATA/UNDO delayed writes (or none); meta-data stayed pinned")
@Outcome(id = "1, .*, .*, .*", expect = FORBIDDEN, desc = "META handed to the kernel as a delayed write before its UNDO is durable")
@Outcome(id = ".*, .*, 1, .*", expect = FORBIDDEN, desc = "the kernel wrote meta-data: a crash now cannot be undone")
@Outcome(id = ".*, .*, .*, [12]", expect = FORBIDDEN, desc = "an invariant of the I/O layer or the flusher is broken")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, or a state no interleaving produces")
@State
public class MetaReleaseVsCheckwrite extends MetaReleaseVsCheckwriteRace {
    public MetaReleaseVsCheckwrite() { super(HammerMutations.none()); }

    /** The flusher: one sync. */
    @Actor public void flusher() { super.flusher(); }

    /** The buf daemon over every delayed write. */
    @Actor public void kernel(IIII_Result r) { super.kernel(r); }

    @Arbiter public void arbiter(IIII_Result r) { super.arbiter(r); }
}
