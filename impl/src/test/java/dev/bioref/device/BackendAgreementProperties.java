// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import dev.bioref.kern.ManualClock;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.bioref.device.DeviceTesting.S;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The file backend behaves exactly as the in-memory one under the same random operations. */
class BackendAgreementProperties {
    static final int SECTORS = 16;

    @Property(tries = 200)
    void memoryAndFileBackendsAgree(@ForAll long seed) throws IOException {
        Path file = Files.createTempFile("bioref-device-", ".img");
        try (LoopbackDevice mem = new LoopbackDevice(new MemoryBackend(SECTORS * S), new InlineCompleter(), new ManualClock());
             LoopbackDevice onFile = new LoopbackDevice(FileBackend.create(file, SECTORS * S), new InlineCompleter(), new ManualClock())) {
            SplittableRandom r = new SplittableRandom(seed);
            StringBuilder trace = new StringBuilder("seed=" + seed + ":");
            for (int i = 0, n = 1 + r.nextInt(50); i < n; i++) {
                int sector = r.nextInt(SECTORS);
                int len = (1 + r.nextInt(SECTORS - sector)) * S;
                byte[] data = new byte[len];
                r.nextBytes(data);
                Request q;
                switch (r.nextInt(7)) {
                    case 0, 1 -> q = Request.write((long) sector * S, data);
                    case 2 -> q = Request.writeFua((long) sector * S, data);
                    case 3 -> q = Request.flush();
                    case 4 -> q = Request.discard((long) sector * S, len);
                    case 5 -> {
                        trace.append(" CRASH");
                        CrashPolicy p1 = CrashPolicy.seeded(seed + i), p2 = CrashPolicy.seeded(seed + i);
                        mem.crash(p1);
                        onFile.crash(p2);
                        continue;
                    }
                    default -> q = Request.read((long) sector * S, new byte[len]);
                }
                trace.append(' ').append(q);
                Completion a = mem.execute(q);
                byte[] readMem = q.op() == Op.READ ? q.buffer().clone() : null;
                Request q2 = q.op() == Op.READ ? Request.read(q.offset(), new byte[len]) : q;
                Completion b = onFile.execute(q2);
                assertEquals(a.status(), b.status(), trace::toString);
                if (readMem != null) assertArrayEquals(readMem, q2.buffer(), trace::toString);
                assertArrayEquals(mem.peekVisible(0, SECTORS * S), onFile.peekVisible(0, SECTORS * S), trace::toString);
                assertArrayEquals(mem.peekDurable(0, SECTORS * S), onFile.peekDurable(0, SECTORS * S), trace::toString);
            }
            assertEquals(mem.stats(), onFile.stats(), trace::toString);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aFileImageOutlivesItsDeviceAndReopens(@TempDir Path dir) {
        Path img = dir.resolve("disk.img");
        try (LoopbackDevice d = new LoopbackDevice(FileBackend.create(img, 4 * S), new InlineCompleter(), new ManualClock())) {
            d.execute(Request.writeFua(S, DeviceTesting.fill(1, 6)));
            d.execute(Request.write(2 * S, DeviceTesting.fill(1, 7)));   // never flushed: not in the image
        }
        try (LoopbackDevice d = new LoopbackDevice(FileBackend.open(img), new InlineCompleter(), new ManualClock())) {
            assertEquals(4 * S, d.capacity());
            assertArrayEquals(DeviceTesting.fill(1, 6), d.peekVisible(S, S));
            assertArrayEquals(new byte[S], d.peekVisible(2 * S, S));
        }
        byte[] zero = new byte[S];
        assertEquals(Arrays.toString(zero), Arrays.toString(new byte[S]));
    }
}
