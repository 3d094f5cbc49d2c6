// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * The sequential specification of Suite A (reference dm_bufio.md §9b): an array of registers
 * {@code view[b]}, one per block, initially 0 (the device's contents). {@code read} and
 * {@code getOrRead} return {@code view[b]}; {@code write} sets it; {@code writeDirtyBuffers}
 * returns 0; {@code forget} and {@code prefetch} change nothing: presence in the cache is not
 * observable through the data view. Same operations, names and parameters as
 * {@link AbstractBufioDataViewLincheckTest}.
 */
public class BufioDataViewSpec {
    private final int[] view = new int[AbstractBufioDataViewLincheckTest.BLOCKS];

    @Operation
    public int read(@Param(gen = IntGen.class, conf = "0:2") int blk) { return view[blk]; }

    @Operation
    public void write(@Param(gen = IntGen.class, conf = "0:2") int blk, @Param(gen = IntGen.class, conf = "1:3") int v) { view[blk] = v; }

    @Operation
    public int writeDirtyBuffers() { return 0; }

    @Operation
    public void forget(@Param(gen = IntGen.class, conf = "0:2") int blk) { }

    @Operation
    public void prefetch(@Param(gen = IntGen.class, conf = "0:2") int blk) { }

    @Operation
    public int getOrRead(@Param(gen = IntGen.class, conf = "0:2") int blk) { return view[blk]; }
}
