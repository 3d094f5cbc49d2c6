// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Validates structure after every test, as Caffeine's validation interceptor does: every mount a
 * test created through {@link HammerTestSupport#mount} without mutation switches must pass
 * {@code checkInvariants()} when the test ends. Mutant mounts are skipped: breaking an invariant
 * is their purpose, and their tests assert the breakage themselves.
 */
public final class HammerInvariantsExtension implements AfterEachCallback {
    private static final ThreadLocal<List<HammerMount>> MOUNTS = ThreadLocal.withInitial(ArrayList::new);

    static void register(HammerMount hmp) {
        MOUNTS.get().add(hmp);
        HammerQuiescence.CREATED.add(hmp);
    }

    @Override public void afterEach(ExtensionContext context) {
        List<HammerMount> mounts = new ArrayList<>(MOUNTS.get());
        MOUNTS.get().clear();
        if (context.getExecutionException().isPresent()) return;   // the test already failed
        for (HammerMount hmp : mounts) {
            if (!hmp.mutations.toString().equals("none")) continue;
            hmp.checkInvariants();
        }
    }
}
