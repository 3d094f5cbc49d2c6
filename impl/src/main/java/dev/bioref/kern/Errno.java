// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

/** The errno values the ported kernel code returns (DragonFly's numbering, sys/errno.h). */
public final class Errno {
    private Errno() { }

    public static final int EINTR = 4;
    public static final int EIO = 5;
    /** Device not configured: I/O to a device that was closed (detached). */
    public static final int ENXIO = 6;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    /** Also EAGAIN: a sleep with a timeout ran out, or a NOWAIT attempt would have slept. */
    public static final int EWOULDBLOCK = 35;
    public static final int ETIMEDOUT = 60;
    /** lockmgr LK_SLEEPFAIL: the lock had to sleep, so it was not acquired. */
    public static final int ENOLCK = 77;

    /** The symbolic name of {@code errno}, for messages. */
    public static String name(int errno) {
        return switch (errno) {
            case 0 -> "0";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case EWOULDBLOCK -> "EWOULDBLOCK";
            case ETIMEDOUT -> "ETIMEDOUT";
            case ENOLCK -> "ENOLCK";
            default -> "errno " + errno;
        };
    }
}
