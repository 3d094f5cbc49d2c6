// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Several threads on one client with a completion thread (ASYNC): each thread writes only its own
 * blocks (modify, then mark), everyone reads every block, and flushes, forgets, prefetches and
 * shrinks run concurrently on a client small enough to steal and wait. At the end every block
 * is durable with its owner's last data and every invariant holds. A stress smoke test for the
 * port; the linearizability and litmus tests are the concurrency engineer's.
 */
@ExtendWith(BufioInvariantsExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufioConcurrentClientTest {

    @Test void threadsSharingOneClientKeepEveryBlockAndEveryInvariant() throws Exception {
        for (DmBufio.DeviceMode mode : new DmBufio.DeviceMode[] {DmBufio.DeviceMode.ASYNC, DmBufio.DeviceMode.HELPING}) {
            run(mode);
        }
    }

    private void run(DmBufio.DeviceMode mode) throws Exception {
        DmBufio.Params p = new DmBufio.Params();
        p.retainBytes = 2L * BS;
        p.cacheSizeBytes = 6L * BS;
        DmBufio m = BufioTestSupport.module(p);
        int threads = 3, perThread = 4, blocks = threads * perThread;
        LoopbackDevice dev = BufioTestSupport.device(blocks, BS, mode.newCompleter(5));
        Client c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(6).reserved(1));
        byte[][] last = new byte[blocks][BS];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int me = t;
            ts.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(me);
                int v = me * 1_000_000;
                try {
                    while (System.nanoTime() < end && failure.get() == null) {
                        int op = r.nextInt(10);
                        if (op < 5) {                          // write one of my blocks: modify, then mark
                            int blk = me * perThread + r.nextInt(perThread);
                            Buffer b = c.read(blk);
                            if (!Arrays.equals(b.data(), last[blk])) throw new AssertionError("my block " + blk + " is stale");
                            byte[] d = pattern(++v, BS);
                            System.arraycopy(d, 0, b.data(), 0, BS);
                            last[blk] = d;
                            c.markBufferDirty(b);
                            c.release(b);
                        } else if (op < 7) {
                            c.release(c.read(r.nextInt(blocks)));
                        } else if (op == 7) {
                            if (c.writeDirtyBuffers() != 0) throw new AssertionError("flush failed without faults");
                        } else if (op == 8) {
                            c.forget(r.nextInt(blocks));
                            c.prefetch(r.nextInt(blocks - 1), 2);
                        } else {
                            c.shrinkScan(1, r.nextBoolean());
                            if (m.globalCleanupPending()) m.globalCleanup();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bufio-" + mode + "-" + t));
        }
        ts.forEach(Thread::start);
        for (Thread t : ts) t.join(30_000);
        assertNull(failure.get(), () -> mode + ": " + failure.get());
        assertEquals(0, c.writeDirtyBuffers());
        for (int blk = 0; blk < blocks; blk++) assertArrayEquals(last[blk], dev.peekDurable((long) blk * BS, BS), mode + " block " + blk);
        m.checkInvariants();
        c.destroy();
        dev.close();
    }
}
