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
    public final List<String> mutations = new ArrayList<>();

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
        for (String m : mutations) sb.append(" --mutation ").append(m);
        return sb.toString();
    }

    /** Throws, naming the bad value, if an option is out of range. */
    public void validate() {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, was " + threads);
        if (ops < 0) throw new IllegalArgumentException("--ops must be >= 0, was " + ops);
        if (keys < 1) throw new IllegalArgumentException("--keys must be >= 1, was " + keys);
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
                List<String> known = new ArrayList<>();
                for (java.lang.reflect.Field f : HammerMutations.class.getFields()) {
                    if (f.getType() == boolean.class) known.add(f.getName());
                }
                throw new IllegalArgumentException("unknown --mutation " + n + "; known: " + String.join(", ", known));
            }
        }
        return m;
    }
}
