// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./bioref check-trace} on the hand-written examples of the specs bound after
 * LoopbackDevice (specs/trace/examples/&lt;spec&gt;-pass.ndjson and -fail.ndjson): the passing one
 * is accepted with every action of the spec covered, the failing one rejected at its bad event.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CheckTraceExamplesTest {
    static final Path ROOT = dev.bioref.trace.LoopbackTraceValidationTestAccess.root();
    static final String SPECS = ROOT.resolve("specs/src/main/tla").toString();

    static CliRun run(String example, String spec) {
        return CliRun.of("check-trace", ROOT.resolve("specs/trace/examples/" + example).toString(), "--spec", spec, "--specs-dir", SPECS);
    }

    @Test
    void bufCachePassingExampleCoversEveryAction() {
        CliRun r = run("bufcache-pass.ndjson", "BufCache");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED: all 26 events are a behaviour of BufCache"), r.out());
        for (String a : new String[] {"getblk_found", "getblk_new", "getnewbuf_deallocate_refused", "bread", "buf_dep_attach",
                "bdwrite", "bawrite", "bwrite", "brelse", "bqrelse", "binval_brelse", "regetblk", "findblk_ref", "bqdrop",
                "flushbufqueues", "biodone_read", "biodone_write"}) {
            assertTrue(r.out().matches("(?s).*\\n  " + a + " +[1-9][0-9]*\\n.*"), a + " not covered:\n" + r.out());
        }
    }

    @Test
    void bufCacheFailingExampleIsRejectedWhereTheLockedBufferGoesToClean() {
        CliRun r = run("bufcache-fail.ndjson", "BufCache");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("REJECTED: event 6 of 8 cannot be matched by BufCache"), r.out());
        assertTrue(r.out().contains("\"action\":\"flushbufqueues\",\"h\":0,\"flags\":43,\"queue\":\"CLEAN\""), r.out());
        assertTrue(r.out().contains("  b_dep = [h0 |-> \"veto\"]"), r.out());
    }

    @Test
    void dmBufioPassingExampleCoversEveryAction() {
        CliRun r = run("dmbufio-pass.ndjson", "DmBufio");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED: all 37 events are a behaviour of DmBufio"), r.out());
        for (String a : new String[] {"Init", "rd_got", "al_steal", "rd_wait", "release", "mark_buffer_dirty", "forget",
                "shrink", "sh_clean", "shrink_noio", "wdb_submit", "wdb_flush", "CompleteRead", "CompleteWrite"}) {
            assertTrue(r.out().matches("(?s).*\\n  " + a + " +[1-9][0-9]*\\n.*"), a + " not covered:\n" + r.out());
        }
    }

    /** The passing example with a write completion that clears DIRTY set during the write (as completionClearsDirty does). */
    @Test
    void dmBufioFailingExampleIsRejectedAtTheCompletionThatLosesDirty() {
        CliRun r = run("dmbufio-fail.ndjson", "DmBufio");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("REJECTED: event 16 of 37 cannot be matched by DmBufio"), r.out());
        assertTrue(r.out().contains("\"seq\":16,\"action\":\"CompleteWrite\",\"b\":0,\"ok\":true,\"state\":0"), r.out());
    }
}
