// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * A snapshot of the device's counters.
 *
 * @param reads     READ requests completed
 * @param writes    WRITE requests completed
 * @param flushes   FLUSH requests completed
 * @param discards  DISCARD requests completed
 * @param errors    requests completed with EIO
 * @param bytesRead bytes returned by completed READs
 * @param bytesWritten bytes accepted by completed WRITEs
 * @param inFlight  requests submitted and not yet completed
 * @param crashes   calls to crash()
 */
public record DeviceStats(long reads, long writes, long flushes, long discards, long errors,
                          long bytesRead, long bytesWritten, long inFlight, long crashes) {

    /** The mutable counters behind a snapshot; guarded by the device lock. */
    static final class Counters {
        long reads, writes, flushes, discards, errors, bytesRead, bytesWritten, inFlight, crashes;

        void submitted(Request r, long now) { inFlight++; }

        void completed(Request r, Status s, long now) {
            inFlight--;
            if (s != Status.OK) { errors++; }
            switch (r.op()) {
                case READ -> { reads++; if (s == Status.OK) bytesRead += r.length(); }
                case WRITE -> { writes++; if (s == Status.OK) bytesWritten += r.length(); }
                case FLUSH -> flushes++;
                case DISCARD -> discards++;
            }
        }

        DeviceStats snapshot() {
            return new DeviceStats(reads, writes, flushes, discards, errors, bytesRead, bytesWritten, inFlight, crashes);
        }
    }
}
