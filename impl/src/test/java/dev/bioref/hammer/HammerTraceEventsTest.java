// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static dev.bioref.hammer.HammerTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace events of the three HAMMER trace classes ({@link HammerFlusherTrace},
 * {@link HammerFinalizeTrace}, {@link HammerIoTrace}) for one small deterministic run (thread-less
 * flusher: two puts on two inodes, sync, one more put, sync), read directly rather than only
 * through the TLA+ trace validation (5-55 s a class, too slow for PIT). The expected lines are the
 * spec abstraction of proofs-notes/traces.md for this run, explained where not obvious. Found
 * necessary by PIT (proofs-notes/pit.md §9.5).
 */
@ExtendWith(HammerInvariantsExtension.class)
class HammerTraceEventsTest {
    final TraceLog fl = TraceLog.inMemory("HammerFlusherSeq");
    final TraceLog fin = TraceLog.inMemory("HammerFinalizeCrash");
    final TraceLog io = TraceLog.inMemory("HammerIoProtocol");

    /** The run: keys 0 and 9 live on inodes 1 and 2 (key modulo 8 inodes), key 0 is written twice. */
    HammerMount run() {
        HammerOptions o = HammerTestSupport.options();
        o.flusherTrace = new HammerFlusherTrace(fl);
        o.finalizeTrace = new HammerFinalizeTrace(fin);
        o.ioTrace = new HammerIoTrace(io);
        HammerMount hmp = HammerTestSupport.mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.put(9, bytes(100, 2));
        hmp.sync();
        hmp.put(0, bytes(100, 3));
        hmp.sync();
        return hmp;
    }

    /** The lines without the format's common prefix {"v":1,"spec":..,"seq":n, (checked here). */
    static List<String> body(TraceLog log) {
        List<String> lines = log.lines();
        for (int i = 0; i < lines.size(); i++) {
            String prefix = "{\"v\":1,\"spec\":\"" + log.spec() + "\",\"seq\":" + (i + 1) + ",";
            assertTrue(lines.get(i).startsWith(prefix), lines.get(i));
        }
        return lines.stream().map(l -> "{" + l.substring(l.indexOf(",\"action\"") + 1)).toList();
    }

    /**
     * HammerFlusherSeq: the mount starts the spec with the master asleep (no threads: mpc Sleep);
     * each put adds its inode to the fill group 1 (next 2); sync's async closes it (cseq 2 = next - 1
     * after the bump, one group closed) and, thread-less, runs the master loop at once: group 1 runs
     * (Slaves), its two inodes are flushed, finalize publishes done 1, a dummy seq publishes 2, the
     * master sleeps; the client's wait for 2 returns. The second sync repeats it with seqs 3 and 4.
     */
    @Test void theFlusherSequencerLogsEveryStepWithItsValues() {
        run();
        assertEquals(List.of(
            "{\"action\":\"Mount\",\"mount\":1,\"mpc\":\"Sleep\"}",
            "{\"action\":\"AddBegin\",\"c\":\"c1\",\"ino\":1,\"target\":1,\"next\":2,\"fill\":1}",
            "{\"action\":\"AddEnd\",\"c\":\"c1\",\"ino\":1,\"target\":1}",
            "{\"action\":\"AddBegin\",\"c\":\"c1\",\"ino\":2,\"target\":1,\"next\":2,\"fill\":1}",
            "{\"action\":\"AddEnd\",\"c\":\"c1\",\"ino\":2,\"target\":1}",
            "{\"action\":\"Async\",\"c\":\"c1\",\"cseq\":2,\"next\":3,\"closed\":1}",
            "{\"action\":\"MasterWake\"}",
            "{\"action\":\"Flush\",\"done\":0,\"mpc\":\"Slaves\",\"fill\":0}",
            "{\"action\":\"FlushInode\",\"ino\":1,\"wouldblock\":false}",
            "{\"action\":\"FlushInode\",\"ino\":2,\"wouldblock\":false}",
            "{\"action\":\"Finalize\",\"done\":1,\"mpc\":\"Top\"}",
            "{\"action\":\"Flush\",\"done\":2,\"mpc\":\"Top\",\"fill\":0}",
            "{\"action\":\"Flush\",\"done\":2,\"mpc\":\"Sleep\",\"fill\":0}",
            "{\"action\":\"Wait\",\"c\":\"c1\",\"cseq\":2,\"done\":2}",
            "{\"action\":\"AddBegin\",\"c\":\"c1\",\"ino\":1,\"target\":3,\"next\":4,\"fill\":3}",
            "{\"action\":\"AddEnd\",\"c\":\"c1\",\"ino\":1,\"target\":3}",
            "{\"action\":\"Async\",\"c\":\"c1\",\"cseq\":4,\"next\":5,\"closed\":1}",
            "{\"action\":\"MasterWake\"}",
            "{\"action\":\"Flush\",\"done\":2,\"mpc\":\"Slaves\",\"fill\":0}",
            "{\"action\":\"FlushInode\",\"ino\":1,\"wouldblock\":false}",
            "{\"action\":\"Finalize\",\"done\":3,\"mpc\":\"Top\"}",
            "{\"action\":\"Flush\",\"done\":4,\"mpc\":\"Top\",\"fill\":0}",
            "{\"action\":\"Flush\",\"done\":4,\"mpc\":\"Sleep\",\"fill\":0}",
            "{\"action\":\"Wait\",\"c\":\"c1\",\"cseq\":4,\"done\":4}"), body(fl));
    }

