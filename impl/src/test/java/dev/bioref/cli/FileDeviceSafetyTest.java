// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import dev.bioref.device.FileBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --device file:PATH} is safe with a user's files: it writes only to a new path or to a
 * bioref image of the run's geometry (reopened and recovered), refuses anything else unless
 * {@code --format}, and a locked image (another run) is refused.
 */
class FileDeviceSafetyTest {
    static CliRun sim(Path img, String... more) {
        String[] base = {"simulate", "--ops", "80", "--keys", "20", "--crash-every", "40", "--crash-states", "4",
                "--finalize-check-every", "0", "--no-progress", "--device", "file:" + img};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return CliRun.of(all);
    }

    @Test void aFileThatIsNotAnImageIsRefusedAndLeftUnchanged(@TempDir Path tmp) throws Exception {
        Path notes = tmp.resolve("notes.txt");
        Files.writeString(notes, "a user's notes\n");
        CliRun r = sim(notes);
        CliErrorsTest.oneLine(r, Main.USAGE, "refusing to write over", "not a bioref image", "--format");
        assertEquals("a user's notes\n", Files.readString(notes), "the user's file was changed");
    }

    @Test void formatReformatsIt(@TempDir Path tmp) throws Exception {
        Path notes = tmp.resolve("notes.txt");
        Files.writeString(notes, "a user's notes\n");
        CliRun r = sim(notes, "--format");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("device            reformatted " + notes + " (--format"), r.out());
    }

    @Test void anExistingImageIsReopenedAndRecoveredAndTheRunGoesOn(@TempDir Path tmp) {
        Path img = tmp.resolve("vol.img");
        CliRun first = sim(img);
        assertEquals(0, first.code(), first.out() + first.err());
        assertTrue(first.out().contains("device            created a new image " + img), first.out());
        CliRun second = sim(img, "--seed", "2");
        assertEquals(0, second.code(), second.out() + second.err());
        assertTrue(second.out().contains("device            reopened the existing image " + img + "; recovered it (recovery v4"), second.out());
    }

    @Test void anImageOfAnotherGeometryIsRefused(@TempDir Path tmp) throws Exception {
        Path img = tmp.resolve("vol.img");
        assertEquals(0, sim(img).code());
        byte[] before = Files.readAllBytes(img);
        CliRun r = CliRun.of("simulate", "--ops", "10", "--keys", "30", "--no-progress", "--device", "file:" + img);
        CliErrorsTest.oneLine(r, Main.USAGE, "a bioref image of another geometry", "use the same --keys");
        assertArrayEquals(before, Files.readAllBytes(img), "the image was changed");
    }

    @Test void anImageInUseIsRefused(@TempDir Path tmp) {
        Path img = tmp.resolve("vol.img");
        assertEquals(0, sim(img).code());
        try (FileBackend held = FileBackend.openLocked(img)) {
            CliErrorsTest.oneLine(sim(img), Main.ENVIRONMENT, "environment error", "is in use");
        }
    }
}
