// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * hammer_io_wait against hammer_io_complete: a thread waiting for a running write must be woken
 * by its completion (notes §7.4 J5, Mode.Termination; a lost wakeup hangs).
 *
 * <p>Initial state, on the real cache with inline completion: the kernel has taken a
 * REL-DIRTY DATA bp off the dirty queue and io_checkwrite accepted it (running = 1, on the
 * iorun list, bp locked and handed to the kernel), but the write is not issued yet. The actor
 * calls {@link HammerIo#waitIo} (io_token; tsleep_interlock before the re-check; no timeout,
 * {@code HammerOptions.ioWaitTimeoutNanos} = 0, so a lost wakeup is not masked by a tick). The
 * signal issues the write (bawrite); with inline completion bpdone runs io_complete, which
 * clears running and wakes the waiter.
 *
 * <p>Mode.Termination: JCStress's sanity mode (the default of {@code mvn verify}) runs no
 * samples of it, so in verify this class checks nothing; it counts under
 * {@code -Pjcstress-default} or {@code -Pthorough} (quick). Its ordinary-mode twin
 * {@link WaitVsCompleteAsleep} is the check that runs in verify.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests='dev.bioref.hammer.WaitVsComplete$' -Djcstress.mode=quick</pre>
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter returned once the write completed")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the waiter sleeps on after the completion")
@Outcome(expect = FORBIDDEN, desc = "anything else: the waiter or the completion failed")
@State
public class WaitVsComplete {
    final HammerRig rig = new HammerRig(HammerMutations.none(), HammerHooks.NONE).relDirty();
    final Buf bp;

    public WaitVsComplete() {
        bp = rig.io().bp;
        if (!bp.b_lock().tryLock()) throw new IllegalStateException("WaitVsComplete: bp busy in the initial state " + bp);
        rig.hmp.cache.bremfree(bp);
        if (rig.hmp.bioops.io_checkwrite(bp) != 0) throw new IllegalStateException("WaitVsComplete: checkwrite refused " + rig.io());
        bp.b_lock().kernproc();
    }

    /** hammer_io_wait: returns once running is clear. */
    @Actor
    public void actor() {
        rig.io().waitIo();
    }

    /** The kernel issues the write the checkwrite accepted; inline completion runs io_complete. */
    @Signal
    public void signal() {
        rig.hmp.cache.bawrite(bp);
    }
}
