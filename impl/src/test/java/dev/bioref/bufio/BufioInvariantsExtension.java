// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Caffeine-style validation: after each test, checkInvariants() on every dm-bufio module the test
 * made through {@link BufioTestSupport#module} (every client's clauses and GlobalAccountingInv).
 * Modules a test breaks on purpose are made with {@link BufioTestSupport#unchecked}.
 */
public final class BufioInvariantsExtension implements BeforeEachCallback, AfterEachCallback {
    @Override public void beforeEach(ExtensionContext context) { BufioTestSupport.CREATED.clear(); }

    @Override public void afterEach(ExtensionContext context) {
        List<DmBufio> made;
        synchronized (BufioTestSupport.CREATED) {
            made = new ArrayList<>(BufioTestSupport.CREATED);
            BufioTestSupport.CREATED.clear();
        }
        for (DmBufio m : made) m.checkInvariants();
    }
}
