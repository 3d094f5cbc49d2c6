// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.bioref.buf.BufTestSupport.BLK;
import static dev.bioref.buf.BufTestSupport.fill;
import static dev.bioref.buf.BufTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The exact trace events (proofs-notes/traces.md "BufCache events") of single operations, without
 * TLC: which BufCache.tla action each step logs, with which header, block, flags and queue, and
 * which steps are logged as Unmodelled. {@code BufCacheTraceValidationTest} checks whole traces
 * against the spec (5 s a run); this test pins each logging site of the protocol methods in a
 * fraction of a second (the trace-call mutants of proofs-notes/pit.md §6.2, closed in §8.2).
 * Flags are the trace's bit mask: 1 DELWRI, 2 CACHE, 4 INVAL, 8 LOCKED, 16 ERROR, 32 HASHED.
 */
@ExtendWith(CheckInvariantsExtension.class)
class BufCacheTraceStepsTest {
    final BufCache c = BufTestSupport.cache(8);
    final LoopbackDevice dev = BufTestSupport.device(32);
    final Vnode vp = c.vnode("dev0", dev, BLK);
    final TraceLog log = TraceLog.inMemory("BufCache");
    private int seen;

    BufCacheTraceStepsTest() { c.traceTo(log, vp); }

    /**
     * Asserts the events logged since the last call, without the "v", "spec" and "seq" fields
     * and with each buffer description inside an Unmodelled op cut to its name ("buf3").
     */
    private void expect(String... events) {
        List<String> all = log.lines();
        List<String> got = new ArrayList<>();
        for (String l : all.subList(seen, all.size())) {
            got.add(l.replaceFirst("^\\{\"v\":1,\"spec\":\"BufCache\",\"seq\":\\d+,", "{")
                    .replaceAll("(buf\\d+)\\[[^\\[]*lock=(Thread\\[[^\\]]*\\]|[A-Za-z_\\-]+)\\]", "$1")
                    .replace('"', '\''));
        }
        seen = all.size();
        assertEquals(List.of(events), got);
    }

    private static String step(String action, int h, int flags, String queue) {
        return "{'action':'" + action + "','h':" + h + ",'flags':" + flags + ",'queue':'" + queue + "'}";
    }

    private static String withBlock(String action, int h, int b, int flags, String queue) {
        return "{'action':'" + action + "','h':" + h + ",'b':" + b + ",'flags':" + flags + ",'queue':'" + queue + "'}";
    }

    private static String done(String action, int h, int flags, String queue) {
        return "{'action':'" + action + "','h':" + h + ",'fail':false,'flags':" + flags + ",'queue':'" + queue + "'}";
    }

    private static String unmodelled(String op) { return "{'action':'Unmodelled','op':'" + op + "'}"; }

    private Buf get(int b) { return c.getblk(vp, (long) b * BLK, BLK, 0, 0); }

    @Test void theWritesAndReadsLogTheirSpecActions() {
        Buf bp = get(0);
        expect(withBlock("getblk_new", 0, 0, 32, "NONE"));
        System.arraycopy(pattern(1, BLK), 0, bp.b_data(), 0, BLK);
        assertEquals(0, c.bwrite(bp));
        expect(step("bwrite", 0, 34, "NONE"), done("biodone_write", 0, 34, "CLEAN"));
        bp = get(0);
        expect(withBlock("getblk_found", 0, 0, 34, "NONE"));
        c.bdwrite(bp);
        expect(step("bdwrite", 0, 35, "DIRTY"));
        c.bawrite(get(0));
        expect(withBlock("getblk_found", 0, 0, 35, "NONE"), step("bawrite", 0, 35, "NONE"),
                done("biodone_write", 0, 34, "CLEAN"));
        assertArrayEquals(pattern(1, BLK), dev.peekVisible(0, BLK));
        Buf[] bpp = new Buf[1];
        assertEquals(0, c.bread(vp, BLK, BLK, bpp));
        expect(withBlock("getblk_new", 1, 1, 32, "NONE"), step("bread", 1, 32, "NONE"),
                done("biodone_read", 1, 34, "NONE"));
        c.brelse(bpp[0]);
        expect(step("brelse", 1, 34, "CLEAN"));
        bp = get(1);
        bp.setFlags(Buf.B_INVAL);
        c.brelse(bp);
        expect(withBlock("getblk_found", 1, 1, 34, "NONE"), step("binval_brelse", 1, 4, "EMPTY"));
    }

