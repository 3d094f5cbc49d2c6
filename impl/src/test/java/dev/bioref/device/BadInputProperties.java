// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Consumer;

import static dev.bioref.device.DeviceTesting.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input throws an exception naming the bad value and leaves the device as it was. */
class BadInputProperties {
    static final int SECTORS = 8;
    static final long CAP = SECTORS * S;

    /** A bad call, and the text its message must contain. */
    record Bad(String name, Consumer<LoopbackDevice> call, String mustName) { }

    static Bad bad(int which, SplittableRandom r) {
        long misaligned = (long) r.nextInt(SECTORS) * S + 1 + r.nextInt(S - 1);
        long negative = -1 - r.nextInt(1000);
        long beyond = CAP + (long) r.nextInt(4) * S;
        int badLen = S + 1 + r.nextInt(S - 1);
        return switch (which) {
            case 0 -> new Bad("negative offset", d -> d.submit(Request.write(negative, new byte[S]), Callback.IGNORE), "" + negative);
            case 1 -> new Bad("misaligned offset", d -> d.submit(Request.read(misaligned, new byte[S]), Callback.IGNORE), "" + misaligned);
            case 2 -> new Bad("zero length", d -> d.submit(Request.write(0, new byte[0]), Callback.IGNORE), "was 0");
            case 3 -> new Bad("negative length", d -> d.submit(Request.discard(0, -S), Callback.IGNORE), "" + -S);
            case 4 -> new Bad("misaligned length", d -> d.submit(Request.write(0, new byte[badLen]), Callback.IGNORE), "" + badLen);
            case 5 -> new Bad("beyond capacity", d -> d.submit(Request.writeFua(beyond, new byte[S]), Callback.IGNORE), "" + (beyond + S));
            case 6 -> new Bad("null buffer", d -> d.submit(Request.write(S, null), Callback.IGNORE), "null");
            case 7 -> new Bad("null read buffer", d -> d.execute(Request.read(S, null)), "null");
            case 8 -> new Bad("bad peek", d -> d.peekDurable(misaligned, S), "" + misaligned);
            case 9 -> new Bad("blank mark", d -> d.mark(" "), "' '");
            case 10 -> new Bad("mark without log", d -> d.mark("x"), "startLog");
            default -> new Bad("range past the end", d -> d.submit(Request.discard(CAP - S, 2 * S), Callback.IGNORE), "" + (CAP + S));
        };
    }

    @Property(tries = 1000)
    void badInputIsRejectedNamedAndChangesNothing(@ForAll long seed, @ForAll @IntRange(min = 0, max = 11) int which) {
        SplittableRandom r = new SplittableRandom(seed);
        LoopbackDevice d = LoopbackDevice.inMemory(CAP);
        for (int i = 0, n = r.nextInt(6); i < n; i++) {          // some state: durable and cached data
            d.execute(Request.write((long) r.nextInt(SECTORS) * S, DeviceTesting.fill(1, 1 + i)));
            if (r.nextBoolean()) d.execute(Request.flush());
        }
        DeviceTesting.Snapshot before = DeviceTesting.snapshot(d);
        Bad bad = bad(which, r);
        RuntimeException e = assertThrows(RuntimeException.class, () -> bad.call().accept(d), bad.name());
        assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException, bad.name() + ": " + e);
        assertTrue(e.getMessage().contains(bad.mustName()),
                () -> bad.name() + ": message '" + e.getMessage() + "' does not name " + bad.mustName() + " (seed=" + seed + ")");
        assertEquals(before, DeviceTesting.snapshot(d), bad.name() + " changed the device (seed=" + seed + ")");
        d.checkInvariants();
    }

    @Test
    void useAfterCloseIsRejectedNamingTheRequest() {
        LoopbackDevice d = LoopbackDevice.inMemory(CAP);
        d.execute(Request.writeFua(0, DeviceTesting.fill(1, 5)));
        d.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> d.submit(Request.write(S, new byte[S]), Callback.IGNORE));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("WRITE[off=512,len=512]"), e.getMessage());
        assertThrows(IllegalStateException.class, d::crash);
        assertThrows(IllegalStateException.class, d::startLog);
        assertEquals(5, d.peekDurable(0, S)[0], "the durable image is unchanged");
    }

    @Test
    void badCapacitiesAreRejectedWithTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoopbackDevice.inMemory(1000)).getMessage().contains("1000"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoopbackDevice.inMemory(-S)).getMessage().contains("" + -S));
    }
}
