// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.mutants;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.DmBufio;
import dev.bioref.bufio.RedirtyVsWriteEndio;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link RedirtyVsWriteEndio} with {@code BufioMutations.nonAtomicDirtyClear} (M6) on
 * (this state's module only): the completion loads the state ({WRITING}), the holder's mark sets
 * DIRTY, the completion stores its stale value without WRITING, and DIRTY is lost. The
 * completion's window (the {@code completionWindow} seam, between its load and its store) waits
 * at most 1 ms for the mark, so every sample where the completion loads first shows the loss.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.mutants.RedirtyVsWriteEndio_NonAtomicDirtyClear$'</pre>
 */
@JCStressTest
@JCStressMeta(RedirtyVsWriteEndio.class)
@State
public class RedirtyVsWriteEndio_NonAtomicDirtyClear {
    final RedirtyVsWriteEndio t;

    public RedirtyVsWriteEndio_NonAtomicDirtyClear() {
        BufioMutations m = BufioMutations.none();
        m.nonAtomicDirtyClear = true;
        t = new RedirtyVsWriteEndio(m);
        t.client().completionWindow = b -> {
            long deadline = System.nanoTime() + 1_000_000L;
            while ((b.state() & DmBufio.B_DIRTY) == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        };
    }

    @Actor public void redirty() { t.redirty(); }

    @Actor public void complete() { t.complete(); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
