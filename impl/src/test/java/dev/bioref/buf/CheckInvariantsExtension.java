// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Caffeine-style structural validation: after each test, waits for the I/O of every cache the
 * test created through {@link BufTestSupport} to drain, then calls checkInvariants() on it.
 * A cache that hit a seed panic, or that a test made deliberately broken (mutation tests use
 * {@link BufTestSupport#unchecked}), is left out.
 */
public final class CheckInvariantsExtension implements BeforeEachCallback, AfterEachCallback {
    @Override public void beforeEach(ExtensionContext context) {
        BufTestSupport.CREATED.clear();
    }

    @Override public void afterEach(ExtensionContext context) {
        List<BufCache> caches;
        synchronized (BufTestSupport.CREATED) {
            caches = new ArrayList<>(BufTestSupport.CREATED);
            BufTestSupport.CREATED.clear();
        }
        for (BufCache c : caches) {
            if (c.panicked()) continue;
            BufTestSupport.drain(c);
            c.checkInvariants();
        }
    }
}
