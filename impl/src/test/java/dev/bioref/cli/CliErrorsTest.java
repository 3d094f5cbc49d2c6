// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The command line as a Unix tool: exit 0 OK, 1 a check failed, 2 usage, 3 environment; each
 * error is one line on stderr naming the bad value, with a stack trace only under --verbose.
 * One test per class of bad input.
 */
class CliErrorsTest {

    static void oneLine(CliRun r, int code, String... mustContain) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), "not one line:\n" + r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace without --verbose:\n" + r.err());
        for (String s : mustContain) assertTrue(r.err().contains(s), s + " missing in: " + r.err());
    }

    @Test void moreThreadsThanKeysIsAUsageError() {
        oneLine(CliRun.of("simulate", "--threads", "5", "--keys", "3"), Main.USAGE, "--threads 5 exceeds --keys 3");
    }

    @Test void aKeySpaceTooLargeForTheDeviceIsAUsageError() {
        oneLine(CliRun.of("simulate", "--keys", "2000000"), Main.USAGE, "--keys must be from 1 to 50000", "2000000");
    }

    @Test void aNonNumericValueIsAUsageError() {
        oneLine(CliRun.of("simulate", "--ops", "abc"), Main.USAGE, "'abc'");
        oneLine(CliRun.of("model", "--workers", "abc"), Main.USAGE, "--workers", "'abc'");
        oneLine(CliRun.of("simulate", "--watchdog", "-1"), Main.USAGE, "--watchdog", "-1");
    }

    @Test void anUnknownMutationIsAUsageErrorListingTheKnownOnes() {
        oneLine(CliRun.of("simulate", "--mutation", "noSuchGuard"), Main.USAGE, "noSuchGuard", "firstOffsetNotLagged");
    }

    @Test void aMissingDirectoryIsAnEnvironmentError(@TempDir Path tmp) {
        String img = tmp.resolve("no/such/dir/vol.img").toString();
        CliRun r = CliRun.of("simulate", "--ops", "10", "--no-progress", "--device", "file:" + img);
        oneLine(r, Main.ENVIRONMENT, "environment error", img);
        assertFalse(r.out().contains("replay"), "an environment error is not a failed check:\n" + r.out());
    }

    @Test void aDirectoryInPlaceOfTheImageIsAnEnvironmentError(@TempDir Path tmp) {
        oneLine(CliRun.of("simulate", "--ops", "10", "--no-progress", "--device", "file:" + tmp), Main.ENVIRONMENT,
                "environment error", tmp.toString());
    }

    @Test void verbosePrintsTheStackTrace(@TempDir Path tmp) {
        CliRun r = CliRun.of("simulate", "--ops", "10", "--no-progress", "--verbose", "--device",
                "file:" + tmp.resolve("no/dir/vol.img"));
        assertEquals(Main.ENVIRONMENT, r.code());
        assertTrue(r.err().contains("\tat dev.bioref.device.FileBackend.create"), r.err());
    }

    @Test void helpListsEveryMutation() {
        CliRun r = CliRun.of("simulate", "--help");
        assertEquals(0, r.code());
        String flat = r.out().replaceAll("\\s+", " ");
        for (String m : dev.bioref.sim.SimOptions.mutationNames()) assertTrue(flat.contains(m), m + " missing in --help");
        assertTrue(flat.contains("3: environment error"), flat);
    }

    @Test void aMutationTheRunCannotSeeSaysSoAtStart() {
        CliRun r = CliRun.of("simulate", "--ops", "50", "--keys", "20", "--no-progress", "--mutation", "dataAfterMeta");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("note: --mutation dataAfterMeta cannot be seen by this run: harmless by design"), r.out());
        CliRun w = CliRun.of("simulate", "--ops", "50", "--keys", "20", "--no-progress", "--mutation", "completeSkipsWakeup");
        assertTrue(w.out().contains("note: --mutation completeSkipsWakeup cannot be seen by this run: a lost wakeup needs a sleeper"), w.out());
    }
}
