// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HammerIo paths PIT found untested (proofs-notes/pit.md §5): a failed read reported to the
 * caller (hammer_io_read), and hammer_io_new over a bp HAMMER had released to the kernel.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerIoContractTest {

    /** io:L300-331 hammer_io_read: a read that fails is returned as an error; get_buffer makes it a critical error. */
    @Test void aFailedReadIsReportedNotLoadedAsData() {
        HammerMount hmp = remountWithFirstDataBlockReadFailing(options(), Errno.EIO);
        HammerCriticalError e = assertThrows(HammerCriticalError.class, () -> hmp.get(0));
        assertTrue(e.getMessage().contains("EIO"), e.getMessage());
    }

    /**
     * io:L393-431 hammer_io_new on an io whose bp HAMMER released (clean, in the kernel's
     * hands): it takes the bp back (regetblk, lock handed to the kernel, released = 0) and marks
     * it modified. (Its vfs_bio_clrbuf zeroes only pages that are not valid, so this cached bp keeps
     * its bytes; the caller overwrites them.)
     */
    @Test void newOnAReleasedBpTakesItBack() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        HammerBuffer old = hmp.bufferAt(firstDataBlock(hmp));
        assertTrue(old.released && !old.modified && old.bp != null, String.valueOf(old));
        long ver = old.memVer;
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), true);
            assertSame(old, b);
            Buf bp = b.bp;
            assertFalse(b.released, "hammer_io_new left the bp with the kernel");
            assertTrue(bp.b_lock().ownedByKernel(), () -> "hammer_io_new did not take the bp and hand its lock to KERNPROC: " + bp.b_lock());
            assertTrue(b.modified, "hammer_io_new did not mark the io modified");
            assertEquals(ver + 1, b.memVer, "the zeroing is a modification of the buffer's contents");
            hmp.relBuffer(b, false);
        });
        hmp.sync();
    }

    /**
     * io:L517-600 hammer_io_release with flush = 1: a modified io is written first (hammer_io_flush),
     * then, clean and idle, disposed of (its bp taken back and disassociated); a clean one is
     * disposed of at once.
     */
    @Test void releaseWithFlushWritesAModifiedIoThenDisposesOfIt() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));                      // REL-DIRTY: modified, released to the kernel
        long writes = hmp.stats.dataWrites.get();
        withFsToken(hmp, () -> {
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            assertTrue(b.modified && b.released);
            hmp.relBuffer(b, true);
            assertEquals(writes + 1, hmp.stats.dataWrites.get(), "release(flush) did not write the modified io");
            assertFalse(b.modified || b.running, String.valueOf(b));
            assertNull(b.bp, "release(flush) kept the bp of a clean, idle io");
        });
        assertNull(hmp.bufferAt(firstDataBlock(hmp)), "the disposed buffer is still in the mount's table");
        assertArrayEquals(bytes(100, 1), hmp.get(0));   // re-read from the media
        withFsToken(hmp, () -> {                         // clean now: disposed of without a write
            HammerBuffer b = hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false);
            assertFalse(b.modified);
            assertNotNull(b.bp);
            hmp.relBuffer(b, true);
            assertNull(b.bp, "release(flush) kept the bp of a clean io");
        });
        assertEquals(writes + 1, hmp.stats.dataWrites.get(), "a clean io was written");
    }

    /** The actions logged for the DATA io in {@code log}, in order (HammerIoProtocol's trace, proofs-notes/traces.md). */
    static java.util.List<String> dataActions(dev.bioref.trace.TraceLog log) {
        return log.lines().stream().filter(l -> l.contains("\"type\":\"DATA\""))
                .map(l -> l.replaceAll(".*\"action\":\"([A-Za-z]+)\".*", "$1")).toList();
    }

    /**
     * The DATA io's steps, traced, through a put, a sync and a release with flush = 1: each step of
     * hammer_io_modify (io:L770), modify_done (io:L808), write_interlock/done_interlock (io:L829,
     * L843), hammer_io_flush (io:L666) and hammer_io_release (io:L517) logs its HammerIoProtocol
     * action at the point where it happens, in this order (the sequence the trace-validation tests
     * check against the spec; this test pins it in the impl build).
     */
    @Test void theIoStepsLogTheirSpecActionsInOrder() {
        dev.bioref.trace.TraceLog log = dev.bioref.trace.TraceLog.inMemory("HammerIoProtocol");
        HammerOptions o = options();
        o.ioTrace = new HammerIoTrace(log);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        java.util.List<String> put = java.util.List.of("Ref", "Load", "ModBegin", "LockEx", "Reget", "SetMod", "Mutate",
                "ModifyDone", "Rel", "RelStart", "RelDispose", "RelDone");
        hmp.put(0, bytes(100, 1));
        assertEquals(put, dataActions(log), "put");
        hmp.sync();
        java.util.List<String> sync = java.util.List.of("FlPick", "WriteInterlock", "FlushBegin", "FlushIssue", "Complete",
                "DoneInterlock", "Rel", "RelStart", "RelDispose", "RelBrelse");
        java.util.List<String> all = new java.util.ArrayList<>(put);
        all.addAll(sync);
        assertEquals(all, dataActions(log), "sync");
        hmp.put(1, bytes(100, 2));                      // a new io for the same block: the same steps again
        all.addAll(put);
        assertEquals(all, dataActions(log), "second put");
        withFsToken(hmp, () -> hmp.relBuffer(hmp.getBuffer(HammerIoType.DATA_BUFFER, firstDataBlock(hmp), false), true));
        all.addAll(java.util.List.of("Ref", "Load", "Rel", "Unmodelled"));   // release with flush = 1 is not modelled
        assertEquals(all, dataActions(log), "release with flush");
    }
}
