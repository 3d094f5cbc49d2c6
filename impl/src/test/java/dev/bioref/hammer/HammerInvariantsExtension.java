// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Validates structure after every test, as Caffeine's validation interceptor does: every mount a
 * test created through {@link HammerTestSupport#mount} without mutation switches must pass
 * {@code checkInvariants()} when the test ends. Mutant mounts are skipped: breaking an invariant
 * is their purpose, and their tests assert the breakage themselves. Only the mounts of the test
 * that just ran are checked: a class without this extension that mounts through
 * {@code HammerTestSupport} leaves its mounts in the thread-local, and they are dropped before the
 * next test instead of being checked there (where a mount left broken on purpose failed an
 * unrelated test).
 */
public final class HammerInvariantsExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ThreadLocal<List<HammerMount>> MOUNTS = ThreadLocal.withInitial(ArrayList::new);

    static void register(HammerMount hmp) {
        MOUNTS.get().add(hmp);
        HammerQuiescence.CREATED.add(hmp);
    }

    @Override public void beforeEach(ExtensionContext context) {
        MOUNTS.get().clear();
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