    /**
     * HammerFinalizeCrash: spec blocks are numbered per UNDO target in order of first Modify (the two
     * meta slots' targets: 1 and 2; the second put's reuses block 1); spec seqs are port seqs minus the
     * mount's first plus 1. Each sync runs two final finalizes (the group's and the dummy's, the second
     * with nothing new: undos 0, first = next); the v4 header barrier comes after each pair.
     */
    @Test void finalizeLogsItsStepsInOrderWithTheSpecsValues() {
        run();
        assertEquals(List.of(
            "{\"action\":\"Mount\",\"mount\":1,\"v4\":true}",
            "{\"action\":\"Modify\",\"b\":1,\"undos\":1}",
            "{\"action\":\"Modify\",\"b\":2,\"undos\":1}",
            "{\"action\":\"FinBegin\",\"final\":true}",
            "{\"action\":\"FinData\"}",
            "{\"action\":\"FinLockEx\",\"undos\":1,\"snapshot\":1}",
            "{\"action\":\"FinSaveUndo\",\"saveNext\":4}",
            "{\"action\":\"FinBarrier1\",\"ack\":0}",
            "{\"action\":\"FinHdr\",\"first\":1,\"next\":4}",
            "{\"action\":\"FinMeta\"}",
            "{\"action\":\"FinFinal\",\"first\":4,\"cycles\":1}",
            "{\"action\":\"FinBegin\",\"final\":true}",
            "{\"action\":\"FinData\"}",
            "{\"action\":\"FinLockEx\",\"undos\":0,\"snapshot\":2}",
            "{\"action\":\"FinSaveUndo\",\"saveNext\":4}",
            "{\"action\":\"FinBarrier1\",\"ack\":0}",
            "{\"action\":\"FinHdr\",\"first\":4,\"next\":4}",
            "{\"action\":\"FinMeta\"}",
            "{\"action\":\"FinFinal\",\"first\":4,\"cycles\":2}",
            "{\"action\":\"HeaderBarrier\",\"ack\":2}",
            "{\"action\":\"Modify\",\"b\":1,\"undos\":1}",
            "{\"action\":\"FinBegin\",\"final\":true}",
            "{\"action\":\"FinData\"}",
            "{\"action\":\"FinLockEx\",\"undos\":1,\"snapshot\":3}",
            "{\"action\":\"FinSaveUndo\",\"saveNext\":6}",
            "{\"action\":\"FinBarrier1\",\"ack\":2}",
            "{\"action\":\"FinHdr\",\"first\":4,\"next\":6}",
            "{\"action\":\"FinMeta\"}",
            "{\"action\":\"FinFinal\",\"first\":6,\"cycles\":3}",
            "{\"action\":\"FinBegin\",\"final\":true}",
            "{\"action\":\"FinData\"}",
            "{\"action\":\"FinLockEx\",\"undos\":0,\"snapshot\":4}",
            "{\"action\":\"FinSaveUndo\",\"saveNext\":6}",
            "{\"action\":\"FinBarrier1\",\"ack\":2}",
            "{\"action\":\"FinHdr\",\"first\":6,\"next\":6}",
            "{\"action\":\"FinMeta\"}",
            "{\"action\":\"FinFinal\",\"first\":6,\"cycles\":4}",
            "{\"action\":\"HeaderBarrier\",\"ack\":4}"), body(fin));
    }

