// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.device.LincheckOptions;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FAITHFUL port's mapped file is not linearizable (RE-5): after write(v), truncate, a read
 * returns the byte the device had, not v, and validation finds the recorded
 * {@code PagerNoSilentLossInv}. Lincheck's stress mode must report it (invalid results or the
 * failed validation), not a crash of the harness.
 */
class MappedFileFaithfulRefutedTest {
    @Test
    void truncateBelowADirtyByteIsRejected() {
        LincheckAssertionError e = assertThrows(LincheckAssertionError.class, () ->
                LincheckOptions.stress(LincheckOptions.REFUTED).minimizeFailedScenario(false)
                        .sequentialSpecification(MappedFileSpec.class).check(MappedFileFaithful.class));
        System.out.println(e.getMessage());     // the report, for the log
        String msg = e.getMessage();
        assertTrue(msg.contains("Invalid execution results") || msg.contains("PagerNoSilentLossInv"), msg);
    }
}
