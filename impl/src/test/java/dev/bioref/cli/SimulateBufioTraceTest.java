// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./bioref simulate --stack bufio --trace FILE} writes client a's DmBufio events (NDJSON v1,
 * starting with the client's Init) and says how many. That check-trace accepts such a file is
 * BufioTraceValidationTest's (simulateRunIsABehaviourOfDmBufio, -Dbioref.thorough=true) and the
 * measured run in proofs-notes/traces.md.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulateBufioTraceTest {
    @Test
    void bufioSimulateWritesTheDmBufioTrace(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.ndjson");
        CliRun r = CliRun.of("simulate", "--stack", "bufio", "--seed", "7", "--ops", "40", "--trace", f.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> lines = Files.readAllLines(f);
        assertTrue(lines.size() > 40, "events: " + lines.size());
        assertTrue(r.out().contains("trace             " + lines.size() + " events (DmBufio) in " + f), r.out());
        assertEquals("{\"v\":1,\"spec\":\"DmBufio\",\"seq\":1,\"action\":\"Init\",\"capacity\":32,\"reserved\":2}", lines.get(0));
        assertTrue(lines.stream().noneMatch(l -> l.contains("\"Unmodelled\"")), "the traced workload makes only modelled calls");
    }
}