    /**
     * HammerIoProtocol: ios are numbered in order of first event (META 1, DATA 2, UNDO 3); the root
     * volume is cut at its first event (one Unmodelled, nothing after); frontend steps are thread f1,
     * finalize's per-io loops Fl, the completion K; FlushIssue alone carries reclaim; a new io without
     * a bp is logged released (the spec's Init).
     */
    @Test void ioEventsNameTheirIoThreadAndState() {
        run();
        List<String> lines = body(io);
        assertEquals("{\"action\":\"Ref\",\"io\":1,\"type\":\"META\",\"thread\":\"f1\",\"assoc\":false,\"released\":true,"
                + "\"modified\":false,\"running\":false,\"memVer\":0,\"diskVer\":0}", lines.get(0));
        assertEquals("{\"action\":\"Load\",\"io\":1,\"type\":\"META\",\"thread\":\"f1\",\"assoc\":true,\"released\":false,"
                + "\"modified\":false,\"running\":false,\"memVer\":0,\"diskVer\":0}", lines.get(1));
        List<String> vol = lines.stream().filter(l -> l.contains("\"type\":\"VOLUME\"")).toList();
        assertEquals(1, vol.size(), vol.toString());
        assertTrue(vol.get(0).startsWith("{\"action\":\"Unmodelled\",\"io\":4,\"type\":\"VOLUME\",\"op\":\"the root volume: "), vol.get(0));
        assertEquals(List.of("1 META", "2 DATA", "3 UNDO", "4 VOLUME"), lines.stream()
                .map(l -> l.replaceAll(".*\"io\":(\\d+),\"type\":\"([A-Z]+)\".*", "$1 $2")).distinct().toList());
        for (String l : lines) {
            boolean issue = l.startsWith("{\"action\":\"FlushIssue\"");
            assertEquals(issue, l.contains("\"reclaim\":"), l);
            if (issue) assertTrue(l.contains("\"thread\":\"Fl\"") && l.contains("\"running\":true"), l);
            if (l.startsWith("{\"action\":\"Complete\"")) assertTrue(l.contains("\"thread\":\"K\""), l);
            if (l.startsWith("{\"action\":\"Mutate\"")) assertTrue(l.contains("\"thread\":\"f1\""), l);
        }
        assertEquals(6, lines.stream().filter(l -> l.startsWith("{\"action\":\"FlushIssue\"")).count());
        assertEquals(6, lines.stream().filter(l -> l.startsWith("{\"action\":\"Complete\"")).count());
        // the DATA io's first write: issued at memVer 2 (two puts into its chunk), the completion makes the disk 2
        assertTrue(lines.contains("{\"action\":\"Complete\",\"io\":2,\"type\":\"DATA\",\"thread\":\"K\",\"assoc\":true,"
                + "\"released\":true,\"modified\":false,\"running\":false,\"memVer\":2,\"diskVer\":2}"), lines.toString());
    }

    /** The frontend's autoflush closes a group without waiting: each such async is a fresh client n1, n2, ... */
    @Test void anAutoflushIsANewNoWaitClient() {
        HammerOptions o = HammerTestSupport.options();
        o.flusherTrace = new HammerFlusherTrace(fl);
        o.autoflushRecords = 2;
        HammerMount hmp = HammerTestSupport.mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.put(8, bytes(100, 2));           // inode 1's second record: autoflush
        List<String> lines = body(fl);
        assertEquals("{\"action\":\"AsyncFlg\",\"c\":\"n1\",\"cseq\":1,\"next\":2,\"closed\":1}", lines.get(3), lines.toString());
        hmp.put(16, bytes(100, 3));
        hmp.put(24, bytes(100, 4));
        assertTrue(body(fl).stream().anyMatch(l -> l.startsWith("{\"action\":\"AsyncFlg\",\"c\":\"n2\",")), body(fl).toString());
    }

