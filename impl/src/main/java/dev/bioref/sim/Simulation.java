// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.sim;

import dev.bioref.buf.BufCmd;
import dev.bioref.device.FaultPlan;
import dev.bioref.device.FileBackend;
import dev.bioref.device.InjectedFault;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.hammer.HammerCriticalError;
import dev.bioref.hammer.HammerMount;
import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.HammerOndisk;
import dev.bioref.hammer.HammerOptions;
import dev.bioref.kern.Clock;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Kthread;
import dev.bioref.kern.Scheduler;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bioref's main job: a seeded whole-stack run. A frontend workload drives HAMMER, whose flusher
 * writes through the buffer cache to the loopback device; write faults are injected under the
 * cache; at crash points every crash state of the device (bounded) is recovered and checked, then
 * the device really crashes, HAMMER recovers and mounts again, and the workload goes on.
 *
 * <p>Interface: {@link #run} returns a {@link Result}; with one thread it is a pure function of
 * the {@link SimOptions}. What is checked:
 * <ul>
 *   <li>every read returns what the frontend last wrote (before a crash) or what recovery
 *       restored (after one), with a matching CRC;</li>
 *   <li>{@code checkInvariants()} after every {@code checkEvery} operations;</li>
 *   <li>at each crash point and inside finalize: every crash state recovers to a completed
 *       flush cycle's snapshot no older than the durable floor (which is never older than the
 *       last acknowledged sync), and every data block the recovered index references is durable;</li>
 *   <li>after a write fault: the mount is read-only and no later sync claims success.</li>
 * </ul>
 */
public final class Simulation {

    /** The outcome of one run. */
    public record Result(long ops, long puts, long deletes, long gets, long syncs, long fsyncs, long daemonPasses,
                         long flushCycles, long crashes, long crashPoints, long crashStates, long faults,
                         long criticalErrors, long invariantChecks, List<String> failures, boolean deterministic,
                         long millis, long disassociations, long deallocRefused, long checkwriteAccepted,
                         long checkwriteRefused, String device, FaultTally faultTally) {
        public boolean ok() { return failures.isEmpty(); }
    }

    /**
     * What the device's fault plan ({@code --faults}) injected, kind by kind, and what the stack
     * did with each (proofs-notes/faults.md has the promises these counts are checked against).
     */
    public static final class FaultTally {
        private final long[] injected = new long[FaultPlan.Kind.values().length];
        private final long[] readOnly = new long[injected.length];
        /** latent: sectors that went bad (injected counts the READs that then failed on one). */
        public long latentPlanted;
        /** After a lost or misdirected write: reads that failed their CRC (detected on read). */
        public long crcErrorsOnRead;
        /** After a lost or misdirected write: reads that returned an older or foreign value with a valid CRC (undetectable). */
        public long staleReads;
        /** After a lost or misdirected write: other errors the stack raised reading corrupt media. */
        public long corruptMediaErrors;
        /** After a lost or misdirected write: crash points whose state checks were relaxed. */
        public long relaxedCrashPoints;
        /** After a lost or misdirected write: mounts that refused the corrupt volume (it was then reformatted). */
        public long mountsRefused;
        /** Torn crash states the crash checker recovered and checked (part of the run's crash states). */
        public long tornCrashStates;
        /** The operation at which the first lost or misdirected write was seen, or null. */
        public String relaxedFrom;

        public long injected(FaultPlan.Kind k) { return injected[k.ordinal()]; }

        /** Faults of this kind the stack reported: the mount went read-only (critical error). */
        public long wentReadOnly(FaultPlan.Kind k) { return readOnly[k.ordinal()]; }

        /** Faults of this kind the stack could not see (acknowledged OK by the device). */
        public long undetectedByDesign(FaultPlan.Kind k) {
            return k == FaultPlan.Kind.LOST_WRITE || k == FaultPlan.Kind.MISDIRECTED_WRITE
                    ? injected[k.ordinal()] : 0;
        }

