// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import org.openjdk.jcstress.infra.results.IIII_Result;

/** The race of {@link WaitAllPlacemarker} (notes §7.4 J6, race R6), shared with its mutant. */
public class WaitAllPlacemarkerRace {
    final HammerRig rig;
    final WaitRig w = new WaitRig();
    final HammerIo io1, io2;
    final Buf bp1, bp2;

    public WaitAllPlacemarkerRace(HammerMutations m) {
        rig = new HammerRig(m, HammerHooks.NONE).relDirty();     // key 0: chunk 0 of DATA block 0
        for (int k = 1; k <= 4; k++) rig.hmp.put(k, HammerRig.bytes(100, 1 + k));   // keys 1-3: chunks 1-3; key 4: block 1
        io1 = rig.io();
        io2 = rig.hmp.bufferAt(rig.dataOffset + HammerOndisk.BUFSIZE);
        if (io2 == null || !io2.modified || !io2.released || io1 == io2)
            throw new IllegalStateException("WaitAllPlacemarker: no second REL-DIRTY DATA buffer " + io2);
        bp1 = WaitRig.acceptWrite(rig, io1, "WaitAllPlacemarker");
        bp2 = WaitRig.acceptWrite(rig, io2, "WaitAllPlacemarker");
        if (rig.hmp.iorunHead != io1 || io1.iorunNext != io2 || rig.hmp.iorunTail != io2)
            throw new IllegalStateException("WaitAllPlacemarker: iorun is not [io1, io2]");
    }

    /**
     * hammer_io_wait_all (io:L188-227) under the watchdog: appends a DUMMY placemarker behind
     * io1 and io2 and sleeps until it is the head. Its condition: neither write still running.
     */
    public void waiter(IIII_Result r) {
        w.waiter(() -> rig.hmp.waitAll(false), () -> !io1.running && !io2.running);
    }

    /**
     * The kernel issues both accepted writes in iorun order; inline completion runs io_complete
     * for each: io1's does not wake the placemarker (io2 is next), io2's (head, next is the
     * DUMMY) must (io:L1138-1142). Widened: first waits (at most {@link HammerRig#WINDOW_NANOS})
     * until the placemarker is on the list.
     */
    public void completer(IIII_Result r) {
        HammerRig.blockUntil(() -> {
            HammerIo t = rig.hmp.iorunTail;     // unlocked peek, only to time the window
            return t != null && t.type == HammerIoType.DUMMY;
        });
        rig.hmp.cache.bawrite(bp1);
        rig.hmp.cache.bawrite(bp2);
        w.completed();
    }

    /** r1..r3: {@link WaitRig#record}; r4: 0 if every invariant holds and iorun is empty, else the rig's verdict or 3. */
    public void arbiter(IIII_Result r) {
        w.record(r);
        int v = rig.verdict();
        r.r4 = v != 0 ? v : io1.running || io2.running || rig.hmp.iorunHead != null ? 3 : 0;
    }
}
