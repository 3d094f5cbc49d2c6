// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/** b_cmd: the I/O command in progress on a buffer (buf.h buf_cmd_t). DONE = no I/O outstanding. */
public enum BufCmd {
    DONE, READ, WRITE, FREEBLKS, FORMAT, FLUSH
}