        /** One summary line per kind in {@code kinds}. */
        public List<String> lines(java.util.Set<FaultPlan.Kind> kinds) {
            List<String> out = new ArrayList<>();
            for (FaultPlan.Kind k : kinds) {
                int i = k.ordinal();
                String name = SimOptions.FAULT_NAMES.get(i);
                String what = switch (k) {
                    case EIO, TORN_WRITE -> injected[i] + " injected: " + readOnly[i] + " surfaced as a write error, mount went"
                            + " read-only; 0 retried (HAMMER clears B_ERROR and bundirty, io:L1117)";
                    case LATENT_SECTOR_ERROR -> latentPlanted + " sectors went bad, " + injected[i] + " reads failed on one: "
                            + readOnly[i] + " surfaced as a read error, mount went read-only";
                    case LOST_WRITE, MISDIRECTED_WRITE -> injected[i] + " injected: undetected by design (acknowledged OK)";
                };
                out.add(String.format("fault %-12s %s", name, what));
            }
            if (kinds.contains(FaultPlan.Kind.LOST_WRITE) || kinds.contains(FaultPlan.Kind.MISDIRECTED_WRITE)) {
                out.add("after lost/misdirected writes (checks relaxed from " + (relaxedFrom == null ? "never" : relaxedFrom) + "): "
                        + crcErrorsOnRead + " CRC errors on read, " + staleReads + " stale values read, " + corruptMediaErrors
                        + " other errors on corrupt media, " + relaxedCrashPoints + " crash points relaxed, " + mountsRefused
                        + " mounts refused (reformatted)");
            }
            return out;
        }
    }

    private final FaultTally tally = new FaultTally();
    private int tallied;                      // dev.faults().injected() entries classified so far
    private volatile boolean mediaFault;      // a lost or misdirected write was injected: durability checks relaxed (faults.md)

    /** True once a lost or misdirected write has been injected in this run. */
    private boolean mediaFaulted(String where) {
        if (mediaFault) return true;
        for (InjectedFault f : dev.faults().injected()) {
            if (f.kind() == FaultPlan.Kind.LOST_WRITE || f.kind() == FaultPlan.Kind.MISDIRECTED_WRITE) {
                synchronized (tally) { if (tally.relaxedFrom == null) tally.relaxedFrom = where; }
                mediaFault = true;
                return true;
            }
        }
        return false;
    }

    /**
     * Classifies the faults injected since the last call. EIO, torn writes and reads of a latent
     * sector must have made the mount read-only (the promise of hammer_io_complete, io:L1089-1118,
     * and of the read path): one that did not was absorbed silently, a failure.
     */
    private void tallyFaults(String where) {
        List<InjectedFault> all = dev.faults().injected();
        synchronized (tally) {
            tally.latentPlanted = dev.faults().latentPlanted();
            for (; tallied < all.size(); tallied++) {
                InjectedFault f = all.get(tallied);
                int k = f.kind().ordinal();
                tally.injected[k]++;
                switch (f.kind()) {
                    case EIO, TORN_WRITE, LATENT_SECTOR_ERROR -> {
                        if (hmp.isCritical()) tally.readOnly[k]++;
                        else failures.add(where + ": injected fault " + f + " was absorbed silently: the mount is not read-only");
                    }
                    case LOST_WRITE, MISDIRECTED_WRITE -> mediaFaulted(where);
                }
            }
        }
    }


    /**
     * What a watchdog needs to see of a running simulation: a counter that moves with every
     * operation and crash point, and the operation each frontend lane is in.
     */
    public static final class Monitor {
        final java.util.concurrent.atomic.AtomicLong steps = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.ConcurrentHashMap<Integer, String> lanes = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile String phase = "starting";

        /** Moves with every operation, crash point and phase of the run. */
        public long steps() { return steps.get(); }

        /** The operation each lane is in, and the run's phase. */
        public String operation() {
            StringBuilder b = new StringBuilder(phase);
            new java.util.TreeMap<>(lanes).forEach((l, op) -> b.append("; lane ").append(l).append(": ").append(op));
            String s = Scheduler.describeActive();
            if (!s.isEmpty()) b.append("\n").append(s.strip());
            return b.toString();
        }

        void op(int lane, String op) {
            lanes.put(lane, op);
            steps.incrementAndGet();
        }

