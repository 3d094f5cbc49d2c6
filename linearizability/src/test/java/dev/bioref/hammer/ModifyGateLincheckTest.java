// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;

/**
 * The port's modify gate on a DATA buffer of a mounted volume (in-memory device, inline
 * completion). One mount serves every invocation; each invocation gets its own io object
 * attached to the same HAMMER-held bp, so no state leaks between scenarios.
 */
public class ModifyGateLincheckTest extends AbstractModifyGateLincheckTest {
    private static final HammerMount HMP;
    private static final HammerBuffer OWNED;

    static {
        HammerOptions o = new HammerOptions();
        o.geometry = new HammerOndisk.Geometry(8, 1, 8, 4);
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HMP = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HMP.fsToken.gettoken();
        try {
            OWNED = HMP.getBuffer(HammerIoType.DATA_BUFFER, HMP.geometry.dataBase(), false);   // kept referenced and owned
        } finally {
            HMP.fsToken.reltoken();
        }
    }

    @Override protected HammerIo newOwnedDirtyIo() {
        HammerBuffer io = new HammerBuffer(HMP, HammerIoType.DATA_BUFFER, OWNED.offset);
        io.lock.ref();
        io.bp = OWNED.bp;          // HAMMER holds this bp for good (released == false)
        io.released = false;
        io.modified = true;        // OWNED-DIRTY: modify takes its shortcut
        return io;
    }
}
