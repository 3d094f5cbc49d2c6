// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Which faults a device injects, fixed before it runs: an immutable list of rules plus the seed
 * that drives the probabilistic ones. The device consults a {@link FaultInjector} made from the
 * plan at each completion, so the same plan, the same seed and the same completion order give
 * the same faults (TigerBeetle's storage fault model, scaled down: see proofs-notes/device.md).
 *
 * <p>Rules (operation counts are 1-based and count completions of that command):
 * <ul>
 *   <li>EIO: {@link Builder#eioOnNth}, {@link Builder#eioOnSector}, {@link Builder#eioWithProbability}.
 *       A failed WRITE, DISCARD or FLUSH changes nothing; a failed READ leaves the buffer as it was.</li>
 *   <li>Latent sector error: {@link Builder#latentSectorError}, {@link Builder#latentSectorErrorWithProbability}:
 *       every READ touching the sector fails until a WRITE (or DISCARD) covering it completes.</li>
 *   <li>Torn write: {@link Builder#tornWrite}, {@link Builder#tornWriteWithProbability}: the WRITE fails
 *       with EIO after only its first k sectors took effect (a write error part-way).</li>
 *   <li>Lost write: {@link Builder#lostWrite}, {@link Builder#lostWriteWithProbability}: the WRITE is
 *       acknowledged OK and visible from the cache, but never reaches the media: after the FLUSH
 *       (or at once, with FUA) reads return the old data, and a crash never shows it.</li>
 *   <li>Misdirected write: {@link Builder#misdirectedWrite}, {@link Builder#misdirectedWriteWithProbability}:
 *       acknowledged OK, but on the media the data lands at another sector.</li>
 * </ul>
 */
public final class FaultPlan {
    /** The kinds of rule; also the kinds of {@link InjectedFault}. */
    public enum Kind { EIO, LATENT_SECTOR_ERROR, TORN_WRITE, LOST_WRITE, MISDIRECTED_WRITE }

    /** One rule. Fields not used by a kind are -1 (or 0.0 for the probability). */
    record Rule(Kind kind, Op op, long nth, long sector, double probability, int sectorsLanded, long targetSector) { }

    private final long seed;
    private final List<Rule> rules;

    private FaultPlan(long seed, List<Rule> rules) {
        this.seed = seed;
        this.rules = Collections.unmodifiableList(new ArrayList<>(rules));
    }

    /** A plan that injects nothing. */
    public static FaultPlan none() { return new FaultPlan(0, List.of()); }

    public static Builder builder(long seed) { return new Builder(seed); }

    public long seed() { return seed; }

    List<Rule> rules() { return rules; }

    public boolean isEmpty() { return rules.isEmpty(); }

    /** A fresh injector with its own random stream and counters: one per device. */
    public FaultInjector newInjector() { return new FaultInjector(this); }

    @Override public String toString() { return "FaultPlan(seed=" + seed + ", " + rules + ")"; }

    /** Collects rules; every argument is checked here, with the bad value named. */
    public static final class Builder {
        private final long seed;
        private final List<Rule> rules = new ArrayList<>();

        private Builder(long seed) { this.seed = seed; }

        /** The {@code nth} completion of {@code op} fails with EIO. */
        public Builder eioOnNth(Op op, long nth) {
            Objects.requireNonNull(op, "op");
            positive("nth", nth);
            rules.add(new Rule(Kind.EIO, op, nth, -1, 0.0, -1, -1));
            return this;
        }

        /** Every {@code op} (READ, WRITE or DISCARD) that touches {@code sector} fails with EIO. */
        public Builder eioOnSector(Op op, long sector) {
            Objects.requireNonNull(op, "op");
            if (op == Op.FLUSH) throw new IllegalArgumentException("a FLUSH touches no sector: op=" + op);
            nonNegative("sector", sector);
            rules.add(new Rule(Kind.EIO, op, -1, sector, 0.0, -1, -1));
            return this;
        }

        /** Each completion of {@code op} fails with EIO with probability {@code p}, drawn from the seed. */
        public Builder eioWithProbability(Op op, double p) {
            Objects.requireNonNull(op, "op");
            probability(p);
            rules.add(new Rule(Kind.EIO, op, -1, -1, p, -1, -1));
            return this;
        }

        /** READs touching {@code sector} fail until a WRITE or DISCARD covering it completes. */
        public Builder latentSectorError(long sector) {
            nonNegative("sector", sector);
            rules.add(new Rule(Kind.LATENT_SECTOR_ERROR, Op.READ, -1, sector, 0.0, -1, -1));
            return this;
        }

        /** The {@code nth} WRITE fails with EIO after its first {@code sectorsLanded} sectors took effect. */
        public Builder tornWrite(long nth, int sectorsLanded) {
            positive("nth", nth);
            if (sectorsLanded < 0) throw new IllegalArgumentException("sectorsLanded must not be negative: " + sectorsLanded);
            rules.add(new Rule(Kind.TORN_WRITE, Op.WRITE, nth, -1, 0.0, sectorsLanded, -1));
            return this;
        }

        /**
         * Each WRITE that completes leaves, with probability {@code p}, one seeded random sector of
         * its range unreadable afterwards (the media decayed under it): READs touching it fail until
         * a later WRITE or DISCARD covers it. Used by {@code simulate --faults latent=p}.
         */
        public Builder latentSectorErrorWithProbability(double p) {
            probability(p);
            rules.add(new Rule(Kind.LATENT_SECTOR_ERROR, Op.WRITE, -1, -1, p, -1, -1));
            return this;
        }

        /**
         * Each WRITE fails, with probability {@code p}, with EIO after a seeded random number of its
         * leading sectors took effect (fewer than all; none for a one-sector write).
         */
        public Builder tornWriteWithProbability(double p) {
            probability(p);
            rules.add(new Rule(Kind.TORN_WRITE, Op.WRITE, -1, -1, p, -1, -1));
            return this;
        }

        /** The {@code nth} WRITE is acknowledged but never reaches the media. */
        public Builder lostWrite(long nth) {
            positive("nth", nth);
            rules.add(new Rule(Kind.LOST_WRITE, Op.WRITE, nth, -1, 0.0, -1, -1));
            return this;
        }

        /** Each WRITE is lost with probability {@code p}. */
        public Builder lostWriteWithProbability(double p) {
            probability(p);
            rules.add(new Rule(Kind.LOST_WRITE, Op.WRITE, -1, -1, p, -1, -1));
            return this;
        }

        /** The {@code nth} WRITE lands at {@code targetSector} on the media instead of its own offset. */
        public Builder misdirectedWrite(long nth, long targetSector) {
            positive("nth", nth);
            nonNegative("targetSector", targetSector);
            rules.add(new Rule(Kind.MISDIRECTED_WRITE, Op.WRITE, nth, -1, 0.0, -1, targetSector));
            return this;
        }

        /** Each WRITE lands at a seeded random other sector with probability {@code p}. */
        public Builder misdirectedWriteWithProbability(double p) {
            probability(p);
            rules.add(new Rule(Kind.MISDIRECTED_WRITE, Op.WRITE, -1, -1, p, -1, -1));
            return this;
        }

        public FaultPlan build() { return new FaultPlan(seed, rules); }

        private static void positive(String name, long v) {
            if (v <= 0) throw new IllegalArgumentException(name + " must be positive (counts start at 1): " + v);
        }

        private static void nonNegative(String name, long v) {
            if (v < 0) throw new IllegalArgumentException(name + " must not be negative: " + v);
        }

        private static void probability(double p) {
            if (!(p >= 0.0 && p <= 1.0)) throw new IllegalArgumentException("probability must be in [0, 1]: " + p);
        }
    }
}
