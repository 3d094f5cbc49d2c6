// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kept as a test that expects the failure: {@link LoopbackDevice#crash()} is NOT linearizable
 * with requests in flight, by design (a request in flight at power loss completes with EIO, a
 * result no sequential order of the calls gives). Lincheck must find that; if it ever stopped
 * finding it, either the device changed its crash semantics or the Lincheck wiring stopped
 * seeing non-linearizable histories, and this test fails. This is why {@code crash} is not an
 * operation of {@link AbstractLoopbackDeviceLincheckTest}.
 */
public class CrashVsInflightLincheckTest {
    static final int S = LoopbackDevice.SECTOR_SIZE;

    private final LoopbackDevice device = LoopbackDevice.inMemory(2L * S);

    @Operation
    public boolean write(@Param(gen = IntGen.class, conf = "0:1") int sector) {
        Completion[] done = new Completion[1];
        device.submit(Request.write((long) sector * S, new byte[S]), c -> done[0] = c);
        return done[0].ok();
    }

    @Operation
    public void crash() {
        device.crash();
    }

    /** Without scenario minimisation: the first failing scenario is proof enough, and cheaper. */
    @Test
    public void modelCheckingFindsTheEioOfARequestInFlightAtACrash() {
        Throwable t = assertThrows(Throwable.class, () -> LincheckOptions.modelChecking().minimizeFailedScenario(false).check(getClass()));
        assertTrue(String.valueOf(t.getMessage()).contains("Invalid execution results"), String.valueOf(t.getMessage()));
        assertTrue(String.valueOf(t.getMessage()).contains("crash()"), String.valueOf(t.getMessage()));
    }
}
