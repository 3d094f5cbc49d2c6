// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What one TLC run reported: the outcome, the violated property (if any), the state counts,
 * the depth, the wall time, the counterexample and TLC's whole output.
 */
public record TlcResult(Outcome outcome, String property, OptionalLong distinct, OptionalLong total,
                        OptionalLong depth, long wallMillis, int exitCode, Trace trace, String output) {

    /** How a TLC run ended. */
    public enum Outcome {
        /** Model checking completed, no error found. */
        PASS,
        /** An invariant ({@code INVARIANT}) was violated; {@code property} names it. */
        INVARIANT_VIOLATED,
        /** A temporal or action property ({@code PROPERTY}) was violated. */
        PROPERTY_VIOLATED,
        /** A state without successors was reached while deadlock checking was on. */
        DEADLOCK,
        /** Anything else: a parse or semantic error, a false ASSUME, an exception, a crash. */
        ERROR;

        public boolean isViolation() {
            return this == INVARIANT_VIOLATED || this == PROPERTY_VIOLATED || this == DEADLOCK;
        }
    }

    public TlcResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(property, "property");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(output, "output");
    }

    /** A short description: "pass", "violated NoReuseUnderHoldInv", "deadlock", "error". */
    public String describe() {
        return switch (outcome) {
            case PASS -> "pass";
            case INVARIANT_VIOLATED, PROPERTY_VIOLATED -> "violated " + property;
            case DEADLOCK -> "deadlock";
            case ERROR -> "error";
        };
    }

    public TlcResult withWallMillis(long millis) {
        return new TlcResult(outcome, property, distinct, total, depth, millis, exitCode, trace, output);
    }
}
