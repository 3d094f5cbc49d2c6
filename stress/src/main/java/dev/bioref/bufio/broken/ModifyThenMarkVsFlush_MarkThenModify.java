// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio.broken;

import dev.bioref.bufio.ModifyThenMarkVsFlush;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link ModifyThenMarkVsFlush} with the client protocol broken (notes §9c J2, §8.7):
 * the holder marks the buffer dirty first and modifies it later. A flush between the two takes
 * the mark (DIRTY cleared at write start) and writes the old data; the later store is then in a
 * clean buffer that nothing will write: the arbiter sees v0 on the device and the buffer clean
 * (and {@code IdleCleanMirrorsDiskInv} broken). "Later" is made concrete: the holder waits, at most
 * 1 ms, for the flusher to return before it stores, so every sample where the mark comes first
 * shows the loss. Not a mutation switch of the port: the port's guard here is the protocol its
 * callers must follow, so this is a broken variant. {@code dev.bioref.stress.MutantsMustFail}
 * requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.bufio.broken.ModifyThenMarkVsFlush_MarkThenModify$'</pre>
 */
@JCStressTest
@JCStressMeta(ModifyThenMarkVsFlush.class)
@State
public class ModifyThenMarkVsFlush_MarkThenModify {
    final ModifyThenMarkVsFlush t = new ModifyThenMarkVsFlush();

    /** Mark, then modify later (after the flusher returned, or 1 ms). */
    @Actor
    public void holder() {
        t.c.markBufferDirty(t.b);
        long deadline = System.nanoTime() + 1_000_000L;
        while (!t.flushed && System.nanoTime() < deadline) Thread.onSpinWait();
        t.b.data()[0] = 2;
    }

    @Actor public void flusher() { t.flusher(); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