    /**
     * A critical error cuts both flusher traces: each logs one Unmodelled naming why, and nothing
     * more for that flusher afterwards (the checkers stop validating there).
     */
    @Test void aCriticalErrorEndsTheFlusherAndFinalizeTracesWithOneUnmodelled() {
        HammerOptions o = HammerTestSupport.options();
        o.flusherTrace = new HammerFlusherTrace(fl);
        o.finalizeTrace = new HammerFinalizeTrace(fin);
        HammerMount hmp = HammerTestSupport.mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, bytes(10, 1));
        hmp.sync();
        hmp.put(1, bytes(20, 2));
        // the UNDO write fails: barrier 1 finds the error, finalize stops (fl: its Unmodelled), then the flush
        HammerFaultTest.failWrites(hmp, o.geometry.undoBase(), o.geometry.undoBase() + o.geometry.undoSize(), 1);
        assertThrows(HammerCriticalError.class, hmp::sync);
        List<String> f1 = body(fl);
        List<String> n1 = body(fin);
        assertEquals(1, f1.stream().filter(l -> l.startsWith("{\"action\":\"Unmodelled\"")).count(), f1.toString());
        assertEquals("{\"action\":\"Unmodelled\",\"op\":\"finalize stopped by a critical error\"}", n1.get(n1.size() - 1));
        assertEquals(1, n1.stream().filter(l -> l.startsWith("{\"action\":\"Unmodelled\"")).count(), n1.toString());
        int atFl = f1.size();
        int atFin = n1.size();
        assertThrows(HammerCriticalError.class, hmp::sync);
        o.finalizeTrace.crash(hmp, 0);        // nor a crash of that mount
        assertEquals(atFl, fl.lines().size(), "the flusher trace went on after its Unmodelled");
        assertEquals(atFin, fin.lines().size(), "the finalize trace went on after its Unmodelled");
    }

    /** A remount starts the finalize spec again: Mount 2, and UNDO targets numbered from block 1 again. */
    @Test void aRemountRestartsTheFinalizeTrace() {
        HammerOptions o = HammerTestSupport.options();
        o.finalizeTrace = new HammerFinalizeTrace(fin);
        // not registered with the extensions: after close its in-core copies describe a device the next mount changes
        LoopbackDevice disk = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(disk, o);
        HammerMount hmp = HammerMount.mount(disk, o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.put(9, bytes(100, 2));
        hmp.sync();
        hmp.checkInvariants();
        hmp.close();
        int before = fin.lines().size();
        HammerMount again = HammerMount.mount(hmp.device(), o, HammerMutations.none(), HammerHooks.NONE);
        again.put(9, bytes(100, 3));         // block 2 of the first mount
        again.sync();                        // the meta-data (and its UNDO) is written by the flusher
        List<String> after = body(fin).subList(before, fin.lines().size());
        assertEquals("{\"action\":\"Mount\",\"mount\":2,\"v4\":true}", after.get(0));
        assertEquals("{\"action\":\"Modify\",\"b\":1,\"undos\":1}", after.get(1), after.toString());
        again.checkInvariants();
        again.close();
    }

    /** The crash checker's Crash event: logged with the snapshot recovered to, not for a negative (no match) one. */
    @Test void aCrashIsLoggedWithTheSnapshotRecoveredTo() {
        HammerOptions o = HammerTestSupport.options();
        o.finalizeTrace = new HammerFinalizeTrace(fin);
        HammerMount hmp = HammerTestSupport.mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(100, 1));
        hmp.sync();
        int n = fin.lines().size();
        o.finalizeTrace.crash(hmp, -1);
        assertEquals(n, fin.lines().size());
        o.finalizeTrace.crash(hmp, 0);
        assertEquals("{\"action\":\"Crash\",\"snapshot\":0}", body(fin).get(n));
        o.finalizeTrace.crash(hmp, 2);
        assertEquals("{\"action\":\"Crash\",\"snapshot\":2}", body(fin).get(n + 1));
    }

    @Test void eachTraceRefusesALogOfAnotherSpec() {
        TraceLog other = TraceLog.inMemory("BufCache");
        assertEquals("a HAMMER io trace is checked against HammerIoProtocol, not BufCache",
                assertThrows(IllegalArgumentException.class, () -> new HammerIoTrace(other)).getMessage());
        assertEquals("a HAMMER flusher trace is checked against HammerFlusherSeq, not BufCache",
                assertThrows(IllegalArgumentException.class, () -> new HammerFlusherTrace(other)).getMessage());
        assertEquals("a HAMMER finalize trace is checked against HammerFinalizeCrash, not BufCache",
                assertThrows(IllegalArgumentException.class, () -> new HammerFinalizeTrace(other)).getMessage());
        assertEquals(0, other.events());
    }
}
