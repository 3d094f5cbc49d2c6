// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCmd;
import dev.bioref.device.LoopbackDevice;

/** Shared setup for the HAMMER protocol tests: a small mounted volume and kernel emulation helpers. */
final class HammerTestSupport {
    private HammerTestSupport() { }

    static HammerOptions options() {
        HammerOptions o = new HammerOptions();
        o.geometry = new HammerOndisk.Geometry(8, 1, 8, 4);
        return o;
    }

    static HammerMount mount(HammerOptions o, HammerMutations m, HammerHooks hooks) {
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, m, hooks);
        HammerInvariantsExtension.register(hmp);
        return hmp;
    }

    /** A mounted volume whose device completes I/O only when {@code gate} lets it (waits that must block). */
    static HammerMount gatedMount(dev.bioref.device.GateCompleter gate) { return gatedMount(gate, HammerMutations.none()); }

    static HammerMount gatedMount(dev.bioref.device.GateCompleter gate, HammerMutations m) {
        HammerOptions o = options();
        LoopbackDevice gated = new LoopbackDevice(new dev.bioref.device.MemoryBackend(o.geometry.size()), gate, dev.bioref.kern.Clock.SYSTEM);
        HammerMount.format(gated, o);
        HammerMount hmp = HammerMount.mount(gated, o, m, HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        return hmp;
    }

    static byte[] bytes(int len, int fill) {
        byte[] v = new byte[len];
        java.util.Arrays.fill(v, (byte) fill);
        return v;
    }

    /** The DATA buffer holding small chunk 0 (where the first small put lands). */
    static long firstDataBlock(HammerMount hmp) { return hmp.geometry.dataBase(); }

    /**
     * Formats, mounts, puts key 0 (100 bytes of 1, small: chunk 0 of the first DATA block),
     * syncs, closes and mounts again, so the first DATA block is on the device but not cached;
     * from then on every READ of that block fails with {@code errno} (a strategy filter on the
     * device vnode; {@code hmp.devvp().setStrategyFilter(null)} lifts it). Returns the remount,
     * registered with {@link HammerInvariantsExtension}: its first {@code get(0)} loads the block
     * and meets the failure.
     */
    static HammerMount remountWithFirstDataBlockReadFailing(HammerOptions o, int errno) {
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount first = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        first.put(0, bytes(100, 1));
        first.sync();
        first.close();
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        HammerInvariantsExtension.register(hmp);
        long lo = firstDataBlock(hmp);
        hmp.devvp().setStrategyFilter((cmd, off, len) -> cmd == BufCmd.READ && off == lo ? errno : 0);
        return hmp;
    }

    /**
     * What getnewbuf / brelse's destroy path do to a clean or delayed-write bp: lock it, take it
     * off its queue, call io_deallocate; if HAMMER refused (B_LOCKED) park it, else destroy it.
     * Returns true if HAMMER let go of the bp.
     */
    static boolean kernelDeallocate(HammerMount hmp, Buf bp) {
        if (!bp.b_lock().tryLock()) throw new IllegalStateException("bp is busy: " + bp);
        hmp.cache.bremfree(bp);
        hmp.bioops.io_deallocate(bp);
        if (bp.anyFlags(Buf.B_LOCKED)) {
            hmp.cache.bqrelse(bp);
            return false;
        }
        bp.setFlags(Buf.B_INVAL | Buf.B_NOCACHE);
        hmp.cache.brelse(bp);
        return true;
    }

    /** Runs {@code r} with fs_token held, as every HAMMER caller does. */
    static void withFsToken(HammerMount hmp, Runnable r) {
        hmp.fsToken.gettoken();
        try {
            r.run();
        } finally {
            hmp.fsToken.reltoken();
        }
    }
}
