// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * The device's answer to one request, handed to the request's callback.
 *
 * @param request the request that completed
 * @param status  OK or EIO
 * @param seq     the device's completion sequence number (1, 2, ...): the order in which
 *                requests took effect, the order the write log records
 */
public record Completion(Request request, Status status, long seq) {
    public boolean ok() { return status == Status.OK; }
}
