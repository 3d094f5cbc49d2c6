// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.sim;

import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.hammer.HammerHooks;
import dev.bioref.hammer.HammerMount;
import dev.bioref.hammer.HammerOndisk;
import dev.bioref.hammer.HammerRecovery;
import dev.bioref.kern.Clock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Enumerates the states a crash could leave on the device at a given moment and checks that
 * HAMMER's recovery brings each back to a state the flusher promised.
 *
 * <p>Interface: install it as the mount's {@link HammerHooks} (it records each snapshot final
 * finalize takes), then call {@link #checkNow} at any quiescent point, or let it check itself
 * at the end of every final finalize ({@code checkInsideFinalize}). Failures are collected in
 * {@link #failures()}.
 *
 * <p>Crash model: the durable image plus any subset of the writes that completed since the last
 * cache flush, at the granularity of HAMMER's buffers (every HAMMER write is one aligned buffer).
 * The pending writes are read off the device as the buffers whose visible contents differ from
 * their durable contents; a buffer written twice since the last flush is taken at its last
 * version only (the older version is not enumerated; see proofs-notes/hammer.md). Up to
 * {@code 2^exhaustiveBits} subsets are checked exhaustively; beyond that, every single write,
 * every "all but one", and seeded random subsets up to the per-point budget. Then torn states:
 * one pending buffer lands only a leading run of its sectors, alone or with all the others whole
 * ({@link #tornPerPoint}, default a quarter of the budget).
 *
 * <p>What each recovered state must satisfy (names from proofs-notes/invariants.md):
 * {@code RecoveryConsistentInv} (the index equals some snapshot), {@code RecoveryDurableInv}
 * (that snapshot is no older than the durable floor when the crash happened, which is at least
 * the last acknowledged sync), {@code DataBeforeMetaInv} (every value the index references is
 * durable with the right CRC), {@code HeaderAfterUndoInv} (recovery finds every record its
 * header promises; checked inside recovery).
 */
public final class CrashChecker implements HammerHooks {
    private final TreeMap<Integer, Map<Integer, HammerOndisk.Slot>> snapshots = new TreeMap<>();
    private final Random rnd;
    private final int budgetPerPoint;
    private final int exhaustiveBits;
    private final List<String> failures = new ArrayList<>();
    private long statesChecked;
    private long pointsChecked;
    private long maxPending;
    boolean checkInsideFinalize;
    int finalizeEvery = 1;
    private int finalizeCounter;
    private HammerMount mount;
    private String context = "";

    public CrashChecker(long seed, int budgetPerPoint, int exhaustiveBits) {
        this.rnd = new Random(seed);
        this.budgetPerPoint = budgetPerPoint;
        this.exhaustiveBits = exhaustiveBits;
        this.tornPerPoint = Math.max(1, budgetPerPoint / 4);
    }

    /** Check the crash states at the end of every {@code every}-th final finalize (0 = never). */
    public CrashChecker insideFinalize(int every) {
        this.checkInsideFinalize = every > 0;
        this.finalizeEvery = Math.max(1, every);
        return this;
    }

    /** The mount this checker observes (a new one after every crash). */
    public void attach(HammerMount hmp) {
        this.mount = hmp;
    }

    /** Forget the snapshots of the previous mount (their numbering restarts at 0). */
    public void newMount() {
        snapshots.clear();
        if (named != null) named.clear();
    }

    /**
     * Every snapshot of the mount, also those older than the floor, kept only to name the one an
     * image recovers to (HammerFinalizeCrash's Crash event); null unless {@link #nameAllSnapshots()}.
     */
    private TreeMap<Integer, Map<Integer, HammerOndisk.Slot>> named;

    /** Keep every snapshot's number, so that a recovery to one older than the floor is named too (tracing only). */
    public CrashChecker nameAllSnapshots() {
        named = new TreeMap<>();
        return this;
    }

    public void setContext(String context) { this.context = context; }

    @Override public synchronized void snapshot(int cycle, Map<Integer, HammerOndisk.Slot> index) {
        snapshots.put(cycle, index);
        if (named != null) named.put(cycle, index);
    }

    @Override public synchronized void finalizeStep(HammerMount hmp, HammerHooks.FinalizeStep step, boolean fin) {
        if (!checkInsideFinalize || step == HammerHooks.FinalizeStep.START || step == HammerHooks.FinalizeStep.UNDO_DURABLE) return;
        if (step == HammerHooks.FinalizeStep.END && ++finalizeCounter % finalizeEvery != 0) return;
        if (step != HammerHooks.FinalizeStep.END && finalizeCounter % finalizeEvery != 0) return;
        checkNow(hmp.device(), hmp.durableFloor(), "finalize step '" + step + "' (" + (fin ? "final" : "partial")
                + "), latest snapshot " + hmp.latestSnapshot());
    }

    public long statesChecked() { return statesChecked; }
    public long pointsChecked() { return pointsChecked; }
    public long maxPending() { return maxPending; }
    public List<String> failures() { return failures; }

    /** Enumerates and checks the crash states of {@code dev} now; {@code floor}: oldest acceptable snapshot. */
    public synchronized void checkNow(LoopbackDevice dev, int floor, String where) {
        pointsChecked++;
        snapshots.headMap(floor, false).clear();     // older snapshots can never be accepted again
        int cap = (int) dev.capacity();
        byte[] durable = dev.peekDurable(0, cap);
        byte[] visible = dev.peekVisible(0, cap);
        List<Integer> pending = new ArrayList<>();
        for (int b = 0; b < cap / HammerOndisk.BUFSIZE; b++) {
            int off = b * HammerOndisk.BUFSIZE;
            if (!Arrays.equals(durable, off, off + HammerOndisk.BUFSIZE, visible, off, off + HammerOndisk.BUFSIZE)) pending.add(b);
        }
        maxPending = Math.max(maxPending, pending.size());
        int n = pending.size();
        List<long[]> subsets = new ArrayList<>();
        if (n <= exhaustiveBits && (1L << n) <= budgetPerPoint) {
            for (long m = 0; m < (1L << n); m++) subsets.add(new long[] {m});
        } else {
            subsets.add(bits(n, i -> false));
            subsets.add(bits(n, i -> true));
            for (int i = 0; i < n && subsets.size() < budgetPerPoint; i++) {
                int k = i;
                subsets.add(bits(n, j -> j == k));
                subsets.add(bits(n, j -> j != k));
            }
            while (subsets.size() < budgetPerPoint) subsets.add(bits(n, j -> rnd.nextBoolean()));
        }
        for (long[] mask : subsets) {
            OverlayBackend image = new OverlayBackend(durable);
            for (int i = 0; i < n; i++) {
                if ((mask[i / 64] >>> (i % 64) & 1) != 0) image.keep(pending.get(i), visible);
            }
            String err = check(image, floor);
            statesChecked++;
            if (err != null) {
                failures.add(context + where + ": crash keeping " + describe(mask, pending) + " of " + n
                        + " pending writes: " + err);
                return;      // one counterexample per point is enough
            }
        }
        // Torn states: a write in flight at the power loss lands sector by sector, so one pending
        // buffer lands only its first s sectors (1 <= s < a buffer's sectors), alone or with every
        // other pending buffer whole. Each pending buffer in turn, s seeded (device.md's Tear.PREFIX).
        int sectors = HammerOndisk.BUFSIZE / LoopbackDevice.SECTOR_SIZE;
        int tornBudget = n == 0 || sectors < 2 ? 0 : Math.min(tornPerPoint, 2 * n * (sectors - 1));
        for (int t = 0; t < tornBudget; t++) {
            int torn = t % n;
            boolean others = (t / n) % 2 == 1;
            int s = 1 + rnd.nextInt(sectors - 1);
            OverlayBackend image = new OverlayBackend(durable);
            if (others) for (int i = 0; i < n; i++) if (i != torn) image.keep(pending.get(i), visible);
            image.keepPrefix(pending.get(torn), visible, s * LoopbackDevice.SECTOR_SIZE);
            String err = check(image, floor);
            statesChecked++;
            tornStates++;
            if (err != null) {
                failures.add(context + where + ": crash keeping " + (others ? "every other of the " + n + " pending writes whole and " : "")
                        + "blk" + pending.get(torn) + " torn after " + s + " of " + sectors + " sectors: " + err);
                return;
            }
        }
    }

    private long tornStates;
    private int tornPerPoint = -1;

    /** Torn crash states checked so far (included in {@link #statesChecked()}). */
    public long tornStatesChecked() { return tornStates; }

    /** At most this many torn states per crash point (default: a quarter of the per-point budget; 0 = none). */
    public CrashChecker tornPerPoint(int n) {
        if (n < 0) throw new IllegalArgumentException("tornPerPoint must not be negative: " + n);
        this.tornPerPoint = n;
        return this;
    }

    private static long[] bits(int n, java.util.function.IntPredicate on) {
        long[] m = new long[Math.max(1, (n + 63) / 64)];
        for (int i = 0; i < n; i++) if (on.test(i)) m[i / 64] |= 1L << (i % 64);
        return m;
    }

    private static String describe(long[] mask, List<Integer> pending) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < pending.size(); i++) {
            if ((mask[i / 64] >>> (i % 64) & 1) != 0) sb.append(sb.length() > 1 ? "," : "").append("blk").append(pending.get(i));
        }
        return sb.append("}").toString();
    }

    /** Recovers a copy of {@code image} and checks it; returns null, or what is wrong. */
    public String checkImage(byte[] image, int floor) {
        return check(new OverlayBackend(image), floor);
    }

    private volatile int lastRecovered = -1;    // the snapshot the latest check recovered to, -1 none

    /** The snapshot the latest check's recovery returned to, or -1 (it failed or matched none). */
    public int lastRecoveredSnapshot() { return lastRecovered; }

    private String check(OverlayBackend be, int floor) {
        lastRecovered = -1;
        try (LoopbackDevice dev = new LoopbackDevice(be, new InlineCompleter(), Clock.SYSTEM)) {
            TreeMap<Integer, HammerOndisk.Slot> index;
            try {
                HammerRecovery.recover(dev);
                index = HammerRecovery.readIndex(dev);
            } catch (RuntimeException e) {
                return "recovery failed: " + e.getMessage();
            }
            Integer match = null;
            for (Map.Entry<Integer, Map<Integer, HammerOndisk.Slot>> e : snapshots.descendingMap().entrySet()) {
                if (e.getValue().equals(index)) { match = e.getKey(); break; }
            }
            if (match == null && named != null) {
                for (Map.Entry<Integer, Map<Integer, HammerOndisk.Slot>> e : named.descendingMap().entrySet()) {
                    if (e.getValue().equals(index)) { lastRecovered = e.getKey(); break; }
                }
            }
            if (match == null) {
                return "RecoveryConsistentInv: recovered index (" + index.size() + " keys) equals no snapshot in ["
                        + (snapshots.isEmpty() ? "none" : snapshots.firstKey() + ".." + snapshots.lastKey()) + "]"
                        + firstDifference(index);
            }
            lastRecovered = match;
            if (match < floor) {
                return "RecoveryDurableInv: recovered snapshot " + match + " is older than the durable floor " + floor;
            }
            for (Map.Entry<Integer, HammerOndisk.Slot> e : index.entrySet()) {
                HammerOndisk.Slot s = e.getValue();
                byte[] data = dev.peekDurable(s.dataOff(), roundUp(s.len()));
                if (!s.describes(Arrays.copyOf(data, s.len()))) {
                    return "DataBeforeMetaInv: key " + e.getKey() + " references data at " + s.dataOff()
                            + " that is not durable (CRC mismatch)";
                }
            }
            return null;
        }
    }

    private String firstDifference(Map<Integer, HammerOndisk.Slot> index) {
        if (snapshots.isEmpty()) return "";
        Map<Integer, HammerOndisk.Slot> last = snapshots.lastEntry().getValue();
        for (Integer k : new java.util.TreeSet<>(union(index.keySet(), last.keySet()))) {
            if (!java.util.Objects.equals(index.get(k), last.get(k))) {
                return "; e.g. key " + k + " recovered " + index.get(k) + ", latest snapshot " + last.get(k);
            }
        }
        return "";
    }

    private static <T> java.util.Set<T> union(java.util.Set<T> a, java.util.Set<T> b) {
        java.util.Set<T> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }

    private static int roundUp(int len) {
        int s = LoopbackDevice.SECTOR_SIZE;
        return (len + s - 1) / s * s;
    }
}
