// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/** How a request ended. The kernel's bio carries an errno; the device knows only success and EIO. */
public enum Status {
    OK,
    /** An I/O error: nothing is promised about the sectors the request covered. */
    EIO
}
