// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * Sequential specification of {@link AbstractMappedFileLincheckTest} (notes §7.2 target 2, the
 * page cache as a file, cut to one byte): the byte at offset 4500 of a file that is never shorter
 * than 5000 bytes. A truncate to 5000 keeps it; a write sets it; a read returns it.
 */
public class MappedFileSpec {
    private int b;      // the file starts zero-filled

    public void write(int v) { b = v; }

    public int read() { return b; }

    public void truncate() { }   // 5000 > 4500: the byte is below the new EOF
}
