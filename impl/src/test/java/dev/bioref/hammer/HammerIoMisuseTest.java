// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;

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
