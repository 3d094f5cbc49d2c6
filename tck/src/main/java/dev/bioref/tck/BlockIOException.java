// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck;

/** A device I/O error reported by a contract method; {@link #errno()} is the kernel errno (EIO = 5). */
public final class BlockIOException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public BlockIOException(String what, int errno) {
        super(what + ": errno " + errno);
        if (errno <= 0) throw new IllegalArgumentException("errno must be positive, was " + errno);
        this.errno = errno;
    }

    public int errno() { return errno; }
}
