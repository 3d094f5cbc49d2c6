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
import org.openjdk.jmh.annotations.Threads;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The hit path: bread of a cached block + release (Caffeine: get of a present key), 100% hits,
 * uniform keys over 64 cached blocks, at 1, 2 and 4 threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class HitPathBenchmark {
    static final int BS = 1024;
    static final int CACHED = 64;

    @Param({"reference", "fast", "caffeine"})
    public String impl;

    Impls.Reader reader;

    @Setup(Level.Trial)
    public void setup() {
        LoopbackDevice dev = LoopbackDevice.inMemory((long) CACHED * BS);
        reader = Impls.reader(impl, dev, BS, 2 * CACHED);
        for (int b = 0; b < CACHED; b++) reader.read(b);
    }

    @State(Scope.Thread)
    public static class Keys {
        final SplittableRandom rnd = new SplittableRandom(Thread.currentThread().getId());
        long next() { return rnd.nextInt(CACHED); }
    }

    @Benchmark @Threads(1)
    public int hit1(Keys k) { return reader.read(k.next()); }

    @Benchmark @Threads(2)
    public int hit2(Keys k) { return reader.read(k.next()); }

    @Benchmark @Threads(4)
    public int hit4(Keys k) { return reader.read(k.next()); }
}
