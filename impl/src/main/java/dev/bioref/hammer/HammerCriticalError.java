// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * Thrown by a frontend call on a mount that hit a critical write error (hammer_critical_error):
 * the mount is read-only and no later flush may claim success.
 */
public final class HammerCriticalError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HammerCriticalError(String message) { super(message); }
}
