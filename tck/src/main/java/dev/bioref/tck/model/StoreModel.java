// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link dev.bioref.tck.CrashSafeStore} contract as a sequential model: the map, and per key
 * the values a crash may bring back (the value when the last acknowledged sync returned and every
 * value the key took since; null = absent).
 */
public final class StoreModel {
    private final Map<Integer, byte[]> map = new HashMap<>();
    private final Map<Integer, List<byte[]>> sinceAck = new HashMap<>();
    private boolean changedSinceAck;

    /** A deep copy. */
    public StoreModel copy() {
        StoreModel c = new StoreModel();
        for (Map.Entry<Integer, byte[]> e : map.entrySet()) c.map.put(e.getKey(), e.getValue().clone());
        for (Map.Entry<Integer, List<byte[]>> e : sinceAck.entrySet()) {
            List<byte[]> l = new ArrayList<>();
            for (byte[] v : e.getValue()) l.add(v == null ? null : v.clone());
            c.sinceAck.put(e.getKey(), l);
        }
        c.changedSinceAck = changedSinceAck;
        return c;
    }

    public byte[] get(int key) {
        byte[] v = map.get(key);
        return v == null ? null : v.clone();
    }

    public void put(int key, byte[] value) {
        map.put(key, value.clone());
        history(key).add(value.clone());
        changedSinceAck = true;
    }

    public void delete(int key) {
        map.remove(key);
        history(key).add(null);
        changedSinceAck = true;
    }

    private List<byte[]> history(int key) {
        return sinceAck.computeIfAbsent(key, k -> {
            List<byte[]> l = new ArrayList<>();
            l.add(null);                  // never written before: absent at the last ack
            return l;
        });
    }

    /** sync() returned: the current map is the floor of every recovery. */
    public void acknowledged() {
        sinceAck.clear();
        for (Map.Entry<Integer, byte[]> e : map.entrySet()) {
            List<byte[]> l = new ArrayList<>();
            l.add(e.getValue().clone());
            sinceAck.put(e.getKey(), l);
        }
        changedSinceAck = false;
    }

    /** Nothing changed since the last acknowledged sync: recovery must return the map exactly. */
    public boolean exactAfterCrash() { return !changedSinceAck; }

    /** Null if {@code recovered} for {@code key} keeps the crash promise, else why not. */
    public String checkRecovered(int key, byte[] recovered) {
        List<byte[]> allowed = sinceAck.get(key);
        if (allowed == null) allowed = List.of();
        if (allowed.isEmpty()) {
            if (recovered == null) return null;
            return "key " + key + " was never written, recovered " + recovered.length + " bytes";
        }
        if (exactAfterCrash()) {
            byte[] want = map.get(key);
            return Arrays.equals(want, recovered) ? null
                    : "key " + key + ": nothing changed after the last acknowledged sync, yet it recovered "
                    + describe(recovered) + " instead of " + describe(want);
        }
        for (byte[] a : allowed) if (Arrays.equals(a, recovered)) return null;
        return "key " + key + " recovered " + describe(recovered) + ", which is neither its value at the last acknowledged"
                + " sync nor a later one (" + allowed.size() + " allowed)";
    }

    /** Keys the model has seen (written or deleted, or present at the last ack). */
    public List<Integer> keysSeen() {
        List<Integer> k = new ArrayList<>(sinceAck.keySet());
        for (Integer m : map.keySet()) if (!k.contains(m)) k.add(m);
        return k;
    }

    /** After a crash the store is what was recovered: this becomes the acknowledged state. */
    public void recovered(Map<Integer, byte[]> state) {
        map.clear();
        for (Map.Entry<Integer, byte[]> e : state.entrySet()) if (e.getValue() != null) map.put(e.getKey(), e.getValue().clone());
        acknowledged();
    }

    static String describe(byte[] v) {
        if (v == null) return "absent";
        return v.length + " bytes starting " + (v[0] & 0xff);
    }

    /** Lincheck's sequential specification of the store scenario: a map of int keys to int values (0 = absent). */
    public static final class Map0 {
        private final int[] m = new int[8];

        public int get(int key) { return m[key]; }

        public void put(int key, int v) { m[key] = v; }

        public void delete(int key) { m[key] = 0; }

        public void sync() { }
    }
}
