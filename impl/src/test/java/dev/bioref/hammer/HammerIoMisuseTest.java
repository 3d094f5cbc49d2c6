// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The KKASSERTs of {@link HammerIo} that only a broken caller can trip (proofs-notes/pit.md §5.3,
 * "misuse"; §7): each is driven by a caller that breaks the interface (a stale io, a call
 * outside the window it belongs to, an io in the wrong state), and must throw a {@link Panic}
 * with the seed's wording and the values involved, and change nothing: the io, its tree, the
 * mount's counters are as before, {@code checkInvariants()} holds, and the mount then syncs the
 * data as if the bad call had not happened. Also the read-only accessors the other modules use
 * (pit.md §5.3, 13 mutants). Single-threaded; the one test that needs a write in flight holds it
 * with a {@code GateCompleter}; nothing depends on timing.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerIoMisuseTest {

    /** Everything a misused call could have changed, as one comparable string. */
    static String state(HammerMount hmp, HammerIo io) {
        Buf b = io.bp;
        return io + " memVer=" + io.memVer + " waitmod=" + io.waitmod + " reclaim=" + io.reclaim
                + " bp=" + (b == null ? "null" : b + " deps=" + b.b_dep()) + " lockedDirtySpace=" + hmp.lockedDirtySpace
                + " ioRunningSpace=" + hmp.ioRunningSpace.get() + " disassociations=" + hmp.stats.disassociations.get()
                + " dataWrites=" + hmp.stats.dataWrites.get();
    }

    /** Expects {@code call} to panic with a message containing each of {@code words}, and to change nothing. */
    static Panic expectPanicChangingNothing(HammerMount hmp, HammerIo io, Runnable call, String... words) {
        String before = state(hmp, io);
        Panic p = assertThrows(Panic.class, call::run);
        for (String w : words) assertTrue(p.getMessage().contains(w), () -> "\"" + w + "\" missing from: " + p.getMessage());
        assertEquals(before, state(hmp, io), "the refused call changed the io or the mount");
        hmp.checkInvariants();
        return p;
    }

    /** The first DATA buffer after put(0): modified, released to the kernel as a delayed write. */
    static HammerBuffer relDirty(HammerMount hmp) {
        hmp.put(0, bytes(100, 1));
        HammerBuffer b = hmp.bufferAt(firstDataBlock(hmp));
        assertTrue(b.modified && b.released && b.modRoot == hmp.dataRoot, String.valueOf(b));
        return b;
    }

    /** The data survives the refused call: sync, then read it back. */
    static void syncAndCheck(HammerMount hmp) {
        hmp.sync();
        assertArrayEquals(bytes(100, 1), hmp.get(0), "the data was lost after the refused call");
        hmp.checkInvariants();
    }

    // ---------------------------------------------------------------- hammer_io_disassociate (io:L122)

    /** KKASSERT(bp != NULL): a stale io whose bp was already disposed of. */
    @Test void disassociateOfAnIoWithoutABpPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer[] stale = new HammerBuffer[1];
        withFsToken(hmp, () -> {
            stale[0] = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            hmp.relBuffer(stale[0], true);              // clean and idle: disposed of, bp = NULL
        });
        assertNull(stale[0].bp);
        expectPanicChangingNothing(hmp, stale[0], stale[0]::disassociate, "hammer_io_disassociate: no bp on", "bp=null");
        syncAndCheck(hmp);
    }

    /** KKASSERT(released): HAMMER still owns the bp (freshly loaded), so the caller does not. */
    @Test void disassociateOfAnIoHammerStillOwnsPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        withFsToken(hmp, () -> hmp.relBuffer(hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false), true));
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);   // hammer_io_read
            assertFalse(b.released || b.modified, String.valueOf(b));
            expectPanicChangingNothing(hmp, b, b::disassociate, "io not released", "released=false");
            assertTrue(b.bp.b_lock().ownedByKernel(), "the refused call let go of the bp's KERNPROC lock");
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    /** KKASSERT(modified == 0): disassociating a dirty io would lose its modification. */
    @Test void disassociateOfAModifiedIoPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            assertSame(b, hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false));
            expectPanicChangingNothing(hmp, b, b::disassociate, "io is modified", "modified=true");
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    // ---------------------------------------------------------------- hammer_io_modify / modify_done (io:L770, L808)

    /** KKASSERT(lock.refs > 0 && bp) in modify: a caller without a ref. */
    @Test void modifyWithoutARefPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        assertEquals(0, b.lock.refCount());
        withFsToken(hmp, () -> expectPanicChangingNothing(hmp, b, () -> b.modify(1), "hammer_io_modify: io not active", "refs=0x0"));
        syncAndCheck(hmp);
    }

    /** KKASSERT(modify_refs > 0) in modify_done: a modify_done without its modify. */
    @Test void modifyDoneWithoutModifyPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            expectPanicChangingNothing(hmp, b, b::modifyDone, "hammer_io_modify_done: modify_refs 0");
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    // ---------------------------------------------------------------- write interlock and hammer_io_flush (io:L843, L666)

    /** KKASSERT(modify_refs == -1) in done_interlock: no interlock taken (0), or a modifier inside its window (1). */
    @Test void doneInterlockWithoutTheInterlockPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            expectPanicChangingNothing(hmp, b, b::doneInterlock, "hammer_io_done_interlock: modify_refs 0");
            b.modify(1);
            expectPanicChangingNothing(hmp, b, b::doneInterlock, "hammer_io_done_interlock: modify_refs 1");
            b.modifyDone();
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    /** KKASSERT(modify_refs <= 0) in flush: writing a buffer a modifier is still changing (no write interlock). */
    @Test void flushInsideAModifyWindowPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            b.modify(1);
            expectPanicChangingNothing(hmp, b, () -> b.flush(false), "hammer_io_flush: modify_refs 1 > 0");
            assertFalse(b.running, "the refused flush started a write");
            b.modifyDone();
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    // ---------------------------------------------------------------- the mod trees (io:L994, L1011)

    /** KKASSERT(modified == 0) in clear_modlist: taking a dirty io off its tree would hide it from the flusher. */
    @Test void clearModlistOfAModifiedIoPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            expectPanicChangingNothing(hmp, b, b::clearModlist, "hammer_io_clear_modlist: modified io", "modified=true");
            assertSame(hmp.dataRoot, b.modRoot);
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    /** KKASSERT(mod_root == NULL) in set_modlist: an io goes on one tree once. */
    @Test void setModlistOfAnIoAlreadyOnATreePanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            expectPanicChangingNothing(hmp, b, b::setModlist, "hammer_io_set_modlist: io already on " + hmp.dataRoot);
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    // ---------------------------------------------------------------- session 8 (pit.md §8.1): the misuse checks §7.4 left

    /** KKASSERT(LIST_FIRST(&bp->b_dep) == io) in disassociate: a bp whose b_dep another dependency heads. */
    @Test void disassociateOfAnIoItsBpDoesNotListFirstPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer b = hmp.bufferAt(firstDataBlock(hmp));
        withFsToken(hmp, () -> {
            assertSame(b, hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false));
            assertTrue(b.released && !b.modified, String.valueOf(b));
            Object intruder = "another dependency";
            b.bp.dep_add(intruder);                          // a kernel that put another dependency first
            String before = state(hmp, b);
            Panic p = assertThrows(Panic.class, b::disassociate);
            assertTrue(p.getMessage().contains("hammer_io_disassociate: b_dep of") && p.getMessage().contains("does not start with"), p.getMessage());
            assertEquals(before, state(hmp, b), "the refused call changed the io or the mount");
            assertTrue(b.bp.dep_remove(intruder));
            hmp.checkInvariants();
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    /** KKASSERT(io->type != DUMMY) in disassociate: a marker io (the iorun list's) has no buffer of its own to give back. */
    @Test void disassociateOfADummyIoPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long off = hmp.geometry.dataBase() + 7L * HammerOndisk.BUFSIZE;   // a DATA block nothing uses
        HammerIo d = new HammerIo(hmp, HammerIoType.DUMMY, off, HammerOndisk.BUFSIZE);
        Buf bp = hmp.kern.getblk(off, HammerOndisk.BUFSIZE);
        bp.dep_add(d);
        d.bp = bp;
        d.released = true;
        String before = state(hmp, d);
        Panic p = assertThrows(Panic.class, d::disassociate);
        assertTrue(p.getMessage().contains("hammer_io_disassociate: bad io type DUMMY"), p.getMessage());
        assertEquals(before, state(hmp, d), "the refused call changed the io or the mount");
        assertSame(d, bp.b_dep().get(0));
        d.bp = null;
        bp.dep_remove(d);
        hmp.kern.brelse(bp);
        hmp.checkInvariants();
    }

    /** KKASSERT(io->mod_root != NULL) in clear_modify: a modified io that is on no mod tree (a corrupt io) is caught, not dereferenced. */
    @Test void clearModifyOfAModifiedIoOnNoModTreePanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            assertTrue(hmp.dataRoot.remove(b));
            b.modRoot = null;                                  // the corruption
            String before = state(hmp, b);
            Panic p = assertThrows(Panic.class, () -> b.clearModify(false));
            assertTrue(p.getMessage().contains("hammer_io_clear_modify: modified io on no mod tree"), p.getMessage());
            assertEquals(before, state(hmp, b), "the refused call changed the io or the mount");
            assertFalse(hmp.ioToken.heldByMe(), "the panic left io_token held");
            b.modRoot = hmp.dataRoot;                          // undo the corruption
            assertTrue(hmp.dataRoot.insert(b));
            hmp.checkInvariants();
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    /** KKASSERT(mod_root == &hmp->lose_root) in clear_modlist: a clean io found on another tree (a corrupt io) is not silently taken off it. */
    @Test void clearModlistOfACleanIoOnADirtyTreePanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer b = hmp.bufferAt(firstDataBlock(hmp));
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            assertFalse(b.modified);
            b.modRoot = hmp.dataRoot;                          // the corruption: a clean io on the DATA tree
            assertTrue(hmp.dataRoot.insert(b));
            Panic p = assertThrows(Panic.class, b::clearModlist);
            assertTrue(p.getMessage().contains("hammer_io_clear_modlist: io on " + hmp.dataRoot + ", not lose"), p.getMessage());
            assertSame(hmp.dataRoot, b.modRoot);
            assertTrue(hmp.dataRoot.contains(b), "the refused call took the io off the tree");
            assertFalse(hmp.ioToken.heldByMe(), "the panic left io_token held");
            assertTrue(hmp.dataRoot.remove(b));               // undo the corruption
            b.modRoot = null;
            hmp.checkInvariants();
            hmp.relBuffer(b, false);
        });
        syncAndCheck(hmp);
    }

    /**
     * KKASSERT(lock.refs > 0) after clear_error's rel: the caller must hold a ref of its own besides
     * the one ioerror holds. As in the seed the check follows the rel, so when it fires the error
     * and its ref are already gone (nothing else changes). Also ioerror() seen true.
     */
    @Test void clearErrorByACallerWithoutARefPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(3, bytes(30, 3));
        long lo = hmp.geometry.dataBase();
        hmp.devvp().setStrategyFilter((cmd, off, len) -> cmd == dev.bioref.buf.BufCmd.WRITE && off == lo ? dev.bioref.kern.Errno.EIO : 0);
        assertThrows(HammerCriticalError.class, hmp::sync);
        HammerBuffer b = hmp.bufferAt(lo);
        assertTrue(b.ioerror(), String.valueOf(b));
        assertEquals(1, b.lock.refCount(), "ioerror holds one ref");
        Panic p = assertThrows(Panic.class, () -> withFsToken(hmp, b::clearError));
        assertTrue(p.getMessage().contains("hammer_io_clear_error: caller holds no ref"), p.getMessage());
        assertFalse(b.ioerror());
        assertEquals(0, b.lock.refCount());
        hmp.checkInvariants();
    }

    /** A stale io (its buffer disposed of by release(flush)), no longer in the mount's table. */
    static HammerBuffer staleIo(HammerMount hmp) {
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer[] stale = new HammerBuffer[1];
        withFsToken(hmp, () -> {
            stale[0] = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            hmp.relBuffer(stale[0], true);
        });
        assertNull(stale[0].bp);
        assertNull(hmp.bufferAt(firstDataBlock(hmp)));
        return stale[0];
    }

    /** Undoes the association a load made before its check fired: back to no bp, the bp to the kernel. */
    static void unload(HammerMount hmp, HammerIo io) {
        Buf bp = io.bp;
        assertNotNull(bp, "the load did not associate a bp");
        io.running = false;
        io.released = true;
        io.disassociate();
        hmp.kern.brelse(bp);
    }

    /** KKASSERT(!modified, !running, !waiting) in hammer_io_read: loading an io marked running (a corrupt io) is caught. */
    @Test void readOfAnIoMarkedRunningPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer stale = staleIo(hmp);
        stale.running = true;                                  // the corruption
        Panic p = assertThrows(Panic.class, () -> withFsToken(hmp, stale::read));
        assertTrue(p.getMessage().contains("hammer_io_read: associating a busy io") && p.getMessage().contains("running=true"), p.getMessage());
        unload(hmp, stale);                                    // read associates before it checks (the seed's order)
        hmp.checkInvariants();
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /** KKASSERT(!running) in hammer_io_new: a new buffer for an io marked running (a corrupt io) is caught. */
    @Test void newOfAnIoMarkedRunningPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer stale = staleIo(hmp);
        stale.running = true;
        Panic p = assertThrows(Panic.class, () -> withFsToken(hmp, stale::newBuffer));
        assertTrue(p.getMessage().contains("hammer_io_new: running io") && p.getMessage().contains("running=true"), p.getMessage());
        assertFalse(stale.modified, "hammer_io_new went on past its check: " + stale);
        unload(hmp, stale);
        hmp.checkInvariants();
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /** KKASSERT(bp != NULL) in hammer_io_flush: a modified io without a buffer (a corrupt io) has nothing to write. */
    @Test void flushOfAModifiedIoWithoutABpPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer stale = staleIo(hmp);
        stale.modified = true;                                 // the corruption
        withFsToken(hmp, () -> expectPanicChangingNothing(hmp, stale, () -> stale.flush(false), "hammer_io_flush: modified io without bp"));
        stale.modified = false;
        syncAndCheck(hmp);
    }

    /** KKASSERT(bp != NULL) in data(): the bytes of an io without a buffer (a stale io) are a caller bug, reported, not an NPE. */
    @Test void dataOfAnIoWithoutABpPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer stale = staleIo(hmp);
        expectPanicChangingNothing(hmp, stale, stale::data, "hammer_io: data() of unassociated", "bp=null");
        syncAndCheck(hmp);
    }

    /** KKASSERT(LIST_EMPTY(&bp->b_dep)) on association: a bp another dependency already holds is not taken over. */
    @Test void associatingABpThatHasADependencyPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer stale = staleIo(hmp);
        Buf bp = hmp.cache.findblk(hmp.devvp(), firstDataBlock(hmp), BufCache.FINDBLK_TEST);
        assertNotNull(bp, "the block is not cached");
        Object intruder = "another dependency";
        bp.dep_add(intruder);
        Panic p = assertThrows(Panic.class, () -> withFsToken(hmp, stale::read));
        assertTrue(p.getMessage().contains("not empty on association of"), p.getMessage());
        assertNull(stale.bp, "the io took the bp over");
        assertEquals(List.of(intruder), bp.b_dep(), "the bp's dependencies changed");
        bp.dep_remove(intruder);                               // undo: the bp bread locked for the io goes back
        bp.set_b_ops(null);
        hmp.kern.brelse(bp);
        hmp.checkInvariants();
        assertArrayEquals(bytes(100, 1), hmp.get(0));
    }

    /**
     * KKASSERT(refs > 0) at the end of clear_modify: the caller must hold a ref. As in the seed
     * the check comes last, so when it fires the io is already off its tree and clean (the test
     * then puts it back, so NoLostModificationInv holds again).
     */
    @Test void clearModifyByACallerWithoutARefPanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerBuffer b = relDirty(hmp);
        assertEquals(0, b.lock.refCount());
        Panic p = assertThrows(Panic.class, () -> withFsToken(hmp, () -> b.clearModify(false)));
        assertTrue(p.getMessage().contains("hammer_io_clear_modify: caller holds no ref") && p.getMessage().contains("refs=0x0"), p.getMessage());
        assertFalse(b.modified);
        assertNull(b.modRoot);
        assertFalse(hmp.ioToken.heldByMe(), "the panic left io_token held");
        b.setModlist();                                        // undo, so the mount tracks the modification again
        b.modified = true;
        syncAndCheck(hmp);
    }

    // ---------------------------------------------------------------- accessors (the read-only view of tck/linearizability)

    /** Each accessor returns its field, in states where each boolean is true and where it is false. */
    @Test void theAccessorsReportTheIosState() {
        HammerBioOpsContractTest.Rig r = HammerBioOpsContractTest.rig(options());
        HammerMount hmp = r.hmp();
        HammerBuffer b = HammerBioOpsContractTest.relDirtyData(hmp);
        assertEquals(HammerIoType.DATA_BUFFER, b.type());
        assertEquals(firstDataBlock(hmp), b.offset());
        assertEquals(HammerOndisk.BUFSIZE, b.bytes());
        assertSame(b.bp, b.bp());
        assertNotNull(b.bp());
        assertSame(b.lock, b.lock());
        assertTrue(b.released() && b.modified() && !b.running() && !b.ioerror(), String.valueOf(b));
        assertEquals(0, b.modifyRefs());
        withFsToken(hmp, () -> {
            hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            b.modify(1);
            assertFalse(b.released(), "released() inside the modify window");
            assertEquals(1, b.modifyRefs());
            assertArrayEquals(b.bp.b_data(), b.data());
            b.modifyDone();
            hmp.relBuffer(b, false);
        });
        r.gate().shut();
        assertEquals(BufCache.STEP_DONE, hmp.cache.flushbufqueuesVisit(b.bp, false));
        assertTrue(b.running() && !b.modified(), "running() while the write is held: " + b);
        r.gate().open();
        assertFalse(b.running(), String.valueOf(b));
    }
}
