// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.device.FileBackend;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.kern.Clock;
import dev.bioref.tck.BlockCache;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Write-back to the file-backed device: dirty 256 blocks of 4 KiB with bdwrite, then sync
 * (the cache writes them, the device FLUSH writes them to the image file); against raw
 * {@link FileChannel} positional writes of the same 256 blocks from a heap buffer. Neither
 * calls force(): the loopback device's FLUSH does not fsync the image. Score: blocks per µs.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class WriteBackBenchmark {
    static final int BS = 4096;
    static final int N = 256;

    @Param({"reference", "fast", "filechannel"})
    public String impl;

    Path file;
    FileChannel raw;
    BlockCache cache;
    byte[] data = new byte[BS];
    int round;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        file = Files.createTempFile("bioref-writeback", ".img");
        if (impl.equals("filechannel")) {
            raw = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            raw.write(ByteBuffer.wrap(new byte[1]), (long) N * BS - 1);
        } else {
            LoopbackDevice dev = new LoopbackDevice(FileBackend.create(file, (long) N * BS), new InlineCompleter(), Clock.SYSTEM);
            cache = Impls.blockCache(impl, dev, BS, N + 16);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (raw != null) raw.close();
        if (cache != null) cache.close();
        Files.deleteIfExists(file);
    }

    @Benchmark @OperationsPerInvocation(N)
    public int writeBack() throws IOException {
        data[0] = (byte) ++round;
        if (raw != null) {
            for (int b = 0; b < N; b++) {
                ByteBuffer bb = ByteBuffer.wrap(data);
                while (bb.hasRemaining()) raw.write(bb, (long) b * BS + bb.position());
            }
            return round;
        }
        for (int b = 0; b < N; b++) {
            BlockCache.Buffer x = cache.getblk(0, b);
            System.arraycopy(data, 0, x.data(), 0, BS);
            cache.bdwrite(x);
        }
        return cache.sync(0);
    }
}
