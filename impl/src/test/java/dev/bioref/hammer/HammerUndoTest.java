// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Panic;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;
import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The UNDO FIFO (HammerUndo, hammer_undo.c stand-in; proofs-notes/pit.md §9.3): records go in
 * order with contiguous sequence numbers and carry the target and the pre-image from the given
 * offset; a second UNDO of a range in one span is suppressed until the history is cleared; a
 * record that does not fit its buffer's rest is preceded by a PAD; next_offset wraps at the FIFO
 * size; used/space count from the header image's first_offset across the wrap; the FIFO refuses
 * (panics) rather than overrun, at exactly the reserve; only the buffer being appended to is kept.
 * A mutant here leaves a meta-data change without its pre-image, so a crash cannot undo it.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerUndoTest {

    private static HammerOndisk.UndoRecord recordAt(HammerMount hmp, long fifoOff) {
        HammerBuffer ub = hmp.bufferAt(hmp.geometry.undoBase() + fifoOff / BUFSIZE * BUFSIZE);
        assertNotNull(ub, "no UNDO buffer holds FIFO offset " + fifoOff);
        return HammerOndisk.UndoRecord.decode(ub.data(), (int) (fifoOff % BUFSIZE));
    }

    private static long undo(HammerMount hmp, long target, byte[] old, int off, int len) {
        long[] at = new long[1];
        withFsToken(hmp, () -> at[0] = hmp.undo.generateUndo(null, target, old, off, len));
        return at[0];
    }

    /** A mount not registered with the invariants extension: for tests that set the FIFO's offsets by hand. */
    private static void withLooseMount(Consumer<HammerMount> body) {
        HammerOptions o = options();
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        try {
            body.accept(hmp);
        } finally {
            hmp.abandon();
        }
    }

    @Test void recordsAreAppendedInOrderWithTheirTargetAndPreImage() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerUndo u = hmp.undo;
        long seq = u.nextSeq, t1 = hmp.geometry.metaBase() + 64, t2 = hmp.geometry.metaBase() + 96;
        byte[] old = new byte[40];
        for (int i = 0; i < old.length; i++) old[i] = (byte) (i + 1);
        long a = undo(hmp, t1, old, 3, 32);                               // the pre-image starts at old[3]
        long b = undo(hmp, t2, old, 0, 8);
        assertEquals(u.first, a, "the first record goes at next_offset");
        assertEquals(a + HammerOndisk.undoRecordSize(32), b);
        assertEquals(b + HammerOndisk.undoRecordSize(8), u.next);
        assertEquals(seq + 2, u.nextSeq);
        assertEquals(2, u.generated);
        HammerOndisk.UndoRecord r1 = recordAt(hmp, a), r2 = recordAt(hmp, b);
        assertEquals(seq, r1.seq());
        assertEquals(t1, r1.target());
        assertArrayEquals(java.util.Arrays.copyOfRange(old, 3, 35), r1.old());
        assertEquals(seq + 1, r2.seq());
        assertEquals(t2, r2.target());
        assertArrayEquals(java.util.Arrays.copyOf(old, 8), r2.old());
        assertEquals(hmp.snapshotsTaken(), u.history.get(t1));
        hmp.sync();
    }

    @Test void aSecondUndoOfOneRangeInASpanIsSuppressedUntilTheHistoryIsCleared() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerUndo u = hmp.undo;
        long t = hmp.geometry.metaBase() + 64;
        assertTrue(undo(hmp, t, new byte[32], 0, 32) >= 0);
        long next = u.next, seq = u.nextSeq, gen = u.generated;
        assertEquals(-1, undo(hmp, t, new byte[32], 0, 32), "a duplicate UNDO in one span");
        assertEquals(next, u.next);
        assertEquals(seq, u.nextSeq);
        assertEquals(gen, u.generated);
        withFsToken(hmp, u::clearHistory);
        assertTrue(u.history.isEmpty());
        assertEquals(next, undo(hmp, t, new byte[32], 0, 32), "after the history was cleared");
        assertEquals(seq + 1, u.nextSeq);
        hmp.sync();
    }

    @Test void aRecordThatDoesNotFitItsBufferIsPrecededByAPad() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerUndo u = hmp.undo;
        assertEquals(0, u.next % BUFSIZE);
        int size = HammerOndisk.undoRecordSize(1024);                     // 1056: three fit a buffer, not four
        long base = u.next;
        for (int i = 0; i < 3; i++) assertEquals(base + (long) i * size, undo(hmp, hmp.geometry.metaBase() + 1024L * i, new byte[1024], 0, 1024));
        long seq = u.nextSeq;
        long at = undo(hmp, hmp.geometry.metaBase() + 3072, new byte[1024], 0, 1024);
        assertEquals(base + BUFSIZE, at, "the record must start the next buffer");
        assertEquals(seq + 2, u.nextSeq, "the PAD takes a sequence number");
        HammerOndisk.UndoRecord pad = recordAt(hmp, base + 3L * size);
        assertNotNull(pad, "no PAD at " + (base + 3L * size));
        assertTrue(pad.pad());
        assertEquals(seq, pad.seq());
        assertEquals(BUFSIZE - 3 * size, pad.size());
        assertEquals(seq + 1, recordAt(hmp, at).seq());
        assertEquals(at + size, u.next);
        hmp.sync();
    }

    /** A record that fits its buffer's rest exactly needs no PAD. */
    @Test void aRecordFillingTheBuffersRestExactlyNeedsNoPad() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerUndo u = hmp.undo;
        long base = u.next;
        int len = BUFSIZE - 64 - HammerOndisk.UNDO_HEAD;                   // record size BUFSIZE - 64
        undo(hmp, hmp.geometry.metaBase(), new byte[BUFSIZE], 0, len);
        assertEquals(base + BUFSIZE - 64, u.next);
        long seq = u.nextSeq;
        long at = undo(hmp, hmp.geometry.metaBase() + 64, new byte[32], 0, 32);   // 64 bytes: exactly the rest
        assertEquals(base + BUFSIZE - 64, at);
        assertEquals(seq + 1, u.nextSeq, "a PAD was written although the record fit");
        assertEquals(base + BUFSIZE, u.next);
        hmp.sync();
    }

    @Test void theLargestRecordFitsABufferAndOneByteMorePanics() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        int max = BUFSIZE - 2 * HammerOndisk.UNDO_HEAD;                   // record = BUFSIZE - UNDO_HEAD
        long next = hmp.undo.next;
        Panic p = assertThrows(Panic.class, () -> undo(hmp, hmp.geometry.metaBase(), new byte[BUFSIZE], 0, max + 1));
        assertEquals("hammer_generate_undo: record of " + (max + 1) + " bytes does not fit a buffer", p.getMessage());
        assertEquals(next, hmp.undo.next, "the refused record moved next_offset");
        assertTrue(undo(hmp, hmp.geometry.metaBase(), new byte[BUFSIZE], 0, max) >= 0);
        hmp.sync();
    }

    @Test void nextOffsetWrapsAtTheFifoSizeAndUsedCountsAcrossTheWrap() {
        withLooseMount(hmp -> {
            HammerUndo u = hmp.undo;
            assertEquals(u.size - BUFSIZE, u.max(), "one buffer is kept in reserve");
            u.first = u.ondiskFirst = u.next = u.size - 64;
            assertEquals(0, u.used());
            long at = undo(hmp, hmp.geometry.metaBase(), new byte[32], 0, 32);
            assertEquals(u.size - 64, at);
            assertEquals(0, u.next, "next_offset did not wrap");
            assertEquals(64, u.used(), "used across the wrap");
            assertEquals(u.max() - 64, u.space());
            assertEquals(0, undo(hmp, hmp.geometry.metaBase() + 64, new byte[32], 0, 32), "after the wrap");
            assertEquals(128, u.used());
            u.ondiskFirst = 0;
            assertEquals(64, u.used(), "used without a wrap");
        });
    }

    /** The FIFO refuses a record that would leave less than the reserve; one aligned unit less is accepted. */
    @Test void theFifoRefusesToOverrunItsReserveAtExactlyTheLimit() {
        withLooseMount(hmp -> {
            HammerUndo u = hmp.undo;
            u.first = u.next = 0;
            u.ondiskFirst = BUFSIZE + 64;                                 // used = size - BUFSIZE - 64 = max - 64
            assertEquals(u.max() - 64, u.used());
            Panic p = assertThrows(Panic.class, () -> undo(hmp, hmp.geometry.metaBase(), new byte[32], 0, 32));
            assertEquals("hammer_generate_undo: insufficient undo FIFO space, used " + (u.max() - 64) + " of " + u.size,
                    p.getMessage());
            assertEquals(0, u.next, "the refused record moved next_offset");
            u.ondiskFirst = BUFSIZE + 96;                                 // used = max - 96: a 64-byte record fits
            assertEquals(0, undo(hmp, hmp.geometry.metaBase(), new byte[32], 0, 32));
        });
    }

    /** The PAD path checks the space of the PAD and the record together. */
    @Test void aPadPlusRecordThatWouldOverrunTheReservePanics() {
        withLooseMount(hmp -> {
            HammerUndo u = hmp.undo;
            u.first = u.next = BUFSIZE - 64;                              // 64 bytes left in this buffer
            u.ondiskFirst = Math.floorMod(u.next - (u.max() - 1100), u.size);   // used = max - 1100
            long used = u.used();
            long room = 64, rec = HammerOndisk.undoRecordSize(1024);
            assertTrue(used + rec < u.max() && used + room + rec >= u.max(), "set-up: used " + used);
            Panic p = assertThrows(Panic.class, () -> undo(hmp, hmp.geometry.metaBase(), new byte[1024], 0, 1024));
            assertEquals("hammer_generate_undo: insufficient undo FIFO space, used " + used + " of " + u.size, p.getMessage());
            assertEquals(BUFSIZE - 64, u.next, "the refused record wrote a PAD");
            u.ondiskFirst = Math.floorMod(u.next - (u.max() - room - rec), u.size);   // PAD + record reach max exactly
            assertThrows(Panic.class, () -> undo(hmp, hmp.geometry.metaBase(), new byte[1024], 0, 1024), "at exactly the reserve");
            assertEquals(BUFSIZE - 64, u.next, "the refused record at exactly the reserve wrote a PAD");
            u.ondiskFirst = Math.floorMod(u.next - (u.max() - room - rec - 32), u.size);   // one aligned unit under it
            assertEquals(BUFSIZE, undo(hmp, hmp.geometry.metaBase(), new byte[1024], 0, 1024));
        });
    }

    @Test void onlyTheBufferBeingAppendedToIsKeptAfterItsWrite() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerUndo u = hmp.undo;
        for (int i = 0; i < 4; i++) undo(hmp, hmp.geometry.metaBase() + 1024L * i, new byte[1024], 0, 1024);
        assertEquals(BUFSIZE, u.next / BUFSIZE * BUFSIZE, "set-up: appending to the second buffer");
        HammerBuffer first = hmp.bufferAt(hmp.geometry.undoBase());
        HammerBuffer second = hmp.bufferAt(hmp.geometry.undoBase() + BUFSIZE);
        assertTrue(u.reclaim(first), "a buffer the FIFO left is reclaimed");
        assertFalse(u.reclaim(second), "the buffer being appended to is reclaimed");
        hmp.sync();
    }
    /** A record that starts a buffer gets a NEW buffer (hammer_bnew): zeroed, not read from the media's older lap. */
    @Test void aRecordStartingABufferGetsAZeroedNewBuffer() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerUndo u = hmp.undo;
        long second = hmp.geometry.undoBase() + BUFSIZE;
        assertTrue(hmp.device().execute(dev.bioref.device.Request.write(second, bytes(BUFSIZE, 0x5a))).ok());   // an older lap's bytes
        long reads = hmp.device().stats().reads();
        for (int i = 0; i < 4; i++) undo(hmp, hmp.geometry.metaBase() + 1024L * i, new byte[1024], 0, 1024);
        assertEquals(BUFSIZE, u.next / BUFSIZE * BUFSIZE, "set-up: appending to the second buffer");
        HammerBuffer b = hmp.bufferAt(second);
        int end = HammerOndisk.undoRecordSize(1024);
        byte[] d = b.data();
        for (int i = end; i < BUFSIZE; i++) assertEquals(0, d[i], "byte " + i + " of the new UNDO buffer");
        assertEquals(reads, hmp.device().stats().reads(), "a new UNDO buffer was read from the media");
        hmp.sync();
    }
    /** HammerFinalizeCrash's Modify event names how many sequence numbers each UNDO took: 1, 0 when suppressed, 2 with a PAD. */
    @Test void theFinalizeTraceCountsTheSequenceNumbersOfEachUndo() {
        dev.bioref.trace.TraceLog log = dev.bioref.trace.TraceLog.inMemory("HammerFinalizeCrash");
        HammerOptions o = options();
        o.finalizeTrace = new HammerFinalizeTrace(log);
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        long t = hmp.geometry.metaBase();
        java.util.function.Supplier<java.util.List<String>> modifies = () -> log.lines().stream()
                .filter(l -> l.contains("\"Modify\"")).map(l -> l.replaceAll(".*\"undos\":(\\d+).*", "$1")).toList();
        int before = modifies.get().size();
        undo(hmp, t, new byte[1024], 0, 1024);
        undo(hmp, t, new byte[1024], 0, 1024);                           // suppressed
        undo(hmp, t + 1024, new byte[1024], 0, 1024);
        undo(hmp, t + 2048, new byte[1024], 0, 1024);
        undo(hmp, t + 3072, new byte[1024], 0, 1024);                     // PAD + record
        assertEquals(java.util.List.of("1", "0", "1", "1", "2"), modifies.get().subList(before, before + 5), String.valueOf(log.lines()));
        hmp.sync();
    }
}
