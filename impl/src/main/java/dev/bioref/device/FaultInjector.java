// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The running state of a {@link FaultPlan} on one device: per-command completion counters, the
 * seeded random stream, the sectors with latent errors, and the record of every fault injected.
 * The device calls it under its lock at each completion, in completion order; that order and
 * the seed determine every decision. Reading the record is thread-safe.
 */
public final class FaultInjector {
    private final FaultPlan plan;
    private final SplittableRandom random;
    private final Map<Op, Long> completed = new EnumMap<>(Op.class);   // guarded by this (always taken inside the device lock)
    private final TreeSet<Long> latent = new TreeSet<>();                // guarded by this (always taken inside the device lock)
    private final List<InjectedFault> injected = new ArrayList<>();     // guarded by this

    FaultInjector(FaultPlan plan) {
        this.plan = plan;
        this.random = new SplittableRandom(plan.seed());
        for (FaultPlan.Rule r : plan.rules()) {
            if (r.kind() == FaultPlan.Kind.LATENT_SECTOR_ERROR && r.sector() >= 0) latent.add(r.sector());
        }
    }

    public FaultPlan plan() { return plan; }

    /** What the device must do to one request. */
    record Decision(FaultPlan.Kind kind, int sectorsLanded, long targetOffset) {
        static final Decision NONE = new Decision(null, -1, -1);
        boolean none() { return kind == null; }
    }

    /**
     * Decides the fate of {@code r}, which completes as number {@code completion}; records any
     * fault. Called with the device lock held.
     */
    synchronized Decision decide(Request r, long completion, long capacity) {
        if (!enabled) return Decision.NONE;
        long nth = completed.merge(r.op(), 1L, Long::sum);
        long first = r.offset() / LoopbackDevice.SECTOR_SIZE;
        long end = (r.offset() + r.length()) / LoopbackDevice.SECTOR_SIZE;   // exclusive
        if (r.op() == Op.READ) {
            Long hit = latent.ceiling(first);
            if (hit != null && hit < end) {
                this.hit.add(hit);
                return record(r, completion, FaultPlan.Kind.LATENT_SECTOR_ERROR, "sector " + hit, Decision.NONE, FaultPlan.Kind.EIO);
            }
        }
        for (FaultPlan.Rule rule : plan.rules()) {
            if (rule.op() != r.op()) continue;
            switch (rule.kind()) {
                case EIO -> {
                    boolean fire = rule.nth() > 0 ? rule.nth() == nth
                            : rule.sector() >= 0 ? (r.op() != Op.FLUSH && rule.sector() >= first && rule.sector() < end)
                            : random.nextDouble() < rule.probability();
                    if (fire) return record(r, completion, FaultPlan.Kind.EIO, "", Decision.NONE, FaultPlan.Kind.EIO);
                }
                case TORN_WRITE -> {
                    if (rule.nth() <= 0) {
                        if (!(random.nextDouble() < rule.probability())) continue;
                        int sectors = r.length() / LoopbackDevice.SECTOR_SIZE;
                        int landed = sectors <= 1 ? 0 : 1 + random.nextInt(sectors - 1);
                        return record(r, completion, FaultPlan.Kind.TORN_WRITE, landed + " sectors landed",
                                new Decision(FaultPlan.Kind.TORN_WRITE, landed, -1), null);
                    }
                    if (rule.nth() == nth) {
                        int landed = Math.min(rule.sectorsLanded(), r.length() / LoopbackDevice.SECTOR_SIZE);
                        return record(r, completion, FaultPlan.Kind.TORN_WRITE, landed + " sectors landed",
                                new Decision(FaultPlan.Kind.TORN_WRITE, landed, -1), null);
                    }
                }
                case LOST_WRITE -> {
                    boolean fire = rule.nth() > 0 ? rule.nth() == nth : random.nextDouble() < rule.probability();
                    if (fire) return record(r, completion, FaultPlan.Kind.LOST_WRITE, "", new Decision(FaultPlan.Kind.LOST_WRITE, -1, -1), null);
                }
                case MISDIRECTED_WRITE -> {
                    long target;
                    if (rule.nth() > 0) {
                        if (rule.nth() != nth) continue;
                        target = rule.targetSector() * LoopbackDevice.SECTOR_SIZE;
                        if (target > capacity - r.length()) {
                            throw new IllegalArgumentException("misdirected write target sector " + rule.targetSector()
                                    + " leaves no room for " + r + " on a device of " + capacity + " bytes");
                        }
                    } else {
                        if (!(random.nextDouble() < rule.probability())) continue;
                        long slots = (capacity - r.length()) / LoopbackDevice.SECTOR_SIZE + 1;
                        target = random.nextLong(slots) * LoopbackDevice.SECTOR_SIZE;
                    }
                    return record(r, completion, FaultPlan.Kind.MISDIRECTED_WRITE, "landed at offset " + target,
                            new Decision(FaultPlan.Kind.MISDIRECTED_WRITE, -1, target), null);
                }
                case LATENT_SECTOR_ERROR -> { }
            }
        }
        return Decision.NONE;
    }