        void phase(String p) {
            phase = p;
            steps.incrementAndGet();
        }
    }

    private final SimOptions o;
    private final Monitor mon;
    private Scheduler sched;     // threads > 1 without --scheduler os: the seeded scheduler of the run
    private final PrintStream progressOut;
    private final Random faultRnd;
    private final Random pressureRnd;
    private LoopbackDevice dev;
    private HammerMount hmp;
    private CrashChecker checker;
    private HammerOptions hopts;
    private HammerMutations mutations;
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private byte[][] model;
    private final AtomicLong puts = new AtomicLong(),
            deletes = new AtomicLong(), gets = new AtomicLong(),
            syncs = new AtomicLong(), fsyncs = new AtomicLong(),
            daemonPasses = new AtomicLong(), faults = new AtomicLong(),
            criticalErrors = new AtomicLong();
    private long crashes;
    private long flushCycles, invariantChecks;
    private long disassociations, deallocRefused, checkwriteAccepted, checkwriteRefused;

    private void harvest(HammerMount m) {
        flushCycles += m.flusher().finalFinalizes();
        disassociations += m.stats().disassociations.get();
        deallocRefused += m.stats().deallocRefused.get();
        checkwriteAccepted += m.stats().checkwriteAccepted.get();
        checkwriteRefused += m.stats().checkwriteRefused.get();
    }
    private volatile int lastAck;
    private volatile boolean phaseAbort;     // threaded: a write fault ended the phase early
    private int[] laneAck;

    private Simulation(SimOptions o, PrintStream progressOut, Monitor mon) {
        this.o = o;
        this.mon = mon;
        this.progressOut = progressOut;
        this.faultRnd = new Random(o.seed * 0x9E3779B97F4A7C15L + 1);
        this.pressureRnd = new Random(o.seed * 31 + 7);
    }

    /** Runs the simulation described by {@code o}; progress goes to {@code progressOut} if not null. */
    public static Result run(SimOptions o, PrintStream progressOut) {
        return run(o, progressOut, new Monitor());
    }

    /** The same, reporting its progress to {@code mon} (for a watchdog on another thread). */
    public static Result run(SimOptions o, PrintStream progressOut, Monitor mon) {
        o.validate();
        return new Simulation(o, progressOut, mon).go();
    }

    private Result go() {
        long t0 = System.nanoTime();
        mutations = SimOptions.mutations(o.mutations);
        hopts = new HammerOptions();
        hopts.version = o.version;
        int metaBlocks = (o.keys + HammerOndisk.SLOTS_PER_BLOCK - 1) / HammerOndisk.SLOTS_PER_BLOCK;
        hopts.geometry = new HammerOndisk.Geometry(32, metaBlocks, Math.max(16, o.keys), Math.max(8, o.keys / 4 + 8));
        hopts.flusherThreads = o.threads > 1 ? o.threads : 0;
        hopts.nbuf = 96;
        hopts.autoflushRecords = 16;
        hopts.limitDirtybufspace = 12L * HammerOndisk.BUFSIZE;
        hopts.seedCheckwriteSkipsFlushMark = o.seedCheckwriteSkipsFlushMark;
        if (o.ioTrace != null) hopts.ioTrace = new dev.bioref.hammer.HammerIoTrace(o.ioTrace);
        if (o.flusherTrace != null) hopts.flusherTrace = new dev.bioref.hammer.HammerFlusherTrace(o.flusherTrace);
        if (o.finalizeTrace != null) hopts.finalizeTrace = new dev.bioref.hammer.HammerFinalizeTrace(o.finalizeTrace);
        boolean fresh = openDevice(hopts.geometry.size());
        if (o.threads > 1 && !o.osScheduler) {
            // every thread of the run (this one, the frontends, the flusher's) under one seeded scheduler
            sched = new Scheduler(o.schedule);
            sched.adopt();
        }
        dev.faults().setEnabled(false);     // faults hit the run, not its format and mounts (faults.md)
        try {
            return run(t0, fresh);
        } finally {
            if (sched != null) {
                sched.leave();
                // after a deadlock the other threads unwind (Scheduler.Deadlock); let them finish first
                if (sched.deadlock() != null) sched.awaitUnwound(10_000);
            }
            dev.close();          // releases the image file and its lock
        }
    }

