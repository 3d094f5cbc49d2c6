// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.CrashStates;
import dev.bioref.device.CrashStates.Bounds;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.WriteLog;
import dev.bioref.trace.LoopbackTraceValidationTestAccess;
import dev.bioref.trace.TraceCheck;
import dev.bioref.trace.TraceDmBufioBinding;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash-state enumeration over the device's write log: after write_dirty_buffers (which ends with
 * issue_flush) returns 0, every buffer marked dirty before the call is durable in every crash
 * state the device can leave from then on, whatever subset of the later, unflushed writes lands.
 * The same check catches M1 (completion clears DIRTY), and fails for crashes during the call.
 *
 * <p>Trace of the crash run (issue 15 item 3; proofs-notes/traces.md, "Traces from the crash runs
 * and finalize's values (session 7)"): the client's steps before the crash points are logged
 * (DmBufio events, {@code Client.traceTo}) and TLC validates them against DmBufio.tla; the crash
 * states themselves are device images, which DmBufio.tla does not model (it has no crash).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufioCrashStatesTest {
    static final int BLOCKS = 12;

    /** What each block must hold in a crash state: its data when the call began, or any data written after. */
    static final class Oracle {
        final Map<Long, Set<String>> allowed = new HashMap<>();

        void require(long block, byte[] data) { allowed.put(block, new HashSet<>(Set.of(Arrays.toString(data)))); }

        void alsoAllow(long block, byte[] data) {
            Set<String> s = allowed.get(block);
            if (s != null) s.add(Arrays.toString(data));
        }

        List<String> check(WriteLog log, String afterMark) {
            List<String> failures = new ArrayList<>();
            CrashStates states = CrashStates.of(log, Bounds.all().afterMark(log, afterMark));
            int[] n = {0};
            states.forEach(s -> {
                n[0]++;
                byte[] img = s.image();
                for (Map.Entry<Long, Set<String>> e : allowed.entrySet()) {
                    int off = (int) (e.getKey() * BS);
                    String got = Arrays.toString(Arrays.copyOfRange(img, off, off + BS));
                    if (!e.getValue().contains(got) && failures.size() < 5) failures.add("block " + e.getKey() + " lost in " + s);
                }
            });
            assertTrue(n[0] > 1, "enumerated " + n[0] + " crash states");
            return failures;
        }
    }

    /**
     * Dirty buffers (held and released, one re-dirtied during an in-flight write, one written by
     * a watermark write), then write_dirty_buffers, then later writes that are never flushed.
     */
    static List<String> scenario(String mutation, String checkFromMark) {
        return scenario(mutation, checkFromMark, null);
    }

    /** {@link #scenario(String, String)} with the client's DmBufio trace to {@code trace} (null: off). */
    static List<String> scenario(String mutation, String checkFromMark, TraceLog trace) {
        GateCompleter gate = new GateCompleter();
        LoopbackDevice dev = BufioTestSupport.device(BLOCKS, BS, gate);
        BufioMutations mut = mutation == null ? BufioMutations.none() : BufioMutations.of(List.of(mutation));
        DmBufio m = BufioTestSupport.unchecked(new DmBufio.Params(), mut, BufioQuirks.none());
        Client c = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(8).reserved(1));
        if (trace != null) c.traceTo(trace);
        WriteLog log = dev.startLog();
        Oracle oracle = new Oracle();
        List<Buffer> held = new ArrayList<>();
        for (int blk = 0; blk < 5; blk++) {
            Buffer b = c.read(blk);
            BufioTestSupport.overwrite(c, b, 10 + blk);
            if (blk % 2 == 0) c.release(b); else held.add(b);
        }
        // block 5: written, then re-dirtied while its write is in flight
        Buffer x = c.read(5);
        BufioTestSupport.overwrite(c, x, 15);
        gate.shut();
        c.writeDirtyBuffersAsync();
        BufioTestSupport.overwrite(c, x, 25);
        gate.open();
        for (int blk = 0; blk < 5; blk++) oracle.require(blk, pattern(10 + blk, BS));
        oracle.require(5, pattern(25, BS));
        dev.mark("call");
        assertEquals(0, c.writeDirtyBuffers());
        dev.mark("returned");
        // later: modify two blocks again and write them without a flush (they may or may not land)
        for (Buffer b : held) {
            BufioTestSupport.overwrite(c, b, 50 + (int) b.blockNumber());
            oracle.alsoAllow(b.blockNumber(), pattern(50 + (int) b.blockNumber(), BS));
        }
        BufioTestSupport.overwrite(c, x, 55);
        oracle.alsoAllow(5, pattern(55, BS));
        // the gate holds the completions until the call has returned: the trace logs the call
        // (wdb_submit) when it ends, so an inline completion would be logged before its submit
        gate.shut();
        c.writeDirtyBuffersAsync();
        gate.open();
        for (Buffer b : held) c.release(b);
        c.release(x);
        return oracle.check(log, checkFromMark);
    }

    @Test void everyBufferDirtyBeforeTheCallIsDurableInEveryCrashState() {
        TraceLog trace = TraceLog.inMemory("DmBufio");
        List<String> failures = scenario(null, "returned", trace);
        assertTrue(failures.isEmpty(), failures.toString());
        // the run before the crash points is a behaviour of DmBufio.tla
        java.nio.file.Path root = LoopbackTraceValidationTestAccess.root();
        java.nio.file.Path kept = root.resolve("impl/target/trace-check/bufio-crash-run.ndjson");
        try {
            java.nio.file.Files.createDirectories(kept.getParent());
            java.nio.file.Files.write(kept, trace.lines());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        TraceCheck.Result r = new TraceCheck(root.resolve("specs/src/main/tla"), root.resolve("impl/target/trace-check"))
                .check(TraceDmBufioBinding.SPEC, trace.lines());
        assertEquals(TraceCheck.Verdict.ACCEPTED, r.verdict(), () -> r.render("DmBufio") + "\nthe trace: " + kept
                + "\nreplay: mvn -o -pl impl test -Dtest='BufioCrashStatesTest#everyBufferDirtyBeforeTheCallIsDurableInEveryCrashState'");
        System.out.println("trace validation DmBufio (crash run BufioCrashStatesTest): " + r.events() + " events, "
                + r.validated() + " validated, accepted, " + r.tlcMillis() + " ms of TLC; action coverage " + r.coverage());
    }

    @Test void completionClearingDirtyLosesTheReDirtiedBlockInSomeCrashState() {
        List<String> failures = scenario("completionClearsDirty", "returned");
        assertFalse(failures.isEmpty(), "M1 must lose block 5's data dirty before the call");
        assertTrue(failures.get(0).startsWith("block 5"), failures.toString());
    }

    @Test void beforeTheCallReturnsSomeCrashStateLosesData() {
        List<String> failures = scenario(null, "call");
        assertFalse(failures.isEmpty(), "durability is promised only when write_dirty_buffers returns");
    }
}
