package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class HammerBasicTest {

    static byte[] v(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static LoopbackDevice device(HammerOptions o) {
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        return dev;
    }

    @Test void putGetSyncRemountRoundTrip() {
        HammerOptions o = new HammerOptions();
        LoopbackDevice dev = device(o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(1, v("one"));
        hmp.put(2, v("two"));
        hmp.put(3, new byte[3000]);            // large: direct write
        hmp.checkInvariants();
        assertArrayEquals(v("one"), hmp.get(1));
        int ack = hmp.sync();
        hmp.checkInvariants();
        assertTrue(ack >= 1, "ack " + ack);
        assertTrue(hmp.durableFloor() >= ack);
        hmp.delete(2);
        hmp.put(1, v("uno"));
        assertArrayEquals(v("uno"), hmp.get(1));
        assertNull(hmp.get(2));
        hmp.sync();
        hmp.checkInvariants();
        hmp.close();
        dev.crash();
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        assertArrayEquals(v("uno"), again.get(1));
        assertNull(again.get(2));
        assertArrayEquals(new byte[3000], again.get(3));
        again.checkInvariants();
    }

    @Test void version3RoundTrip() {
        HammerOptions o = new HammerOptions();
        o.version = HammerOndisk.VERSION_3;
        LoopbackDevice dev = device(o);
        HammerMount hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        for (int i = 0; i < 50; i++) hmp.put(i, v("v" + i));
        hmp.sync();
        hmp.checkInvariants();
        dev.crash();
        HammerMount again = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        for (int i = 0; i < 50; i++) assertArrayEquals(v("v" + i), again.get(i));
    }
}
