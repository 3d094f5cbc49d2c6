// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test void helpExitsZeroAndListsUsage() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: bioref"), r.out());
    }

    @Test void versionNamesTheProject() {
        CliRun r = CliRun.of("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("bioref "), r.out());
    }

    @Test void unknownFlagIsAUsageErrorWithCodeTwo() {
        CliRun r = CliRun.of("--no-such-flag");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-flag"), r.err());
    }
}
