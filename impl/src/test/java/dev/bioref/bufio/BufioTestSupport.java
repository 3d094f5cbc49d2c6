// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.Completer;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Factories for dm-bufio modules and devices in tests; modules made here are checked by {@link BufioInvariantsExtension}. */
final class BufioTestSupport {
    private BufioTestSupport() { }

    static final List<DmBufio> CREATED = Collections.synchronizedList(new ArrayList<>());

    static final int BS = 4096;

    static DmBufio module() { return module(new DmBufio.Params(), BufioMutations.none(), BufioQuirks.none()); }

    static DmBufio module(DmBufio.Params p) { return module(p, BufioMutations.none(), BufioQuirks.none()); }

    static DmBufio module(DmBufio.Params p, BufioMutations m, BufioQuirks q) {
        DmBufio d = unchecked(p, m, q);
        CREATED.add(d);
        return d;
    }

    /** A module the extension leaves alone (for tests that break it on purpose). */
    static DmBufio unchecked(DmBufio.Params p, BufioMutations m, BufioQuirks q) {
        p.waitTimeoutNanos = Math.min(p.waitTimeoutNanos, 10_000_000_000L);
        return new DmBufio(p, m, q);
    }

    static LoopbackDevice device(int blocks) { return device(blocks, BS, new InlineCompleter()); }

    static LoopbackDevice device(int blocks, int bs, Completer completer) {
        return new LoopbackDevice(new MemoryBackend((long) blocks * bs), completer, Clock.SYSTEM);
    }

    static Client client(DmBufio m, LoopbackDevice dev, int capacity, int reserved) {
        DmBufio.ClientOptions o = new DmBufio.ClientOptions().blockSize(BS).capacity(capacity).reserved(reserved);
        return m.clientCreate(dev, o);
    }

    static byte[] pattern(int seed, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (seed * 31 + i * 7 + 1);
        return b;
    }

    /** Modify (whole block), then mark dirty: the client protocol. */
    static void overwrite(Client c, Buffer b, int seed) {
        System.arraycopy(pattern(seed, b.data().length), 0, b.data(), 0, b.data().length);
        c.markBufferDirty(b);
    }
}
