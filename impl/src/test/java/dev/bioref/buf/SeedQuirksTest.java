package dev.bioref.buf;

import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's quirks (reference §7, §10) and the port's decision on each
 * (proofs-notes/deviations.md, "Buffer cache"): kept ones are shown as they are; fixed ones
 * are shown both ways through their {@link BufQuirks} switch.
 */
@ExtendWith(CheckInvariantsExtension.class)
class SeedQuirksTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    // ---- §4.2 / §10.18: bufinit's formulas go negative for small nbuf (FIXED; switch seedNegativeLobufspace)

    @Test void seedBufinitFormulasAreRejectedForSmallPools() {
        Params seed = Params.seed(4, 1, 64 * BLK, 16 * BLK);
        assertTrue(seed.lobufspace() < 0, "lobufspace=" + seed.lobufspace());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BufCache(seed));
        assertTrue(e.getMessage().contains("lobufspace=" + seed.lobufspace()), e.getMessage());
        assertTrue(Params.forTest(4, 64 * BLK).lobufspace() >= 0);
    }

    @Test void withTheSeedsNegativeLobufspaceGetnewbufCanNeverReuseAHeader() {
        BufQuirks q = BufQuirks.none();
        q.seedNegativeLobufspace = true;
        int big = 64 * BLK;
        BufCache c = BufTestSupport.cache(Params.seed(4, 1, big, 16 * BLK), BufMutations.none(), q);
        Vnode vp = c.vnode("big", new LoopbackDevice(new MemoryBackend(8L * big), new InlineCompleter(), Clock.SYSTEM), big);
        Buf first = c.getblk(vp, 0, big, 0, 0);
        first.setFlags(Buf.B_CACHE);
        c.bqrelse(first);
        // bufspace (64K) >= hibufspace (48K): flushing starts and is never cleared (lobufspace < 0)
        assertNull(c.getblk(vp, big, big, 0, 50 * MS), "no header can be had although 3 are EMPTY");
        assertEquals(4, c.view().queueLength(Buf.BQUEUE_EMPTY));
        // the port's parameters for the same pool work
        BufCache ok = BufTestSupport.cache(Params.forTest(4, big));
        Vnode vp2 = ok.vnode("big2", new LoopbackDevice(new MemoryBackend(8L * big), new InlineCompleter(), Clock.SYSTEM), big);
        for (int b = 0; b < 8; b++) {
            Buf bp = ok.getblk(vp2, (long) b * big, big, 0, 50 * MS);
            assertNotNull(bp, "block " + b);
            bp.setFlags(Buf.B_CACHE);
            ok.bqrelse(bp);
        }
    }

    // ---- getnewbuf's flushing hysteresis needs the pinned bufspace below lobufspace (KEPT)

    @Test void getnewbufFindsNoHeaderWhileHeldAndReferencedBuffersKeepBufspaceAtLobufspace() {
        BufCache c = BufTestSupport.cache(4);   // hibufspace 3 KiB, lobufspace 2 KiB
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        assertEquals(3 * BLK, c.view().params().hibufspace());
        assertEquals(2 * BLK, c.view().params().lobufspace());
        Buf held = fill(c, vp, 0, pattern(0, BLK));
        Buf refd = fill(c, vp, BLK, pattern(1, BLK));
        c.bqrelse(refd);
        c.bqhold(refd);
        c.bqrelse(fill(c, vp, 2 * BLK, pattern(2, BLK)));
        // bufspace 3K >= hibufspace: flushing destroys clean buffers until bufspace < 2K, which the
        // held and the referenced buffer prevent; EMPTY headers are skipped while flushing
        assertNull(c.getblk(vp, 3 * BLK, BLK, 0, 20 * MS));
        assertTrue(c.view().queueLength(Buf.BQUEUE_EMPTY) >= 1, "an EMPTY header exists all along");
        held.setFlags(Buf.B_CACHE);
        c.bqrelse(held);                       // one pin fewer: now a clean buffer can be destroyed
        Buf bp = c.getblk(vp, 3 * BLK, BLK, 0, 20 * MS);
        assertNotNull(bp);
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
        c.bqdrop(refd);
    }

    // ---- §3.11: writing a B_INVAL buffer discards the new data (KEPT; vfs_bio_clrbuf clears B_INVAL)

    @Test void aFoundInvalidBufferStaysInvalidAndWritingItDiscardsTheData() {
        BufCache c = BufTestSupport.cache(8);
        LoopbackDevice dev = BufTestSupport.device(8);
        Vnode vp = c.vnode("dev0", dev, BLK);
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.setFlags(Buf.B_INVAL);
        c.bqrelse(bp);                               // bqrelse keeps an INVAL buffer associated
        Buf again = c.getblk(vp, 0, BLK, 0, 0);
        assertTrue(again.hasFlags(Buf.B_INVAL), "getblk clears only B_CACHE on a found INVAL buffer");
        System.arraycopy(pattern(9, BLK), 0, again.b_data(), 0, BLK);
        c.bdwrite(again);
        assertEquals(0, c.view().dirtybufcount(), "bdwrite brelse'd it instead: the data is gone");
        assertNull(c.findblk(vp, 0, BufCache.FINDBLK_TEST));
        Buf third = c.getblk(vp, 0, BLK, 0, 0);
        c.vfs_bio_clrbuf(third);                     // the contract: clear INVAL, then fill
        assertFalse(third.hasFlags(Buf.B_INVAL));
        System.arraycopy(pattern(9, BLK), 0, third.b_data(), 0, BLK);
        c.bdwrite(third);
        assertEquals(1, c.view().dirtybufcount());
    }

    // ---- waitrunningbufspace: the waiter's own increment keeps it waiting (FIXED; switch seedWaitrunningbufspaceSpin)

    @Test void waitrunningbufspaceNoLongerWaitsForAFairnessFlagNobodyWillClear() throws Exception {
        BufCache c = BufTestSupport.cache(8);
        c.runningbufreq.set(1);     // left by a waiter whose last round timed out after the last completion
        c.waitrunningbufspace();    // port: returns, nothing is in flight
        assertEquals(0, c.view().runningbufreq());

        BufQuirks q = BufQuirks.none();
        q.seedWaitrunningbufspaceSpin = true;
        BufCache s = BufTestSupport.cache(Params.forTest(8, BLK), BufMutations.none(), q);
        s.setHz(10 * MS);
        s.runningbufreq.set(1);
        CompletableFuture<Void> w = CompletableFuture.runAsync(s::waitrunningbufspace);
        Thread.sleep(200);
        assertFalse(w.isDone(), "the seed keeps sleeping 1 hz per round while nothing runs");
        // only an unrelated write completion clears the flag and lets it go
        Vnode vp = s.vnode("dev0", BufTestSupport.device(8), BLK);
        s.bawrite(fill(s, vp, 0, pattern(1, BLK)));
        w.get(5, TimeUnit.SECONDS);
    }

    // ---- §10.8: getnewbuf returns NULL after a successful sleep (KEPT)

    @Test void getblkWithATimeoutReturnsNullAfterASuccessfulWaitForAHeader() throws Exception {
        BufCache c = BufTestSupport.cache(1);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        Buf only = c.getblk(vp, 0, BLK, 0, 0);
        CompletableFuture<Buf> other = CompletableFuture.supplyAsync(() -> c.getblk(vp, BLK, BLK, 0, TimeUnit.SECONDS.toNanos(30)));
        while (c.view().needsbuffer() == 0) Thread.onSpinWait();
        long t0 = System.nanoTime();
        only.setFlags(Buf.B_INVAL);
        c.brelse(only);
        assertNull(other.get(10, TimeUnit.SECONDS), "NULL although the wait succeeded");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "it did not time out");
        Buf again = c.getblk(vp, BLK, BLK, 0, 0);   // the caller's retry succeeds
        again.setFlags(Buf.B_INVAL);
        c.brelse(again);
    }

    // ---- §10.2: a dirty B_LOCKED buffer goes straight to LOCKED (KEPT; the comment is wrong)

    @Test void bqrelseOfADirtyLockedBufferGoesToLockedAndIsNeverFlushed() {
        BufCache c = BufTestSupport.cache(8);
        LoopbackDevice dev = BufTestSupport.device(8);
        Vnode vp = c.vnode("dev0", dev, BLK);
        Buf bp = fill(c, vp, 0, pattern(2, BLK));
        bp.setFlags(Buf.B_LOCKED);
        c.bdwrite(bp);
        assertEquals(Buf.BQUEUE_LOCKED, bp.b_qindex());
        assertEquals(1, c.view().dirtybufcount(), "still counted dirty");
        c.bufDaemonStep(false);
        assertArrayEquals(new byte[BLK], dev.peekVisible(0, BLK), "never daemon-flushed");
        c.regetblk(bp);
        bp.clearFlags(Buf.B_LOCKED);
        c.bdwrite(bp);
        c.bufDaemonStep(false);
        assertArrayEquals(pattern(2, BLK), dev.peekVisible(0, BLK));
    }

    // ---- §10.14: DELWRI without CACHE whose repair write fails comes back CACHE|DELWRI|ERROR (KEPT)

    @Test void getblksDelwriWithoutCacheRepairReturnsTheFailedBufferMarkedValid() {
        BufCache c = BufTestSupport.cache(8);
        LoopbackDevice dev = BufTestSupport.device(8);
        Vnode vp = c.vnode("dev0", dev, BLK);
        c.bdwrite(fill(c, vp, 0, pattern(3, BLK)));
        Buf bp = c.getblk(vp, 0, BLK, 0, 0);
        bp.clearFlags(Buf.B_CACHE);             // e.g. allocbuf grew it, or a client cleared it
        c.bqrelse(bp);
        int[] fail = {1};
        vp.setStrategyFilter((cmd, off, len) -> cmd == BufCmd.WRITE && fail[0]-- > 0 ? Errno.EIO : 0);
        Buf back = c.getblk(vp, 0, BLK, 0, 0);
        assertTrue(back.hasFlags(Buf.B_CACHE | Buf.B_DELWRI | Buf.B_ERROR), back.toString());
        assertFalse(back.hasFlags(Buf.B_NOCACHE), "bpdone cleared NOCACHE on the failed write");
        c.bqrelse(back);
        // a successful repair write scraps the buffer: the next getblk creates a fresh one
        Buf b2 = c.getblk(vp, 0, BLK, 0, 0);
        b2.clearFlags(Buf.B_CACHE);
        c.bqrelse(b2);
        Buf fresh = c.getblk(vp, 0, BLK, 0, 0);
        assertFalse(fresh.hasFlags(Buf.B_CACHE | Buf.B_DELWRI));
        assertArrayEquals(pattern(3, BLK), dev.peekVisible(0, BLK), "the repair wrote the data");
        fresh.setFlags(Buf.B_INVAL);
        c.brelse(fresh);
    }

    // ---- an unpinned io_checkwrite refusal counts as a flush (KEPT): the daemon loop spins on it

    @Test void anUnpinnedCheckwriteRefusalIsCountedAsAFlushEveryTimeItIsMet() {
        BufCache c = BufTestSupport.cache(Params.forTest(8, BLK).withFlushperqueue(16));
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        RecordingOps ops = new RecordingOps(c);
        ops.checkwriteAnswer = 1;            // refuses without setting B_LOCKED
        Buf bp = fill(c, vp, 0, pattern(5, BLK));
        ops.attach(bp);
        c.bdwrite(bp);
        assertEquals(16, c.flushbufqueues(false), "r counts each refusal, so buf_daemon1 keeps looping while above its limit");
        assertEquals(16, ops.hooks().stream().filter("io_checkwrite"::equals).count());
        assertTrue(c.buf_daemon_limit(c.view().params().lodirtybufspace() / 2), "and the limit still holds");
        c.regetblk(bp);
        bp.dep_remove("dep@0");
        c.bqrelse(bp);
    }

    // ---- §5.5.1: getnewbuf's unlocked B_AGE read-modify-write (FIXED with CAS; switch seedUnlockedAgeRmw)

    /**
     * The interleaving of reference §9.3 #10, made deterministic: getnewbuf reads X's flags for
     * the second chance; the owner, in getblk's acquire window, clears B_CACHE because X is
     * B_INVAL; getnewbuf stores its stale value with B_AGE. With the seed's plain store the
     * owner's clear is lost and getblk hands out a B_INVAL buffer marked valid (the caller would
     * skip the read); with CAS it is not.
     */
    @Test void theUnlockedAgeUpdateLosesTheOwnersCacheClearOnlyWithThePlainStore() throws Exception {
        assertTrue(ageRace(true).hasFlags(Buf.B_CACHE | Buf.B_INVAL), "seed: B_CACHE came back");
        assertFalse(ageRace(false).hasFlags(Buf.B_CACHE), "port: the owner's clear survives");
    }

    private Buf ageRace(boolean plainStore) throws Exception {
        BufQuirks q = BufQuirks.none();
        q.seedUnlockedAgeRmw = plainStore;
        BufCache c = BufTestSupport.unchecked(Params.forTest(2, BLK), BufMutations.none(), q);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        Buf x = fill(c, vp, 0, pattern(1, BLK));
        x.setFlags(Buf.B_CACHE | Buf.B_INVAL);
        c.bqrelse(x);                              // X: CLEAN head, INVAL|CACHE, still associated
        c.bqrelse(fill(c, vp, BLK, pattern(2, BLK)));
        CompletableFuture<Buf> owner = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        c.ageWindow = bp -> {
            if (bp != x || !once.compareAndSet(false, true)) return;
            Thread o = new Thread(() -> owner.complete(c.getblk(vp, 0, BLK, 0, 0)));
            o.setDaemon(true);
            o.start();
            while (x.hasFlags(Buf.B_CACHE)) Thread.onSpinWait();   // the owner cleared B_CACHE (L2834)
        };
        Thread g = new Thread(() -> {
            Buf z = c.getblk(vp, 2L * BLK, BLK, 0, 0);
            z.setFlags(Buf.B_INVAL);
            c.brelse(z);
        });
        g.setDaemon(true);
        g.start();
        Buf got = owner.get(10, TimeUnit.SECONDS);
        g.join(10_000);
        assertFalse(g.isAlive(), "getnewbuf finished");
        assertEquals(0L, got.b_loffset());
        return got;
    }

    // ---- §5.2 ownership checked at entry (FIXED; switch seedLateOwnershipCheck)

    @Test void withTheSeedsLateOwnershipCheckAForeignReleaseCorruptsBeforeItPanics() throws Exception {
        BufQuirks q = BufQuirks.none();
        q.seedLateOwnershipCheck = true;
        BufCache c = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), q);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Buf> got = new CompletableFuture<>();
        Thread holder = new Thread(() -> {
            Buf bp = c.getblk(vp, 0, BLK, 0, 0);
            got.complete(bp);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holder.setDaemon(true);
        holder.start();
        Buf bp = got.get(5, TimeUnit.SECONDS);
        bp.setFlags(Buf.B_CACHE);
        assertThrows(Panic.class, () -> c.bqrelse(bp), "lockmgr refuses the unlock...");
        assertEquals(Buf.BQUEUE_CLEAN, bp.b_qindex(), "...after the buffer was already queued");
        BufInvariants.Violation v = assertThrows(BufInvariants.Violation.class, c::checkInvariants);
        assertEquals("PossessionInv", v.clause());
        release.countDown();
    }
    // ---- getnewbuf publishes its need after its scan: a release in between is lost (FIXED; switch seedGetnewbufLostWakeup)

    /** Holds the only header; getblk of another block scans, and in the window before it publishes its need the holder releases. */
    private static CompletableFuture<Long> releaseInTheWindow(BufCache c, Vnode vp) throws Exception {
        Buf held = c.getblk(vp, 0, BLK, 0, 0);
        java.util.concurrent.CountDownLatch inWindow = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        c.needsbufferWindow = () -> {
            if (!once.compareAndSet(false, true)) return;
            inWindow.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<Long> got = new CompletableFuture<>();   // the offset of the buffer the waiter got
        Thread g = new Thread(() -> {
            Buf bp = c.getblk(vp, BLK, BLK, 0, 0);
            long off = bp.b_loffset();
            c.brelse(bp);
            got.complete(off);
        }, "getblk-waiter");
        g.setDaemon(true);
        g.start();
        assertTrue(inWindow.await(10, TimeUnit.SECONDS), "getnewbuf reached the window: its scan found no header");
        c.brelse(held);                        // the only header goes to CLEAN; needsbuffer is still 0: no wakeup
        released.countDown();
        return got;
    }

    @Test void aReleaseBetweenGetnewbufsScanAndItsSleepIsNotLost() throws Exception {
        BufCache c = BufTestSupport.cache(1);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        assertEquals(BLK, releaseInTheWindow(c, vp).get(10, TimeUnit.SECONDS),
                "the waiter got the header that was released in the window");
    }

    @Test void withTheSeedsOrderTheWaiterSleepsWhileAHeaderIsFree() throws Exception {
        BufQuirks q = BufQuirks.none();
        q.seedGetnewbufLostWakeup = true;
        BufCache c = BufTestSupport.cache(Params.forTest(1, BLK), BufMutations.none(), q);
        Vnode vp = c.vnode("dev0", BufTestSupport.device(8), BLK);
        CompletableFuture<Long> got = releaseInTheWindow(c, vp);
        Thread.sleep(300);
        assertFalse(got.isDone(), "the seed sleeps on a wakeup that already happened (with no timeout: for ever)");
        assertEquals(1, c.view().queueLength(Buf.BQUEUE_CLEAN), "while the only header sits free on CLEAN");
        c.bufspacewakeup();                     // any later release would free it; do it by hand to end the test
        c.bufcountwakeup();
        assertEquals(BLK, got.get(10, TimeUnit.SECONDS));
    }
}
