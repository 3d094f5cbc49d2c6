// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.device.LincheckOptions;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Suite A Lincheck test bites: without the recheck after the allocation's lock drop (M2),
 * two concurrent misses of one block link two buffers for it. Stress mode (real threads) must
 * reject {@link BufioDataViewNoRecheckAfterAlloc} against {@link BufioDataViewSpec}: an unexpected
 * exception (the insert's {@code NoDuplicateInv} check) or results no sequential order gives.
 * The budget ({@code LincheckOptions.REFUTED}) only caps a miss: Lincheck stops at the first failure.
 */
class BufioDataViewNoRecheckAfterAllocRefutedTest {

    @Test
    void noRecheckAfterAllocIsRejected() {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                LincheckOptions.stress(LincheckOptions.REFUTED).actorsBefore(0).actorsAfter(0).minimizeFailedScenario(false)
                        .sequentialSpecification(BufioDataViewSpec.class).check(BufioDataViewNoRecheckAfterAlloc.class));
        System.out.println(e.getMessage());     // the report, for the log
    }
}
