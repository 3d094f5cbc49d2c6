// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.device.LincheckOptions;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model checking bites on the bufio client API: with M2 and every miss forced through the
 * allocation's lock drop ({@link BufioDataViewNoRecheckAfterAllocMc}), the model checker must find
 * the interleaving where two misses of one block both link a buffer (the insert's
 * {@code NoDuplicateInv} throws) and reject the subject against {@link BufioDataViewSpec}. One
 * operation per thread, none around; up to 30 scenarios of 20 invocations (Lincheck stops at the
 * first failure; a scenario whose two operations miss the same block fails in its first few).
 *
 * <p>How Lincheck 3.7 reports it: either a {@code LincheckAssertionError} or, as measured so far, an
 * {@code IllegalStateException} "Non-determinism found" whose text carries the first (failing)
 * execution: when it replays the failing interleaving to print the trace, the port's per-thread
 * write list ({@code WriteList.PENDING}, a static ThreadLocal) still holds the buffer that the thrown
 * {@code NoDuplicateInv} left behind in the first run, so the replay takes another path (Lincheck
 * does not restore ThreadLocals: JetBrains/lincheck#571). Either way the model checker found the
 * duplicate; the test requires Lincheck's report to name {@code NoDuplicateInv}.
 *
 * <pre>mvn -o -B -pl linearizability -am verify -Dtest='BufioDataViewNoRecheckAfterAllocMc*' -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class BufioDataViewNoRecheckAfterAllocMcRefutedTest {
    @Test
    void noRecheckAfterAllocIsRejectedByTheModelChecker() {
        Throwable e = assertThrows(Throwable.class, () ->
                LincheckOptions.modelChecking(LincheckOptions.REFUTED).iterations(30).invocationsPerIteration(20)
                        .actorsPerThread(1).actorsBefore(0).actorsAfter(0).minimizeFailedScenario(false)
                        .invocationTimeout$lincheck(BufioDataViewModelCheckingTest.INVOCATION_TIMEOUT_MS)
                        .sequentialSpecification(BufioDataViewSpec.class).check(BufioDataViewNoRecheckAfterAllocMc.class));
        assertTrue(e instanceof LincheckAssertionError
                        || (e instanceof IllegalStateException && String.valueOf(e.getMessage()).startsWith("Non-determinism found")),
                "not a report of the model checker: " + e);
        assertTrue(String.valueOf(e.getMessage()).contains("NoDuplicateInv"),
                "the model checker rejected the subject, but not for the duplicate buffer: " + e.getMessage());
        System.out.println(e.getMessage());     // the report, for the log
    }
}
