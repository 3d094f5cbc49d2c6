// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.Completion;
import dev.bioref.device.Request;
import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link DirectWriteCompleteVsWait} (notes §7.4 J8), shared with its mutant. */
public class DirectWriteCompleteVsWaitRace {
    final HammerRig rig;
    final WaitRig w = new WaitRig();
    final HammerRecord rec = new HammerRecord(7, null, new HammerRecord.DataRef(true, 0));
    final long off;

    public DirectWriteCompleteVsWaitRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE);
        off = rig.hmp.geometry.largeBase();     // large block 0, the block a direct write of key 7 would use
        // hammer_io_direct_write (io:L1668): DIRECT_IO set under io_token, the write submitted, not complete yet
        rig.hmp.ioToken.gettoken();
        try {
            rec.gflags |= HammerRecord.DIRECT_IO;
        } finally {
            rig.hmp.ioToken.reltoken();
        }
    }

    /** hammer_io_direct_wait (io:L1844) under the watchdog; its condition: DIRECT_IO clear. */
    public void waiter(IIII_Result r) {
        w.waiter(() -> rig.hmp.directWait(rec), () -> (rec.gflags & HammerRecord.DIRECT_IO) == 0);
    }

    /**
     * The device finishes the write and runs its completion callback, hammer_io_direct_write_complete
     * (io:L1794): clears DIRECT_IO and, if DIRECT_WAIT is set, DIRECT_WAIT too and wakes the
     * record. Widened: first waits (at most {@link HammerRig#WINDOW_NANOS}) until the waiter
     * has set DIRECT_WAIT, i.e. is about to sleep.
     */
    public void completer(IIII_Result r) {
        HammerRig.blockUntil(() -> (rec.gflags & HammerRecord.DIRECT_WAIT) != 0);
        Completion c = rig.hmp.device().execute(Request.write(off, new byte[HammerOndisk.BUFSIZE]));
        rig.hmp.directWriteComplete(rec, c);
        w.completed();
    }

    /** r1..r3: {@link WaitRig#record}; r4: 0 if every invariant holds and the record's flags and error are clear, else the rig's verdict or 3. */
    public void arbiter(IIII_Result r) {
        w.record(r);
        int v = rig.verdict();
        r.r4 = v != 0 ? v : rec.gflags != 0 || rec.directError != 0 ? 3 : 0;
    }
}
