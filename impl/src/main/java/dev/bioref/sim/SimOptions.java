// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.sim;

import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.HammerOndisk;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything that determines one simulation run. With {@code threads == 1} the run is a pure
 * function of these values: same options, same run. {@link #replayCommand()} prints them back.
 */
public final class SimOptions {
    public long seed = 1;
    public int threads = 1;
    public int ops = 20_000;
    public int keys = 200;
    /** Operations between crashes (0 = never crash until the end). */
    public int crashEvery = 2_000;
    /** Probability that one buffer-cache WRITE fails with EIO. */
    public double writeFaultRate = 0.001;
    /** Probability that a brelse sees low memory and asks HAMMER to deallocate the buffer. */
    public double memoryPressure = 0.1;
    /** Crash states checked per crash point. */
    public int crashStates = 64;
    /** Also enumerate crash states inside every n-th final finalize (0 = only at crash points). */
    public int finalizeCheckEvery = 25;
    /** checkInvariants() after every n operations. */
    public int checkEvery = 1;
    public int version = HammerOndisk.VERSION_4;
    /** "mem" or "file:PATH". */
    public String device = "mem";
    public boolean progress;
    /** With a file device: reformat a file that is not a bioref image of this run (its contents are lost). */
    public boolean format;

    /** The run refuses to touch what the user gave it (a file that is not its image): a usage error. */
    public static final class Refused extends IllegalArgumentException {
        public Refused(String message) { super(message); }
    }
    public final List<String> mutations = new ArrayList<>();
    /** HammerIoProtocol trace events of every mount of the run (not the crash-state checks' mounts), or null. */
    public dev.bioref.trace.TraceLog ioTrace;

    // --- threaded runs that replay (issue 10 item 2; proofs-notes/reliability.md §7)
    /** Seed of the seeded scheduler (kern.Scheduler) that runs a threaded run's threads one at a time. */
    public long schedule = 1;
    /** Threaded runs on the operating system's scheduler instead: real parallelism, not replayable. */
    public boolean osScheduler;

    /** The exact command that replays this run. */
    public String replayCommand() {
        SimOptions d = new SimOptions();
        StringBuilder sb = new StringBuilder("./bioref simulate --seed ").append(seed);
        if (threads != d.threads) sb.append(" --threads ").append(threads);
        if (ops != d.ops) sb.append(" --ops ").append(ops);
        if (keys != d.keys) sb.append(" --keys ").append(keys);
        if (crashEvery != d.crashEvery) sb.append(" --crash-every ").append(crashEvery);
        if (writeFaultRate != d.writeFaultRate) sb.append(" --write-fault-rate ").append(writeFaultRate);
        if (memoryPressure != d.memoryPressure) sb.append(" --memory-pressure ").append(memoryPressure);
        if (crashStates != d.crashStates) sb.append(" --crash-states ").append(crashStates);
        if (finalizeCheckEvery != d.finalizeCheckEvery) sb.append(" --finalize-check-every ").append(finalizeCheckEvery);
        if (checkEvery != d.checkEvery) sb.append(" --check-every ").append(checkEvery);
        if (version != d.version) sb.append(" --volume-version ").append(version);
        if (!device.equals(d.device)) sb.append(" --device ").append(device);
        if (format) sb.append(" --format");
        for (String m : mutations) sb.append(" --mutation ").append(m);
        if (threads > 1 && osScheduler) sb.append(" --scheduler os");
        else if (threads > 1) sb.append(" --schedule ").append(schedule);
        return sb.toString();
    }

    /** Throws, naming the bad value, if an option is out of range. */
    public void validate() {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, was " + threads);
        if (ops < 0) throw new IllegalArgumentException("--ops must be >= 0, was " + ops);
        if (keys < 1 || keys > MAX_KEYS) {
            throw new IllegalArgumentException("--keys must be from 1 to " + MAX_KEYS + " (the in-memory image grows by about 5 KiB a key), was " + keys);
        }
        if (threads > keys) {
            throw new IllegalArgumentException("--threads " + threads + " exceeds --keys " + keys + ": each frontend thread needs keys of its own");
        }
        if (crashEvery < 0) throw new IllegalArgumentException("--crash-every must be >= 0, was " + crashEvery);
        if (!(writeFaultRate >= 0 && writeFaultRate < 1)) {
            throw new IllegalArgumentException("--write-fault-rate must be in [0, 1), was " + writeFaultRate);
        }
        if (!(memoryPressure >= 0 && memoryPressure <= 1)) {
            throw new IllegalArgumentException("--memory-pressure must be in [0, 1], was " + memoryPressure);
        }
        if (crashStates < 1) throw new IllegalArgumentException("--crash-states must be >= 1, was " + crashStates);
        if (finalizeCheckEvery < 0) throw new IllegalArgumentException("--finalize-check-every must be >= 0, was " + finalizeCheckEvery);
        if (checkEvery < 1) throw new IllegalArgumentException("--check-every must be >= 1, was " + checkEvery);
        if (version != HammerOndisk.VERSION_3 && version != HammerOndisk.VERSION_4) {
            throw new IllegalArgumentException("--volume-version must be 3 or 4, was " + version);
        }
        if (!device.equals("mem") && !(device.startsWith("file:") && device.length() > 5)) {
            throw new IllegalArgumentException("--device must be mem or file:PATH, was " + device);
        }
        mutations(mutations);
        if (schedule < 0) throw new IllegalArgumentException("--schedule must be >= 0, was " + schedule);
    }

    /** The largest key space: its image, about 5 KiB a key, stays far below the 2 GiB an in-memory device can hold. */
    public static final int MAX_KEYS = 50_000;

    /** Every HammerMutations switch name, in declaration order. */
    public static List<String> mutationNames() {
        List<String> known = new ArrayList<>();
        for (java.lang.reflect.Field f : HammerMutations.class.getFields()) {
            if (f.getType() == boolean.class) known.add(f.getName());
        }
        return known;
    }

    /**
     * The switches this run cannot see by design, each with the reason (proofs-notes/mutants.md):
     * a passing run with one of them on says nothing about the guard.
     */
    public List<String> blindSpots() {
        List<String> notes = new ArrayList<>();
        for (String m : mutations) {
            String why = switch (m) {
                case "checkwriteAllowsMeta" -> "masked: release never bdwrite's a META/VOLUME buffer, so checkwrite is never"
                        + " offered one (caught only together with releaseBdwritesMeta)";
                case "dataAfterMeta" -> "harmless by design: meta-data stays undoable until the next cycle's barrier, which"
                        + " waits for the late data";
                case "cwNoInterlock", "cwIgnoreModRefs", "setModifiedAfterReget" -> "redundant alone: the other two"
                        + " checkwrite guards still hold (all three, or cwNoInterlock with setModifiedAfterReget, lose a"
                        + " modification)";
                case "completeSkipsWakeup", "completeSkipsPlacemarkerWakeup", "waitAllSkipsChainWakeup",
                        "directCompleteSkipsWakeup", "flusherSkipsDoneWakeup" -> threads == 1
                        ? "a lost wakeup needs a sleeper: with --threads 1 the inline completer and flusher never sleep;"
                        + " use --threads 2 or more (the --watchdog then reports the hang)"
                        : null;
                default -> null;
            };
            if (why != null) notes.add("--mutation " + m + " cannot be seen by this run: " + why);
        }
        return notes;
    }

    /** The HammerMutations with the named switches on; throws naming an unknown switch. */
    public static HammerMutations mutations(List<String> names) {
        HammerMutations m = new HammerMutations();
        for (String n : names) {
            try {
                java.lang.reflect.Field f = HammerMutations.class.getField(n);
                if (f.getType() != boolean.class) throw new NoSuchFieldException(n);
                f.setBoolean(m, true);
            } catch (NoSuchFieldException | IllegalAccessException e) {
                throw new IllegalArgumentException("unknown --mutation " + n + "; known: " + String.join(", ", mutationNames()));
            }
        }
        return m;
    }
}
