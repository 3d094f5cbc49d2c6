// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;
import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The small structures of hammer.h the port keeps (proofs-notes/pit.md §9.3): a mod tree keyed by
 * offset that holds one io per offset and removes only the io it holds; a hammer_buffer is never
 * of type VOLUME or DUMMY; an inode counts only the records not yet handed to a flush group; the
 * diagnostic strings name what they describe (they appear in KKASSERT and hang reports).
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerStructsTest {

    @Test void aModTreeHoldsOneIoPerOffsetInDiskOrderAndRemovesOnlyTheIoItHolds() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        HammerModTree t = new HammerModTree("meta_root");
        assertEquals("meta_root", t.toString());
        assertTrue(t.isEmpty());
        assertNull(t.first());
        HammerBuffer hi = new HammerBuffer(hmp, HammerIoType.META_BUFFER, 3L * BUFSIZE);
        HammerBuffer lo = new HammerBuffer(hmp, HammerIoType.META_BUFFER, 2L * BUFSIZE);
        HammerBuffer alias = new HammerBuffer(hmp, HammerIoType.DATA_BUFFER, 3L * BUFSIZE);
        assertEquals(3L * BUFSIZE, HammerModTree.key(hi));
        assertTrue(t.insert(hi));
        assertTrue(t.insert(lo));
        assertFalse(t.insert(alias), "a second io at one offset");
        assertEquals(2, t.size());
        assertFalse(t.isEmpty());
        assertSame(lo, t.first(), "the lowest offset first");
        assertTrue(t.contains(hi));
        assertFalse(t.contains(alias), "contains must compare the io, not only its offset");
        assertFalse(t.remove(alias), "removed another io at the same offset");
        assertTrue(t.contains(hi));
        assertTrue(t.remove(lo));
        assertFalse(t.remove(lo), "removed twice");
        assertSame(hi, t.first());
        assertTrue(t.remove(hi));
        assertTrue(t.isEmpty());
        assertNull(t.first());
    }

    @Test void aHammerBufferIsNeverAVolumeOrADummy() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        for (HammerIoType bad : new HammerIoType[] {HammerIoType.VOLUME, HammerIoType.DUMMY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HammerBuffer(hmp, bad, BUFSIZE));
            assertEquals("a hammer_buffer cannot have type " + bad, e.getMessage());
        }
        for (HammerIoType ok : new HammerIoType[] {HammerIoType.META_BUFFER, HammerIoType.UNDO_BUFFER, HammerIoType.DATA_BUFFER}) {
            HammerBuffer b = new HammerBuffer(hmp, ok, 5L * BUFSIZE);
            assertEquals(ok, b.type());
            assertEquals(5L * BUFSIZE, b.offset());
            assertEquals(BUFSIZE, b.bytes());
        }
        HammerVolume v = new HammerVolume(hmp);
        assertEquals(HammerIoType.VOLUME, v.type());
        assertEquals(0, v.offset());
        assertEquals(BUFSIZE, v.bytes());
    }

    @Test void anInodeCountsOnlyRecordsNotYetInAFlushGroup() {
        HammerInode ip = new HammerInode(3);
        assertEquals(0, ip.unqueued());
        HammerRecord a = new HammerRecord(3, null, null), b = new HammerRecord(11, null, null);
        ip.records.add(a);
        ip.records.add(b);
        assertEquals(2, ip.unqueued());
        a.flg = new HammerFlushGroup(7);
        assertEquals(1, ip.unqueued());
        assertEquals("inode(3, state=0, records=2)", ip.toString());
        ip.flushState = HammerInode.FLUSH;
        assertEquals("inode(3, state=1, records=2)", ip.toString());
    }

    @Test void diagnosticStringsNameTheirState() {
        HammerFlushGroup g = new HammerFlushGroup(4);
        g.refs = 2;
        g.closed = true;
        g.flushTree.put(1L, new HammerInode(1));
        assertEquals("flg(seq=4, inodes=1, refs=2, closed=true, running=false)", g.toString());
        HammerOndisk.Slot s = new HammerOndisk.Slot(5, 4096, 9, 77);
        assertEquals("record(key=6, " + s + ")", new HammerRecord(6, s, new HammerRecord.DataRef(false, 0)).toString());
        assertEquals("record(key=6, delete)", new HammerRecord(6, null, null).toString());
        assertEquals(42, new HammerTransaction(42).tid());
    }
}
