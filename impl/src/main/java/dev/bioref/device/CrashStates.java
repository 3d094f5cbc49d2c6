// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.device;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Every disk image a crash could leave, given a {@link WriteLog} and {@link Bounds}: the
 * enumerator crash-consistency tests run their recovery oracle over (CrashMonkey's crash states,
 * dm-log-writes' replay points, in one object).
 *
 * <p>A crash point is a position in the log: the entries before it completed, the rest did not.
 * At a crash point, a WRITE is durable if it was FUA or a completed FLUSH covered it (its
 * completion number is at most the FLUSH's barrier); every other completed WRITE is pending,
 * and each pending write independently either never reached the media, or reached it whole,
 * or (if the bounds allow tearing) reached it torn at sector boundaries. The image of a state
 * is the start image with the durable writes and the chosen pending writes applied in
 * completion order.
 *
 * <p>Only crash points that matter are enumerated: just before each entry that makes something
 * durable (a FLUSH, a FUA write) and at the end of the log, within the bounds' range; a crash
 * anywhere else gives a subset of the states of the next such point. Points whose durable and
 * pending sets equal the previous point's are skipped. The number of states is
 * <pre>  sum over crash points c of  sum_{d=0..min(k, m_c)} e_d(a_1, ..., a_{m_c})</pre>
 * where m_c is the number of pending writes at c, k the bound on landed pending writes per state,
 * e_d the elementary symmetric polynomial and a_i the ways pending write i can land: 1 without
 * tearing, its sector count n_i with {@link Tear#PREFIX} (a prefix of 1..n_i sectors), 2^n_i - 1
 * with {@link Tear#ANY} (any nonempty set of its sectors). Without a bound k and without tearing
 * that is sum_c 2^m_c. {@link #count()} computes it without enumerating.
 *
 * <p>Streaming: the iterator holds one crash point's base image and one state at a time.
 *
 * <p>Typical use, in a crash-consistency test:
 * <pre>{@code
 * WriteLog log = device.startLog();
 * ... run the workload, device.mark("synced") where an fsync returned ...
 * CrashStates states = CrashStates.of(log, Bounds.all().withTear(Tear.PREFIX));
 * assertTrue(states.count().compareTo(BigInteger.valueOf(10_000)) >= 0);
 * for (CrashState s : states) {
 *     LoopbackDevice restarted = s.toDevice();          // or s.writeTo(backend), s.image()
 *     ... mount/recover on restarted, check the oracle; on failure report s (its toString
 *         names the crash point, the last mark and every landed or torn write) ...
 * }
 * }</pre>
 */
public final class CrashStates implements Iterable<CrashStates.CrashState> {

    /** How a pending write may land. */
    public enum Tear {
        /** Whole or not at all. */
        NONE,
        /** A leading run of its sectors (a sequential write cut by the power loss). */
        PREFIX,
        /** Any set of its sectors (no ordering among sectors assumed, as TigerBeetle assumes). */
        ANY
    }

    /**
     * Bounds of the enumeration.
     *
     * @param maxLanded  at most this many pending writes land in one state (CrashMonkey's bound
     *                   on reordering); {@code Integer.MAX_VALUE} for no bound
     * @param tear       how pending writes may be torn
     * @param fromEntry  first log position considered as a crash point (0 = before the first entry)
     * @param toEntry    last log position considered ({@code Integer.MAX_VALUE} = the end of the log);
     *                   it is itself a crash point
     */
    public record Bounds(int maxLanded, Tear tear, int fromEntry, int toEntry) {
        /** Largest write, in sectors, that {@link Tear#ANY} accepts (2^n - 1 ways to land). */
        public static final int MAX_ANY_TEAR_SECTORS = 16;

        public Bounds {
            if (maxLanded < 0) throw new IllegalArgumentException("maxLanded must not be negative: " + maxLanded);
            if (tear == null) throw new IllegalArgumentException("tear is null");
            if (fromEntry < 0) throw new IllegalArgumentException("fromEntry must not be negative: " + fromEntry);
            if (toEntry < fromEntry) throw new IllegalArgumentException("toEntry " + toEntry + " is before fromEntry " + fromEntry);
        }

        /** All crash points, every subset, no tearing. */
        public static Bounds all() { return new Bounds(Integer.MAX_VALUE, Tear.NONE, 0, Integer.MAX_VALUE); }

        public Bounds withMaxLanded(int k) { return new Bounds(k, tear, fromEntry, toEntry); }

        public Bounds withTear(Tear t) { return new Bounds(maxLanded, t, fromEntry, toEntry); }

        /** Crash points only between these log positions (see {@link WriteLog#indexAfterMark}). */
        public Bounds between(int from, int to) { return new Bounds(maxLanded, tear, from, to); }

        /** Crash points only after the mark {@code name} of {@code log}. */
        public Bounds afterMark(WriteLog log, String name) {
            return new Bounds(maxLanded, tear, log.indexAfterMark(name), toEntry);
        }
    }

    /** A place the power can fail, with what is durable and what is pending there. */
    public static final class CrashPoint {
        private final CrashStates owner;
        private final int position;          // entries [0, position) completed
        private final int[] durable;         // log indices, ascending
        private final int[] pending;         // log indices, ascending
        private final int[] fuaAfter;        // durable FUA writes, ascending: may follow pending ones
        private final long[] ways;           // per pending write: ways to land (a_i)
        private final String lastMark;
        private byte[] base;                 // start image + durable writes; built on first use

        CrashPoint(CrashStates owner, int position, int[] durable, int[] pending, int[] fuaAfter, long[] ways, String lastMark) {
            this.owner = owner;
            this.position = position;
            this.durable = durable;
            this.pending = pending;
            this.fuaAfter = fuaAfter;
            this.ways = ways;
            this.lastMark = lastMark;
        }

        /** The log position: entries before it completed. */
        public int position() { return position; }

        /** The last mark before this point, or null. */
        public String lastMark() { return lastMark; }

        /** Log indices of the writes durable here. */
        public int[] durableWrites() { return durable.clone(); }

        /** Log indices of the writes pending (completed, not durable) here. */
        public int[] pendingWrites() { return pending.clone(); }

        synchronized byte[] base() {
            if (base == null) {
                byte[] img = owner.log.startImage();
                for (int i : durable) {
                    LogEntry w = owner.entries.get(i);
                    System.arraycopy(w.data(), 0, img, (int) w.offset(), w.length());
                }
                base = img;
            }
            return base;
        }

        /** The durable image here: what a crash leaves if no pending write landed (a copy). */
        public byte[] durableImage() { return base().clone(); }

        @Override public String toString() {
            return "crash point at log position " + position + (lastMark == null ? "" : " (after mark '" + lastMark + "')")
                    + ": " + durable.length + " durable, " + pending.length + " pending";
        }
    }

    /** One crash state: a crash point and how each landed pending write landed. */
    public static final class CrashState {
        private final CrashPoint point;
        private final int[] landed;     // indices into point.pending, ascending
        private final long[] how;       // per landed write: NONE: 1; PREFIX: sectors landed; ANY: sector bit mask
        private final long ordinal;

        CrashState(CrashPoint point, int[] landed, long[] how, long ordinal) {
            this.point = point;
            this.landed = landed;
            this.how = how;
            this.ordinal = ordinal;
        }

        public CrashPoint point() { return point; }

        /** This state's number in enumeration order (0, 1, ...): {@code skip(ordinal)} replays it. */
        public long ordinal() { return ordinal; }

        /** Log indices of the pending writes that landed (wholly or torn). */
        public int[] landedWrites() {
            int[] out = new int[landed.length];
            for (int i = 0; i < landed.length; i++) out[i] = point.pending[landed[i]];
            return out;
        }

        /**
         * The sectors (0-based within the write) of the landed write at log index {@code logIndex}
         * that reached the media in this state; an empty array if that write did not land.
         */
        public int[] sectorsLanded(int logIndex) {
            for (int i = 0; i < landed.length; i++) {
                if (point.pending[landed[i]] != logIndex) continue;
                LogEntry w = point.owner.entries.get(logIndex);
                int[] tmp = new int[w.sectors()];
                int n = 0;
                for (int s = 0; s < w.sectors(); s++) {
                    boolean lands = switch (point.owner.bounds.tear()) {
                        case NONE -> true;
                        case PREFIX -> s < how[i];
                        case ANY -> (how[i] & (1L << s)) != 0;
                    };
                    if (lands) tmp[n++] = s;
                }
                return java.util.Arrays.copyOf(tmp, n);
            }
            return new int[0];
        }

        /** Writes this state's image into {@code image}, which must have the device's capacity. */
        public void applyTo(byte[] image) {
            CrashStates cs = point.owner;
            if (image == null || image.length != cs.log.capacity()) {
                throw new IllegalArgumentException("image must have " + cs.log.capacity() + " bytes, has "
                        + (image == null ? "null" : image.length));
            }
            byte[] base = point.base();
            System.arraycopy(base, 0, image, 0, base.length);
            if (landed.length == 0) return;
            // landed pending writes, and the durable FUA writes that completed after the first of
            // them, in completion order: a later write wins each sector it lands on.
            int first = point.pending[landed[0]];
            int f = 0;
            while (f < point.fuaAfter.length && point.fuaAfter[f] < first) f++;
            int l = 0;
            while (l < landed.length || f < point.fuaAfter.length) {
                int nextLanded = l < landed.length ? point.pending[landed[l]] : Integer.MAX_VALUE;
                int nextFua = f < point.fuaAfter.length ? point.fuaAfter[f] : Integer.MAX_VALUE;
                if (nextLanded < nextFua) {
                    land(cs.entries.get(nextLanded), how[l], cs.bounds.tear(), image);
                    l++;
                } else {
                    LogEntry w = cs.entries.get(nextFua);
                    System.arraycopy(w.data(), 0, image, (int) w.offset(), w.length());
                    f++;
                }
            }
        }

        private static void land(LogEntry w, long how, Tear tear, byte[] image) {
            int n = w.sectors();
            for (int s = 0; s < n; s++) {
                boolean lands = switch (tear) {
                    case NONE -> true;
                    case PREFIX -> s < how;
                    case ANY -> (how & (1L << s)) != 0;
                };
                if (lands) {
                    System.arraycopy(w.data(), s * LoopbackDevice.SECTOR_SIZE, image,
                            (int) w.offset() + s * LoopbackDevice.SECTOR_SIZE, LoopbackDevice.SECTOR_SIZE);
                }
            }
        }

        /** This state's image, a fresh array. */
        public byte[] image() {
            byte[] img = new byte[(int) point.owner.log.capacity()];
            applyTo(img);
            return img;
        }

        /** A fresh in-memory device (inline completion) restarted from this state's image. */
        public LoopbackDevice toDevice() {
            return new LoopbackDevice(MemoryBackend.copyOf(image()), new InlineCompleter(), dev.bioref.kern.Clock.SYSTEM);
        }

        /** Writes this state's image over the whole of {@code backend}. */
        public void writeTo(Backend backend) {
            if (backend.capacity() != point.owner.log.capacity()) {
                throw new IllegalArgumentException("backend capacity " + backend.capacity() + " differs from the log's "
                        + point.owner.log.capacity());
            }
            byte[] img = image();
            backend.write(0, img, 0, img.length);
        }

        /** What landed, for a failure message: replay with {@code states.stream().skip(ordinal)}. */
        @Override public String toString() {
            StringBuilder b = new StringBuilder("crash state #" + ordinal + " at " + point + "; landed: ");
            if (landed.length == 0) b.append("none");
            for (int i = 0; i < landed.length; i++) {
                LogEntry w = point.owner.entries.get(point.pending[landed[i]]);
                b.append(i == 0 ? "" : ", ").append(w);
                switch (point.owner.bounds.tear()) {
                    case NONE -> { }
                    case PREFIX -> b.append(how[i] == w.sectors() ? " whole" : " torn: first " + how[i] + "/" + w.sectors() + " sectors");
                    case ANY -> b.append(Long.bitCount(how[i]) == w.sectors() ? " whole" : " torn: sectors mask " + Long.toBinaryString(how[i]));
                }
            }
            return b.toString();
        }
    }

    private final WriteLog log;
    private final List<LogEntry> entries;
    private final Bounds bounds;
    private final List<CrashPoint> points;

    private CrashStates(WriteLog log, Bounds bounds) {
        this.log = log;
        this.entries = log.entries();
        this.bounds = bounds;
        this.points = findCrashPoints();
    }

    /** The crash states of {@code log} (a snapshot of its entries now) within {@code bounds}. */
    public static CrashStates of(WriteLog log, Bounds bounds) {
        if (log == null) throw new IllegalArgumentException("log is null");
        if (bounds == null) throw new IllegalArgumentException("bounds is null");
        return new CrashStates(log, bounds);
    }

    /** Every crash state of {@code log}: all crash points, every subset, no tearing. */
    public static CrashStates of(WriteLog log) { return of(log, Bounds.all()); }

    public Bounds bounds() { return bounds; }

    public List<CrashPoint> crashPoints() { return List.copyOf(points); }

    private List<CrashPoint> findCrashPoints() {
        int n = entries.size();
        int to = Math.min(bounds.toEntry(), n);
        List<Integer> positions = new ArrayList<>();
        for (int p = bounds.fromEntry(); p < to; p++) {
            LogEntry e = entries.get(p);
            if (e.kind() == LogEntry.Kind.FLUSH || (e.kind() == LogEntry.Kind.WRITE && e.fua())) positions.add(p);
        }
        if (bounds.fromEntry() <= to) positions.add(to);
        List<CrashPoint> out = new ArrayList<>();
        int prevWrites = -1, prevDurable = -1;
        for (int p : positions) {
            long barrier = -1;
            String mark = null;
            for (int i = 0; i < p; i++) {
                LogEntry e = entries.get(i);
                if (e.kind() == LogEntry.Kind.FLUSH) barrier = Math.max(barrier, e.barrier());
                if (e.kind() == LogEntry.Kind.MARK) mark = e.mark();
            }
            List<Integer> durable = new ArrayList<>(), pending = new ArrayList<>(), fua = new ArrayList<>();
            for (int i = 0; i < p; i++) {
                LogEntry e = entries.get(i);
                if (e.kind() != LogEntry.Kind.WRITE) continue;
                if (e.fua() || e.seq() <= barrier) {
                    durable.add(i);
                    if (e.fua()) fua.add(i);
                } else {
                    pending.add(i);
                }
            }
            int writes = durable.size() + pending.size();
            if (writes == prevWrites && durable.size() == prevDurable) continue;   // same sets as the previous point
            prevWrites = writes;
            prevDurable = durable.size();
            long[] ways = new long[pending.size()];
            for (int i = 0; i < ways.length; i++) ways[i] = ways(entries.get(pending.get(i)));
            out.add(new CrashPoint(this, p, toArray(durable), toArray(pending), toArray(fua), ways, mark));
        }
        return out;
    }

    private long ways(LogEntry w) {
        return switch (bounds.tear()) {
            case NONE -> 1;
            case PREFIX -> w.sectors();
            case ANY -> {
                if (w.sectors() > Bounds.MAX_ANY_TEAR_SECTORS) {
                    throw new IllegalArgumentException("Tear.ANY: write " + w + " has " + w.sectors()
                            + " sectors, more than " + Bounds.MAX_ANY_TEAR_SECTORS + "; use Tear.PREFIX");
                }
                yield (1L << w.sectors()) - 1;
            }
        };
    }

    private static int[] toArray(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    /** The number of states, computed from the formula in the class comment, without enumerating. */
    public BigInteger count() {
        BigInteger total = BigInteger.ZERO;
        for (CrashPoint c : points) {
            int top = Math.min(bounds.maxLanded(), c.ways.length);
            BigInteger[] e = new BigInteger[top + 1];
            e[0] = BigInteger.ONE;
            for (int d = 1; d <= top; d++) e[d] = BigInteger.ZERO;
            for (long a : c.ways) {
                BigInteger ba = BigInteger.valueOf(a);
                for (int d = top; d >= 1; d--) e[d] = e[d].add(e[d - 1].multiply(ba));
            }
            for (BigInteger x : e) total = total.add(x);
        }
        return total;
    }

    @Override public Iterator<CrashState> iterator() { return new StateIterator(); }

    public Stream<CrashState> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE), false);
    }

    /**
     * Walks crash point by crash point; within a point by the number d of landed writes, then
     * the d-combinations of pending writes in lexicographic order, then an odometer over how
     * each landed write lands.
     */
    private final class StateIterator implements Iterator<CrashState> {
        private int cp = 0;
        private int d = -1;                 // -1: crash point not started
        private int[] comb = new int[0];
        private long[] how = new long[0];
        private boolean ready;              // comb/how hold a state not yet returned
        private long ordinal;

        @Override public boolean hasNext() {
            if (!ready) ready = advance();
            return ready;
        }

        @Override public CrashState next() {
            if (!hasNext()) throw new NoSuchElementException("no more crash states after " + ordinal);
            ready = false;
            return new CrashState(points.get(cp), comb.clone(), how.clone(), ordinal++);
        }

        private boolean advance() {
            while (cp < points.size()) {
                CrashPoint c = points.get(cp);
                int top = Math.min(bounds.maxLanded(), c.pending.length);
                if (d < 0) {
                    d = 0;
                    comb = new int[0];
                    how = new long[0];
                    return true;
                }
                if (d > 0 && nextHow(c)) return true;
                if (d > 0 && nextComb(c.pending.length)) {
                    firstHow();
                    return true;
                }
                d++;
                if (d <= top) {
                    comb = new int[d];
                    for (int i = 0; i < d; i++) comb[i] = i;
                    how = new long[d];
                    firstHow();
                    return true;
                }
                cp++;
                d = -1;
            }
            return false;
        }

        private void firstHow() {
            for (int i = 0; i < how.length; i++) how[i] = first();
        }

        private long first() { return 1; }

        private long last(LogEntry w) {
            return switch (bounds.tear()) {
                case NONE -> 1;
                case PREFIX -> w.sectors();
                case ANY -> (1L << w.sectors()) - 1;
            };
        }

        private boolean nextHow(CrashPoint c) {
            for (int i = how.length - 1; i >= 0; i--) {
                LogEntry w = entries.get(c.pending[comb[i]]);
                if (how[i] < last(w)) {
                    how[i]++;
                    for (int j = i + 1; j < how.length; j++) how[j] = first();
                    return true;
                }
            }
            return false;
        }

        private boolean nextComb(int m) {
            int k = comb.length;
            for (int i = k - 1; i >= 0; i--) {
                if (comb[i] < m - k + i) {
                    comb[i]++;
                    for (int j = i + 1; j < k; j++) comb[j] = comb[j - 1] + 1;
                    return true;
                }
            }
            return false;
        }
    }
}
