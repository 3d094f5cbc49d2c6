// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.List;

import static dev.bioref.uvm.UvmTestSupport.PG;
import static dev.bioref.uvm.UvmTestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash states of the device under the pager. msync(MS_SYNC) is a CLEANIT|SYNCIO flush followed
 * by VOP_FSYNC (the device FLUSH, this toy FS's durability point). Checked: after it returns
 * success, a crash keeps every page it was asked to clean; a failed write is reported or the page
 * stays dirty (so a later msync still writes it); in faithful mode RE-3 marks the page clean after
 * the failed write, msync reports success, and the crash shows the loss.
 */
@org.junit.jupiter.api.Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)   // a hang is a failure
class UvmCrashTest {
    static final int PAGES = 4;

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void syncMsyncSuccessIsDurable(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PAGES * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] expect = new byte[PAGES * PG];
        for (int i = 0; i < PAGES; i++) {
            byte[] b = bytes(i + 40, 300);
            c.store(m, (long) i * PG + 7, b);
            System.arraycopy(b, 0, expect, i * PG + 7, 300);
        }
        assertTrue(c.msync(m, 0, PAGES * PG, true));
        l.device.crash();
        assertArrayEquals(expect, vp.readFileDurable(0, PAGES * PG));
        l.checkInvariants();
    }

    @ParameterizedTest
    @EnumSource(UvmMode.class)
    void failedWriteIsReportedOrStaysDirty(UvmMode mode) {
        VnodeLayer l = UvmTestSupport.world(mode);
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(0);
        c.grow(vp, PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] a = bytes(77, 64);
        c.store(m, 0, a);
        vp.failNextWrites(1);
        boolean ok = c.msync(m, 0, PG, true);
        assertTrue(c.msync(m, 0, PG, true));                // nothing injected any more
        l.device.crash();
        boolean durable = Arrays.equals(a, vp.readFileDurable(0, 64));
        if (mode == UvmMode.FAITHFUL) {
            assertTrue(ok, "RE-3: the failed write is not reported");
            assertFalse(durable, "RE-3: the page was marked clean, so the retry wrote nothing: the data is lost");
        } else {
            assertFalse(ok, "the failed write is reported");
            assertTrue(durable, "the page stayed dirty, so the retry wrote it");
        }
    }

    /**
     * Random stores, injected write errors and short writes, msync(MS_SYNC), crashes (FIXED mode):
     * every successful msync is durable across the next crash, and every reported failure leaves
     * the data dirty so that a clean msync later makes it durable.
     */
    @Property(tries = 40)
    void fixedModeNeverLosesAnAcknowledgedWrite(@ForAll @Size(min = 1, max = 25) List<@IntRange(min = 0, max = 99) Integer> ops) {
        VnodeLayer l = UvmTestSupport.world(UvmMode.FIXED);
        l.throwOnFlaw = true;
        UvmFaultClient c = new UvmFaultClient(l);
        Vnode vp = l.vnode(1);
        c.grow(vp, PAGES * PG);
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] model = new byte[PAGES * PG];
        int v = 0;
        for (int op : ops) {
            int page = op % PAGES;
            if (op < 50) {
                byte[] b = bytes(++v, 100);
                c.store(m, (long) page * PG + op, b);
                System.arraycopy(b, 0, model, page * PG + op, 100);
            } else if (op < 62) {
                vp.failNextWrites(1);
            } else if (op < 70) {
                vp.shortNextWrite(op * 13);
            } else if (op < 90) {
                if (c.msync(m, 0, PAGES * PG, true)) {
                    l.device.crash();
                    assertArrayEquals(model, vp.readFileDurable(0, PAGES * PG), "acknowledged msync lost data: " + ops);
                }
            } else {
                c.sync();
            }
            l.checkInvariants();
        }
        vp.failNextWrites(0);
        vp.shortNextWrite(-1);
        assertTrue(c.msync(m, 0, PAGES * PG, true));
        l.device.crash();
        assertArrayEquals(model, vp.readFileDurable(0, PAGES * PG), "a failed write left the page clean: " + ops);
        assertEquals(0, l.flaws().size());
    }

    /** The pages the traced crash run touches: not adjacent, so every write is one page (traces.md, "UvmVnode", Limits). */
    static final int[] TRACED_PAGES = {0, 2, 4};

    /**
     * The crash run above, traced (issue 15 item 3; proofs-notes/traces.md, "Crash runs traced, part 2
     * (session 7)"): one fixed-seed try on {@link UvmTraceValidationTest.Rig}'s traced vnode (FIXED, 6
     * pages), restricted to what TraceUvmVnode follows: stores to pages 0, 2, 4 only (the port clusters
     * adjacent dirty pages, the spec writes one page per I/O), injected write errors and short writes
     * (FIXED: a short write is EIO, so both are the spec's failed write, logged in {@code failed}), and a
     * pageout where the property above calls sync (sync of a WRITEABLE object is Unmodelled). The crash
     * oracle is the same: every successful msync(MS_SYNC) is durable across the device crash that follows
     * it, and a reported failure leaves the data dirty. The device and its crash are below the pager (the
     * spec has no disk), so the trace is the pager's steps of the crash run; TLC validates it (one run).
     * Replay: {@code mvn -B -o -pl impl test -Dtest='UvmCrashTest#aTracedCrashRunIsABehaviourOfTheSpec'}.
     */
    @Property(tries = 1, seed = "20261207", edgeCases = net.jqwik.api.EdgeCasesMode.NONE,
            shrinking = net.jqwik.api.ShrinkingMode.BOUNDED)
    void aTracedCrashRunIsABehaviourOfTheSpec(@ForAll @Size(min = 20, max = 30) List<@IntRange(min = 0, max = 99) Integer> ops) {
        UvmTraceValidationTest.Rig r = new UvmTraceValidationTest.Rig();
        VnodeLayer l = r.layer;
        l.throwOnFlaw = true;
        UvmFaultClient c = r.c;
        Vnode vp = r.vp;
        int size = 6 * PG;
        UvmFaultClient.Mapping m = c.mmap(vp, true);
        byte[] model = new byte[size];
        int v = 0, crashes = 0;
        for (int op : ops) {
            int page = TRACED_PAGES[op % TRACED_PAGES.length];
            if (op < 50) {
                byte[] b = bytes(++v, 100);
                c.store(m, (long) page * PG + op, b);
                System.arraycopy(b, 0, model, page * PG + op, 100);
            } else if (op < 62) {
                vp.failNextWrites(1);
            } else if (op < 70) {
                vp.shortNextWrite(op * 13);
            } else if (op < 90) {
                if (c.msync(m, 0, size, true)) {
                    l.device.crash();
                    crashes++;
                    assertArrayEquals(model, vp.readFileDurable(0, size), "acknowledged msync lost data: " + ops);
                }
            } else {
                c.pageout(vp, (long) page * PG);
            }
            l.checkInvariants();
        }
        vp.failNextWrites(0);
        vp.shortNextWrite(-1);
        assertTrue(c.msync(m, 0, size, true));
        l.device.crash();
        crashes++;
        assertArrayEquals(model, vp.readFileDurable(0, size), "a failed write left the page clean: " + ops);
        assertEquals(0, l.flaws().size());
        List<String> lines = r.log.lines();
        dev.bioref.trace.TraceCheck.Result res = dev.bioref.trace.JqwikTraces.accept("UvmVnode", lines,
                "UvmCrashTest.aTracedCrashRunIsABehaviourOfTheSpec");
        assertEquals(res.events(), res.validated(), () -> "events left unvalidated: " + res.render("UvmVnode"));
        System.out.println("UvmCrashTest traced crash run: " + ops.size() + " ops, " + crashes + " crashes, "
                + lines.stream().filter(x -> x.contains("\"failed\":[") && !x.contains("\"failed\":[]")).count()
                + " events with a failed write; coverage " + res.coverage());
    }
}
