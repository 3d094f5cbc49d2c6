// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What reaches the media of the writes still in the volatile cache when power fails: for each
 * {@link PendingWrite}, how many of its leading sectors land (0 = dropped, all = kept whole,
 * in between = torn at a sector boundary). Landed data is applied in completion order.
 * Used by {@link LoopbackDevice#crash(CrashPolicy)}.
 */
@FunctionalInterface
public interface CrashPolicy {
    /** How many leading sectors of {@code w} reach the media, in 0..w.sectors(). */
    int sectorsLanded(PendingWrite w);

    /** Every non-durable write is lost: the default, {@link LoopbackDevice#crash()}. */
    static CrashPolicy dropAll() { return w -> 0; }

    /** The writes with these completion numbers land whole; the rest are lost. */
    static CrashPolicy keep(long... seqs) {
        Set<Long> keep = new HashSet<>();
        for (long s : seqs) keep.add(s);
        return w -> keep.contains(w.seq()) ? w.sectors() : 0;
    }

    /**
     * Writes land as {@code sectorsLanded} says (completion number to leading sectors landed,
     * clamped to the write's size); writes not in the map are lost.
     */
    static CrashPolicy tear(Map<Long, Integer> sectorsLanded) {
        Map<Long, Integer> m = new HashMap<>(sectorsLanded);
        for (Map.Entry<Long, Integer> e : m.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("sectors landed must not be negative: seq " + e.getKey() + " -> " + e.getValue());
            }
        }
        return w -> Math.min(m.getOrDefault(w.seq(), 0), w.sectors());
    }

    /** Each write is dropped, kept or torn at a seeded random sector boundary (each equally likely). */
    static CrashPolicy seeded(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return w -> switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> w.sectors();
            default -> r.nextInt(w.sectors() + 1);
        };
    }
}
