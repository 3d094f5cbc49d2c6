// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.bioref.uvm.UvmTestSupport.Actor;
import static dev.bioref.uvm.UvmTestSupport.PG;
import static dev.bioref.uvm.UvmTestSupport.Pause;
import static dev.bioref.uvm.UvmTestSupport.bytes;
import static dev.bioref.uvm.UvmTestSupport.install;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One witness per rough edge RE-n of shared/reference/uvm_vnode.md §5. Each test runs three
 * ways: {@code faithful} (every rough edge on) must show the flaw (a broken named invariant, a
 * lost write, a deadlock reported with its chain, or the seed's panic); {@code fixed} and
 * {@code faithful} with only the RE's switch (and the switches its fix depends on) fixed must
 * pass. MP windows are opened with deterministic pause points ({@link UvmSched#pause}).
 * proofs-notes/uvm.md maps each test to its switch and the TLA+ config of specs/UvmVnode.tla.
 */
@org.junit.jupiter.api.Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)   // a hang is a failure
class UvmRoughEdgesTest {

    /** (label, switches, flawExpected): faithful, fixed, and faithful with {@code fixedSwitches} fixed. */
    static Stream<Arguments> variants(String... fixedSwitches) {
        UvmRoughEdges only = UvmRoughEdges.faithful();
        for (String s : fixedSwitches) only = only.with(s, false);
        return Stream.of(
                Arguments.of("faithful", UvmRoughEdges.faithful(), true),
                Arguments.of("fixed", UvmRoughEdges.fixed(), false),
                Arguments.of("faithful but " + String.join("+", fixedSwitches), only, false));
    }

    static Stream<Arguments> re1() { return variants("re1AttachWindowIgnored"); }
    static Stream<Arguments> re2() { return variants("re2IosyncWaitsOnlyForNio"); }
    static Stream<Arguments> re3() { return variants("re3MarksCleanOnWriteError"); }
    static Stream<Arguments> re4() { return variants("re3MarksCleanOnWriteError", "re4ShortTransferIsSuccess"); }
    static Stream<Arguments> re5() { return variants("re5TruncateFreesEofPage"); }
    static Stream<Arguments> re6() { return variants("re6RelkillLeaksVref"); }
    static Stream<Arguments> re7() { return variants("re7TerminateWaitsOnNio"); }
    static Stream<Arguments> re8() { return variants("re8TerminateLeaksIosync"); }
    static Stream<Arguments> re9() { return variants("re7TerminateWaitsOnNio", "re9VnIsLockedIsObjectFlag"); }   // after the borrow, RE-7 bites
    static Stream<Arguments> re10() { return variants("re10UnlockedSizeReadInIo"); }
    static Stream<Arguments> re11() { return variants("re11SyncUnlinksWithoutWlLock"); }
    static Stream<Arguments> re12() { return variants("re12SyncVrefsFreeVnode"); }
    static Stream<Arguments> re13() { return variants("re13VreleUnderObjectLock"); }
    static Stream<Arguments> re14() { return variants("re14SyncTryLockSpin"); }
    static Stream<Arguments> re16() { return variants("re16FinishChecksWrongPage"); }
    static Stream<Arguments> re18() { return variants("re18AgainRetrySkipsRevalidation"); }
    static Stream<Arguments> re19() { return variants("re19GetErrorLeavesSlotsBusy"); }
    static Stream<Arguments> re20() { return variants("re7TerminateWaitsOnNio", "re20GetIgnoresDying"); }
    static Stream<Arguments> re22() { return variants("re22IosyncIgnoresFaultBusyPages"); }
    static Stream<Arguments> re23() { return variants("re23ReferenceChecksOnlyValid"); }
    static Stream<Arguments> re25() { return variants("re25SizeClampedTo32Bits"); }
    static Stream<Arguments> re27() { return variants("re27FreeIgnoresWiring"); }
    static Stream<Arguments> nf1() { return variants("nf1AttachDuringVclean"); }
    static Stream<Arguments> nf2() { return variants("nf2ReleasedDirtyDroppedSilently"); }
    static Stream<Arguments> nf3() { return variants("nf3DetachKillsDuringTerminate"); }

    /** N3 makes RE-15 reachable: terminate's own flush kills the object (releasepg) and returns unlocked. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nf3")
    void nf3LastDetachDuringForcedTerminate(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(31, 8));
        vp.vgetExternal();
        vp.vnLock();
        assertFalse(vp.uvn.uncache());                      // CANPERSIST cleared, still mapped
        vp.vopUnlock();
        vp.vreleExternal();
        Pause io = new Pause("io.unlocked", vp.uvn);
        install(l, io);
        Actor term = Actor.start("vgone", () -> l.forceUnmount(vp));
        io.awaitArrival();                                  // terminate's flush is writing page 0
        c.munmap(m);                                        // the last detach
        io.release();
        Throwable t = term.finish(5);
        if (flaw) {
            assertInstanceOf(Panic.class, t, "terminate goes on with a killed, unlocked object");
            assertTrue(t.getMessage().startsWith("simple_unlock") && t.getMessage().contains("not held"), t.getMessage());
        } else {
            assertNull(t);
            assertEquals(0, vp.uvn.flags());
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ new findings N1, N2 (branch uvmv's model checker)

    @ParameterizedTest(name = "{0}")
    @MethodSource("nf1")
    void nf1AttachAfterTerminateDuringVclean(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        Pause vclean = new Pause("vclean.afterTerminate", vp.uvn);
        install(l, vclean);
        Actor t = Actor.start("vgone", () -> l.forceUnmount(vp));
        vclean.awaitArrival();                              // terminate returned (object FREE), deadfs not yet
        UvmFaultClient.Mapping[] m = new UvmFaultClient.Mapping[1];
        Actor a = Actor.start("mmap", () -> m[0] = c.mmap(vp, true));   // an open file is mmap'ed now (VXLOCK does not stop it)
        UvmTestSupport.awaitBlocked(a);                     // done, or (fixed) its close's VOP_INACTIVE waits for vclean
        vclean.release();
        t.finishOk(5);
        a.finishOk(5);
        assertEquals(flaw, m[0] != null);
        expectInvariant(l, flaw, "UvnRecycleSafetyInv");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nf2")
    void nf2ReleasedDirtyPageDroppedSilently(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(30, 8));
        vp.failNextWrites(1);
        Pause io = new Pause("io.unlocked", vp.uvn);
        Pause woken = new Pause("term.woken", vp.uvn);
        install(l, io, woken);
        Actor daemon = Actor.start("pagedaemon", () -> c.pageout(vp, 0));
        io.awaitArrival();
        Actor term = Actor.start("vgone", () -> l.forceUnmount(vp));   // marks the daemon's page RELEASED
        UvmTestSupport.awaitBlocked(term);
        io.release();                                       // the write fails; the daemon's releasepg frees the dirty page
        daemon.finishOk(5);                                 // UP order: the owner finishes before the terminator runs (RE-7 aside)
        woken.awaitArrival();
        woken.release();
        term.finishOk(5);
        expectRecorded(l, flaw, "PagerNoSilentLossInv");
        if (!flaw) assertEquals(1, l.drainLossReports().size(), "the loss is reported");
    }

    private static void expectInvariant(VnodeLayer l, boolean flaw, String name) {
        if (flaw) {
            UvmFlaw f = assertThrows(UvmFlaw.class, l::checkInvariants, "expected " + name + " to break");
            assertEquals(name, f.invariant(), f.getMessage());
        } else {
            l.checkInvariants();
        }
    }

    private static void expectRecorded(VnodeLayer l, boolean flaw, String name) {
        List<UvmFlaw> fl = l.flaws();
        if (flaw) {
            assertTrue(fl.stream().anyMatch(f -> f.invariant().equals(name)), "expected " + name + " recorded, got " + fl);
        } else {
            assertTrue(fl.isEmpty(), "unexpected flaws " + fl);
        }
    }

    // ------------------------------------------------------------------ RE-1

    @ParameterizedTest(name = "{0}")
    @MethodSource("re1")
    void re1ForcedTerminateDuringAttachLeavesStaleObject(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        Pause getattr = new Pause("attach.getattr", vp.uvn);
        install(l, getattr);
        boolean nf1Fixed = !re.nf1AttachDuringVclean;
        Actor a = Actor.start("attacher", () -> assertEquals(nf1Fixed, c.mmap(vp, true) == null, "N1 fix: attach fails under vclean"));
        getattr.awaitArrival();
        Actor t = Actor.start("vgone", () -> l.forceUnmount(vp));
        if (flaw) {
            t.finishOk(5);                                  // terminate saw ALOCK as "not active" and returned
        } else {
            UvmTestSupport.awaitBlocked(t);                 // the fix: terminate waits for the attach
        }
        getattr.release();
        a.finishOk(5);
        t.finishOk(5);
        expectInvariant(l, flaw, "UvnRecycleSafetyInv");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("re1")
    void re1SetsizeDuringAttachIsDropped(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        Pause getattr = new Pause("attach.getattr", vp.uvn);
        install(l, getattr);
        Actor a = Actor.start("attacher", () -> assertNotNull(c.mmap(vp, true)));
        getattr.awaitArrival();                             // GETATTR has read size PG
        Actor g = Actor.start("grower", () -> c.grow(vp, 3 * PG));
        if (flaw) g.finishOk(5); else UvmTestSupport.awaitBlocked(g);
        getattr.release();
        a.finishOk(5);
        g.finishOk(5);
        if (flaw) {
            assertEquals(PG, vp.uvn.size(), "u_size should be GETATTR's stale value");
            assertEquals(3 * PG, vp.fsSize());
        } else {
            assertEquals(vp.fsSize(), vp.uvn.size());
        }
        l.checkInvariants();
    }

    // ------------------------------------------------------------------ RE-2

    @ParameterizedTest(name = "{0}")
    @MethodSource("re2")
    void re2SyncFlushReturnsBeforeGateWaiterWrites(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 3 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(1, 16));                        // q = page 0
        c.store(m, 2 * PG, bytes(2, 16));                   // p = page 2 (page 1 absent: no cluster)
        Pause qWrite = new Pause("io.unlocked", vp.uvn);
        Pause f3Woken = new Pause("flush.iosyncWoken", vp.uvn);
        install(l, qWrite, f3Woken);
        Actor f2 = Actor.start("F2-msync-async", () -> c.msync(m, 0, 3 * PG, false));
        qWrite.awaitArrival();                              // F2 writes q: u_nio = 1
        Actor f3 = Actor.start("F3-msync-q-sync", () -> c.msync(m, 0, PG, true));
        awaitFlag(vp, UvmVnode.UVM_VNODE_IOSYNC);           // F3 saw q busy, set IOSYNC, sleeps on &u_nio
        qWrite.release();                                   // q done: u_nio = 0, F3 woken but held
        f3Woken.awaitArrival();
        awaitFlag(vp, UvmVnode.UVM_VNODE_IOSYNCWANTED);     // F2: p gets AGAIN, retries with SYNCIO, parks at the gate
        boolean[] f1ok = new boolean[1];
        Actor f1 = Actor.start("F1-msync-p-sync", () -> f1ok[0] = c.msync(m, 2 * PG, 3 * PG, true));
        f1.finishOk(5);
        f3Woken.release();
        f2.finishOk(5);
        f3.finishOk(5);
        assertTrue(f1ok[0]);
        expectRecorded(l, flaw, "FlushSyncPostInv");
    }

    private static void awaitFlag(Vnode vp, int flag) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((vp.uvn.flags() & flag) == 0) {
            if (System.nanoTime() > deadline) fail("flag " + UvmVnode.flagNames(flag) + " never set: " + UvmVnode.flagNames(vp.uvn.flags()));
            Thread.sleep(2);
        }
    }

    // ------------------------------------------------------------------ RE-3, RE-4

    @ParameterizedTest(name = "{0}")
    @MethodSource("re3")
    void re3FailedWriteMarksPageClean(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] a = bytes(3, 32);
        c.store(m, 100, a);
        vp.failNextWrites(1);
        boolean ok = c.msync(m, 0, PG, true);
        assertEquals(flaw, ok, "faithful msync reports success after EIO; fixed reports the error");
        assertTrue(c.msync(m, 0, PG, true));               // a retry
        if (flaw) {
            assertFalse(java.util.Arrays.equals(a, vp.readFileDurable(100, 32)), "the write was lost");
        } else {
            assertArrayEquals(a, vp.readFileDurable(100, 32));
        }
        expectRecorded(l, flaw, "PagerNoSilentLossInv");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("re4")
    void re4ShortWriteCountsAsSuccess(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] a = bytes(4, 32);
        c.store(m, 3000, a);
        vp.shortNextWrite(1024);                            // only the first KiB lands
        assertEquals(flaw, c.msync(m, 0, PG, true));
        assertTrue(c.msync(m, 0, PG, true));
        assertEquals(!flaw, java.util.Arrays.equals(a, vp.readFileDurable(3000, 32)));
        expectRecorded(l, flaw, "PagerNoSilentLossInv");
    }

    // ------------------------------------------------------------------ RE-5

    @ParameterizedTest(name = "{0}")
    @MethodSource("re5")
    void re5TruncateDropsDirtyBytesBelowNewEof(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] a = bytes(5, 16);
        c.store(m, 4500, a);                                // the notes' witness: write at 4500,
        assertFalse(c.truncate(vp, 5000));                  // truncate to 5000,
        byte[] got = c.load(m, 4500, 16, null);             // read 4500
        assertEquals(!flaw, java.util.Arrays.equals(a, got), "bytes below the new EOF");
        expectRecorded(l, flaw, "PagerNoSilentLossInv");
        l.clearFlaws();
        l.checkInvariants();
    }

    // ------------------------------------------------------------------ RE-6

    @ParameterizedTest(name = "{0}")
    @MethodSource("re6")
    void re6RelkillLeaksTheVnodeReference(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(6, 8));
        vp.vgetExternal();
        vp.vnLock();
        assertFalse(vp.uvn.uncache());                      // still mapped: CANPERSIST cleared
        vp.vopUnlock();
        vp.vreleExternal();
        Pause io = new Pause("io.unlocked", vp.uvn);
        install(l, io);
        Actor daemon = Actor.start("pagedaemon", () -> c.pageout(vp, 0));
        io.awaitArrival();                                  // the daemon owns page 0 in I/O
        c.munmap(m);                                        // last detach, no CANPERSIST: kill, page busy -> RELKILL
        assertTrue((vp.uvn.flags() & UvmVnode.UVM_VNODE_RELKILL) != 0, UvmVnode.flagNames(vp.uvn.flags()));
        io.release();
        daemon.finishOk(5);                                 // its releasepg completes the kill
        assertEquals(0, vp.uvn.flags());
        expectInvariant(l, flaw, "UvnVnodeRefBalanceInv");
        assertEquals(!flaw, l.recycle(vp), "a leaked reference keeps the vnode off the free list forever");
    }

    // ------------------------------------------------------------------ RE-7, RE-8

    @ParameterizedTest(name = "{0}")
    @MethodSource("re7")
    void re7TerminateWaitsOnTheWrongChannel(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(400);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(7, 8));
        Pause io = new Pause("io.unlocked", vp.uvn);
        Pause done = new Pause("pageout.done", vp.uvn);
        Pause woken = new Pause("term.woken", vp.uvn);
        install(l, io, done, woken);
        Actor daemon = Actor.start("pagedaemon", () -> c.pageout(vp, 0));
        io.awaitArrival();                                  // page 0 busy in I/O, u_nio = 1
        Actor term = Actor.start("vgone", () -> l.forceUnmount(vp));
        UvmTestSupport.awaitBlocked(term);                  // terminate: page RELEASED, waits
        io.release();                                       // I/O ends: u_nio = 0 (wakes &u_nio) ...
        done.awaitArrival();                                // ... but the owner has not freed the page yet
        if (flaw) {
            woken.awaitArrival();
            woken.release();                                // MP: the terminator runs first
            Throwable t = term.finish(5);
            assertInstanceOf(Panic.class, t, "expected the DIAGNOSTIC 'no I/O to wait for?'");
            assertTrue(t.getMessage().contains("no I/O to wait for"), t.getMessage());
            done.release();
            daemon.finish(5);
        } else {
            done.release();                                 // the owner frees it: releasepg wakes "pages drained"
            woken.awaitArrival();
            woken.release();
            daemon.finishOk(5);
            term.finishOk(5);
            l.checkInvariants();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("re8")
    void re8ForcedTerminateLeaksIosync(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(400);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(8, 8));
        Pause io = new Pause("io.unlocked", vp.uvn);
        Pause woken = new Pause("term.woken", vp.uvn);
        install(l, io, woken);
        Actor daemon = Actor.start("pagedaemon", () -> c.pageout(vp, 0));
        io.awaitArrival();
        Actor term = Actor.start("vgone", () -> l.forceUnmount(vp));
        UvmTestSupport.awaitBlocked(term);
        io.release();
        daemon.finishOk(5);                                 // UP order: the owner frees its page first
        woken.awaitArrival();
        woken.release();
        term.finishOk(5);                                   // ZOMBIE
        if (flaw) {
            UvmFlaw f = assertThrows(UvmFlaw.class, l::checkInvariants);
            assertEquals("UvnNoLeakedIosyncInv", f.invariant(), f.getMessage());
        } else {
            l.checkInvariants();
        }
        int[] err = {0};
        Actor reader = Actor.start("reader", () -> c.load(m, PG, 4, err));   // a later SYNCIO uvn_io
        Throwable t = reader.finish(5);
        if (flaw) {
            assertInstanceOf(UvmDeadlock.class, t, "the gate is never opened again");
            assertTrue(t.getMessage().contains("uvn_iosync") && t.getMessage().contains("nobody"), t.getMessage());
        } else {
            assertNull(t);
            assertEquals(UvmVnode.VM_PAGER_ERROR, err[0]);  // deadfs: the read fails, it does not hang
        }
    }

    // ------------------------------------------------------------------ RE-9

    @ParameterizedTest(name = "{0}")
    @MethodSource("re9")
    void re9IoThatMissedVnIsLockedDeadlocksTerminate(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(400);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(9, 8));
        Pause beforeLock = new Pause("io.beforeVnLock", vp.uvn);
        install(l, beforeLock);
        Actor daemon = Actor.start("pagedaemon", () -> c.pageout(vp, 0));
        beforeLock.awaitArrival();                          // read VNISLOCKED = 0, about to vn_lock
        Actor term = Actor.start("vgone", () -> l.forceUnmount(vp));
        UvmTestSupport.awaitBlocked(term);                  // holds the vnode lock, waits for page 0
        beforeLock.release();
        Throwable dt = daemon.finish(5);
        Throwable tt = term.finish(5);
        if (flaw) {
            // whichever wait hits the bound first reports the whole cycle (the other may then see it broken)
            String cyc = java.util.stream.Stream.of(dt, tt).filter(UvmDeadlock.class::isInstance)
                    .map(e -> ((UvmDeadlock) e).cycle()).filter(x -> x.contains("(cycle)")).findFirst()
                    .orElseThrow(() -> new AssertionError("no deadlock cycle reported; daemon: " + dt + " / terminator: " + tt));
            assertTrue(cyc.contains("vn_lock") && cyc.contains("uvn_term"), cyc);
        } else {
            assertNull(dt);
            assertNull(tt);
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ RE-10

    @ParameterizedTest(name = "{0}")
    @MethodSource("re10")
    void re10ShrinkDuringWriteRegrowsTheFile(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, PG, bytes(10, 8));
        Pause beforeLock = new Pause("io.beforeVnLock", vp.uvn);
        install(l, beforeLock);
        Actor f = Actor.start("msync", () -> c.msync(m, PG, 2 * PG, false));
        beforeLock.awaitArrival();                          // the length was computed from the old u_size
        assertFalse(c.truncate(vp, PG));
        beforeLock.release();
        f.finishOk(5);
        assertEquals(flaw ? 2 * PG : PG, vp.fsSize(), "file size after the write that raced the truncate");
        assertEquals(PG, vp.uvn.size());
        l.checkInvariants();
    }

    // ------------------------------------------------------------------ RE-11

    @ParameterizedTest(name = "{0}")
    @MethodSource("re11")
    void re11SyncUnlinkRacesAttachInsert(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode b = l.vnode(1), a = l.vnode(0), cc = l.vnode(2);
        for (Vnode v : List.of(a, b, cc)) c.grow(v, PG);
        UvmFaultClient.Mapping mb = c.mmap(b, true);
        UvmFaultClient.Mapping ma = c.mmap(a, true);        // wlist: head -> a -> b
        a.vgetExternal();                                   // an open file: keeps usecount > 0 (RE-12 out of the way)
        c.munmap(ma);                                       // a persists, still WRITEABLE
        Pause unlink = new Pause("wlist.remove", a.uvn);
        install(l, unlink);
        Actor s = Actor.start("sync", c::sync);
        unlink.awaitArrival();                              // half-way through unlinking a (refs == 1)
        Actor m = Actor.start("mmap-c", () -> c.mmap(cc, true));
        if (flaw) m.finishOk(5); else UvmTestSupport.awaitBlocked(m);
        unlink.release();
        s.finishOk(5);
        m.finishOk(5);
        expectInvariant(l, flaw, "UvnWlistMatchesWriteableInv");
        if (!flaw) a.vreleExternal();
        if (!flaw) c.munmap(mb);
    }

    // ------------------------------------------------------------------ RE-12

    @ParameterizedTest(name = "{0}")
    @MethodSource("re12")
    void re12SyncVrefsAVnodeOnTheFreeList(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(12, 8));
        c.munmap(m);                                        // persist: usecount 0, on the free list
        assertEquals(0, vp.usecount());
        if (flaw) {
            Panic p = assertThrows(Panic.class, c::sync);
            assertTrue(p.getMessage().startsWith("vref used where vget required"), p.getMessage());
        } else {
            c.sync();
            assertArrayEquals(bytes(12, 8), vp.readFile(0, 8));
            assertEquals(0, vp.usecount());
            assertTrue(vp.onFreeList());
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ RE-13, RE-14

    @ParameterizedTest(name = "{0}")
    @MethodSource("re13")
    void re13PersistVreleSleepsUnderTheObjectLock(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        vp.vnLock();                                        // someone holds the vnode lock (a truncate, a lookup)
        Actor u = Actor.start("munmap", () -> c.munmap(m));  // last detach: persist, vrele -> VOP_INACTIVE -> vn_lock
        Throwable t;
        if (flaw) {
            t = u.finish(5);
            vp.vopUnlock();
            assertInstanceOf(Panic.class, t);
            assertTrue(t.getMessage().contains("simple lock"), t.getMessage());
        } else {
            UvmTestSupport.awaitBlocked(u);
            vp.vopUnlock();
            u.finishOk(5);
            l.checkInvariants();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("re14")
    void re14SyncSpinsOnAHeldObjectLock(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(400);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        Pause held = new Pause("setsize.locked", vp.uvn);
        install(l, held);
        Actor h = Actor.start("holder", () -> c.grow(vp, 2 * PG));   // holds the object lock (preempted)
        held.awaitArrival();
        Actor s = Actor.start("sync", c::sync);
        Throwable st = s.finish(5);
        held.release();
        h.finishOk(5);
        if (flaw) {
            assertInstanceOf(UvmDeadlock.class, st, "an unbounded spin, reported at the bound");
            assertTrue(st.getMessage().contains("sync_trylock"), st.getMessage());
        } else {
            assertNull(st);
            l.checkInvariants();
            c.munmap(m);
        }
    }

    // ------------------------------------------------------------------ RE-16

    @ParameterizedTest(name = "{0}")
    @MethodSource("re16")
    void re16DeactivateTestsTheWrongPage(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(16, 8));
        c.store(m, PG, bytes(17, 8));
        assertEquals(0, c.wire(m, PG));                     // page 1 wired (mlock), dirty: in pp's cluster
        vp.uvn.lock();
        if (flaw) {
            Panic p = assertThrows(Panic.class, () -> vp.uvn.flush(0, 2 * PG,
                    UvmVnode.PGO_CLEANIT | UvmVnode.PGO_DEACTIVATE | UvmVnode.PGO_SYNCIO));
            assertTrue(p.getMessage().contains("caller did not check wire count"), p.getMessage());
        } else {
            assertTrue(vp.uvn.flush(0, 2 * PG, UvmVnode.PGO_CLEANIT | UvmVnode.PGO_DEACTIVATE | UvmVnode.PGO_SYNCIO));
            vp.uvn.unlock();
            assertEquals(1, vp.uvn.lookup(PG).wireCount());
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ RE-18

    @ParameterizedTest(name = "{0}")
    @MethodSource("re18")
    void re18AgainRetryReclustersATruncatedPage(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, PG, bytes(18, 8));
        int slots = l.pageq.exhaustPagerMap();              // mapin(NOWAIT) fails: AGAIN
        Pause again = new Pause("flush.again", vp.uvn);
        install(l, again);
        Actor f = Actor.start("msync", () -> c.msync(m, 0, 2 * PG, false));
        again.awaitArrival();
        assertFalse(c.truncate(vp, PG));                    // page 1 is past EOF now (RELEASED)
        l.pageq.returnPagerMap(slots);
        again.release();
        Throwable t = f.finish(5);
        if (flaw) {
            assertInstanceOf(Panic.class, t);
            assertTrue(t.getMessage().startsWith("uvn_cluster: offset out of range"), t.getMessage());
        } else {
            assertNull(t);
            assertNull(vp.uvn.lookup(PG));
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ RE-19

    @ParameterizedTest(name = "{0}")
    @MethodSource("re19")
    void re19GetErrorLeavesFilledSlotsBusy(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(400);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        assertEquals(0, c.fault(m, 0, false));              // page 0 resident and idle
        vp.failNextReads(1);
        vp.uvn.lock();
        VmPage[] pps = new VmPage[2];
        int r = vp.uvn.get(0, pps, new int[1], 0, UvmVnode.PGO_ALLPAGES);   // page 1's read fails
        assertEquals(UvmVnode.VM_PAGER_ERROR, r);
        Actor other = Actor.start("other-fault", () -> assertEquals(0, c.fault(m, 0, false)));
        Throwable t = other.finish(5);
        if (flaw) {
            assertInstanceOf(UvmDeadlock.class, t, "page 0 stays busy, owned by a caller told 'error'");
        } else {
            assertNull(t);
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ RE-20

    @ParameterizedTest(name = "{0}")
    @MethodSource("re20")
    void re20FaultAddsPageToTerminatingObject(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        l.sched.deadlockBoundNanos = TimeUnit.MILLISECONDS.toNanos(400);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        c.store(m, 0, bytes(20, 8));
        Pause io = new Pause("io.unlocked", vp.uvn);
        Pause woken = new Pause("term.woken", vp.uvn);
        install(l, io, woken);
        Actor daemon = Actor.start("pagedaemon", () -> c.pageout(vp, 0));
        io.awaitArrival();
        Actor term = Actor.start("vgone", () -> l.forceUnmount(vp));
        UvmTestSupport.awaitBlocked(term);                  // DYING, waiting for page 0
        int[] err = {0};
        Actor f = Actor.start("fault-page-1", () -> c.load(m, PG, 4, err));
        if (flaw) awaitFlag(vp, UvmVnode.UVM_VNODE_IOSYNCWANTED); else f.finishOk(5);
        io.release();
        daemon.finishOk(5);
        woken.awaitArrival();
        woken.release();
        Throwable tt = term.finish(5);
        if (flaw) {
            assertInstanceOf(Panic.class, tt, "the terminator finds a page it cannot wait for");
            assertTrue(tt.getMessage().contains("no I/O to wait for"), tt.getMessage());
            f.finish(5);
        } else {
            assertNull(tt);
            assertEquals(UvmVnode.VM_PAGER_ERROR, err[0]);  // the fix: get refuses a DYING object
            l.checkInvariants();
        }
    }

    // ------------------------------------------------------------------ RE-22

    @ParameterizedTest(name = "{0}")
    @MethodSource("re22")
    void re22SyncFlushIgnoresAFaultOwnedBusyPage(String label, UvmRoughEdges re, boolean flaw) throws Exception {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        UvmFaultClient.Mapping m2 = c.fork(m);
        c.store(m, 0, bytes(22, 8));                        // page 0 dirty
        Pause busy = new Pause("fault.busy", vp.uvn);
        install(l, busy);
        Actor f = Actor.start("fault", () -> c.fault(m2, 0, false));   // another thread's fault owns page 0
        busy.awaitArrival();
        boolean[] ok = new boolean[1];
        Actor s = Actor.start("msync-sync", () -> ok[0] = c.msync(m, 0, PG, true));
        if (flaw) s.finishOk(5); else UvmTestSupport.awaitBlocked(s);
        busy.release();
        f.finishOk(5);
        s.finishOk(5);
        assertTrue(ok[0]);
        expectRecorded(l, flaw, "FlushSyncPostInv");
    }

    // ------------------------------------------------------------------ RE-23, RE-25, RE-27

    @ParameterizedTest(name = "{0}")
    @MethodSource("re23")
    void re23ReferenceOnAnUnreferencedObject(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        c.munmap(c.mmap(vp, true));                         // persisting: refs 0, no VREF
        if (flaw) {
            vp.uvn.reference();                             // accepted: refs 0 -> 1 without the vnode reference
            expectInvariant(l, true, "UvnVnodeRefBalanceInv");
        } else {
            Panic p = assertThrows(Panic.class, vp.uvn::reference);
            assertTrue(p.getMessage().contains("refs=0"), p.getMessage());
            assertEquals(0, vp.uvn.refs());
            l.checkInvariants();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("re25")
    void re25SizeClampedTo32Bits(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, false);
        long five = 5L << 30;                               // a 5 GiB file (the FS side is not modelled that large)
        vp.uvn.setsize(five);
        assertEquals(flaw ? 0x1_0000_0000L - PG : five, vp.uvn.size());
        c.munmap(m);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("re27")
    void re27FreeingFlushFreesWiredPages(String label, UvmRoughEdges re, boolean flaw) {
        VnodeLayer l = UvmTestSupport.world(re);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        assertEquals(0, c.wire(m, 0));                      // mlock'd
        vp.uvn.lock();
        assertTrue(vp.uvn.flush(0, PG, UvmVnode.PGO_CLEANIT | UvmVnode.PGO_FREE | UvmVnode.PGO_SYNCIO));   // msync(MS_INVALIDATE)
        vp.uvn.unlock();
        assertEquals(flaw, vp.uvn.lookup(0) == null, "a wired page must stay resident");
        l.checkInvariants();
    }

    @Test
    void everySwitchHasAWitnessOrANote() {
        // the switches without a witness above say why in proofs-notes/uvm.md (RE-15, RE-17)
        List<String> names = UvmRoughEdges.names();
        assertEquals(27, names.size(), names.toString());
        assertThrows(IllegalArgumentException.class, () -> UvmRoughEdges.faithful().with("re99Nothing", false));
    }
}
