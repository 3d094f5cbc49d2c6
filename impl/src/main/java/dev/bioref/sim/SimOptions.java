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
    /** The seed's checkwrite, which starts a kernel write without setting NEEDFLUSH (deviation H2; {@code HammerOptions}). */
    public boolean seedCheckwriteSkipsFlushMark;
    /** HammerIoProtocol trace events of every mount of the run (not the crash-state checks' mounts), or null. */
    public dev.bioref.trace.TraceLog ioTrace;
    /** HammerFlusherSeq trace events of every mount of the run (not the crash-state checks' mounts), or null. */
    public dev.bioref.trace.TraceLog flusherTrace;
    /** HammerFinalizeCrash trace events (finalize's order and values, crashes) of every mount of the run (not the crash-state checks' mounts), or null. */
    public dev.bioref.trace.TraceLog finalizeTrace;

    // --- threaded runs that replay (issue 10 item 2; proofs-notes/reliability.md §7)
    /** Seed of the seeded scheduler (kern.Scheduler) that runs a threaded run's threads one at a time. */
    public long schedule = 1;
    /** Threaded runs on the operating system's scheduler instead: real parallelism, not replayable. */
    public boolean osScheduler;

    // ---- --faults: the device's own fault plan under the buffer cache and HAMMER (issue #10 item 4)

    /** Each kind's rate for the device's {@link dev.bioref.device.FaultPlan} (empty = none; --write-fault-rate is separate). */
    public final java.util.EnumMap<dev.bioref.device.FaultPlan.Kind, Double> faults = new java.util.EnumMap<>(dev.bioref.device.FaultPlan.Kind.class);

    /** The --faults names, in FaultPlan.Kind order. */
    public static final List<String> FAULT_NAMES = List.of("eio", "latent", "torn", "lost", "misdirected");

    /** The rate a kind named without one gets: per WRITE completion (latent: per WRITE, one sector goes bad). */
    public static final double DEFAULT_FAULT_RATE = 0.002;

    /**
     * Parses {@code eio,latent=0.01,torn} into {@link #faults}; throws naming the bad item. An
     * empty string, an unknown name, a repeated name or a rate outside [0, 1) is refused.
     */
    public static java.util.EnumMap<dev.bioref.device.FaultPlan.Kind, Double> parseFaults(String spec) {
        java.util.EnumMap<dev.bioref.device.FaultPlan.Kind, Double> out = new java.util.EnumMap<>(dev.bioref.device.FaultPlan.Kind.class);
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("--faults is empty; give some of " + String.join(",", FAULT_NAMES));
        for (String item : spec.split(",", -1)) {
            String name = item.contains("=") ? item.substring(0, item.indexOf('=')).trim() : item.trim();
            int i = FAULT_NAMES.indexOf(name);
            if (i < 0) throw new IllegalArgumentException("--faults: unknown fault '" + item + "'; known: " + String.join(", ", FAULT_NAMES));
            double rate = DEFAULT_FAULT_RATE;
            if (item.contains("=")) {
                String v = item.substring(item.indexOf('=') + 1).trim();
                try {
                    rate = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--faults: rate of " + name + " is not a number: '" + v + "'");
                }
                if (!(rate >= 0 && rate < 1)) throw new IllegalArgumentException("--faults: rate of " + name + " must be in [0, 1), was " + v);
            }
            dev.bioref.device.FaultPlan.Kind k = dev.bioref.device.FaultPlan.Kind.values()[i];
            if (out.put(k, rate) != null) throw new IllegalArgumentException("--faults: " + name + " given twice in '" + spec + "'");
        }
        return out;
    }

    /** {@link #faults} as a --faults argument, or null if empty. */
    public String faultsSpec() {
        if (faults.isEmpty()) return null;
        List<String> items = new ArrayList<>();
        faults.forEach((k, r) -> items.add(FAULT_NAMES.get(k.ordinal()) + "=" + r));
        return String.join(",", items);
    }

    /** The device's fault plan for this run (seeded from --seed), or {@link dev.bioref.device.FaultPlan#none()}. */
    public dev.bioref.device.FaultPlan faultPlan() {
        if (faults.isEmpty()) return dev.bioref.device.FaultPlan.none();
        dev.bioref.device.FaultPlan.Builder b = dev.bioref.device.FaultPlan.builder(seed * 0x2545F4914F6CDD1DL + 11);
        faults.forEach((k, r) -> {
            switch (k) {
                case EIO -> b.eioWithProbability(dev.bioref.device.Op.WRITE, r);
                case LATENT_SECTOR_ERROR -> b.latentSectorErrorWithProbability(r);
                case TORN_WRITE -> b.tornWriteWithProbability(r);
                case LOST_WRITE -> b.lostWriteWithProbability(r);
                case MISDIRECTED_WRITE -> b.misdirectedWriteWithProbability(r);
            }
        });
        return b.build();
    }

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
        if (seedCheckwriteSkipsFlushMark) sb.append(" --seed-checkwrite-skips-flush-mark");
        if (faultsSpec() != null) sb.append(" --faults ").append(faultsSpec());
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
        for (java.util.Map.Entry<dev.bioref.device.FaultPlan.Kind, Double> e : faults.entrySet()) {
            if (!(e.getValue() >= 0 && e.getValue() < 1)) {
                throw new IllegalArgumentException("--faults: rate of " + FAULT_NAMES.get(e.getKey().ordinal()) + " must be in [0, 1), was " + e.getValue());
            }
        }
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
