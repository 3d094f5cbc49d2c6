// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.bioref.device.DeviceTesting.S;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The device against a model written independently in a few lines: a visible image and a
 * durable image. WRITE and DISCARD change the visible one; FUA changes both; FLUSH (inline
 * completion, so every earlier write has completed before it is submitted) copies visible to
 * durable; a crash that drops everything non-durable copies durable to visible.
 * A failure prints the seed and the operation trace; jqwik prints how to rerun it.
 */
class CrashModelProperties {
    static final int SECTORS = 8;

    @Property(tries = 1000)
    void crashDropNonDurableLeavesTheImageOfTheLastFlushPlusFua(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LoopbackDevice d = LoopbackDevice.inMemory(SECTORS * S);
        byte[] visible = new byte[SECTORS * S];
        byte[] durable = new byte[SECTORS * S];
        StringBuilder trace = new StringBuilder("seed=" + seed + ":");
        int n = 1 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            int op = r.nextInt(10);
            int sector = r.nextInt(SECTORS);
            int len = (1 + r.nextInt(SECTORS - sector)) * S;
            int off = sector * S;
            byte value = (byte) (1 + r.nextInt(250));
            byte[] data = new byte[len];
            Arrays.fill(data, value);
            switch (op) {
                case 0, 1, 2 -> {
                    trace.append(" W").append(off).append('+').append(len).append('=').append(value);
                    assertEquals(Status.OK, d.execute(Request.write(off, data)).status(), trace::toString);
                    System.arraycopy(data, 0, visible, off, len);
                }
                case 3 -> {
                    trace.append(" FUA").append(off).append('+').append(len).append('=').append(value);
                    d.execute(Request.writeFua(off, data));
                    System.arraycopy(data, 0, visible, off, len);
                    System.arraycopy(data, 0, durable, off, len);
                }
                case 4, 5 -> {
                    trace.append(" FLUSH");
                    d.execute(Request.flush());
                    System.arraycopy(visible, 0, durable, 0, visible.length);
                }
                case 6 -> {
                    trace.append(" DISCARD").append(off).append('+').append(len);
                    d.execute(Request.discard(off, len));
                    Arrays.fill(visible, off, off + len, (byte) 0);
                }
                case 7 -> {
                    trace.append(" CRASH");
                    d.crash();
                    System.arraycopy(durable, 0, visible, 0, visible.length);
                }
                default -> {
                    trace.append(" R").append(off).append('+').append(len);
                    byte[] b = new byte[len];
                    d.execute(Request.read(off, b));
                    assertArrayEquals(Arrays.copyOfRange(visible, off, off + len), b, trace::toString);
                }
            }
            assertArrayEquals(durable, d.peekDurable(0, SECTORS * S), trace::toString);
            d.checkInvariants();
        }
        d.crash();
        trace.append(" CRASH(end)");
        assertArrayEquals(durable, d.peekVisible(0, SECTORS * S), trace::toString);
    }

    /**
     * crash(policy): over the durable image, the landed leading sectors of each pending write (or
     * piece of one, where a later FUA cut it), in completion order. Write i puts the value
     * i*16+x+1 on absolute sector x, so a piece's data is known from its sectors alone.
     */
    @Property(tries = 500)
    void crashPolicyLandsExactlyTheChosenSectors(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LoopbackDevice d = LoopbackDevice.inMemory(SECTORS * S);
        java.util.Map<Long, Integer> writeOfSeq = new java.util.HashMap<>();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
            int sector = r.nextInt(SECTORS);
            int len = (1 + r.nextInt(SECTORS - sector)) * S;
            byte[] data = new byte[len];
            for (int k = 0; k < len / S; k++) Arrays.fill(data, k * S, (k + 1) * S, (byte) (i * 16 + sector + k + 1));
            if (r.nextInt(5) == 0) d.execute(Request.flush());
            Completion c = d.execute(r.nextInt(6) == 0 ? Request.writeFua(sector * S, data) : Request.write(sector * S, data));
            writeOfSeq.put(c.seq(), i);
        }
        byte[] expected = d.peekDurable(0, SECTORS * S);
        java.util.List<int[]> decisions = new java.util.ArrayList<>();   // {writeIndex, firstSector, landed}
        SplittableRandom choose = new SplittableRandom(seed ^ 0x5DEECE66DL);
        CrashPolicy recording = w -> {
            int k = choose.nextInt(w.sectors() + 1);
            decisions.add(new int[] {writeOfSeq.get(w.seq()), (int) (w.offset() / S), k});
            return k;
        };
        int pending = d.pendingWrites().size();
        d.crash(recording);
        assertEquals(pending, decisions.size(), "the policy is asked once per pending write");
        for (int[] dec : decisions) {
            for (int x = dec[1]; x < dec[1] + dec[2]; x++) Arrays.fill(expected, x * S, (x + 1) * S, (byte) (dec[0] * 16 + x + 1));
        }
        assertArrayEquals(expected, d.peekVisible(0, SECTORS * S), "seed=" + seed);
        assertArrayEquals(expected, d.peekDurable(0, SECTORS * S), "seed=" + seed);
        d.checkInvariants();
        assertEquals(0, d.cachedWrites());
    }

    @Property(tries = 200)
    void crashPolicyOutOfRangeIsRejectedAndChangesNothing(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LoopbackDevice d = LoopbackDevice.inMemory(SECTORS * S);
        d.execute(Request.write(0, DeviceTesting.fill(1 + r.nextInt(SECTORS), 3)));
        DeviceTesting.Snapshot before = DeviceTesting.snapshot(d);
        int bad = r.nextBoolean() ? -1 - r.nextInt(5) : SECTORS + 1 + r.nextInt(5);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> d.crash(w -> bad));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("was " + bad), e.getMessage());
        assertEquals(before, DeviceTesting.snapshot(d));
        d.checkInvariants();
    }
}