    private Result run(long t0, boolean fresh) {
        if (fresh) HammerMount.format(dev, hopts);
        checker = new CrashChecker(o.seed, o.crashStates, 6).insideFinalize(o.finalizeCheckEvery);
        if (o.finalizeTrace != null) checker.nameAllSnapshots();     // a Crash event names an older snapshot too
        model = new byte[o.keys][];
        mountAgain();
        if (!fresh) deviceNote += "; recovered it (" + hmp.lastRecovery() + ") and went on from its contents";
        mon.phase("running");
        try {
            if (o.threads == 1) runSequential(); else runThreaded();
            if (failures.isEmpty()) finish();
        } catch (Scheduler.Deadlock e) {
            failures.add(e.getMessage());   // every thread blocked: the report names each and what it waits on
        } catch (RuntimeException | AssertionError e) {
            if (environmentError(e) != null) throw (RuntimeException) e;   // not a failed check: the caller says exit 3
            failures.add("unexpected " + e + at(e));
        }
        if (environmentError != null) throw environmentError;
        tallyFaults(failures.isEmpty() ? "end of run" : "after the failure");   // the summary counts every fault injected
        if (progressOut != null) progressOut.print("\r" + " ".repeat(78) + "\r");
        harvest(hmp);
        tally.tornCrashStates = checker.tornStatesChecked();
        // stop the last mount's flusher threads (found by QuiescentInv: they were left asleep); after a
        // deadlock they unwind by themselves (every scheduling call throws Scheduler.Deadlock)
        if (sched == null || sched.deadlock() == null) {
            try {
                hmp.abandon();
            } catch (Scheduler.Deadlock e) {
                failures.add("unmount at the end of the run: " + e.getMessage());
            }
        }
        return new Result(puts.get() + deletes.get() + gets.get() + syncs.get() + fsyncs.get() + daemonPasses.get(),
                puts.get(), deletes.get(), gets.get(), syncs.get(), fsyncs.get(), daemonPasses.get(), flushCycles, crashes,
                checker.pointsChecked(), checker.statesChecked(), faults.get(), criticalErrors.get(), invariantChecks, List.copyOf(failures), o.threads == 1 || sched != null,
                (System.nanoTime() - t0) / 1_000_000, disassociations, deallocRefused, checkwriteAccepted,
                checkwriteRefused, deviceNote, tally);
    }

    private volatile RuntimeException environmentError;    // an I/O error of the image file on a frontend thread

