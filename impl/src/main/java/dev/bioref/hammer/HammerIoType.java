// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/** enum hammer_io_type (hammer.h): what a hammer_io stands for, fixed at creation. */
public enum HammerIoType {
    /** The volume header; never freed while mounted, never on the lose tree. */
    VOLUME,
    /** A meta-data buffer (B-tree stand-in): written only by the flusher, after its UNDO is durable. */
    META_BUFFER,
    /** An UNDO FIFO buffer. */
    UNDO_BUFFER,
    /** A data buffer: may be written by the kernel (checkwrite) once released. */
    DATA_BUFFER,
    /** A wait_all placemarker on the iorun list; never associated with a bp. */
    DUMMY
}
