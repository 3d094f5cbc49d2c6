// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./bioref check-trace FILE --spec HammerFlusherSeq} on the hand-written examples
 * (specs/trace/examples/hammer-flusher-pass.ndjson and -fail.ndjson): the passing one is accepted
 * with every action covered; the failing one, where the master starts a group while a client is
 * still adding an inode to it (what the spec-only mutant IgnoreGroupLock allows), is rejected at
 * that Flush with the state before it (group_lock held).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HammerFlusherSeqTraceExamplesTest {
    @Test
    void passingExampleCoversEveryAction() {
        CliRun r = CheckTraceExamplesTest.run("hammer-flusher-pass.ndjson", "HammerFlusherSeq");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED: all 29 events are a behaviour of HammerFlusherSeq"), r.out());
        for (String a : new String[] {"Mount", "AddBegin", "AddEnd", "Async", "AsyncOne", "AsyncFlg", "Wait", "MasterWake",
                "Flush", "FlushInode", "Finalize"}) {
            assertTrue(r.out().matches("(?s).*\\n  " + a + " +[1-9][0-9]*\\n.*"), a + " not covered:\n" + r.out());
        }
    }

    @Test
    void failingExampleIsRejectedWhereTheMasterIgnoresGroupLock() {
        CliRun r = CheckTraceExamplesTest.run("hammer-flusher-fail.ndjson", "HammerFlusherSeq");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("REJECTED: event 7 of 8 cannot be matched by HammerFlusherSeq"), r.out());
        assertTrue(r.out().contains("\"seq\":7,\"action\":\"Flush\""), r.out());
        assertTrue(r.out().contains("  groupLock = 1"), r.out());
    }
}
