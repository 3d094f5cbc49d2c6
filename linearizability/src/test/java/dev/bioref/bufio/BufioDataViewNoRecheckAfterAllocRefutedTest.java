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
 * The budget only caps a miss (Lincheck stops at the first failure): short scenarios (2 operations
 * per thread, none around) and many short iterations (30 x 100), since a scenario either has two
 * concurrent misses of one block, and then fails within a few invocations, or never fails.
 */
class BufioDataViewNoRecheckAfterAllocRefutedTest {

    @Test
    void noRecheckAfterAllocIsRejected() {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                LincheckOptions.stress(LincheckOptions.REFUTED).iterations(30).invocationsPerIteration(100)
                        .actorsPerThread(2).actorsBefore(0).actorsAfter(0).minimizeFailedScenario(false)
                        .sequentialSpecification(BufioDataViewSpec.class).check(BufioDataViewNoRecheckAfterAlloc.class));
        System.out.println(e.getMessage());     // the report, for the log
    }
}
