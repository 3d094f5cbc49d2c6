// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.kern.Panic;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.bioref.uvm.UvmTestSupport.PG;
import static dev.bioref.uvm.UvmTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pager's ordinary life cycle, in both modes: attach, fault, store, msync, persist, sync, recycle. */
@org.junit.jupiter.api.Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)   // a hang is a failure
class UvmVnodeBasicTest {

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void mmapStoreMsyncPersistReattach(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 3 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        assertNotNull(m);
        assertEquals(1, vp.uvn.refs());
        assertEquals(UvmVnode.UVM_VNODE_VALID | UvmVnode.UVM_VNODE_CANPERSIST | UvmVnode.UVM_VNODE_WRITEABLE, vp.uvn.flags());
        byte[] a = bytes(1, 100);
        assertEquals(0, c.store(m, 10, a));
        assertEquals(0, c.store(m, 2 * PG + 5, a));
        l.checkInvariants();
        assertTrue(c.msync(m, 0, 3 * PG, true));
        assertArrayEquals(a, java.util.Arrays.copyOfRange(vp.readFileDurable(10, 100), 0, 100));
        assertArrayEquals(a, vp.readFileDurable(2 * PG + 5, 100));
        c.munmap(m);                                    // persist
        assertEquals(0, vp.uvn.refs());
        assertEquals(2, vp.uvn.npages());
        assertEquals(0, vp.usecount());
        assertTrue(vp.onFreeList());
        l.checkInvariants();
        UvmFaultClient.Mapping m2 = c.mmap(vp, false);   // back from PERSISTING, pages still cached
        assertEquals(2, vp.uvn.npages());
        assertArrayEquals(a, c.load(m2, 10, 100, null));
        c.munmap(m2);
        l.checkInvariants();
    }

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void recycleTerminatesPersistingObject(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(1);
        c.grow(vp, 2 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] a = bytes(2, 64);
        c.store(m, PG + 1, a);
        c.munmap(m);
        assertTrue(l.recycle(vp));                      // terminate flushes the dirty page, frees everything
        assertEquals(0, vp.uvn.flags());
        assertEquals(0, vp.uvn.npages());
        assertEquals(1, vp.generation());
        assertArrayEquals(a, vp.readFile(PG + 1, 64));
        l.checkInvariants();
    }

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void truncateUncachesAndFreesPagesPastEof(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, 4 * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        for (int i = 0; i < 4; i++) c.store(m, (long) i * PG, bytes(i, 8));
        assertFalse(c.truncate(vp, 2 * PG));            // still mapped: uncache says FALSE
        assertEquals(2 * PG, vp.uvn.size());
        assertEquals(2, vp.uvn.npages());
        int[] err = {0};
        assertNull(c.load(m, 3 * PG, 4, err));
        assertEquals(UvmVnode.VM_PAGER_BAD, err[0]);
        l.checkInvariants();
        c.munmap(m);                                     // CANPERSIST cleared: the kill path writes and frees
        assertEquals(0, vp.uvn.flags());
        assertArrayEquals(bytes(1, 8), vp.readFile(PG, 8));
        l.checkInvariants();
    }

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void syncWritesEveryWriteableObject(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode v0 = l.vnode(0), v1 = l.vnode(1);
        c.grow(v0, PG);
        c.grow(v1, PG);
        UvmFaultClient.Mapping m0 = c.mmap(v0, true), m1 = c.mmap(v1, true);
        c.store(m0, 0, bytes(5, 10));
        c.store(m1, 0, bytes(6, 10));
        c.sync();
        assertArrayEquals(bytes(5, 10), v0.readFile(0, 10));
        assertArrayEquals(bytes(6, 10), v1.readFile(0, 10));
        assertEquals(2, l.globals.wlist().size());       // still referenced: they stay on the wlist
        l.checkInvariants();
        c.munmap(m0);
        c.munmap(m1);
        l.checkInvariants();
    }

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void getattrFailureLeavesObjectFree(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(2);
        vp.getattrFails(true);
        assertNull(c.mmap(vp, true));
        assertEquals(0, vp.uvn.flags());
        assertEquals(0, vp.usecount());
        l.checkInvariants();
    }

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void badInputIsRefusedAndChangesNothing(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.store(m, PG - 2, new byte[4]));
        assertTrue(e.getMessage().contains("4094"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.fault(m, 0, true));   // read-only mapping
        assertThrows(IllegalArgumentException.class, () -> vp.uvn.setsize(-1));
        assertThrows(IllegalArgumentException.class, () -> l.vnode(9));
        Panic p = assertThrows(Panic.class, vp.uvn::uncache);   // vnode not locked
        assertTrue(p.getMessage().contains("not locked"), p.getMessage());
        l.checkInvariants();
        c.munmap(m);
        assertThrows(IllegalStateException.class, () -> c.munmap(m));
        Panic d = assertThrows(Panic.class, vp.uvn::detach);
        assertTrue(d.getMessage().contains("refs=0"), d.getMessage());
        l.checkInvariants();
    }
}
