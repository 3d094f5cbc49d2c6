// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device.broken;

import dev.bioref.device.Completer;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Request;
import dev.bioref.kern.Clock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DELIBERATELY BROKEN, for the build's wiring check only: the reader uses its buffer without
 * waiting for the READ's completion (a biowait that does not wait). The completer here never
 * delivers (it holds every request, as a stuck interrupt would), so the reader sees its poison
 * in every interleaving: the outcome is FORBIDDEN every time, even in sanity mode.
 *
 * <p>The stress module's {@code jcstress-mutants-must-fail} execution
 * ({@link dev.bioref.stress.MutantsMustFail}) requires jcstress to report this class FAILED and
 * to exit non-zero, which proves, in every build, that a FORBIDDEN outcome fails the build.
 * Same outcome meanings as {@link dev.bioref.device.WriteVsReadCompletion}. By hand:
 * {@code java -jar stress/target/bioref-stress.jar -m sanity -t WriteVsReadCompletionBroken; echo $?}
 * prints 1.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "read completed before the write: old sector")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "read completed after the write: new sector")
@Outcome(id = "85, 85", expect = FORBIDDEN, desc = "poison: the reader used its buffer before the device filled it")
@Outcome(expect = FORBIDDEN, desc = "anything else: torn or invented data")
@State
public class WriteVsReadCompletionBroken {
    static final int S = LoopbackDevice.SECTOR_SIZE;

    /** Holds every completion forever. */
    static final class StuckCompleter implements Completer {
        @Override public void schedule(Runnable completion) { }
        @Override public void await(CompletableFuture<?> done) { }
    }

    final LoopbackDevice device = new LoopbackDevice(new MemoryBackend(S), new StuckCompleter(), Clock.SYSTEM);

    @Actor
    public void writer() {
        byte[] data = new byte[S];
        Arrays.fill(data, (byte) 1);
        device.submit(Request.write(0, data), c -> { });
    }

    @Actor
    public void reader(II_Result r) {
        byte[] buf = new byte[S];
        Arrays.fill(buf, (byte) 85);
        device.submit(Request.read(0, buf), c -> { });   // BROKEN: no wait for the completion
        r.r1 = buf[0];
        r.r2 = buf[S - 1];
    }
}
