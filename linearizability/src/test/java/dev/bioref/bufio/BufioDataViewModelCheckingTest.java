// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

/**
 * Suite A (data view) of {@link AbstractBufioDataViewLincheckTest} in model-checking mode, against
 * {@link BufioDataViewSpec}: Lincheck explores the interleavings at every shared access, lock and
 * park of the port (sequential consistency; the stress twin {@link BufioDataViewLincheckTest} covers
 * publication). Refuted twin: {@link BufioDataViewNoRecheckAfterAllocMcRefutedTest}.
 *
 * <p>Two settings differ from the stress test, both because of Lincheck 3.7 on this subject
 * (proofs-notes/bufio.md, "Concurrency suites"): the invocation timeout is 300 s, because the first
 * invocation instruments (retransforms) most of java.util and java.util.concurrent on first use and
 * was reported "hung" under the default timeout; and {@code Params.ghostChecks} is off (the ghost's
 * device comparisons iterate ConcurrentHashMaps, the slowest first use): {@link #validate} still
 * compares every block with the device's durable copy after a flush, and {@code checkInvariants()}
 * runs every clause. Budget {@code LincheckOptions.BUFIO_DATA_VIEW_MC} (tiny: one operation per
 * thread; {@code -Pthorough} 5 x 50 with 2 per thread).
 *
 * <pre>mvn -o -B -pl linearizability -am verify -Dtest='BufioDataViewModelChecking*' -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
public class BufioDataViewModelCheckingTest extends AbstractBufioDataViewLincheckTest {
    /** Lincheck's per-invocation timeout for this subject (the first invocation's instrumentation). */
    static final long INVOCATION_TIMEOUT_MS = 300_000L;

    @Override protected void tune(DmBufio.Params p) { p.ghostChecks = false; }

    @Test
    public void modelCheckingTest() {
        LincheckOptions.modelChecking(LincheckOptions.BUFIO_DATA_VIEW_MC)
                .invocationTimeout$lincheck(INVOCATION_TIMEOUT_MS)
                .sequentialSpecification(BufioDataViewSpec.class)
                .check(getClass());
    }
}