    @Test void stepsTheSpecDoesNotModelAreLoggedAsUnmodelled() {
        c.bqrelse(fill(c, vp, 0, pattern(1, BLK)));
        Buf bp = get(0);
        expect(withBlock("getblk_new", 0, 0, 32, "NONE"), step("bqrelse", 0, 32, "CLEAN"),
                withBlock("getblk_found", 0, 0, 32, "NONE"));
        c.setMemoryPressure(() -> true);
        c.bqrelse(bp);                            // handed to brelse: destroyed
        c.setMemoryPressure(() -> false);
        expect(unmodelled("bqrelse under memory pressure (brelse)"));
        assertNull(c.findblk(vp, 0, BufCache.FINDBLK_TEST), "released for its memory");

        c.bqrelse(fill(c, vp, 3L * BLK, pattern(3, BLK)));
        expect(withBlock("getblk_new", 0, 3, 32, "NONE"), step("bqrelse", 0, 32, "CLEAN"));
        bp = c.getblk(vp, 3L * BLK, BLK / 2, 0, 0);
        expect(unmodelled("getblk of block 3072 with a new size 512"), step("brelse", 0, 4, "EMPTY"),
                withBlock("getblk_new", 0, 3, 32, "NONE"));
        assertEquals(BLK / 2, bp.b_bcount());
        c.brelse(bp);
        expect(step("brelse", 0, 32, "CLEAN"));

        bp = get(4);
        c.bdirty(bp);                             // dirty without valid contents
        c.bqrelse(bp);
        expect(withBlock("getblk_new", 1, 4, 32, "NONE"), step("bqrelse", 1, 33, "DIRTY"));
        bp = get(4);
        expect(unmodelled("getblk found a dirty buffer without B_CACHE buf1"), step("bwrite", 1, 35, "NONE"),
                done("biodone_write", 1, 4, "EMPTY"), withBlock("getblk_new", 1, 4, 32, "NONE"));
        c.brelse(bp);
        expect(step("brelse", 1, 32, "CLEAN"));

        bp = get(5);
        bp.set_b_cmd(BufCmd.FREEBLKS);
        c.bpdone(bp, true);
        expect(withBlock("getblk_new", 2, 5, 32, "NONE"), unmodelled("bpdone of a FREEBLKS on buf2"),
                step("brelse", 2, 4, "EMPTY"));
    }

    @Test void stepsOnAnotherVnodeAndAsynchronousReadsAreUnmodelled() {
        Vnode vp2 = c.vnode("dev1", BufTestSupport.device(8), BLK);
        Buf[] bpp = new Buf[1];
        assertEquals(0, c.bread(vp2, 0, BLK, bpp));
        c.brelse(bpp[0]);
        String other = " on vnode(dev1, blksize=1024) (the trace follows one vnode)";
        expect(unmodelled("getblk_new" + other), unmodelled("bread" + other), unmodelled("biodone_read" + other),
                unmodelled("brelse" + other));
        assertEquals(0, c.breadn(vp, 6L * BLK, BLK, new long[] {7L * BLK}, new int[] {BLK}, 1, bpp));
        c.brelse(bpp[0]);
        expect(withBlock("getblk_new", 1, 6, 32, "NONE"), step("bread", 1, 32, "NONE"),
                done("biodone_read", 1, 34, "NONE"), unmodelled("breadn read-ahead"),
                withBlock("getblk_new", 2, 7, 32, "NONE"),
                unmodelled("an asynchronous READ completes and releases buf2"), step("brelse", 1, 34, "CLEAN"));
        assertTrue(c.findblk(vp, 7L * BLK, BufCache.FINDBLK_TEST).hasFlags(Buf.B_CACHE), "the read-ahead is cached");
    }

