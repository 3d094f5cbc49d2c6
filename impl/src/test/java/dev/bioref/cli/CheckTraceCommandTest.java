// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./bioref check-trace}: the two hand-written examples, and bad input (exit 2, one line). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CheckTraceCommandTest {
    static final Path ROOT = dev.bioref.trace.LoopbackTraceValidationTestAccess.root();
    static final String SPECS = ROOT.resolve("specs/src/main/tla").toString();

    @Test
    void passingExampleIsAcceptedWithFullCoverage() {
        CliRun r = CliRun.of("check-trace", ROOT.resolve("specs/trace/examples/loopback-pass.ndjson").toString(),
                "--spec", "LoopbackDevice", "--specs-dir", SPECS);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED: all 13 events are a behaviour of LoopbackDevice"), r.out());
        for (String a : new String[] {"SubmitWrite", "SubmitFlush", "CompleteLost", "CompleteWrite", "CompleteFua", "CompleteFlush", "Crash"}) {
            assertTrue(r.out().matches("(?s).*\\n  " + a + " +[1-9][0-9]*\\n.*"), a + " not covered:\n" + r.out());
        }
    }

    @Test
    void failingExampleIsRejectedAtItsFirstBadEventWithTheStateBefore() {
        CliRun r = CliRun.of("check-trace", ROOT.resolve("specs/trace/examples/loopback-fail.ndjson").toString(),
                "--spec", "LoopbackDevice", "--specs-dir", SPECS);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("REJECTED: event 4 of 5 cannot be matched by LoopbackDevice"), r.out());
        assertTrue(r.out().contains("first unmatched event: {\"v\":1,\"spec\":\"LoopbackDevice\",\"seq\":4,\"action\":\"CompleteFlush\""), r.out());
        assertTrue(r.out().contains("  cache = <<[seq |-> 1, sector |-> 1, val |-> 1]>>"), r.out());
        assertTrue(r.out().contains("replay: ./bioref check-trace "), r.out());
    }

    @Test
    void badInputIsAUsageErrorOnOneLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.ndjson");
        Files.writeString(bad, "{\"v\":1,\"spec\":\"LoopbackDevice\",\"seq\":1,\"action\":\"SubmitWrite\",\"id\":1,\"sector\":0}\n");
        CliRun r = CliRun.of("check-trace", bad.toString(), "--spec", "LoopbackDevice", "--specs-dir", SPECS);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("line 1: SubmitWrite needs field \"fua\""), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = CliRun.of("check-trace", bad.toString(), "--spec", "Nope", "--specs-dir", SPECS);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no trace binding for spec 'Nope'"), r.err());
        r = CliRun.of("check-trace", dir.resolve("missing.ndjson").toString(), "--spec", "LoopbackDevice", "--specs-dir", SPECS);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no trace file"), r.err());
    }
}
