// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * One fault the device injected, for reports and replay.
 *
 * @param completion the device's completion number of the request it hit
 * @param op         the command it hit
 * @param offset     the request's byte offset (0 for FLUSH)
 * @param length     the request's byte length (0 for FLUSH)
 * @param kind       what was injected
 * @param detail     the specifics: sectors landed, the misdirection target, the latent sector
 */
public record InjectedFault(long completion, Op op, long offset, int length, FaultPlan.Kind kind, String detail) {
    @Override public String toString() {
        return "#" + completion + " " + op + "[off=" + offset + ",len=" + length + "] " + kind
                + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