    /** The UncheckedIOException in e's cause chain (the image file failed: disk full, permissions), or null. */
    static java.io.UncheckedIOException environmentError(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof java.io.UncheckedIOException u) return u;
        }
        return null;
    }

    private static String at(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        return st.length == 0 ? "" : " at " + st[0];
    }

    private String deviceNote = "in memory";

    /**
     * Opens the run's device; returns true if it must be formatted. A file image is written only
     * if it is new, or a bioref image of this run's geometry and version (magic, header CRC and
     * geometry checked; reopened and recovered, not formatted), or {@code --format} was given;
     * anything else is refused ({@link SimOptions.Refused}) before a byte is written. The file
     * is locked exclusively while the run lasts.
     */
    private boolean openDevice(long size) {
        long cap = (size + LoopbackDevice.SECTOR_SIZE - 1) / LoopbackDevice.SECTOR_SIZE * LoopbackDevice.SECTOR_SIZE;
        if (o.device.equals("mem")) {
            dev = new LoopbackDevice(new MemoryBackend(cap), new InlineCompleter(), Clock.SYSTEM, o.faultPlan());
            return true;
        }
        java.nio.file.Path p = java.nio.file.Path.of(o.device.substring(5));
        FileBackend b;
        boolean fresh = true;
        if (!java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            b = FileBackend.createNew(p, cap);
            deviceNote = "created a new image " + p;
        } else {
            String notImage = java.nio.file.Files.isDirectory(p) ? null : whyNotOurImage(p, cap);
            if (o.format && notImage != null) {
                b = FileBackend.reformat(p, cap);
                deviceNote = "reformatted " + p + " (--format; it was not a bioref image of this geometry: " + notImage + ")";
            } else if (notImage != null) {
                throw new SimOptions.Refused("--device " + o.device + ": refusing to write over " + p + ": " + notImage
                        + "; --format reformats it (its contents are lost)");
            } else if (o.format) {
                b = FileBackend.reformat(p, cap);
                deviceNote = "reformatted the bioref image " + p + " (--format)";
            } else {
                b = FileBackend.openLocked(p);
                fresh = false;
                deviceNote = "reopened the existing image " + p;
            }
        }
        dev = new LoopbackDevice(b, new InlineCompleter(), Clock.SYSTEM, o.faultPlan());
        return fresh;
    }

    /** Null if {@code p} is a bioref image this run can use; else what is wrong with it. */
    private String whyNotOurImage(java.nio.file.Path p, long cap) {
        try {
            long len = java.nio.file.Files.size(p);
            if (len < HammerOndisk.BUFSIZE) return "not a bioref image (" + len + " bytes)";
            byte[] h = new byte[HammerOndisk.BUFSIZE];
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(p)) {
                if (in.readNBytes(h, 0, h.length) != h.length) return "not a bioref image (short read)";
            }
            HammerOndisk.Header hd;
            try {
                hd = HammerOndisk.decodeHeader(h);
            } catch (IllegalStateException e) {
                return "not a bioref image (" + e.getMessage() + ")";
            }
            if (!hd.geometry().equals(hopts.geometry) || len != cap) {
                return "a bioref image of another geometry (" + hd.geometry() + ", " + len + " bytes; this run needs "
                        + hopts.geometry + ", " + cap + " bytes: use the same --keys)";
            }
            if (hd.version() != o.version) {
                return "a bioref image of volume version " + hd.version() + " (this run: --volume-version " + o.version + ")";
            }
            return null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + p, e);
        }
    }

    private void mountAgain() {
        checker.newMount();
        dev.faults().setEnabled(false);
        try {
            hmp = HammerMount.mount(dev, hopts, mutations, checker);
        } catch (RuntimeException e) {
            if (!mediaFaulted("mount")) throw e;
            // a lost or misdirected write corrupted the volume past what recovery can undo: the
            // mount refused it (detected); reformat and go on from an empty volume
            tally.mountsRefused++;
            HammerMount.format(dev, hopts);
            hmp = HammerMount.mount(dev, hopts, mutations, checker);
        }
        checker.attach(hmp);
        hmp.devvp().setStrategyFilter(this::fault);
        // brelse's low-memory path (vm_paging_min) asks HAMMER to deallocate clean buffers
        hmp.cache().setMemoryPressure(() -> o.memoryPressure > 0 && pressureRnd.nextDouble() < o.memoryPressure);
        for (int k = 0; k < o.keys; k++) {
            try {
                model[k] = hmp.get(k);
            } catch (RuntimeException e) {
                if (!mediaFaulted("mount")) throw e;
                tally.corruptMediaErrors++;       // a value a lost/misdirected write destroyed: forget the key
                model[k] = null;
            }
        }
        lastAck = 0;
        laneAck = new int[o.threads];
        dev.faults().setEnabled(true);
    }

    private int fault(BufCmd cmd, long offset, int length) {
        if (cmd != BufCmd.WRITE || o.writeFaultRate == 0) return 0;
        synchronized (faultRnd) {
            if (faultRnd.nextDouble() >= o.writeFaultRate) return 0;
        }
        faults.incrementAndGet();
        return Errno.EIO;
    }

    // ------------------------------------------------------------------ sequential, deterministic

    private void runSequential() {
        Random rnd = new Random(o.seed);
        for (int i = 0; i < o.ops && failures.isEmpty(); i++) {
            if (o.crashEvery > 0 && i > 0 && i % o.crashEvery == 0) crashPoint("op " + i);
            step(rnd, i, 0, 1);
            if (i % o.checkEvery == 0) checkInvariants("after op " + i);
            progress(i);
        }
    }

    private void step(Random rnd, int i, int lane, int lanes) {
        int key = lane + lanes * rnd.nextInt(Math.max(1, (o.keys - lane + lanes - 1) / lanes));
        int r = rnd.nextInt(100);
        mon.op(lane, "op " + i + ": " + (r < 60 ? "put" : r < 70 ? "delete" : r < 90 ? "get" : r < 93 ? "sync"
                : r < 95 ? "fsync" : "kernel flush") + "(" + key + ")");
        try {
            if (r < 55) {
                put(key, value(rnd, 1 + rnd.nextInt(HammerOndisk.CHUNK), i));
            } else if (r < 60) {
                put(key, value(rnd, HammerOndisk.CHUNK + 1 + rnd.nextInt(HammerOndisk.BUFSIZE - HammerOndisk.CHUNK), i));
            } else if (r < 70) {
                hmp.delete(key);
                model[key] = null;
                deletes.incrementAndGet();
            } else if (r < 90) {
                byte[] got;
                try {
                    got = hmp.get(key);
                } catch (IllegalStateException e) {
                    if (!mediaFaulted("op " + i)) throw e;
                    synchronized (tally) { if (String.valueOf(e.getMessage()).contains("CRC")) tally.crcErrorsOnRead++; else tally.corruptMediaErrors++; }
                    return;
                }
                gets.incrementAndGet();
                if (!Arrays.equals(got, model[key])) {
                    if (mediaFaulted("op " + i)) {
                        synchronized (tally) { tally.staleReads++; }
                        model[key] = got;     // HAMMER cannot know better (faults.md): go on from what it has
                    } else {
                        failures.add("op " + i + ": get(" + key + ") returned " + describe(got) + ", expected " + describe(model[key]));
                    }
                }
            } else if (r < 93) {
                int before = laneAck[lane];
                int ack = hmp.sync();
                syncs.incrementAndGet();
                if (ack < before) failures.add("op " + i + ": sync acknowledged snapshot " + ack + " after " + before);
                laneAck[lane] = ack;
                synchronized (laneAck) { lastAck = Math.max(lastAck, ack); }
                if (hmp.durableFloor() < ack) {
                    failures.add("op " + i + ": RecoveryDurableInv: sync acknowledged snapshot " + ack
                            + " but the durable floor is " + hmp.durableFloor());
                }
            } else if (r < 95) {
                hmp.fsync(key);
                fsyncs.incrementAndGet();
            } else {
                if (rnd.nextBoolean()) hmp.bufDaemonStep(); else hmp.kernelSync();
                daemonPasses.incrementAndGet();
            }
        } catch (HammerCriticalError e) {
            afterCriticalError("op " + i, e);
        }
    }

    private void put(int key, byte[] v) {
        hmp.put(key, v);
        model[key] = v;
        puts.incrementAndGet();
    }

    private static byte[] value(Random rnd, int len, int i) {
        byte[] v = new byte[len];
        rnd.nextBytes(v);
        v[0] = (byte) i;
        return v;
    }

    private static String describe(byte[] v) {
        return v == null ? "null" : v.length + " bytes (crc " + HammerOndisk.crc(v, 0, v.length) + ")";
    }

    /** A write failed: the mount must be read-only and no later sync may claim success. */
    private void afterCriticalError(String where, HammerCriticalError e) {
        criticalErrors.incrementAndGet();
        if (!hmp.isCritical()) {
            failures.add(where + ": HammerCriticalError without a critical error on the mount: " + e.getMessage());
            return;
        }
        int floor = hmp.durableFloor();
        try {
            hmp.sync();
            failures.add(where + ": a sync claimed success after a critical error");
        } catch (HammerCriticalError expected) {
            if (hmp.durableFloor() != floor) failures.add(where + ": the durable floor moved after a critical error");
        }
        if (o.threads == 1) crashPoint(where + " (after a write fault)"); else phaseAbort = true;
    }

    private void checkInvariants(String where) {
        try {
            hmp.checkInvariants();
            invariantChecks++;
        } catch (IllegalStateException e) {
            failures.add(where + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ crash points

    private void crashPoint(String where) {
        mon.phase("crash point at " + where);
        tallyFaults(where);
        int floor = hmp.durableFloor();
        if (floor < lastAck) failures.add(where + ": durable floor " + floor + " below the last acknowledged sync " + lastAck);
        checker.setContext("");
        checker.checkNow(dev, floor, where);
        String err = checker.checkImage(dev.peekDurable(0, (int) dev.capacity()), floor);
        if (err != null) checker.failures().add(where + ": the crash itself: " + err);
        // the crash below drops every write not yet durable: HammerFinalizeCrash's Crash({}) and its recovery
        // (logged also when the port's own check failed, if recovery matched a snapshot: the trace then shows where)
        if (hopts.finalizeTrace != null) hopts.finalizeTrace.crash(hmp, checker.lastRecoveredSnapshot());
        if (!checker.failures().isEmpty() && mediaFaulted(where)) {
            tally.relaxedCrashPoints++;      // a lost/misdirected write broke the image: HAMMER cannot notice (faults.md)
        } else {
            failures.addAll(checker.failures());
        }
        checker.failures().clear();
        if (!failures.isEmpty()) return;
        harvest(hmp);
        hmp.abandon();
        dev.crash();
        dev.faults().repairHit();     // the read errors were reported: the bad sectors are rebuilt (faults.md)
        crashes++;
        try {
            mon.phase("recovery and mount after the crash at " + where);
            mountAgain();
        } catch (RuntimeException e) {
            failures.add(where + ": mount after the crash failed: " + e);
        }
        mon.phase("running");
    }

    private void finish() {
        mon.phase("final sync");
        try {
            lastAck = hmp.sync();
            syncs.incrementAndGet();
        } catch (HammerCriticalError e) {
            afterCriticalError("final sync", e);
            return;
        }
        crashPoint("end of run");
        failures.addAll(checker.failures());
    }

    // ------------------------------------------------------------------ threaded

    private void runThreaded() {
        int phase = o.crashEvery > 0 ? o.crashEvery : o.ops;
        int done = 0;
        while (done < o.ops && failures.isEmpty()) {
            int n = Math.min(phase, o.ops - done);
            int base = done;
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < o.threads; t++) {
                int lane = t;
                Random rnd = new Random(o.seed * 31 + t + base);
                String name = "sim-frontend-" + t;
                Thread th = new Kthread(() -> {
                    try {
                        for (int i = 0; i < n / o.threads && failures.isEmpty() && !phaseAbort; i++) {
                            step(rnd, base + i, lane, o.threads);
                        }
                    } catch (Scheduler.Deadlock e) {
                        throw e;   // reported once, by the thread that waits for the phase
                    } catch (RuntimeException | Error e) {
                        // recorded here, on this thread's turn, so the other lanes see it at the same
                        // point of every replay (an uncaught-exception handler runs after the turn)
                        java.io.UncheckedIOException io = environmentError(e);
                        if (io != null) {
                            environmentError = io;
                            phaseAbort = true;
                        } else {
                            failures.add(name + ": " + e + at(e));
                        }
                    }
                }, name);
                th.setDaemon(false);
                ts.add(th);
                th.start();
            }
            if (sched != null) sched.awaitExit(ts);   // a scheduler-aware join: this thread is scheduled too
            for (Thread th : ts) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failures.add("interrupted");
                    return;
                }
            }
            done += n;
            checkInvariants("after " + done + " ops");
            progress(done);
            boolean fault = phaseAbort;
            phaseAbort = false;
            if (done < o.ops && (o.crashEvery > 0 || fault) && failures.isEmpty()) {
                crashPoint("op " + done + (fault ? " (after a write fault)" : ""));
            }
        }
    }

    private int lastPercent = -1;

    private void progress(int i) {
        if (progressOut == null || o.ops == 0) return;
        int pct = (int) ((long) (i + 1) * 100 / o.ops);
        if (pct == lastPercent) return;
        lastPercent = pct;
        int w = 40;
        int fill = pct * w / 100;
        progressOut.print("\r[" + "#".repeat(fill) + " ".repeat(w - fill) + "] " + pct + "% ops " + (i + 1) + "/" + o.ops
                + " crashes " + crashes + " states " + checker.statesChecked());
        progressOut.flush();
    }
}
