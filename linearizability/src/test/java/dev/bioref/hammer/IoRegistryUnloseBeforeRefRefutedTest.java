// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LincheckOptions;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The io registry Lincheck test bites (finding F2 of proofs-notes/concurrency-hammer.md, found
 * first by JCStress J11): with get_buffer taking the io off the lose tree before its ref, the
 * kernel can deallocate the io between the two (the refs are still 0), so the frontend ends up
 * holding a freshly loaded io that is still on lose_root; treeOf then answers "lose" where every
 * sequential order says "none", or the frontend's set_modlist panics ("io already on lose_root").
 * Model checking must reject it (invalid results or that panic).
 */
class IoRegistryUnloseBeforeRefRefutedTest {

    @Test
    void unloseBeforeRefIsRejected() {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                AbstractIoRegistryLincheckTest.modelChecking(LincheckOptions.REFUTED).minimizeFailedScenario(false)
                        .sequentialSpecification(IoRegistrySpec.class).check(IoRegistryUnloseBeforeRef.class));
        System.out.println(e.getMessage());     // the report, for the log
    }
}
