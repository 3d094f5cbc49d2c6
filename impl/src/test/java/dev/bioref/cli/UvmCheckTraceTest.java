// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./bioref check-trace --spec UvmVnode} (proofs-notes/traces.md, "UvmVnode"): the
 * hand-written examples (specs/trace/examples/uvm-pass.ndjson accepted with every action
 * covered, uvm-fail.ndjson rejected at its msync that leaves a page writable), and
 * {@code ./bioref simulate --stack uvm --trace FILE} whose trace is accepted, and rejected
 * at the first event after that event is edited.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class UvmCheckTraceTest {
    static final Path ROOT = dev.bioref.trace.LoopbackTraceValidationTestAccess.root();
    static final String SPECS = ROOT.resolve("specs/src/main/tla").toString();
    static final String[] ACTIONS = {"Attach", "Reference", "Detach", "MapperQuit", "Recycle", "ForceUnmount", "Store",
        "Fault", "Pageout", "Msync"};

    static CliRun check(Path file) {
        return CliRun.of("check-trace", file.toString(), "--spec", "UvmVnode", "--specs-dir", SPECS);
    }

    /** The two examples, checked at the same time (one TLC worker each; the machine has two cores). */
    @Test
    void passingExampleCoversEveryActionAndFailingExampleIsRejectedAtItsMsync() throws Exception {
        CompletableFuture<CliRun> pass = CompletableFuture.supplyAsync(() -> check(ROOT.resolve("specs/trace/examples/uvm-pass.ndjson")));
        CliRun f = check(ROOT.resolve("specs/trace/examples/uvm-fail.ndjson"));
        CliRun r = pass.get();
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED: all 13 events are a behaviour of UvmVnode"), r.out());
        for (String a : ACTIONS) assertTrue(r.out().matches("(?s).*\\n  " + a + " +[1-9][0-9]*\\n.*"), a + " not covered:\n" + r.out());
        // uvm-fail: the SYNCIO msync leaves page 0 writable, as flushSkipsWriteProtect does
        assertEquals(1, f.code(), f.out() + f.err());
        assertTrue(f.out().startsWith("REJECTED: event 5 of 13 cannot be matched by UvmVnode"), f.out());
        assertTrue(f.out().contains("\"seq\":5,\"action\":\"Msync\""), f.out());
    }

    /** simulate --stack uvm --trace: accepted; the same trace with one Store's dirty pages edited: rejected there. */
    @Test
    void simulateTraceIsAcceptedAndAnEditedOneRejected(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("uvm.ndjson");
        CliRun sim = CliRun.of("simulate", "--stack", "uvm", "--trace", t.toString(), "--seed", "7", "--ops", "300");
        assertEquals(0, sim.code(), sim.out() + sim.err());
        assertTrue(sim.out().contains("events (UvmVnode, vnode 0) in " + t), sim.out());
        CompletableFuture<CliRun> accepted = CompletableFuture.supplyAsync(() -> check(t));   // beside the edited one's check

        List<String> lines = new ArrayList<>(Files.readAllLines(t));
        int bad = -1;
        for (int i = 0; i < lines.size() && bad < 0; i++) {
            if (lines.get(i).contains("\"action\":\"Store\"") && lines.get(i).contains("\"dirty\":[0]")) bad = i;
        }
        assertTrue(bad >= 0, "no Store of page 0 in the trace");
        lines.set(bad, lines.get(bad).replace("\"dirty\":[0]", "\"dirty\":[]"));   // the store's modification not seen
        Path edited = dir.resolve("edited.ndjson");
        Files.write(edited, lines);
        CliRun no = check(edited);
        CliRun ok = accepted.get();
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("ACCEPTED: all "), ok.out());
        System.out.println("[UvmVnode simulate trace] " + ok.out().lines().findFirst().orElse(""));
        assertEquals(1, no.code(), no.out() + no.err());
        assertTrue(no.out().startsWith("REJECTED: event " + (bad + 1) + " of " + lines.size()), no.out());
    }
}
