// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * TLC's random simulation of the manifest's models, for behaviours deeper than exhaustive
 * search reaches: {@code ./bioref model --simulate --depth D --traces N --seed S}.
 *
 * <p>Interface: {@link #check(Manifest.Row)} simulates one row, prints one result line with
 * behaviours, states and invariant checks per second (and the counterexample and a replay
 * command if TLC found a violation), and returns whether it did what the row allows.
 *
 * <p>Rules. Simulation samples behaviours; it proves nothing about the ones it did not draw. So
 * a pass row must not be violated (a violation fails, with its trace); a violation row (a mutant)
 * is as expected when TLC finds the named property violated, and is reported, not failed, when
 * the sample did not find it; another property violated, or a TLC error, fails. With one worker
 * (the default here) a run is a function of its seed.
 */
public final class Simulation {
    private final TlcRunner runner;
    private final PrintStream log;
    private final int depth;
    private final long traces;
    private final long seed;

    /** One simulated row: TLC's result, whether it was as the row allows, and why. */
    public record Checked(Manifest.Row row, SimulationResult result, boolean ok, String reason) { }

    public Simulation(TlcRunner runner, PrintStream log, int depth, long traces, long seed) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.log = Objects.requireNonNull(log, "log");
        if (depth < 1) throw new IllegalArgumentException("simulation depth must be at least 1, was " + depth);
        if (traces < 1) throw new IllegalArgumentException("simulation traces must be at least 1, was " + traces);
        this.depth = depth;
        this.traces = traces;
        this.seed = seed;
    }

    /** Simulates {@code row}, prints its result line (and trace) and judges it. */
    public Checked check(Manifest.Row row) {
        log.println("TLC -simulate " + row.config() + " (" + row.module() + "): " + traces + " traces of depth "
                + depth + ", seed " + seed + " ...");
        SimulationResult r = runner.simulate(row.config(), row.module(), depth, traces, seed);
        Checked c = judge(row, r);
        log.println(line(c));
        if (!r.trace().isEmpty()) {
            log.println("Counterexample (" + r.describe() + "):");
            log.print(r.trace().render());
        }
        if (r.outcome().isViolation() || !c.ok()) log.println("Replay: " + replay(row));
        if (r.outcome() == TlcResult.Outcome.ERROR) {
            log.println("---- TLC output (" + String.join(" ", runner.simulateCommand(row.config(), row.module(), depth, traces, seed))
                    + ") ----");
            log.println(r.output());
            log.println("---- end of TLC output ----");
        }
        return c;
    }

    /** The command that replays this simulation. */
    public String replay(Manifest.Row row) {
        return "./bioref model --simulate --depth " + depth + " --traces " + traces + " --seed " + seed
                + (runner.singleWorker() ? "" : " --workers " + runner.workers()) + " " + row.config();
    }

    /** Compares a simulation's result with what the row allows (see the class comment). */
    public static Checked judge(Manifest.Row row, SimulationResult r) {
        if (r.outcome() == TlcResult.Outcome.ERROR) {
            return new Checked(row, r, false, "TLC did not finish normally (exit " + r.exitCode() + "); see TLC's output");
        }
        if (row.expect() == Manifest.Expect.PASS) {
            return r.outcome() == TlcResult.Outcome.PASS
                    ? new Checked(row, r, true, "no violation in " + r.traces() + " behaviours")
                    : new Checked(row, r, false, "expected pass, the simulation found " + r.describe());
        }
        if (r.outcome() == TlcResult.Outcome.PASS) {
            return new Checked(row, r, true, "the expected violation of " + row.property() + " was not drawn in "
                    + r.traces() + " behaviours (simulation samples; the exhaustive check is the judge)");
        }
        boolean named = java.util.Arrays.asList(r.property().split("\\|")).contains(row.property());
        return named ? new Checked(row, r, true, "violated " + row.property() + " as the manifest expects")
                : new Checked(row, r, false, "expected " + row.property() + " to be violated, the simulation found " + r.describe());
    }

    /** "OK   cfg: pass; 200 behaviours, 10001 states, 30003 invariant checks in 12.3 s: 16 behaviours/s, ...". */
    static String line(Checked c) {
        SimulationResult r = c.result();
        long ms = r.wallMillis();
        return String.format(Locale.ROOT, "%-4s %s: %s; %s behaviours, %s states checked, %s invariant checks (%d invariants)"
                        + " in %.1f s: %s behaviours/s, %s states/s, %s invariant checks/s",
                c.ok() ? "OK" : "FAIL", c.row().config(), c.reason(), num(r.behaviours()), num(r.statesChecked()),
                num(r.invariantChecks()), r.invariants(), ms / 1000.0, num(SimulationResult.perSecond(r.behaviours(), ms)),
                num(SimulationResult.perSecond(r.statesChecked(), ms)), num(SimulationResult.perSecond(r.invariantChecks(), ms)));
    }

    private static String num(OptionalLong v) { return v.isPresent() ? Long.toString(v.getAsLong()) : "-"; }
}