    @Test void theReclaimerAndTheDaemonLogTheirSteps() {
        Buf pinned = fill(c, vp, 0, pattern(1, BLK));
        RecordingOps ops = new RecordingOps(c);
        ops.attach(pinned);
        ops.deallocateRefuses = true;
        c.bqrelse(pinned);
        Buf bq = fill(c, vp, BLK, pattern(2, BLK));
        c.bqrelse(bq);
        expect(withBlock("getblk_new", 0, 0, 32, "NONE"), step("bqrelse", 0, 32, "CLEAN"),
                withBlock("getblk_new", 1, 1, 32, "NONE"), step("bqrelse", 1, 32, "CLEAN"));
        assertEquals(BufCache.STEP_REFUSED, c.getnewbufReclaim(pinned));
        expect(step("getnewbuf_deallocate_refused", 0, 40, "LOCKED"));
        assertEquals(BufCache.STEP_DONE, c.getnewbufReclaim(bq));
        expect(unmodelled("getnewbufReclaim destroys header 1"));

        c.bdwrite(fill(c, vp, 2L * BLK, pattern(3, BLK)));
        expect(withBlock("getblk_new", 1, 2, 32, "NONE"), step("bdwrite", 1, 35, "DIRTY"));
        assertEquals(1, c.flushbufqueues(false));
        expect(step("flushbufqueues", 1, 35, "NONE"), done("biodone_write", 1, 34, "CLEAN"));

        Buf deferred = fill(c, vp, 3L * BLK, pattern(4, BLK));
        RecordingOps ops2 = new RecordingOps(c);
        ops2.attach(deferred);
        ops2.countdepsAnswer = 1;
        c.bdwrite(deferred);
        expect(withBlock("getblk_new", 2, 3, 32, "NONE"), step("bdwrite", 2, 35, "DIRTY"));
        assertEquals(1, c.flushbufqueues(false));   // deferred once, then written on the same pass
        expect(unmodelled("flushbufqueues defers buf2 (io_countdeps)"), step("flushbufqueues", 2, 35, "NONE"),
                done("biodone_write", 2, 34, "CLEAN"));

        Buf inval = fill(c, vp, 4L * BLK, pattern(5, BLK));
        c.bdwrite(inval);
        inval.setFlags(Buf.B_INVAL);
        expect(withBlock("getblk_new", 3, 4, 32, "NONE"), step("bdwrite", 3, 35, "DIRTY"));
        assertEquals(1, c.flushbufqueues(false));
        expect(unmodelled("flushbufqueues destroys B_INVAL buf3"));

        c.regetblk(pinned);
        pinned.clearFlags(Buf.B_LOCKED);
        for (Object d : List.copyOf(pinned.b_dep())) pinned.dep_remove(d);
        c.brelse(pinned);
        expect("{'action':'regetblk','h':0}", step("brelse", 0, 32, "CLEAN"));
    }

    @Test void getnewbufLettingGoOfAHeaderIsUnmodelled() {
        // 8 headers of 1 KiB: hibufspace 6 KiB, lobufspace 5 KiB
        for (int b = 0; b < 6; b++) c.bqrelse(fill(c, vp, (long) b * BLK, pattern(b, BLK)));
        seen = log.lines().size();
        assertEquals(6L * BLK, c.view().bufspace());
        Buf bp = get(6);
        expect(unmodelled("getnewbuf lets go of header 6 (flushingbufs)"),
                unmodelled("getnewbuf lets go of header 0 (flushingbufs)"), withBlock("getblk_new", 1, 6, 32, "NONE"));
        c.brelse(bp);
    }

    /** A release with tracing off forgets the label a traced step left on the buffer. */
    @Test void aReleaseWithTracingOffClearsTheLabelOfAnEarlierTracedStep() {
        Buf bp = get(2);
        bp.set_b_cmd(BufCmd.WRITE);
        c.bpdone(bp, false);                      // labels the coming release biodone_write
        c.traceTo(null, null);
        c.brelse(bp);
        c.traceTo(log, vp);
        c.bqrelse(get(2));
        expect(withBlock("getblk_new", 0, 2, 32, "NONE"), withBlock("getblk_found", 0, 2, 32, "NONE"),
                step("bqrelse", 0, 32, "CLEAN"));

        bp = get(2);
        bp.set_b_cmd(BufCmd.WRITE);
        c.bpdone(bp, false);
        c.traceTo(null, null);
        c.bqrelse(bp);
        c.traceTo(log, vp);
        c.brelse(get(2));
        expect(withBlock("getblk_found", 0, 2, 32, "NONE"), withBlock("getblk_found", 0, 2, 32, "NONE"),
                step("brelse", 0, 32, "CLEAN"));
    }
}