    private Decision record(Request r, long completion, FaultPlan.Kind kind, String detail, Decision d, FaultPlan.Kind eio) {
        synchronized (this) {
            injected.add(new InjectedFault(completion, r.op(), r.offset(), r.length(), kind, detail));
        }
        return eio == FaultPlan.Kind.EIO ? new Decision(FaultPlan.Kind.EIO, -1, -1) : d;
    }

    /** A WRITE or DISCARD covering these sectors completed: their latent errors are repaired. Device lock held. */
    synchronized void rewritten(long offset, int length) {
        long first = offset / LoopbackDevice.SECTOR_SIZE;
        long end = (offset + length) / LoopbackDevice.SECTOR_SIZE;
        latent.subSet(first, end).clear();
    }

    /**
     * A WRITE covering these sectors took effect: their latent errors are repaired, then each
     * {@link FaultPlan.Builder#latentSectorErrorWithProbability} rule may leave one of them
     * unreadable (counted by {@link #latentPlanted()}). Device lock held.
     */
    synchronized void written(long offset, int length) {
        rewritten(offset, length);
        if (!enabled) return;
        long first = offset / LoopbackDevice.SECTOR_SIZE;
        int sectors = length / LoopbackDevice.SECTOR_SIZE;
        if (sectors == 0) return;
        for (FaultPlan.Rule rule : plan.rules()) {
            if (rule.kind() != FaultPlan.Kind.LATENT_SECTOR_ERROR || rule.sector() >= 0) continue;
            if (random.nextDouble() < rule.probability()) {
                latent.add(first + random.nextInt(sectors));
                latentPlanted++;
            }
        }
    }

    private long latentPlanted;     // guarded by this
    private boolean enabled = true; // guarded by this

    /**
     * Holds the plan back ({@code false}: every request completes as planned, no counter moves,
     * no random number is drawn) or lets it act again. A harness holds it back while it formats
     * and mounts, so that faults hit only the run it checks (simulate does; proofs-notes/faults.md).
     */
    public synchronized void setEnabled(boolean on) { enabled = on; }

    /** Sectors a probabilistic latent-error rule made unreadable so far (each READ that then hits one is an injected fault). */
    public synchronized long latentPlanted() { return latentPlanted; }

    /**
     * Repairs the latent sectors a READ has failed on so far (as a rebuild from a mirror would:
     * the sector is rewritten with its own contents); returns how many were still bad. Sectors no
     * READ has hit stay bad. For a harness that goes on after the stack reported the read error
     * (simulate does, at the crash that follows).
     */
    public synchronized int repairHit() {
        int n = 0;
        for (Long s : hit) if (latent.remove(s)) n++;
        hit.clear();
        return n;
    }

    private final TreeSet<Long> hit = new TreeSet<>();   // latent sectors a READ failed on; guarded by this

    /** Sectors that still have a latent error. */
    public synchronized List<Long> latentSectors() { return List.copyOf(latent); }

    /** Every fault injected so far, in completion order. */
    public synchronized List<InjectedFault> injected() { return List.copyOf(injected); }

    /** How many faults were injected so far. */
    public synchronized int count() { return injected.size(); }
}
