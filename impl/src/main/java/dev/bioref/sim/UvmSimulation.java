// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.sim;

import dev.bioref.uvm.UvmDeadlock;
import dev.bioref.uvm.UvmFaultClient;
import dev.bioref.uvm.UvmFlaw;
import dev.bioref.uvm.UvmMode;
import dev.bioref.uvm.UvmVnode;
import dev.bioref.uvm.VmPage;
import dev.bioref.uvm.Vnode;
import dev.bioref.uvm.VnodeLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./bioref simulate --stack uvm}: a seeded workload on the UVM vnode pager
 * ({@link dev.bioref.uvm.UvmVnode}) over the vnode layer and the loopback device: page faults,
 * stores through mappings, msync (MS_ASYNC and MS_SYNC), sync(2), unmaps (persist or kill),
 * truncates to arbitrary sizes, grows, pagedaemon pageouts, vnode recycling, injected write
 * errors and short writes, and crash points.
 *
 * <p>Interface: {@link #run} is a pure function of its {@link Options} (one thread). Checked
 * after every operation: {@code checkInvariants()} (every named clause) and every action property
 * (D1-D4, O9); every load against a model of the files; after each acknowledged msync(MS_SYNC)
 * the file's durable image equals the model; at each crash point, every byte not modified since
 * its file's last acknowledged msync(MS_SYNC) is durable with that value. The first failure
 * stops the run and is reported with the command that replays it. FIXED mode is expected to
 * pass; FAITHFUL mode to fail with a named rough edge.
 */
public final class UvmSimulation {

    /** The run's parameters; {@link #replayCommand()} prints them back. */
    public static final class Options {
        public long seed = 1;
        public int ops = 20_000;
        public UvmMode mode = UvmMode.FIXED;
        /** Probability that one pager write is injected with EIO (and, as often, a short write). */
        public double writeFaultRate = 0.01;
        /** Operations between crash points. */
        public int crashEvery = 2_000;
        /** Rough-edge switches to fix on top of {@link #mode} (faithful mode with some fixes, to find the next flaw). */
        public final List<String> fix = new ArrayList<>();
        /**
         * When set, vnode 0's pager operations are traced for spec UvmVnode (proofs-notes/traces.md,
         * "UvmVnode"), and the workload leaves out what UvmVnode.tla does not model on vnode 0:
         * truncate, grow, recycle (they act on the other files) and sync (skipped).
         */
        public dev.bioref.trace.TraceLog trace;

        dev.bioref.uvm.UvmRoughEdges roughEdges() {
            dev.bioref.uvm.UvmRoughEdges re = mode.roughEdges();
            for (String s : fix) re = re.with(s, false);
            return re;
        }

        public void validate() {
            if (ops <= 0) throw new IllegalArgumentException("--ops must be positive, was " + ops);
            if (writeFaultRate < 0 || writeFaultRate > 1) throw new IllegalArgumentException("--write-fault-rate must be in [0, 1], was " + writeFaultRate);
            if (crashEvery < 0) throw new IllegalArgumentException("--crash-every must be >= 0, was " + crashEvery);
            roughEdges();   // names each unknown switch
        }

        public String replayCommand() {
            Options d = new Options();
            StringBuilder sb = new StringBuilder("./bioref simulate --stack uvm --mode ")
                    .append(mode.name().toLowerCase()).append(" --seed ").append(seed);
            if (ops != d.ops) sb.append(" --ops ").append(ops);
            if (writeFaultRate != d.writeFaultRate) sb.append(" --write-fault-rate ").append(writeFaultRate);
            if (crashEvery != d.crashEvery) sb.append(" --crash-every ").append(crashEvery);
            for (String f : fix) sb.append(" --fix ").append(f);
            return sb.toString();
        }
    }

    /** The outcome: counts, and the first failure (null when every check passed). */
    public record Result(long ops, long faults, long loads, long stores, long msyncs, long syncs, long truncates,
                         long recycles, long pageouts, long crashPoints, long faultsInjected, long reportedLosses, long invariantChecks,
                         String failure, long failedAtOp, long millis) {
        public boolean ok() { return failure == null; }
    }

    static final int FILES = 4;
    static final int MAXPAGES = 12;
    static final int PG = VmPage.PAGE_SIZE;

    private final Options o;
    private final Random rnd;
    private final VnodeLayer l;
    private final UvmFaultClient c;
    private final byte[][] model = new byte[FILES][MAXPAGES * PG];
    private final byte[][] acked = new byte[FILES][MAXPAGES * PG];
    private final boolean[][] modifiedSinceAck = new boolean[FILES][MAXPAGES * PG];
    private final long[] size = new long[FILES];
    private final List<UvmFaultClient.Mapping> maps = new ArrayList<>();
    private long reportedLosses;
    private long faults, loads, stores, msyncs, syncs, truncates, recycles, pageouts, crashPoints, injected, checks;
    private int version;

    private UvmSimulation(Options o) {
        this.o = o;
        this.rnd = new Random(o.seed);
        this.l = new VnodeLayer(o.roughEdges(), FILES, MAXPAGES, 4 * FILES * MAXPAGES, 8);
        this.l.sched.deadlockBoundNanos = TimeUnit.SECONDS.toNanos(2);
        this.c = new UvmFaultClient(l);
    }

    /** Runs the workload; never throws for a check that failed (it is the result). */
    public static Result run(Options o) {
        o.validate();
        return new UvmSimulation(o).go();
    }

    private Result go() {
        long t0 = System.nanoTime();
        String failure = null;
        long at = -1;
        long i = 0;
        try {
            for (int f = 0; f < FILES; f++) {
                size[f] = 2L * PG;
                c.grow(l.vnode(f), size[f]);
            }
            if (o.trace != null) l.trace = new dev.bioref.uvm.UvmTrace(o.trace, l.vnode(0));
            for (i = 0; i < o.ops; i++) {
                step();
                absorbReportedLosses();
                l.checkInvariants();
                checks++;
                if (o.crashEvery > 0 && (i + 1) % o.crashEvery == 0) crashPoint();
            }
            crashPoint();
        } catch (UvmFlaw e) {
            failure = "broken invariant " + e.getMessage();
            at = i;
        } catch (UvmDeadlock e) {
            failure = "deadlock " + e.cycle();
            at = i;
        } catch (dev.bioref.kern.Panic e) {
            failure = "panic: " + e.getMessage();
            at = i;
        } catch (Check e) {
            failure = e.getMessage();
            at = i;
        } catch (RuntimeException e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            at = i;
        }
        return new Result(Math.min(i, o.ops), faults, loads, stores, msyncs, syncs, truncates, recycles, pageouts,
                crashPoints, injected, reportedLosses, checks, failure, at, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Prints the run as {@code ./bioref simulate} does; returns the exit code (0 OK, 1 a check failed). */
    public static int report(Options o, java.io.PrintWriter out) {
        out.println("bioref simulate: stack=uvm mode=" + o.mode.name().toLowerCase() + " seed=" + o.seed + " ops=" + o.ops
                + " write-fault-rate=" + o.writeFaultRate + " crash-every=" + o.crashEvery);
        out.flush();
        Result r = run(o);
        out.printf("  operations        %d of %d (loads %d, stores %d, msync %d, sync %d, truncates %d, pageouts %d, recycles %d)%n",
                r.ops(), o.ops, r.loads(), r.stores(), r.msyncs(), r.syncs(), r.truncates(), r.pageouts(), r.recycles());
        out.printf("  faults injected   %d (EIO or short write; %d pages freed after a failed write, reported)%n", r.faultsInjected(), r.reportedLosses());
        out.printf("  crash points      %d (durable image checked)%n", r.crashPoints());
        out.printf("  invariant checks  %d%n", r.invariantChecks());
        out.printf("  time              %.1f s%n", r.millis() / 1000.0);
        if (r.ok()) {
            out.println("  result            OK");
            out.flush();
            return 0;
        }
        out.println("  result            FAILED at operation " + r.failedAtOp());
        out.println("    " + r.failure());
        String re = roughEdgeOf(r.failure());
        if (re != null) out.println("    rough edge: " + re);
        out.println("  replay: " + o.replayCommand());
        out.flush();
        return 1;
    }

    /** The rough edge a failure message points at (by its signature), or null. */
    public static String roughEdgeOf(String failure) {
        if (failure == null) return null;
        String[][] sig = {
            {"vref used where vget required", "RE-12 (re12SyncVrefsFreeVnode)"},
            {"(RE-3)", "RE-3 (re3MarksCleanOnWriteError)"},
            {"(short write, RE-4)", "RE-4 (re4ShortTransferIsSuccess)"},
            {"(setsize frees from trunc_page, RE-5)", "RE-5 (re5TruncateFreesEofPage)"},
            {"FlushSyncPostInv", "RE-2 or RE-22 (re2IosyncWaitsOnlyForNio, re22IosyncIgnoresFaultBusyPages)"},
            {"UvnVnodeRefBalanceInv", "RE-6 or RE-23 (re6RelkillLeaksVref, re23ReferenceChecksOnlyValid)"},
            {"no I/O to wait for", "RE-7 or RE-20 (re7TerminateWaitsOnNio, re20GetIgnoresDying)"},
            {"UvnNoLeakedIosyncInv", "RE-8 (re8TerminateLeaksIosync)"},
            {"uvn_cluster: offset out of range", "RE-18 (re18AgainRetrySkipsRevalidation)"},
            {"caller did not check wire count", "RE-16 (re16FinishChecksWrongPage)"},
            {"simple lock(s) held", "RE-13 (re13VreleUnderObjectLock)"},
            {"UvnRecycleSafetyInv", "RE-1 (re1AttachWindowIgnored)"},
            {"UvnWlistMatchesWriteableInv", "RE-11 (re11SyncUnlinksWithoutWlLock)"},
        };
        for (String[] s : sig) if (failure.contains(s[0])) return s[1];
        return null;
    }

    /** A model check that failed. */
    static final class Check extends RuntimeException {
        private static final long serialVersionUID = 1L;
        Check(String m) { super(m); }
    }

    private void step() {
        if (rnd.nextDouble() < o.writeFaultRate) {
            Vnode vp = l.vnode(rnd.nextInt(FILES));
            if (rnd.nextBoolean()) vp.failNextWrites(1); else vp.shortNextWrite(rnd.nextInt(PG));
            injected++;
        }
        int r = rnd.nextInt(100);
        if (r < 8 || maps.isEmpty()) { mmap(); return; }
        if (r < 14) { munmap(); return; }
        if (r < 44) { store(); return; }
        if (r < 64) { load(); return; }
        if (r < 74) { msync(rnd.nextBoolean()); return; }
        if (r < 78) {
            if (o.trace != null) return;             // uvm_vnp_sync: not in UvmVnode.tla
            c.sync();
            syncs++;
            return;
        }
        if (r < 83) { truncate(); return; }
        if (r < 87) { grow(); return; }
        if (r < 94) { pageout(); return; }
        recycle();
    }

    private UvmFaultClient.Mapping pick() { return maps.get(rnd.nextInt(maps.size())); }

    private void mmap() {
        if (maps.size() >= 6) { munmap(); return; }
        UvmFaultClient.Mapping m = c.mmap(l.vnode(rnd.nextInt(FILES)), rnd.nextInt(4) != 0);
        if (m == null) throw new Check("mmap failed (VOP_GETATTR)");
        maps.add(m);
    }

    private void munmap() {
        if (maps.isEmpty()) return;
        c.munmap(maps.remove(rnd.nextInt(maps.size())));
    }

    private void store() {
        UvmFaultClient.Mapping m = pick();
        int f = m.vp.fileId;
        if (!m.writable || size[f] == 0) return;
        long off = evenPage(f, (long) (rnd.nextDouble() * size[f]));
        int len = (int) Math.min(1 + rnd.nextInt(256), Math.min(PG - off % PG, size[f] - off));
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        b[0] = (byte) (++version | 1);
        int err = c.store(m, off, b);
        if (err != 0) throw new Check("store at " + off + " of file " + f + " (size " + size[f] + ") failed with pager result " + err);
        System.arraycopy(b, 0, model[f], (int) off, len);
        Arrays.fill(modifiedSinceAck[f], (int) off, (int) off + len, true);
        stores++;
    }

    private void load() {
        UvmFaultClient.Mapping m = pick();
        int f = m.vp.fileId;
        long off = evenPage(f, (long) (rnd.nextDouble() * MAXPAGES * PG));
        int len = (int) Math.min(1 + rnd.nextInt(128), PG - off % PG);
        int[] err = {0};
        byte[] got = c.load(m, off, len, err);
        loads++;
        faults++;
        if (off - off % PG >= size[f]) {
            if (got != null || err[0] != UvmVnode.VM_PAGER_BAD) {
                throw new Check("load of page past EOF " + size[f] + " at " + off + " of file " + f + " did not fail with BAD");
            }
            return;
        }
        if (got == null) throw new Check("load at " + off + " of file " + f + " failed with pager result " + err[0]);
        int valid = (int) Math.max(0, Math.min(len, size[f] - off));
        for (int b = 0; b < len; b++) {
            byte want = b < valid ? model[f][(int) off + b] : 0;
            if (got[b] != want) {
                throw new Check("lost or stale data: file " + f + " byte " + (off + b) + " reads " + got[b] + ", the last write put "
                        + want + (b >= valid ? " (past EOF " + size[f] + ")" : ""));
            }
        }
    }

    private void msync(boolean sync) {
        UvmFaultClient.Mapping m = pick();
        int f = m.vp.fileId;
        boolean ok = c.msync(m, 0, size[f], sync);
        msyncs++;
        if (!ok || !sync) return;
        byte[] d = m.vp.readFileDurable(0, (int) size[f]);
        for (int b = 0; b < size[f]; b++) {
            if (d[b] != model[f][b]) {
                throw new Check("acknowledged msync(MS_SYNC) of file " + f + " is not durable: byte " + b + " is " + d[b]
                        + " on the device, " + model[f][b] + " in memory");
            }
        }
        System.arraycopy(model[f], 0, acked[f], 0, model[f].length);
        Arrays.fill(modifiedSinceAck[f], false);
    }

    /**
     * With a trace, vnode 0's accesses use even pages only: UvmVnode.tla writes one page per I/O,
     * so no two dirty pages of the traced object may be adjacent (uvm_mk_pcluster).
     */
    private long evenPage(int f, long off) {
        if (o.trace == null || f != 0 || (off / PG) % 2 == 0) return off;
        return off - PG;
    }

    /** A file for truncate, grow and recycle: with a trace, not the traced vnode 0. */
    private int otherFile() { return o.trace != null ? 1 + rnd.nextInt(FILES - 1) : rnd.nextInt(FILES); }

    private void truncate() {
        int f = otherFile();
        if (size[f] == 0) return;
        long n = (long) (rnd.nextDouble() * size[f]);
        c.truncate(l.vnode(f), n);
        Arrays.fill(model[f], (int) n, model[f].length, (byte) 0);
        Arrays.fill(modifiedSinceAck[f], (int) n, model[f].length, true);
        size[f] = n;
        truncates++;
    }

    private void grow() {
        int f = otherFile();
        long n = Math.min((long) MAXPAGES * PG, size[f] + 1 + rnd.nextInt(3 * PG));
        c.grow(l.vnode(f), n);
        size[f] = n;
    }

    private void pageout() {
        int f = rnd.nextInt(FILES);
        c.pageout(l.vnode(f), (long) rnd.nextInt(MAXPAGES) * PG);
        pageouts++;
    }

    private void recycle() {
        if (l.recycle(l.vnode(otherFile()))) recycles++;
    }

    /**
     * A page freed after a failed write was reported ("changes may be lost", flush returns FALSE):
     * the kernel told the user, so from now on the file holds what the device holds for that page.
     */
    private void absorbReportedLosses() {
        for (VnodeLayer.LossReport lr : l.drainLossReports()) {
            int f = lr.fileId();
            int from = (int) lr.pageOffset();
            int to = (int) Math.min(from + PG, size[f]);
            if (to <= from) continue;
            byte[] d = l.vnode(f).readFile(from, to - from);
            System.arraycopy(d, 0, model[f], from, to - from);
            Arrays.fill(modifiedSinceAck[f], from, to, true);
            reportedLosses++;
        }
    }

    /** The durable image keeps every byte acknowledged by a msync(MS_SYNC) and not modified since. */
    private void crashPoint() {
        crashPoints++;
        for (int f = 0; f < FILES; f++) {
            byte[] d = l.vnode(f).readFileDurable(0, MAXPAGES * PG);
            for (int b = 0; b < d.length; b++) {
                if (!modifiedSinceAck[f][b] && d[b] != acked[f][b]) {
                    throw new Check("crash point: file " + f + " byte " + b + " acknowledged as " + acked[f][b]
                            + " by msync(MS_SYNC) is " + d[b] + " in the durable image");
                }
            }
        }
    }
}
