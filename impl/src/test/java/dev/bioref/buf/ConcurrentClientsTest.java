package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.ThreadCompleter;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Four client threads, both daemon threads and a completion thread on one small cache. Each
 * client owns six blocks (so its own model of them is exact) and also reads four shared blocks
 * (contention on the same headers). Headers are fewer than blocks, so they are recycled across
 * clients all the time. At the end: checkInvariants, and after a sync the device holds every
 * client's newest data. The seed of each run is printed on failure.
 */
@ExtendWith(CheckInvariantsExtension.class)
class ConcurrentClientsTest {
    static final int CLIENTS = 4;
    static final int OWN = 6;
    static final int SHARED = 4;
    static final int OPS = 250;

    @RepeatedTest(3)
    void clientsDaemonsAndCompletionsAgree() throws Exception {
        long seed = System.nanoTime();
        ThreadCompleter tc = new ThreadCompleter("clients-completion");
        BufCache c = BufTestSupport.cache(12);
        LoopbackDevice dev = BufTestSupport.device(CLIENTS * OWN + SHARED, tc);
        Vnode vp = c.vnode("dev0", dev, BLK);
        byte[][] latest = new byte[CLIENTS * OWN + SHARED][BLK];
        c.setHz(TimeUnit.MILLISECONDS.toNanos(50));
        c.startDaemons();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < CLIENTS; t++) {
                int client = t;
                fs.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed + client);
                    for (int i = 0; i < OPS; i++) {
                        if (rnd.nextInt(40) == 0) {
                            c.bufDaemonStep(rnd.nextBoolean());   // a stepping caller beside the daemon threads
                            continue;
                        }
                        if (rnd.nextInt(5) == 0) {
                            int b = CLIENTS * OWN + rnd.nextInt(SHARED);
                            Buf[] bpp = new Buf[1];
                            if (c.bread(vp, (long) b * BLK, BLK, bpp) != 0) throw new AssertionError("read failed");
                            c.bqrelse(bpp[0]);
                            continue;
                        }
                        int b = client * OWN + rnd.nextInt(OWN);
                        long off = (long) b * BLK;
                        Buf[] bpp = new Buf[1];
                        if (c.bread(vp, off, BLK, bpp) != 0) throw new AssertionError("read failed");
                        Buf bp = bpp[0];
                        if (!Arrays.equals(bp.b_data(), latest[b])) {
                            throw new AssertionError("seed " + seed + ": client " + client + " read stale block " + b + ": " + bp);
                        }
                        int op = rnd.nextInt(5);
                        if (op == 0) {
                            c.bqrelse(bp);
                            continue;
                        }
                        byte[] v = pattern(client * 100_000 + i, BLK);
                        System.arraycopy(v, 0, bp.b_data(), 0, BLK);
                        latest[b] = v;
                        switch (op) {
                            case 1, 2 -> c.bdwrite(bp);
                            case 3 -> c.bawrite(bp);
                            default -> {
                                if (c.bwrite(bp) != 0) throw new AssertionError("write failed");
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
            c.stopDaemons();
        }
        assertEquals(0, VfsSubr.vfsync(vp, true));
        BufTestSupport.drain(c);
        c.checkInvariants();
        for (int b = 0; b < CLIENTS * OWN; b++) {
            assertArrayEquals(latest[b], dev.peekVisible((long) b * BLK, BLK), "seed " + seed + ": block " + b);
        }
        tc.close();
    }
}
