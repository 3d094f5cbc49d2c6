// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import dev.bioref.kern.HangWatchdog;
import dev.bioref.sim.SimOptions;
import dev.bioref.sim.Simulation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./bioref simulate}: the seeded whole-stack run (frontend → HAMMER → flusher → buffer
 * cache → loopback device) with write faults and crashes, checking recovery at every crash.
 * Exit code 0 when every check passed, 1 on a failure (with the command that replays it),
 * 2 on a usage error, 3 on an environment error (Main).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Runs a seeded workload through HAMMER, the flusher, the buffer cache and the loopback device,"
                + " injects write faults and crashes, and checks that every crash state recovers to a completed"
                + " flush cycle no older than the last acknowledged sync, with all referenced data durable."
                + " Exit code 0: all checks passed; 1: a check failed (the replay command is printed); 2: usage error;"
                + " 3: environment error (I/O, disk full, permissions, missing directory).")
public final class SimulateCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin VerboseOption verbose;

    /** The HammerMutations switch names, for --help. */
    static final class MutationNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() { return SimOptions.mutationNames().iterator(); }
    }

    @Option(names = "--seed", description = "Workload, fault and crash-state seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;
    @Option(names = "--threads", description = "Frontend threads; 1 = deterministic, >1 adds flusher threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;
    @Option(names = "--ops", description = "Frontend operations (default: ${DEFAULT-VALUE}).")
    int ops = new SimOptions().ops;
    @Option(names = "--keys", description = "Size of the key space (default: ${DEFAULT-VALUE}).")
    int keys = new SimOptions().keys;
    @Option(names = "--crash-every", description = "Operations between crashes, 0 = only at the end (default: ${DEFAULT-VALUE}).")
    int crashEvery = new SimOptions().crashEvery;
    @Option(names = "--write-fault-rate", description = "Probability that one buffer write fails with EIO (default: ${DEFAULT-VALUE}).")
    double writeFaultRate = new SimOptions().writeFaultRate;
    @Option(names = "--memory-pressure", description = "Probability that a buffer release sees low memory and deallocates (default: ${DEFAULT-VALUE}).")
    double memoryPressure = new SimOptions().memoryPressure;
    @Option(names = "--crash-states", description = "Crash states checked per crash point (default: ${DEFAULT-VALUE}).")
    int crashStates = new SimOptions().crashStates;
    @Option(names = "--finalize-check-every", description = "Also check crash states inside every n-th flush cycle, 0 = off (default: ${DEFAULT-VALUE}).")
    int finalizeCheckEvery = new SimOptions().finalizeCheckEvery;
    @Option(names = "--check-every", description = "checkInvariants() after every n operations (default: ${DEFAULT-VALUE}).")
    int checkEvery = new SimOptions().checkEvery;
    @Option(names = "--volume-version", description = "HAMMER volume version, 3 or 4 (default: ${DEFAULT-VALUE}).")
    int version = new SimOptions().version;
    @Option(names = "--device", description = "mem, or file:PATH for a file-backed durable image (default: ${DEFAULT-VALUE}).")
    String device = "mem";
    @Option(names = "--format", description = "With --device file:PATH, reformat PATH even if it is not a bioref image"
            + " of this run (its contents are lost). Without it such a file is refused; a bioref image is reopened and recovered.")
    boolean format;
    @Option(names = "--mutation", paramLabel = "NAME", completionCandidates = MutationNames.class,
            description = "Turn on a HammerMutations switch (repeatable): ${COMPLETION-CANDIDATES}.")
    List<String> mutations = new ArrayList<>();
    @Option(names = "--seed-checkwrite-skips-flush-mark", description = "With --stack hammer: the seed's hammer_io_checkwrite,"
            + " which starts the kernel's write of an UNDO/DATA buffer without setting NEEDFLUSH, so finalize's barrier 1 can skip"
            + " the device cache flush (deviation H2, proofs-notes/deviations.md; fixed by default).")
    boolean seedCheckwriteSkipsFlushMark;
    @Option(names = "--stack", description = "hammer (default), bufio (the dm-bufio client workload, sim.BufioSimulation) or uvm (the UVM vnode pager over the vnode layer, sim.UvmSimulation).")
    String stack = "hammer";
    @Option(names = "--mode", description = "With --stack uvm: fixed (default) or faithful (the 1998 rough edges on).")
    String mode = "fixed";
    @Option(names = "--fix", description = "With --stack uvm: fix one rough-edge switch on top of --mode (repeatable), e.g. re12SyncVrefsFreeVnode.")
    List<String> fix = new ArrayList<>();
    @Option(names = "--trace", paramLabel = "FILE", description = "With --stack hammer: write the HAMMER io layer's trace events"
            + " (NDJSON v1, spec HammerIoProtocol; proofs-notes/traces.md) to FILE, for ./bioref check-trace FILE --spec HammerIoProtocol."
            + " With --stack bufio: client a's events (spec DmBufio; its workload then makes only the calls DmBufio models),"
            + " for ./bioref check-trace FILE --spec DmBufio (without --ops: 500 operations)."
            + " With --stack uvm: vnode 0's pager events (spec UvmVnode; " + "3000 operations without --ops)."
            + " Without --ops, a hammer --trace runs " + TRACE_OPS + " operations (about 40 events each: TLC checks a few hundred events a second).")
    java.nio.file.Path trace;
    @Option(names = "--trace-spec", paramLabel = "SPEC", defaultValue = "HammerIoProtocol",
            description = "With --trace: whose events to write, HammerIoProtocol (default: the io layer), HammerFlusherSeq"
            + " (the flusher's groups and sequence numbers) or HammerFinalizeCrash (finalize's order and values, crashes); check the file with --spec SPEC.")
    String traceSpec;
    /** --stack uvm --trace's default operation count (about one traced event per 3 operations: vnode 0 of 4 files). */
    static final int UVM_TRACE_OPS = 3_000;
    /** --trace's default operation count: the default 20,000 operations would log about 800,000 events. */
    static final int TRACE_OPS = 300;
    @Option(names = "--progress", description = "Show a progress bar on stderr even when it is not a terminal.")
    boolean progress;
    @Option(names = "--no-progress", description = "Never show the progress bar.")
    boolean noProgress;
    @Option(names = "--watchdog", paramLabel = "SECONDS", description = "Fail the run (exit 1) with every thread's stack, every"
            + " kernel sleeper, the operation in progress and the replay line when no operation completes for this long;"
            + " 0 = off (default: ${DEFAULT-VALUE}).")
    int watchdogSeconds = 120;

    // --- threaded runs that replay (issue 10 item 2; proofs-notes/reliability.md §7)
    @Option(names = "--schedule", paramLabel = "N", description = "With --threads > 1: seed of the seeded scheduler, which runs"
            + " the threads one at a time and so makes the run replayable (default: ${DEFAULT-VALUE}).")
    long schedule = new SimOptions().schedule;
    @Option(names = "--schedules", paramLabel = "K", description = "With --threads > 1: try K schedules of the same workload"
            + " (--schedule, --schedule + 1, ...) and stop at the first that fails, printing its replay line (default: ${DEFAULT-VALUE}).")
    int schedules = 1;
    @Option(names = "--scheduler", paramLabel = "seeded|os", description = "seeded (default): threads run one at a time,"
            + " replayable; os: the operating system's scheduler, real parallelism, not replayable.")
    String scheduler = "seeded";

    /** Copies the scheduling options into {@code o}; a usage error if they do not fit. */
    private void scheduling(SimOptions o) {
        if (!scheduler.equals("seeded") && !scheduler.equals("os")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scheduler must be seeded or os, was '" + scheduler + "'");
        }
        if (schedules < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--schedules must be >= 1, was " + schedules);
        boolean asked = spec.commandLine().getParseResult().hasMatchedOption("--schedule") || schedules > 1;
        if (asked && (o.threads == 1 || scheduler.equals("os"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--schedule and --schedules need --threads > 1 and the seeded scheduler"
                    + " (a run with --threads 1 has one schedule; --scheduler os has none to choose)");
        }
        if (schedule < 0 || schedule > Long.MAX_VALUE - schedules) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--schedule must be from 0 to " + (Long.MAX_VALUE - schedules) + ", was " + schedule);
        }
        o.schedule = schedule;
        o.osScheduler = scheduler.equals("os");
    }

    /**
     * Runs the schedules {@code --schedule} .. {@code --schedule + K - 1} of one workload, each
     * with a one-line verdict, until one fails; returns that run's result (or the last one's).
     * Null if a run hung (its report is printed).
     */
    private Simulation.Result runSchedules(SimOptions o, java.io.PrintStream progressOut, PrintWriter out) {
        Simulation.Result r = null;
        for (int i = 0; i < schedules; i++) {
            o.schedule = schedule + i;
            r = runWatched(o, progressOut, out);
            if (r == null) return null;
            if (schedules > 1) {
                out.printf("  schedule %-8d %s (%.1f s)%n", o.schedule, r.ok() ? "OK" : "FAILED", r.millis() / 1000.0);
                out.flush();
            }
            if (!r.ok()) {
                if (schedules > 1) out.println("  the first failing schedule of " + schedules + " is " + o.schedule + "; its run:");
                break;
            }
        }
        if (schedules > 1 && r.ok()) out.println("  all " + schedules + " schedules passed; the last one's run:");
        return r;
    }

    // ---- --faults (issue #10 item 4): the device's own fault plan; proofs-notes/faults.md
    @Option(names = "--faults", paramLabel = "KIND[=RATE],...", description = "Drive the device's own fault plan under the"
            + " buffer cache and HAMMER: eio, latent, torn, lost, misdirected, each with an optional rate per WRITE"
            + " (default " + SimOptions.DEFAULT_FAULT_RATE + "), e.g. eio=0.02,torn=0.01. Without --write-fault-rate the"
            + " cache-level EIO filter is then off. --stack hammer only. What the stack promises for each kind:"
            + " proofs-notes/faults.md.")
    String faults;

    /** Parses --faults into {@code o} (usage error on bad input); --write-fault-rate defaults to 0 beside it. */
    private void applyFaults(SimOptions o) {
        if (faults == null) return;
        if (!stack.equals("hammer")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--faults works with --stack hammer only (was --stack "
                    + stack + "; bufio and uvm take --write-fault-rate: proofs-notes/faults.md)");
        }
        try {
            o.faults.putAll(SimOptions.parseFaults(faults));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!spec.commandLine().getParseResult().hasMatchedOption("--write-fault-rate")) o.writeFaultRate = 0;
    }

    @Override public Integer call() {
        if (faults != null && !stack.equals("hammer")) applyFaults(new SimOptions());
        if (seedCheckwriteSkipsFlushMark && !stack.equals("hammer")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seed-checkwrite-skips-flush-mark needs --stack hammer, was --stack " + stack);
        }
        if (stack.equals("bufio")) return bufio();
        if (stack.equals("uvm")) return simulateUvm();
        if (!stack.equals("hammer")) throw new CommandLine.ParameterException(spec.commandLine(), "--stack must be hammer, bufio or uvm, was '" + stack + "'");
        SimOptions o = new SimOptions();
        o.seed = seed; o.threads = threads; o.ops = ops; o.keys = keys; o.crashEvery = crashEvery;
        o.writeFaultRate = writeFaultRate; o.memoryPressure = memoryPressure; o.crashStates = crashStates; o.finalizeCheckEvery = finalizeCheckEvery;
        o.checkEvery = checkEvery; o.version = version; o.device = device; o.format = format; o.mutations.addAll(mutations);
        o.seedCheckwriteSkipsFlushMark = seedCheckwriteSkipsFlushMark;
        scheduling(o);
        applyFaults(o);
        try {
            o.validate();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (trace != null && schedules > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--trace records one run: use it without --schedules (was --schedules " + schedules + ")");
        }
        if (!List.of("HammerIoProtocol", "HammerFlusherSeq", "HammerFinalizeCrash").contains(traceSpec)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--trace-spec must be HammerIoProtocol, HammerFlusherSeq or HammerFinalizeCrash, was '" + traceSpec + "'");
        }
        if (trace != null) {
            if (!spec.commandLine().getParseResult().hasMatchedOption("--ops")) o.ops = TRACE_OPS;
            try {
                if (traceSpec.equals("HammerFlusherSeq")) o.flusherTrace = dev.bioref.trace.TraceLog.toFile(traceSpec, trace);
                else if (traceSpec.equals("HammerFinalizeCrash")) o.finalizeTrace = dev.bioref.trace.TraceLog.toFile(traceSpec, trace);
                else o.ioTrace = dev.bioref.trace.TraceLog.toFile("HammerIoProtocol", trace);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the trace file " + trace, e);
            }
        }
        boolean showProgress = !noProgress && (progress || System.console() != null);
        PrintWriter out = spec.commandLine().getOut();
        out.println("bioref simulate: seed=" + o.seed + " threads=" + o.threads + " ops=" + o.ops + " keys=" + o.keys
                + " volume-version=" + o.version + " device=" + o.device
                + (o.mutations.isEmpty() ? "" : " mutations=" + String.join(",", o.mutations))
                + (o.seedCheckwriteSkipsFlushMark ? " seed-checkwrite-skips-flush-mark" : "")
                + (o.faults.isEmpty() ? "" : " faults=" + o.faultsSpec())
                + (o.threads == 1 ? "" : o.osScheduler ? " scheduler=os" : " schedule=" + o.schedule + (schedules > 1 ? ".." + (o.schedule + schedules - 1) : "")));
        for (String note : o.blindSpots()) out.println("  note: " + note);
        out.flush();
        if (watchdogSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--watchdog must be >= 0 seconds, was " + watchdogSeconds);
        }
        Simulation.Result r;
        try {
            r = runSchedules(o, showProgress ? System.err : null, out);
        } finally {
            dev.bioref.trace.TraceLog written = o.ioTrace != null ? o.ioTrace : o.flusherTrace != null ? o.flusherTrace : o.finalizeTrace;
            if (written != null) {
                try {
                    written.close();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot write the trace file " + trace, e);
                }
            }
        }
        if (o.ioTrace != null) out.printf("  trace             %d events (HammerIoProtocol) in %s%n", o.ioTrace.events(), trace);
        if (o.flusherTrace != null) out.printf("  trace             %d events (HammerFlusherSeq) in %s%n", o.flusherTrace.events(), trace);
        if (o.finalizeTrace != null) out.printf("  trace             %d events (HammerFinalizeCrash) in %s%n", o.finalizeTrace.events(), trace);
        if (r == null) return 1;      // hung: the report and the replay line are printed
        out.printf("  operations        %d completed of %d (put %d, delete %d, get %d, sync %d, fsync %d, kernel flushes %d)%n",
                r.ops(), o.ops, r.puts(), r.deletes(), r.gets(), r.syncs(), r.fsyncs(), r.daemonPasses());
        out.printf("  device            %s%n", r.device());
        out.printf("  flush cycles      %d%n", r.flushCycles());
        out.printf("  crashes           %d%n", r.crashes());
        out.printf("  crash states      %d checked (torn: %d) at %d crash points%n", r.crashStates(), r.faultTally().tornCrashStates, r.crashPoints());
        out.printf("  faults injected   %d by --write-fault-rate (critical errors seen %d)%n", r.faults(), r.criticalErrors());
        for (String line : r.faultTally().lines(o.faults.keySet())) out.println("  " + line);
        out.printf("  invariant checks  %d%n", r.invariantChecks());
        out.printf("  buffer protocol   %d disassociated, %d deallocations refused (B_LOCKED), checkwrite %d accepted / %d refused%n",
                r.disassociations(), r.deallocRefused(), r.checkwriteAccepted(), r.checkwriteRefused());
        out.printf("  time              %.1f s%s%n", r.millis() / 1000.0,
                r.deterministic() ? "" : " (--scheduler os: the seed fixes the workload, not the schedule)");
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

    /**
     * Runs the simulation on its own (daemon) thread under a {@link HangWatchdog}; returns its
     * result, or null after printing the hang report when no operation completed for
     * {@code --watchdog} seconds (the stuck threads are left behind; the process exits 1).
     */
    private Simulation.Result runWatched(SimOptions o, java.io.PrintStream progressOut, PrintWriter out) {
        Simulation.Monitor mon = new Simulation.Monitor();
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch over = new java.util.concurrent.CountDownLatch(1);
        Thread runner = new Thread(() -> {
            try {
                outcome.compareAndSet(null, Simulation.run(o, progressOut, mon));
            } catch (Throwable e) {
                outcome.compareAndSet(null, e);
            } finally {
                over.countDown();
            }
        }, "sim-main");
        runner.setDaemon(true);
        HangWatchdog wd = watchdogSeconds == 0 ? null
                : HangWatchdog.start("simulate", java.util.concurrent.TimeUnit.SECONDS.toNanos(watchdogSeconds), mon::steps,
                        mon::operation, o.replayCommand(), report -> {
                            if (outcome.compareAndSet(null, new Hung(report))) over.countDown();
                        });
        runner.start();
        try {
            over.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("simulate: interrupted");
        } finally {
            if (wd != null) wd.close();
        }
        Object x = outcome.get();
        if (x instanceof Hung h) {
            if (progressOut != null) progressOut.print("\r" + " ".repeat(78) + "\r");
            out.println("  result            FAILED: no progress for " + watchdogSeconds + " s (a hang)");
            out.print(h.report);
            out.println("  replay: " + o.replayCommand());
            out.flush();
            runner.interrupt();
            return null;
        }
        if (x instanceof RuntimeException e) throw e;
        if (x instanceof Error e) throw e;
        return (Simulation.Result) x;
    }

    private record Hung(String report) { }

    /** --stack bufio: the same options where they apply; --threads, --volume-version, --device and the progress bar do not. */
    private int bufio() {
        dev.bioref.sim.BufioSimulation.Options b = new dev.bioref.sim.BufioSimulation.Options();
        b.seed = seed; b.ops = ops; b.blocks = keys; b.crashEvery = crashEvery; b.writeFaultRate = writeFaultRate;
        b.memoryPressure = memoryPressure; b.crashStates = crashStates; b.checkEvery = checkEvery; b.mutations.addAll(mutations);
        try {
            b.validate();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (trace != null) return bufioTraced(b);
        return dev.bioref.sim.BufioSimulation.printRun(b, spec.commandLine().getOut());
    }

    /** --stack bufio --trace FILE: client a's DmBufio.tla events to FILE (traceBU; proofs-notes/traces.md "DmBufio"). */
    private int bufioTraced(dev.bioref.sim.BufioSimulation.Options b) {
        if (!spec.commandLine().getParseResult().hasMatchedOption("--ops")) b.ops = BUFIO_TRACE_OPS;
        try (dev.bioref.trace.TraceLog log = dev.bioref.trace.TraceLog.toFile("DmBufio", trace)) {
            b.trace = log;
            int rc = dev.bioref.sim.BufioSimulation.printRun(b, spec.commandLine().getOut());
            spec.commandLine().getOut().printf("  trace             %d events (DmBufio) in %s%n", log.events(), trace);
            spec.commandLine().getOut().flush();
            return rc;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the trace file " + trace, e);
        }
    }

    /** --stack bufio --trace's default operation count (about 2 events per operation). */
    static final int BUFIO_TRACE_OPS = 500;

    private int simulateUvm() {
        dev.bioref.sim.UvmSimulation.Options u = new dev.bioref.sim.UvmSimulation.Options();
        u.seed = seed;
        u.ops = ops;
        if (spec.commandLine().getParseResult().hasMatchedOption("--write-fault-rate")) u.writeFaultRate = writeFaultRate;
        if (spec.commandLine().getParseResult().hasMatchedOption("--crash-every")) u.crashEvery = crashEvery;
        if (!mode.equals("fixed") && !mode.equals("faithful")) throw new CommandLine.ParameterException(spec.commandLine(), "--mode must be fixed or faithful, was '" + mode + "'");
        u.fix.addAll(fix);
        u.mode = mode.equals("fixed") ? dev.bioref.uvm.UvmMode.FIXED : dev.bioref.uvm.UvmMode.FAITHFUL;
        try {
            u.validate();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (trace == null) return dev.bioref.sim.UvmSimulation.report(u, spec.commandLine().getOut());
        // --trace (traceUV): vnode 0's pager events, spec UvmVnode; UVM_TRACE_OPS operations unless --ops
        if (!spec.commandLine().getParseResult().hasMatchedOption("--ops")) u.ops = UVM_TRACE_OPS;
        try (dev.bioref.trace.TraceLog log = dev.bioref.trace.TraceLog.toFile("UvmVnode", trace)) {
            u.trace = log;
            int rc = dev.bioref.sim.UvmSimulation.report(u, spec.commandLine().getOut());
            spec.commandLine().getOut().printf("  trace             %d events (UvmVnode, vnode 0) in %s%n", log.events(), trace);
            spec.commandLine().getOut().flush();
            return rc;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the trace file " + trace, e);
        }
    }
}
