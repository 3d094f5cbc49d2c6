// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.ErrorLatchVsXchg;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link ErrorLatchVsXchg} with {@code BufioMutations.nonAtomicErrorXchg} on (this
 * state's module only): the report loads the latch (0), the failing completion latches -EIO, the
 * report stores 0: the error is neither returned nor latched ({@code ErrorNotLostInv}). The
 * report's window (the {@code xchgWindow} seam, between its load and its store) waits at most
 * 1 ms for the completion to latch, so every sample where the report loads first shows the loss.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.ErrorLatchVsXchg_NonAtomicErrorXchg$'</pre>
 */
@JCStressTest
@JCStressMeta(ErrorLatchVsXchg.class)
@State
public class ErrorLatchVsXchg_NonAtomicErrorXchg {
    final ErrorLatchVsXchg t;

    public ErrorLatchVsXchg_NonAtomicErrorXchg() {
        BufioMutations m = BufioMutations.none();
        m.nonAtomicErrorXchg = true;
        t = new ErrorLatchVsXchg(m);
        t.client().xchgWindow = () -> {
            long deadline = System.nanoTime() + 1_000_000L;
            while (t.client().peekAsyncWriteError() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        };
    }

    @Actor public void complete() { t.complete(); }

    @Actor public void report() { t.report(); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
