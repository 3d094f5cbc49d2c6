// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./bioref check-trace FILE --spec HammerFlusherSeq} (and HammerFinalizeCrash) on the hand-written examples
 * (specs/trace/examples/hammer-flusher-pass.ndjson and -fail.ndjson): the passing one is accepted
 * with every action covered; the failing one, where the master starts a group while a client is
 * still adding an inode to it (what the spec-only mutant IgnoreGroupLock allows), is rejected at
 * that Flush with the state before it (group_lock held).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HammerTraceExamplesTest {
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

    /** {@code simulate --trace FILE --trace-spec HammerFlusherSeq} writes the flusher's events (their validation: HammerFlusherSeqTraceValidationTest). */
    @Test
    void simulateWritesTheFlusherTraceWithTraceSpec() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("flusher", ".ndjson");
        try {
            CliRun r = CliRun.of("simulate", "--seed", "7", "--ops", "20", "--no-progress", "--trace", f.toString(),
                    "--trace-spec", "HammerFlusherSeq");
            assertEquals(0, r.code(), r.out() + r.err());
            java.util.List<String> lines = java.nio.file.Files.readAllLines(f);
            assertTrue(r.out().contains("trace             " + lines.size() + " events (HammerFlusherSeq)"), r.out());
            assertTrue(lines.get(0).startsWith("{\"v\":1,\"spec\":\"HammerFlusherSeq\",\"seq\":1,\"action\":\"Mount\""), lines.get(0));
            assertTrue(lines.stream().allMatch(l -> l.contains("\"spec\":\"HammerFlusherSeq\"")), "a line of another spec");
            CliRun bad = CliRun.of("simulate", "--ops", "1", "--trace", f.toString(), "--trace-spec", "Foo");
            assertEquals(2, bad.code(), bad.out() + bad.err());
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    /** HammerFinalizeCrash (finalize's order and values): the passing example (v4 final and partial finalizes, a v3 one) covers every action. */
    @Test
    void finalizePassingExampleCoversEveryAction() {
        CliRun r = CheckTraceExamplesTest.run("hammer-finalize-pass.ndjson", "HammerFinalizeCrash");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("ACCEPTED: all 33 events are a behaviour of HammerFinalizeCrash"), r.out());
        for (String a : new String[] {"Mount", "Modify", "FinBegin", "FinData", "FinLockEx", "FinSaveUndo", "FinBarrier1", "FinHdr",
                "FinBarrier3", "FinMeta", "FinFinal", "HeaderBarrier", "Crash"}) {
            assertTrue(r.out().matches("(?s).*\\n  " + a + " +[1-9][0-9]*\\n.*"), a + " not covered:\n" + r.out());
        }
    }

    /** The failing example issues the meta-data before barrier 1 (as metaBeforeUndoBarrier does): rejected at that FinMeta. */
    @Test
    void finalizeFailingExampleIsRejectedWhereMetaPrecedesTheUndoBarrier() {
        CliRun r = CheckTraceExamplesTest.run("hammer-finalize-fail.ndjson", "HammerFinalizeCrash");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("REJECTED: event 7 of 10 cannot be matched by HammerFinalizeCrash"), r.out());
        assertTrue(r.out().contains("\"seq\":7,\"action\":\"FinMeta\""), r.out());
        assertTrue(r.out().contains("  pcFin = \"Barrier1\""), r.out());
    }
}
