// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The I/O-layer guards of notes §7.1, each as a mutation switch: with the switch on, the
 * scenario that the guard exists for must be caught (an invariant, a seed assertion, or lost
 * data); with it off, the same scenario must pass.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerIoMutationTest {

    static String invariantFailure(HammerMount hmp) {
        try {
            hmp.checkInvariants();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    // ---- ClearAfterWrite (race R2)

    /**
     * Modifies a META buffer right after its write was issued (and, inline, completed), once. META
     * because finalize flushes it without the write interlock (the sync lock stands in), so the
     * same thread can step into the window; DATA/UNDO writers hold modify_refs = -1 there.
     */
    static String clearAfterWriteScenario(boolean mutant) {
        HammerMutations m = new HammerMutations();
        m.clearAfterWrite = mutant;
        AtomicBoolean armed = new AtomicBoolean(true);
        HammerHooks hooks = new HammerHooks() {
            @Override public void afterBawrite(HammerIo io) {
                if (io.type != HammerIoType.META_BUFFER || !armed.getAndSet(false)) return;
                io.lock.ref();
                io.modify(1);
                io.data()[HammerOndisk.BUFSIZE - 1] ^= 0x5a;   // a modification made after the write was issued
                io.modifyDone();
                io.lock.rel();
            }
        };
        HammerMount hmp = mount(options(), m, hooks);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        return invariantFailure(hmp);
    }

    @Test void clearAfterWriteIsCaughtByNoLostModification() {
        String f = clearAfterWriteScenario(true);
        assertNotNull(f);
        assertTrue(f.startsWith("NoLostModificationInv"), f);
    }

    @Test void clearBeforeWriteKeepsTheLateModification() {
        assertNull(clearAfterWriteScenario(false));
    }

    // ---- FlushWithoutInterlock (race R3)

    @Test void flushWithoutInterlockTearsAWriteAndLosesTheRest() {
        HammerMutations m = new HammerMutations();
        m.flushWithoutInterlock = true;
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        AtomicReference<String> f = new AtomicReference<>();
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            b.modify(1);
            b.data()[0] = 7;                    // first half of a change
            hmp.flusher.sync();                 // the flusher writes while the modifier is inside its window
            b.data()[1] = 7;                    // second half
            b.modifyDone();
            hmp.relBuffer(b, false);
            f.set(invariantFailure(hmp));
        });
        assertNotNull(f.get());
        assertTrue(f.get().startsWith("NoLostModificationInv"), f.get());
    }

    @Test void writeInterlockMakesTheFlusherWaitForTheModifier() throws Exception {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        HammerBuffer[] b = new HammerBuffer[1];
        withFsToken(hmp, () -> {
            b[0] = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            b[0].modify(1);
            b[0].data()[0] = 7;
        });
        Thread flusher = new Thread(hmp::sync, "test-sync");
        flusher.start();
        for (int i = 0; i < 500 && !b[0].waitmod; i++) Thread.sleep(2);
        assertTrue(b[0].waitmod, "the flusher did not wait in write_interlock");
        assertTrue(flusher.isAlive());
        withFsToken(hmp, () -> {
            b[0].data()[1] = 7;
            b[0].modifyDone();
            hmp.relBuffer(b[0], false);
        });
        flusher.join(10_000);
        assertFalse(flusher.isAlive(), "sync did not finish after modify_done");
        hmp.sync();
        hmp.checkInvariants();
        byte[] media = hmp.device().peekDurable(firstDataBlock(hmp), 512);
        assertEquals(7, media[0]);
        assertEquals(7, media[1]);
    }

    // ---- ReleaseBdwritesMeta and CheckwriteAllowsMeta (MetaPinnedInv, MetaNeverKernelWrittenInv)

    static String metaScenario(boolean releaseBdwrites, boolean checkwriteAllows, boolean kernelWrites) {
        HammerMutations m = new HammerMutations();
        m.releaseBdwritesMeta = releaseBdwrites;
        m.checkwriteAllowsMeta = checkwriteAllows;
        AtomicReference<String> found = new AtomicReference<>();
        HammerHooks hooks = new HammerHooks() {
            @Override public void finalizeStep(HammerMount hmp, HammerHooks.FinalizeStep step, boolean fin) {
                if (step != HammerHooks.FinalizeStep.DATA_ISSUED || found.get() != null) return;
                try {
                    if (kernelWrites) hmp.kernelSync();      // the kernel flushes what is delayed-write
                    hmp.checkInvariants();
                } catch (RuntimeException e) {
                    found.set(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
        };
        HammerMount hmp = mount(options(), m, hooks);
        try {
            for (int k = 0; k < 5; k++) hmp.put(k, bytes(50, k));
            hmp.sync();
            for (int k = 0; k < 5; k++) hmp.put(k, bytes(60, k + 1));    // meta buffers modified again
            hmp.sync();
        } catch (RuntimeException e) {
            if (found.get() == null) throw e;   // after a caught failure the mount is wrecked; the first failure counts
        }
        return found.get();
    }

    @Test void metaStaysPinnedWithoutMutations() {
        assertNull(metaScenario(false, false, true));
    }

    @Test void releaseBdwritesMetaIsCaughtByMetaPinned() {
        String f = metaScenario(true, false, false);
        assertNotNull(f);
        assertTrue(f.contains("MetaPinnedInv"), f);
    }

    @Test void releaseBdwritesMetaMakesCheckwritePanic() {
        String f = metaScenario(true, false, true);
        assertNotNull(f);
        assertTrue(f.contains("hammer_io_checkwrite: illegal buffer type"), f);
    }

    @Test void checkwriteAllowsMetaIsCaughtOnceReleaseAlsoBdwritesMeta() {
        String f = metaScenario(true, true, true);
        assertNotNull(f);
        assertTrue(f.contains("MetaNeverKernelWrittenInv") || f.contains("MetaPinnedInv"), f);
    }

    /** Finding: with release keeping META owned, checkwrite never sees a META bp; the switch alone is masked. */
    @Test void checkwriteAllowsMetaAloneIsMaskedByRelease() {
        assertNull(metaScenario(false, true, true));
    }

    // ---- DeallocIgnoresRefs (race R4)

    static Object deallocRefsScenario(boolean mutant) {
        HammerMutations m = new HammerMutations();
        m.deallocIgnoresRefs = mutant;
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        AtomicReference<Object> out = new AtomicReference<>();
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            b.modify(1);
            b.modifyDone();
            b.writeInterlock();
            b.flush(false);                    // written and released; we still hold our ref
            b.doneInterlock();
            Buf bp = b.bp;
            boolean let = kernelDeallocate(hmp, bp);
            try {
                b.modify(1);                   // the ref holder changes its buffer
                b.data()[0] = 9;
                b.modifyDone();
                hmp.relBuffer(b, false);
                hmp.checkInvariants();
                out.set(let ? "disassociated under a ref" : null);
            } catch (RuntimeException e) {
                out.set(e);
            }
        });
        return out.get();
    }

    @Test void deallocateRefusesAReferencedIo() {
        assertNull(deallocRefsScenario(false));
    }

    @Test void deallocIgnoresRefsIsCaught() {
        Object f = deallocRefsScenario(true);
        assertNotNull(f);
        assertInstanceOf(Panic.class, f, String.valueOf(f));
        assertTrue(((Panic) f).getMessage().contains("hammer_io_modify: io not active or no bp"), String.valueOf(f));
    }

    // ---- DeallocIgnoresModified

    static String deallocModifiedScenario(boolean mutant) {
        HammerMutations m = new HammerMutations();
        m.deallocIgnoresModified = mutant;
        HammerMount hmp = mount(options(), m, HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));            // DATA io modified; release bdwrite'd it (REL-DIRTY, no refs)
        HammerBuffer b = hmp.bufferAt(firstDataBlock(hmp));
        assertTrue(b.modified && b.released && b.lock.refCount() == 0, String.valueOf(b));
        boolean let = kernelDeallocate(hmp, b.bp);
        assertEquals(mutant, let);
        String f = invariantFailure(hmp);
        if (f != null) return f;
        hmp.sync();
        hmp.checkInvariants();
        assertEquals(0, hmp.countIoLocked.get(), "a B_LOCKED debt was not paid");
        assertArrayEquals(bytes(100, 1), hmp.get(0));
        return null;
    }

    @Test void deallocateRefusesAModifiedIoAndTheDebtIsPaid() {
        assertNull(deallocModifiedScenario(false));
    }

    @Test void deallocIgnoresModifiedIsCaught() {
        String f = deallocModifiedScenario(true);
        assertNotNull(f);
        assertTrue(f.startsWith("NoDisassociateModifiedInv"), f);
    }

    // ---- the three overlapping guards against checkwrite (notes §2.6 (2))

    static String checkwriteTrioScenario(boolean noInterlock, boolean ignoreModRefs, boolean setEarly) {
        HammerMutations m = new HammerMutations();
        m.cwNoInterlock = noInterlock;
        m.cwIgnoreModRefs = ignoreModRefs;
        m.setModifiedAfterReget = setEarly;
        AtomicBoolean armed = new AtomicBoolean(false);
        HammerHooks hooks = new HammerHooks() {
            @Override public void beforeReget(HammerIo io) {
                if (io.type == HammerIoType.DATA_BUFFER && armed.getAndSet(false)) io.hmp.kernelSync();
            }
        };
        HammerMount hmp = mount(options(), m, hooks);
        hmp.put(0, bytes(100, 1));            // chunk 0 of the first DATA buffer: REL-DIRTY now
        armed.set(true);
        hmp.put(1, bytes(100, 2));            // chunk 1 of the same buffer: modify regets it; the kernel writes first
        String f = invariantFailure(hmp);
        if (f != null) return f;
        hmp.sync();
        hmp.checkInvariants();
        assertArrayEquals(bytes(100, 2), hmp.get(1));
        return null;
    }

    /** The kernel runs inside the frontend's window before regetblk: any one guard suffices there. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void anyOneCheckwriteGuardSufficesInTheRegetWindow(int offMask) {
        assertNull(checkwriteTrioScenario((offMask & 1) != 0, (offMask & 2) != 0, (offMask & 4) != 0));
    }

    /**
     * The other window (finding F7, proofs-notes/hammer-specs.md): the frontend's modify runs
     * inside checkwrite, between its read of modify_refs/modified and its clear (io:L1345).
     * Two threads. The frontend takes its ref (get_buffer, under fs_token), lets the kernel go,
     * and waits (at most 300 ms) for checkwrite to decide before it calls modify. The kernel's
     * checkwrite decides, then sleeps (releasing io_token) until the frontend has reached
     * regetblk or 300 ms pass. With the interlock guard checkwrite refuses (the frontend's ref
     * makes try_interlock_norefs fail), and with the set-after-regetblk order the frontend marks
     * the buffer dirty after the kernel's clear; with neither, the modify_refs test alone does
     * not help: it was read while modify_refs was still 0.
     */
    static String checkwriteDecisionWindowScenario(boolean noInterlock, boolean ignoreModRefs, boolean setEarly)
            throws InterruptedException {
        HammerMutations m = new HammerMutations();
        m.cwNoInterlock = noInterlock;
        m.cwIgnoreModRefs = ignoreModRefs;
        m.setModifiedAfterReget = setEarly;
        AtomicBoolean armed = new AtomicBoolean(false);
        java.util.concurrent.CountDownLatch hasRef = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch decided = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean atReget = new AtomicBoolean(false);
        HammerHooks hooks = new HammerHooks() {
            @Override public void checkwriteDecided(HammerIo io, boolean clear) {
                if (io.type != HammerIoType.DATA_BUFFER || !armed.getAndSet(false)) return;
                decided.countDown();
                long deadline = System.nanoTime() + 300_000_000L;
                Object chan = new Object();
                while (!atReget.get() && System.nanoTime() < deadline) dev.bioref.kern.Sleepq.tsleep(chan, "cwwin", 1_000_000L);
            }

            @Override public void beforeReget(HammerIo io) {
                if (io.type == HammerIoType.DATA_BUFFER) atReget.set(true);
            }
        };
        HammerMount hmp = mount(options(), m, hooks);
        hmp.put(0, bytes(100, 1));            // chunk 0 of the first DATA buffer: REL-DIRTY now
        long offset = firstDataBlock(hmp);
        armed.set(true);
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread frontend = new Thread(() -> {
            hmp.fsToken.gettoken();
            try {
                HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, offset, false);
                hasRef.countDown();
                decided.await(300, java.util.concurrent.TimeUnit.MILLISECONDS);
                b.modify(1);
                b.data()[2000] = 2;           // chunk 1 of the buffer, untouched by key 0
                b.modifyDone();
                hmp.relBuffer(b, false);
            } catch (Throwable t) {
                err.compareAndSet(null, t);
            } finally {
                hasRef.countDown();
                hmp.fsToken.reltoken();
            }
        }, "frontend");
        Thread kernel = new Thread(() -> {
            try {
                hasRef.await();
                hmp.kernelSync();
            } catch (Throwable t) {
                err.compareAndSet(null, t);
            }
        }, "kernel");
        frontend.start();
        kernel.start();
        kernel.join(10_000);
        frontend.join(10_000);
        assertFalse(kernel.isAlive() || frontend.isAlive(), "the scenario hung");
        assertNull(err.get(), () -> "an actor failed: " + err.get());
        String f = invariantFailure(hmp);
        if (f != null) return f;
        hmp.sync();
        hmp.checkInvariants();
        return null;
    }

    /** Offmask bit 1: no interlock, 2: modify_refs ignored, 4: modified set before regetblk. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 6})
    void theInterlockOrTheOrderSufficesInTheDecisionWindow(int offMask) throws InterruptedException {
        assertNull(checkwriteDecisionWindowScenario((offMask & 1) != 0, (offMask & 2) != 0, (offMask & 4) != 0));
    }

    /**
     * Finding F7: with only the modify_refs test left (interlock and order off) the modification is lost.
     * Tagged pit-unstable: its timing window moves under PIT's coverage agent, and PIT needs a green
     * suite; the -Pmutation profile leaves this tag out (proofs-notes/pit.md §3.3). Surefire runs it.
     */
    @org.junit.jupiter.api.Tag("pit-unstable")
    @Test void honorModRefsAloneLosesAModificationInTheDecisionWindow() throws InterruptedException {
        String f = checkwriteDecisionWindowScenario(true, false, true);
        assertNotNull(f, "the modify_refs test alone kept the modification: F7 did not reproduce");
        assertTrue(f.startsWith("NoLostModificationInv"), f);
    }

    @Test void allThreeCheckwriteGuardsOffLoseAModification() {
        String f = checkwriteTrioScenario(true, true, true);
        assertNotNull(f);
        assertTrue(f.startsWith("NoLostModificationInv"), f);
    }
}
