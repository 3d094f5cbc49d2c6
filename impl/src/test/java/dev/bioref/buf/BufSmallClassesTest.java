// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;

import static dev.bioref.buf.BufTestSupport.BLK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The small buf classes the protocol tests only pass through: every mutation switch and seed quirk
 * is off in {@code none()}, and {@link BufCacheView} reports the cache's own switch objects and the
 * wait words. Found necessary by PIT (proofs-notes/pit.md §9.5).
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufSmallClassesTest {

    static int allOff(Object o) throws IllegalAccessException {
        int n = 0;
        for (Field f : o.getClass().getFields()) {
            if (f.getType() != boolean.class || Modifier.isStatic(f.getModifiers())) continue;
            n++;
            assertFalse(f.getBoolean(o), f.getName());
        }
        return n;
    }

    @Test void everySwitchAndQuirkIsOffByDefault() throws IllegalAccessException {
        assertTrue(allOff(BufMutations.none()) >= 15, "the switches of proofs-notes/mutants.md");
        assertTrue(allOff(BufQuirks.none()) >= 5, "the quirks of proofs-notes/deviations.md");
        assertNotSame(BufMutations.none(), BufMutations.none());
        assertNotSame(BufQuirks.none(), BufQuirks.none());
    }

    @Test void theViewReportsTheCachesOwnSwitchesAndWaitWords() {
        BufMutations m = BufMutations.none();
        BufQuirks q = BufQuirks.none();
        BufCache c = BufTestSupport.cache(Params.forTest(4, BLK), m, q);
        BufCacheView v = c.view();
        assertSame(m, v.mutations());
        assertSame(q, v.quirks());
        c.needsbuffer.set(3);
        c.runningbufreq.set(1);
        c.bd_request.set(1);
        c.bd_request_hw.set(1);
        assertEquals(3, v.needsbuffer());
        assertEquals(1, v.runningbufreq());
        assertEquals(1, v.bd_request());
        assertEquals(1, v.bd_request_hw());
        c.needsbuffer.set(0);
        c.runningbufreq.set(0);
        c.bd_request.set(0);
        c.bd_request_hw.set(0);
        assertEquals(4, v.queueLength(Buf.BQUEUE_EMPTY));
        assertTrue(v.vnodes().isEmpty());
    }

    @Test void theViewReadsEachGlobalCounter() {
        BufCache c = BufTestSupport.unchecked(Params.forTest(4, BLK), BufMutations.none(), BufQuirks.none());
        BufCacheView v = c.view();
        long k = 1;
        for (java.util.concurrent.atomic.AtomicLong a : new java.util.concurrent.atomic.AtomicLong[] {c.bufspace, c.dirtybufcount,
                c.dirtykvaspace, c.dirtybufspace, c.dirtybufcounthw, c.dirtybufspacehw, c.runningbufspace, c.runningbufcount}) {
            a.set(k++);
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), List.of(v.bufspace(), v.dirtybufcount(), v.dirtykvaspace(),
                v.dirtybufspace(), v.dirtybufcounthw(), v.dirtybufspacehw(), v.runningbufspace(), v.runningbufcount()));
        assertEquals(4, v.nbuf());
    }
}
