// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.BufLock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The buffer-cache half of QuiescentInv's exemptions: a cache a test broke on purpose
 * ({@link BufTestSupport#unchecked}) or that hit a seed panic may keep a buffer locked when the
 * test ends (the panic is the test's subject); every other buffer lock must be free.
 */
public final class BufQuiescence {
    private BufQuiescence() { }

    static final List<BufCache> CHECKED = Collections.synchronizedList(new ArrayList<>());
    static final List<BufCache> BROKEN = Collections.synchronizedList(new ArrayList<>());

    /** Forgets the caches of earlier tests. */
    public static void reset() {
        CHECKED.clear();
        BROKEN.clear();
    }

    /** The buffer locks of the caches this test broke or panicked. */
    public static Set<BufLock> exemptLocks() {
        Set<BufLock> out = new HashSet<>();
        synchronized (BROKEN) { for (BufCache c : BROKEN) out.addAll(locksOf(c)); }
        synchronized (CHECKED) { for (BufCache c : CHECKED) if (c.panicked()) out.addAll(locksOf(c)); }
        return out;
    }

    /** Every header's buffer lock of {@code c}. */
    public static Set<BufLock> locksOf(BufCache c) {
        Set<BufLock> out = new HashSet<>();
        for (int i = 0; i < c.view().nbuf(); i++) out.add(c.view().header(i).b_lock());
        return out;
    }
}
