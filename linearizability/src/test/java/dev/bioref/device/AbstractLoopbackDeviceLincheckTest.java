// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Lincheck for the loopback device: one {@code @Operation} per device method, named after it,
 * and the two tests every Lincheck class here has, model checking and stress.
 *
 * <p>Scope: the device's synchronous calls ({@link LoopbackDevice#submit} of READ, WRITE,
 * WRITE+FUA, FLUSH and DISCARD, and {@link LoopbackDevice#peekDurable}) with the inline
 * completer are linearizable: each takes effect atomically under the device lock at its
 * completion, so some sequential order of the calls explains every result, including what is
 * durable. Not in scope, and why:
 * <ul>
 *   <li>{@link LoopbackDevice#crash()}: a request in flight at power loss completes with EIO,
 *       by design, and no sequential order produces that EIO. Lincheck found this at once when
 *       crash was an operation ({@code discard(0): false || crash()}); the window is the few
 *       instructions between submit and inline completion.</li>
 *   <li>asynchronous {@code submit} with a thread or seeded completer: a request takes effect at
 *       completion, not at the call, and a FLUSH covers only writes completed before it was
 *       submitted; the seeded property tests in impl/ and the JCStress test of completion
 *       publication in stress/ check that.</li>
 * </ul>
 *
 * <p>The device has 2 sectors; each operation writes one byte value into a whole sector and
 * returns the first byte of what it reads, so results are small integers Lincheck can compare.
 */
public abstract class AbstractLoopbackDeviceLincheckTest {
    static final int SECTORS = 2;
    static final int S = LoopbackDevice.SECTOR_SIZE;

    private final LoopbackDevice device = newDevice();

    /** The device under test; subclasses choose the backend. Completion must be inline. */
    protected abstract LoopbackDevice newDevice();

    private static byte[] fill(int value) {
        byte[] b = new byte[S];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    /**
     * Submits {@code r} and returns its completion. With the inline completer the callback has
     * run before submit returns; this is {@link LoopbackDevice#execute} without its
     * CompletableFuture, whose CAS loops multiplied model checking's switch points (and its
     * time) for nothing the device does.
     */
    private Completion run(Request r) {
        Completion[] done = new Completion[1];
        device.submit(r, c -> done[0] = c);
        if (done[0] == null) throw new IllegalStateException("inline completer did not complete " + r);
        return done[0];
    }

    /* --------------- LoopbackDevice.submit, one operation per command --------------- */

    @Operation
    public int read(@Param(gen = IntGen.class, conf = "0:1") int sector) {
        byte[] b = new byte[S];
        Completion c = run(Request.read((long) sector * S, b));
        return c.ok() ? b[0] : -1;
    }

    @Operation
    public boolean write(@Param(gen = IntGen.class, conf = "0:1") int sector,
                         @Param(gen = IntGen.class, conf = "1:3") int value) {
        return run(Request.write((long) sector * S, fill(value))).ok();
    }

    @Operation
    public boolean writeFua(@Param(gen = IntGen.class, conf = "0:1") int sector,
                            @Param(gen = IntGen.class, conf = "4:5") int value) {
        return run(Request.writeFua((long) sector * S, fill(value))).ok();
    }

    @Operation
    public boolean flush() {
        return run(Request.flush()).ok();
    }

    @Operation
    public boolean discard(@Param(gen = IntGen.class, conf = "0:1") int sector) {
        return run(Request.discard((long) sector * S, S)).ok();
    }

    /* --------------- inspection --------------- */

    @Operation
    public int peekDurable(@Param(gen = IntGen.class, conf = "0:1") int sector) {
        return device.peekDurable((long) sector * S, S)[0];
    }

    /* --------------- the two modes --------------- */

    @Test
    public void modelCheckingTest() {
        System.out.println(getClass().getSimpleName() + " model checking: " + LincheckOptions.describe(LincheckOptions.DEVICE));
        LincheckOptions.modelChecking().check(getClass());
    }

    @Test
    public void stressTest() {
        System.out.println(getClass().getSimpleName() + " stress: " + LincheckOptions.describe(LincheckOptions.DEVICE));
        LincheckOptions.stress().check(getClass());
    }
}
