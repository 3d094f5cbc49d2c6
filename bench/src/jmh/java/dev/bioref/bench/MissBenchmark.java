// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.device.LoopbackDevice;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The miss path with eviction: one thread reads blocks 0, 1, 2, ... of a 4096-block in-memory
 * device through a cache of 64 blocks, so every read misses, reads the device and evicts a
 * clean block.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MissBenchmark {
    static final int BS = 1024;
    static final int BLOCKS = 4096;

    @Param({"reference", "fast", "caffeine"})
    public String impl;

    Impls.Reader reader;
    long next;

    @Setup(Level.Trial)
    public void setup() {
        reader = Impls.reader(impl, LoopbackDevice.inMemory((long) BLOCKS * BS), BS, 64);
    }

    @Benchmark
    public int miss() {
        long b = next;
        next = (b + 1) % BLOCKS;
        return reader.read(b);
    }
}
