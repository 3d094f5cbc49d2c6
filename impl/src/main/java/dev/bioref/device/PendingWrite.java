// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

/**
 * A completed write still in the device's volatile cache, as a {@link CrashPolicy} sees it.
 *
 * @param seq    its completion number
 * @param offset byte offset
 * @param length byte length (a FUA write that overwrote part of it has cut that part out,
 *               so one write may appear as two pieces with the same seq)
 */
public record PendingWrite(long seq, long offset, int length) {
    public int sectors() { return length / LoopbackDevice.SECTOR_SIZE; }
}
