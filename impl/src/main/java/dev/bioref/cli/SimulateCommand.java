// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

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
 * 2 on a usage error.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Runs a seeded workload through HAMMER, the flusher, the buffer cache and the loopback device,"
                + " injects write faults and crashes, and checks that every crash state recovers to a completed"
                + " flush cycle no older than the last acknowledged sync, with all referenced data durable."
                + " Exit code 0: all checks passed; 1: a check failed (the replay command is printed); 2: usage error.")
public final class SimulateCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    @Option(names = "--mutation", description = "Turn on a HammerMutations switch (repeatable), e.g. firstOffsetNotLagged.")
    List<String> mutations = new ArrayList<>();
    @Option(names = "--progress", description = "Show a progress bar on stderr even when it is not a terminal.")
    boolean progress;
    @Option(names = "--no-progress", description = "Never show the progress bar.")
    boolean noProgress;

    @Override public Integer call() {
        SimOptions o = new SimOptions();
        o.seed = seed; o.threads = threads; o.ops = ops; o.keys = keys; o.crashEvery = crashEvery;
        o.writeFaultRate = writeFaultRate; o.memoryPressure = memoryPressure; o.crashStates = crashStates; o.finalizeCheckEvery = finalizeCheckEvery;
        o.checkEvery = checkEvery; o.version = version; o.device = device; o.mutations.addAll(mutations);
        try {
            o.validate();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean showProgress = !noProgress && (progress || System.console() != null);
        PrintWriter out = spec.commandLine().getOut();
        out.println("bioref simulate: seed=" + o.seed + " threads=" + o.threads + " ops=" + o.ops + " keys=" + o.keys
                + " volume-version=" + o.version + " device=" + o.device
                + (o.mutations.isEmpty() ? "" : " mutations=" + String.join(",", o.mutations)));
        out.flush();
        Simulation.Result r = Simulation.run(o, showProgress ? System.err : null);
        out.printf("  operations        %d completed of %d (put %d, delete %d, get %d, sync %d, fsync %d, kernel flushes %d)%n",
                r.ops(), o.ops, r.puts(), r.deletes(), r.gets(), r.syncs(), r.fsyncs(), r.daemonPasses());
        out.printf("  flush cycles      %d%n", r.flushCycles());
        out.printf("  crashes           %d%n", r.crashes());
        out.printf("  crash states      %d checked at %d crash points%n", r.crashStates(), r.crashPoints());
        out.printf("  faults injected   %d (critical errors seen %d)%n", r.faults(), r.criticalErrors());
        out.printf("  invariant checks  %d%n", r.invariantChecks());
        out.printf("  buffer protocol   %d disassociated, %d deallocations refused (B_LOCKED), checkwrite %d accepted / %d refused%n",
                r.disassociations(), r.deallocRefused(), r.checkwriteAccepted(), r.checkwriteRefused());
        out.printf("  time              %.1f s%s%n", r.millis() / 1000.0,
                r.deterministic() ? "" : " (threads > 1: the seed fixes the workload, not the schedule)");
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
