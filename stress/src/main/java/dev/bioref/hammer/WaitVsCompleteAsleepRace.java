// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link WaitVsCompleteAsleep} (notes §7.4 J5), shared with its mutant. */
public class WaitVsCompleteAsleepRace {
    final HammerRig rig;
    final WaitRig w = new WaitRig();
    final HammerIo io;
    final Buf bp;

    public WaitVsCompleteAsleepRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE).relDirty();
        io = rig.io();
        bp = WaitRig.acceptWrite(rig, io, "WaitVsCompleteAsleep");
    }

    /** hammer_io_wait (io:L166) under the watchdog; its condition: running clear. */
    public void waiter(IIII_Result r) {
        w.waiter(io::waitIo, () -> !io.running);
    }

    /**
     * The kernel issues the write the checkwrite accepted; inline completion runs io_complete
     * (io:L1074), which clears running and wakes the waiter. Widened: first waits (at most
     * {@link HammerRig#WINDOW_NANOS}) until the waiter has set waiting, i.e. is about to sleep.
     */
    public void completer(IIII_Result r) {
        HammerRig.blockUntil(() -> io.waiting);
        rig.hmp.cache.bawrite(bp);
        w.completed();
    }

    /** r1..r3: {@link WaitRig#record}; r4: 0 if every invariant holds and the io is idle, else the rig's verdict or 3. */
    public void arbiter(IIII_Result r) {
        w.record(r);
        int v = rig.verdict();
        r.r4 = v != 0 ? v : io.running || io.waiting || io.onIorun || rig.hmp.iorunHead != null ? 3 : 0;
    }
}
