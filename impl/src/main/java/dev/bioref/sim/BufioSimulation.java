// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.sim;

import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.BufioQuirks;
import dev.bioref.bufio.DmBufio;
import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.CrashStates;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.device.Op;
import dev.bioref.device.SeededCompleter;
import dev.bioref.device.WriteLog;
import dev.bioref.kern.Clock;
import dev.bioref.kern.ManualClock;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./bioref simulate --stack bufio}: a seeded dm-bufio workload in the spirit of a
 * persistent-data btree client (dm-thin's metadata): walk a path of held blocks (read), shadow a
 * node to a fresh block (new, copy, mark dirty) or modify it in place then mark it dirty, move a
 * block (release_move), commit (write_dirty_buffers, which ends with a FLUSH), with a second
 * client putting the shared cache budget under pressure (global cleanup, shrinker with and without
 * I/O, aging), write faults, and crashes. The device completes I/O in HELPING mode: a seeded
 * completer holds it until a waiter helps or the workload completes some, so writes stay in
 * flight across operations. With the same options the run is the same.
 *
 * <p>Checks: every read returns the newest version of the block (or, after a reported write
 * failure, an older version the block really had); {@code checkInvariants()} after every
 * {@code checkEvery} operations; a commit that returns 0 leaves every block durable at its newest
 * version; a failed write is reported by the next commit; at each crash point every crash state
 * (bounded) holds, per block, the version of the last good commit or a version marked after it,
 * and the device really crashes and the client starts again from the durable image.
 */
public final class BufioSimulation {
    static final int BS = 4096;

    /** Everything that determines a run. */
    public static final class Options {
        public long seed = 1;
        public int ops = 20_000;
        public int blocks = 200;
        public int crashEvery = 2_000;
        public double writeFaultRate = 0.001;
        /** Probability per operation of memory pressure from the second client. */
        public double memoryPressure = 0.1;
        public int crashStates = 64;
        public int checkEvery = 1;
        public final List<String> mutations = new ArrayList<>();
        /**
         * Non-null: client a logs its DmBufio.tla trace events here (proofs-notes/traces.md,
         * "DmBufio"), and the workload makes only the calls DmBufio models: a new, a move or a
         * prefetch becomes a read (the trace would not be validated past such a call).
         */
        public dev.bioref.trace.TraceLog trace;

        /** The command that replays this run (every option that differs from the CLI default). */
        public String replayCommand() {
            Options d = new Options();
            StringBuilder sb = new StringBuilder("./bioref simulate --stack bufio --seed ").append(seed);
            if (ops != d.ops) sb.append(" --ops ").append(ops);
            if (trace != null) sb.append(" --trace FILE");     // the traced workload makes only modelled calls
            if (blocks != d.blocks) sb.append(" --keys ").append(blocks);
            if (crashEvery != d.crashEvery) sb.append(" --crash-every ").append(crashEvery);
            if (writeFaultRate != d.writeFaultRate) sb.append(" --write-fault-rate ").append(writeFaultRate);
            if (memoryPressure != d.memoryPressure) sb.append(" --memory-pressure ").append(memoryPressure);
            if (crashStates != d.crashStates) sb.append(" --crash-states ").append(crashStates);
            if (checkEvery != d.checkEvery) sb.append(" --check-every ").append(checkEvery);
            for (String m : mutations) sb.append(" --mutation ").append(m);
            return sb.toString();
        }

        /** Throws, naming the bad value. */
        public void validate() {
            if (ops < 0) throw new IllegalArgumentException("--ops must be >= 0, was " + ops);
            if (blocks < 8) throw new IllegalArgumentException("--keys (blocks) must be >= 8 for the bufio stack, was " + blocks);
            if (crashEvery < 0) throw new IllegalArgumentException("--crash-every must be >= 0, was " + crashEvery);
            if (!(writeFaultRate >= 0 && writeFaultRate < 1)) throw new IllegalArgumentException("--write-fault-rate must be in [0, 1), was " + writeFaultRate);
            if (!(memoryPressure >= 0 && memoryPressure <= 1)) throw new IllegalArgumentException("--memory-pressure must be in [0, 1], was " + memoryPressure);
            if (crashStates < 1) throw new IllegalArgumentException("--crash-states must be >= 1, was " + crashStates);
            if (checkEvery < 1) throw new IllegalArgumentException("--check-every must be >= 1, was " + checkEvery);
            BufioMutations.of(mutations);
        }
    }

    /** The outcome of a run. */
    public record Result(long ops, long reads, long modifies, long shadows, long moves, long commits, long commitErrors,
                         long crashes, long crashStates, long faults, long evictions, long invariantChecks,
                         List<String> failures, long millis) {
        public boolean ok() { return failures.isEmpty(); }
    }

    private final Options o;
    private final SplittableRandom rnd;
    private final ManualClock clock = new ManualClock();
    private final SeededCompleter completer;
    private final LoopbackDevice dev;
    private final LoopbackDevice devB;
    private final BufioMutations mutations;
    private DmBufio m;
    private Client a, b;
    private WriteLog log;
    /** Newest version of each block; the versions of the last good commit; versions marked since it. */
    private long[] model, committed;
    private List<Set<Long>> since;
    private long version;
    private final List<Buffer> held = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private long reads, modifies, shadows, moves, commits, commitErrors, crashes, crashStatesChecked, evictions, checks;

    private BufioSimulation(Options o) {
        this.o = o;
        this.rnd = new SplittableRandom(o.seed);
        this.completer = new SeededCompleter(o.seed * 0x9E3779B97F4A7C15L + 3);
        FaultPlan plan = o.writeFaultRate > 0
                ? FaultPlan.builder(o.seed + 11).eioWithProbability(Op.WRITE, o.writeFaultRate).build() : FaultPlan.none();
        this.dev = new LoopbackDevice(new MemoryBackend((long) o.blocks * BS), completer, Clock.SYSTEM, plan);
        this.devB = new LoopbackDevice(new MemoryBackend(64L * BS), new dev.bioref.device.InlineCompleter(), Clock.SYSTEM);
        this.mutations = BufioMutations.of(o.mutations);
    }

    /** Runs the simulation; with the same options, the same run. */
    public static Result run(Options o) {
        o.validate();
        return new BufioSimulation(o).go();
    }

    private void start() {
        DmBufio.Params p = new DmBufio.Params();
        p.clock = clock;
        p.cacheSizeBytes = 48L * BS;
        p.retainBytes = 4L * BS;
        p.incrementalGhostCheck = true;
        p.waitTimeoutNanos = TimeUnit.SECONDS.toNanos(30);
        m = new DmBufio(p, mutations, BufioQuirks.none());
        a = m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(32).reserved(2));
        b = m.clientCreate(devB, new DmBufio.ClientOptions().blockSize(BS).capacity(32));
        if (o.trace != null) a.traceTo(o.trace);
        log = dev.startLog();
    }

    private Result go() {
        long t0 = System.nanoTime();
        model = new long[o.blocks];
        committed = new long[o.blocks];
        since = new ArrayList<>();
        for (int i = 0; i < o.blocks; i++) since.add(new HashSet<>());
        start();
        long n = 0;
        try {
            for (; n < o.ops && failures.isEmpty(); n++) {
                step();
                if ((n + 1) % o.checkEvery == 0) {
                    releaseHeldSometimes();
                    m.checkInvariants();
                    checks++;
                }
                if (o.crashEvery > 0 && (n + 1) % o.crashEvery == 0) crashPoint();
            }
            if (failures.isEmpty()) {
                releaseAll();
                commit();
                if (failures.isEmpty()) crashPoint();
            }
        } catch (RuntimeException | AssertionError e) {
            failures.add("op " + n + ": " + e);
        }
        return new Result(n, reads, modifies, shadows, moves, commits, commitErrors, crashes, crashStatesChecked,
                dev.faults().count(), evictions, checks, List.copyOf(failures),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    // ------------------------------------------------------------ content

    private static byte[] content(long ver) {
        byte[] d = new byte[BS];
        if (ver == 0) return d;
        ByteBuffer.wrap(d).putLong(ver);
        for (int i = 8; i < BS; i++) d[i] = (byte) (ver * 31 + i * 7 + 1);
        return d;
    }

    /** The version a block's bytes carry; -1 if they are not any version's content. */
    private static long decode(byte[] d, int off) {
        long ver = ByteBuffer.wrap(d, off, 8).getLong();
        for (int i = 8; i < BS; i++) {
            byte want = ver == 0 ? 0 : (byte) (ver * 31 + i * 7 + 1);
            if (d[off + i] != want) return -1;
        }
        return ver;
    }

    private boolean legal(int blk, long ver) { return ver == committed[blk] || since.get(blk).contains(ver); }

    private void setVersion(int blk, long ver) {
        model[blk] = ver;
        since.get(blk).add(ver);
    }

    private void saw(int blk, byte[] data, String what) {
        long ver = decode(data, 0);
        if (ver == model[blk]) return;
        if (ver >= 0 && legal(blk, ver) && a.writeFailedFor(blk)) {            // a failed write: the block went back to an older version it really had
            model[blk] = ver;
            return;
        }
        throw new AssertionError(what + " of block " + blk + " returned version " + ver + ", expected " + model[blk]);
    }

    // ------------------------------------------------------------ workload

    private int pick() { return rnd.nextInt(o.blocks); }

    private boolean isHeld(int blk) {
        for (Buffer x : held) if (x.blockNumber() == blk) return true;
        return false;
    }

    private void step() {
        int r = rnd.nextInt(100);
        if (o.trace != null && ((r >= 50 && r < 63) || (r >= 76 && r < 80))) r = 0;   // traced: a read instead of new/move/prefetch
        if (r < 30) {                                  // walk: read a node, keep up to 3 held (a btree path)
            int blk = pick();
            Buffer x = a.read(blk);
            reads++;
            saw(blk, x.data(), "read");
            held.add(x);
            if (held.size() > 3) a.release(held.remove(0));
        } else if (r < 50) {                           // modify a held node in place, then mark dirty
            if (held.isEmpty()) return;
            Buffer x = held.get(rnd.nextInt(held.size()));
            int blk = (int) x.blockNumber();
            long v = ++version;
            System.arraycopy(content(v), 0, x.data(), 0, BS);
            a.markBufferDirty(x);
            setVersion(blk, v);
            modifies++;
        } else if (r < 60) {                           // shadow: a fresh block, whole overwrite, mark dirty
            int blk = pick();
            if (isHeld(blk)) return;
            Buffer x = a.new_(blk);
            long v = ++version;
            System.arraycopy(content(v), 0, x.data(), 0, BS);
            a.markBufferDirty(x);
            setVersion(blk, v);
            shadows++;
            held.add(x);
        } else if (r < 63) {                           // relocate a held node (release_move)
            if (held.isEmpty()) return;
            int nb = pick();
            Buffer x = held.get(rnd.nextInt(held.size()));
            if (x.blockNumber() == nb || isHeld(nb)) return;
            held.remove(x);
            long ver = decode(x.data(), 0);
            a.releaseMove(x, nb);
            setVersion(nb, ver);
            moves++;
        } else if (r < 70) {
            if (!held.isEmpty()) a.release(held.remove(rnd.nextInt(held.size())));
        } else if (r < 74) {
            a.writeDirtyBuffersAsync();
        } else if (r < 76) {
            commit();
        } else if (r < 80) {
            int blk = pick();
            a.prefetch(blk, Math.min(4, o.blocks - blk));
        } else if (r < 83) {
            int blk = pick();
            if (rnd.nextBoolean()) a.forget(blk); else a.forgetBuffers(blk, Math.min(8, o.blocks - blk));
        } else {
            for (int k = rnd.nextInt(4); k > 0; k--) completer.completeOne();
        }
        if (rnd.nextDouble() < o.memoryPressure) pressure();
    }

    private void pressure() {
        for (int k = 0; k < 8; k++) b.release(b.read(rnd.nextInt(64)));
        if (m.globalCleanupPending()) evictions += m.globalCleanup();
        evictions += a.shrinkScan(1 + rnd.nextInt(4), rnd.nextBoolean());
        if (rnd.nextInt(10) == 0) {
            clock.advance(TimeUnit.SECONDS.toNanos(DmBufio.DM_BUFIO_WORK_TIMER_NANOS / 1_000_000_000L * 11));
            evictions += m.cleanupOldBuffers();
        }
    }

    private void releaseHeldSometimes() {
        if (rnd.nextInt(4) == 0) releaseAll();
    }

    private void releaseAll() {
        for (Buffer x : held) a.release(x);
        held.clear();
    }

    /** A transaction commit: write_dirty_buffers (+ FLUSH). */
    private void commit() {
        long unreported = a.unreportedWriteFailures();
        int r = a.writeDirtyBuffers();
        commits++;
        if (r == 0 && unreported > 0) {
            failures.add("commit returned 0 with " + unreported + " failed write(s) not yet reported");
            return;
        }
        if (r == 0) {
            for (int blk = 0; blk < o.blocks; blk++) {
                long ver = decode(dev.peekDurable((long) blk * BS, BS), 0);
                if (ver != model[blk] && !a.writeFailedFor(blk)) {
                    failures.add("commit returned 0 but block " + blk + " is durable at version " + ver + ", newest " + model[blk]);
                    return;
                }
            }
            System.arraycopy(model, 0, committed, 0, o.blocks);
            for (Set<Long> s : since) s.clear();
            log = dev.startLog();                      // crash states are enumerated from the last commit
        } else {
            commitErrors++;
            if (a.failedWrites() == 0) failures.add("commit returned " + r + " but no write of the client failed");
            restart(false);                            // the client treats a commit error as fatal and reopens
        }
    }

    /** Reopen (after a commit error or a crash): a new module and clients, the model read back from the device. */
    private void restart(boolean crash) {
        held.clear();
        completer.completeAll();
        if (crash) dev.crash();
        completer.completeAll();
        start();
        for (int blk = 0; blk < o.blocks; blk++) {
            byte[] d = crash ? dev.peekDurable((long) blk * BS, BS) : dev.peekVisible((long) blk * BS, BS);
            long ver = decode(d, 0);
            if (ver < 0 || !legal(blk, ver)) {
                failures.add((crash ? "after the crash" : "after reopening") + " block " + blk + " holds version " + ver
                        + ", neither the last commit's " + committed[blk] + " nor one marked since");
                return;
            }
            model[blk] = ver;
        }
    }

    private void crashPoint() {
        releaseAll();
        completer.completeAll();
        CrashStates states = CrashStates.of(log, CrashStates.Bounds.all());
        Iterator<CrashStates.CrashState> it = states.iterator();
        for (int k = 0; k < o.crashStates && it.hasNext(); k++) {
            CrashStates.CrashState s = it.next();
            byte[] img = s.image();
            crashStatesChecked++;
            for (int blk = 0; blk < o.blocks; blk++) {
                long ver = decode(img, blk * BS);
                if (ver < 0 || !legal(blk, ver)) {
                    failures.add("crash state " + s + ": block " + blk + " holds version " + ver
                            + ", neither the last commit's " + committed[blk] + " nor one marked since");
                    return;
                }
            }
        }
        crashes++;
        restart(true);
        System.arraycopy(model, 0, committed, 0, o.blocks);
        for (Set<Long> s : since) s.clear();
    }

    /** The CLI's summary and exit code (0 OK, 1 a check failed, with the replay line). */
    public static int printRun(Options o, PrintWriter out) {
        out.println("bioref simulate --stack bufio: seed=" + o.seed + " ops=" + o.ops + " blocks=" + o.blocks
                + (o.mutations.isEmpty() ? "" : " mutations=" + String.join(",", o.mutations)));
        out.flush();
        Result r = run(o);
        out.printf("  operations        %d completed of %d (read %d, modify %d, shadow %d, move %d)%n",
                r.ops(), o.ops, r.reads(), r.modifies(), r.shadows(), r.moves());
        out.printf("  commits           %d (%d returned an error)%n", r.commits(), r.commitErrors());
        out.printf("  crashes           %d%n", r.crashes());
        out.printf("  crash states      %d checked%n", r.crashStates());
        out.printf("  faults injected   %d%n", r.faults());
        out.printf("  evictions         %d (global cleanup, shrinker, aging)%n", r.evictions());
        out.printf("  invariant checks  %d%n", r.invariantChecks());
        out.printf("  time              %.1f s%n", r.millis() / 1000.0);
        if (r.ok()) {
            out.println("  result            OK");
            out.flush();
            return 0;
        }
        out.println("  result            FAILED");
        for (String f : r.failures().subList(0, Math.min(5, r.failures().size()))) out.println("    " + f);
        out.println("  replay: " + o.replayCommand());
        out.flush();
        return 1;
    }
}
