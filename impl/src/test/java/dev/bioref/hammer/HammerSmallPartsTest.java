// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCmd;
import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** HammerLock's refs word, bad input, hammer_io_inval and hammer_io_clear_error. */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerSmallPartsTest {

    @Test void refInterlockLoadsOnlyOnTheFirstRef() {
        HammerLock l = new HammerLock();
        assertTrue(l.refInterlock(), "0→1 must take the interlock to load");
        assertFalse(l.tryInterlockNorefs(), "a kernel probe must fail while a ref is held");
        l.refInterlockDone();
        assertFalse(l.refInterlock(), "1→2 without CHECK must not reload");
        l.rel();
        assertTrue(l.relInterlock(), "1→0 must take the interlock to dispose");
        l.relInterlockDone();
        assertEquals(0, l.refCount());
        assertTrue(l.tryInterlockNorefs());
        l.putInterlock(1);
        assertEquals(0, l.refs.get(), "put_interlock left flags on an idle word");
    }

    @Test void putInterlockKeepsCheckOnlyWithRefsAndAnError() {
        HammerLock l = new HammerLock();
        assertTrue(l.refInterlock());
        l.putInterlock(Errno.EIO);           // load failed: the next referencer must retry the load
        assertTrue((l.refs.get() & HammerLock.REFS_CHECK) != 0);
        assertTrue(l.refInterlock(), "CHECK set: the next ref must take the interlock and load");
        l.refInterlockDone();
        assertEquals(2, l.refCount());
    }

    @Test void relWithoutRefPanicsAndChangesNothing() {
        HammerLock l = new HammerLock();
        assertThrows(dev.bioref.kern.Panic.class, l::rel);
        assertEquals(0, l.refs.get());
    }

    @Test void badInputNamesTheValueAndChangesNothing() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        int keys = hmp.geometry().keys();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hmp.put(keys, bytes(1, 1)));
        assertTrue(e.getMessage().contains(String.valueOf(keys)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hmp.put(2, new byte[HammerOndisk.BUFSIZE + 1]));
        assertTrue(e.getMessage().contains(String.valueOf(HammerOndisk.BUFSIZE + 1)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> hmp.put(2, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> hmp.get(-1));
        assertThrows(IllegalArgumentException.class, () -> hmp.delete(-5));
        hmp.checkInvariants();
        assertArrayEquals(bytes(10, 1), hmp.get(1));
        assertNull(hmp.get(2));
        HammerOptions bad = options();
        bad.version = 5;
        assertThrows(IllegalArgumentException.class,
                () -> HammerMount.format(dev.bioref.device.LoopbackDevice.inMemory(bad.geometry.size()), bad));
    }

    @Test void invalDropsOnlyUnassociatedDeviceBuffers() {
        HammerMount hmp = mount(options(), HammerMutations.none(), HammerHooks.NONE);
        long large = hmp.geometry().largeOffset(0);
        assertEquals(0, hmp.inval(large), "nothing cached: nothing to do");
        Buf[] bpp = new Buf[1];
        assertEquals(0, hmp.cache.bread(hmp.devvp(), large, HammerOndisk.BUFSIZE, bpp));
        hmp.cache.brelse(bpp[0]);          // an unassociated alias of a block about to be reused
        assertEquals(0, hmp.inval(large));
        assertNull(hmp.cache.findblk(hmp.devvp(), large, dev.bioref.buf.BufCache.FINDBLK_TEST));
        hmp.put(0, bytes(10, 1));          // the first DATA buffer is now associated with HAMMER
        assertEquals(Errno.EWOULDBLOCK, hmp.inval(hmp.geometry().dataBase()));
        hmp.checkInvariants();
    }

    @Test void clearErrorDropsThePersistentRef() {
        HammerOptions o = options();
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(3, bytes(30, 3));
        long lo = o.geometry.dataBase();
        hmp.devvp().setStrategyFilter((cmd, off, len) -> cmd == BufCmd.WRITE && off == lo ? Errno.EIO : 0);
        assertThrows(HammerCriticalError.class, hmp::sync);
        HammerBuffer b = hmp.bufferAt(lo);
        assertTrue(b.ioerror);
        int refs = b.lock.refCount();
        withFsToken(hmp, () -> {
            b.lock.ref();                  // the caller's own ref, as the seed requires
            b.clearError();
            assertFalse(b.ioerror);
            assertEquals(refs, b.lock.refCount(), "clear_error must drop exactly the ioerror ref");
            b.lock.rel();
        });
    }
}
