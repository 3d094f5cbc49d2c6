// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What one TLC random simulation ({@code -simulate num=N -depth D -seed S}) reported: the outcome,
 * the violated property (if any), the states it checked, how many invariants the cfg names
 * (TLC checks each of them in every state it generates), the wall time, the counterexample and
 * TLC's whole output. {@code traces} and {@code depth} are what was asked for.
 */
public record SimulationResult(TlcResult.Outcome outcome, String property, long traces, int depth, long seed,
                               OptionalLong statesChecked, int invariants, long wallMillis, int exitCode,
                               Trace trace, String output) {
    public SimulationResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(property, "property");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(output, "output");
    }

    /** "pass", "violated X", "deadlock", "error", as {@link TlcResult#describe()}. */
    public String describe() {
        return new TlcResult(outcome, property, OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                0, exitCode, trace, "").describe();
    }

    /**
     * Behaviours generated: TLC stops a passing simulation after exactly {@code num} traces; after
     * a violation the number it had finished is not printed (empty).
     */
    public OptionalLong behaviours() {
        return outcome == TlcResult.Outcome.PASS ? OptionalLong.of(traces) : OptionalLong.empty();
    }

    /** Invariant evaluations: every checked state times the cfg's invariants. */
    public OptionalLong invariantChecks() {
        return statesChecked.isPresent() ? OptionalLong.of(statesChecked.getAsLong() * invariants) : OptionalLong.empty();
    }

    /** {@code count} per second of wall time (JVM start and parsing included), if known. */
    public static OptionalLong perSecond(OptionalLong count, long millis) {
        if (count.isEmpty() || millis <= 0) return OptionalLong.empty();
        return OptionalLong.of(Math.round(count.getAsLong() * 1000.0 / millis));
    }
}
