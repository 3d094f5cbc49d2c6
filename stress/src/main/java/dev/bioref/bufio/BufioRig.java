// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.Completer;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;

/** Shared set-up of the dm-bufio JCStress races: one module, one client, a small device. */
final class BufioRig {
    static final int BS = 512;
    static final int BLOCKS = 4;

    private BufioRig() { }

    static DmBufio module(BufioMutations m) {
        return module(m, p -> { });
    }

    /** The module with the rig's parameters, then {@code tune}'s changes. */
    static DmBufio module(BufioMutations m, java.util.function.Consumer<DmBufio.Params> tune) {
        DmBufio.Params p = new DmBufio.Params();
        p.waitTimeoutNanos = 5_000_000_000L;     // a hang is a failure with a diagnosis
        p.watermarkWriteback = false;             // only the race under test writes
        tune.accept(p);
        return new DmBufio(p, m, BufioQuirks.none());
    }

    static Client client(DmBufio m, Completer completer, int capacity) {
        LoopbackDevice dev = new LoopbackDevice(new MemoryBackend((long) BLOCKS * BS), completer, Clock.SYSTEM);
        return m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(capacity).reserved(0));
    }

    /** Writes v to the block through the cache and makes it durable; leaves it cached and clean. */
    static void writeDurable(Client c, long block, int v) {
        Buffer b = c.read(block);
        b.data()[0] = (byte) v;
        c.markBufferDirty(b);
        c.release(b);
        int err = c.writeDirtyBuffers();
        if (err != 0) throw new IllegalStateException("set-up write of block " + block + " failed: " + err);
    }

    static String thrown(Throwable t) {
        String n = t.getClass().getSimpleName();
        String m = String.valueOf(t.getMessage());
        int sp = m.indexOf(' ');
        return n + ":" + (sp > 0 ? m.substring(0, sp) : m);
    }

    /** "ok", or the first failing clause of checkInvariants(). */
    static String invariants(DmBufio m) {
        try {
            m.checkInvariants();
            return "ok";
        } catch (Throwable t) {
            return thrown(t);
        }
    }
}
