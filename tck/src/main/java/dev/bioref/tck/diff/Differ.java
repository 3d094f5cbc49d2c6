// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.diff;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCache.Buffer;
import dev.bioref.tck.BlockCache.Feature;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.BlockCacheFactory;
import dev.bioref.tck.model.BlockCacheModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * The differential runner's engine: drives the reference and a candidate {@link BlockCache}
 * with the same seeded workload on devices of the same kind, compares every observable result
 * (read data, write and sync return codes, exceptions) and, at crash points, the recovered
 * state as far as the contract determines it; then shrinks the first divergence by delta
 * debugging (remove chunks of operations while a divergence remains) to a short sequence.
 *
 * <p>Crash points: the cache is dropped, the device loses what is not durable, a new cache is
 * built over it, and every block is read. A block the contract determines (synced and not
 * written since) must read back exactly; an undetermined one must hold one of its candidate
 * values ({@link BlockCacheModel}). To keep the two runs comparable afterwards, the runner then
 * writes every undetermined block back to the model's value and syncs, in both.
 */
public final class Differ {
    /** One operation of the workload. */
    public record Op(Kind kind, int owner, int block, int version) {
        @Override public String toString() {
            return switch (kind) {
                case SYNC -> "sync(" + owner + ")";
                case CRASH -> "crash";
                case READ, INVALIDATE -> kind.name().toLowerCase() + "(" + owner + ", " + block + ")";
                default -> kind.name().toLowerCase() + "(" + owner + ", " + block + ", v" + version + ")";
            };
        }

        /** The compact form used by {@code --replay}. */
        String encode() { return kind.name().toLowerCase() + ":" + owner + ":" + block + ":" + version; }

        static Op decode(String s) {
            String[] p = s.trim().split(":");
            if (p.length != 4) throw new IllegalArgumentException("replay op '" + s + "' is not kind:owner:block:version");
            Kind k;
            try {
                k = Kind.valueOf(p[0].toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("replay op '" + s + "': unknown kind " + p[0]);
            }
            try {
                return new Op(k, Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("replay op '" + s + "': owner, block and version must be integers");
            }
        }
    }

    public enum Kind { READ, BDWRITE, BAWRITE, BWRITE, INVALIDATE, SYNC, CRASH }

    /** The first place the two runs differ. */
    public record Divergence(int index, Op op, String reference, String candidate, String model) { }

    private final BlockCacheFactory reference;
    private final BlockCacheFactory candidate;
    private final int owners;
    private final int blocks;
    private final int blockSize;
    private final int capacity;

    public Differ(BlockCacheFactory reference, BlockCacheFactory candidate, int owners, int blocks, int blockSize, int capacity) {
        this.reference = reference;
        this.candidate = candidate;
        this.owners = owners;
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.capacity = capacity;
    }

    /** A seeded workload of {@code n} operations; invalidate only if both agree on its feature. */
    public List<Op> workload(long seed, int n, boolean invalidate) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int owner = r.nextInt(owners);
            int block = r.nextInt(blocks);
            int x = r.nextInt(100);
            Kind k;
            if (x < 40) k = Kind.READ;
            else if (x < 60) k = Kind.BDWRITE;
            else if (x < 72) k = Kind.BAWRITE;
            else if (x < 84) k = Kind.BWRITE;
            else if (x < 89) k = invalidate ? Kind.INVALIDATE : Kind.READ;
            else if (x < 97) k = Kind.SYNC;
            else k = Kind.CRASH;
            ops.add(new Op(k, owner, block, i + 1));
        }
        return ops;
    }

    /** Whether invalidate is comparable: both discard dirty data, or neither does. */
    public boolean invalidateComparable() {
        return feature(reference, Feature.INVALIDATE_DISCARDS_DIRTY) == feature(candidate, Feature.INVALIDATE_DISCARDS_DIRTY);
    }

    private boolean feature(BlockCacheFactory f, Feature x) {
        try (BlockCache c = f.create(config(devices()))) {
            return c.features().contains(x);
        }
    }

    /** Runs both; null if they agree on every observation. */
    public Divergence compare(List<Op> ops) {
        List<String[]> ref = run(reference, ops);
        List<String[]> cand = run(candidate, ops);
        for (int i = 0; i < ops.size(); i++) {
            String[] a = i < ref.size() ? ref.get(i) : new String[] {"(run stopped)", ""};
            String[] b = i < cand.size() ? cand.get(i) : new String[] {"(run stopped)", ""};
            if (!a[0].equals(b[0])) return new Divergence(i, ops.get(i), a[0], b[0], a[1]);
        }
        return null;
    }

    /**
     * Delta debugging: removes chunks of operations (halves, quarters, ... single operations)
     * while the two runs still diverge; returns the shortest sequence found within {@code budget}
     * comparisons.
     */
    public List<Op> shrink(List<Op> failing, int budget) {
        List<Op> cur = new ArrayList<>(failing);
        Divergence d = compare(cur);
        if (d == null) return cur;
        cur = new ArrayList<>(cur.subList(0, d.index() + 1));
        int runs = 0;
        int chunk = Math.max(1, cur.size() / 2);
        while (chunk >= 1 && runs < budget) {
            boolean progress = false;
            for (int start = 0; start < cur.size() && runs < budget; ) {
                List<Op> trial = new ArrayList<>(cur.subList(0, start));
                trial.addAll(cur.subList(Math.min(cur.size(), start + chunk), cur.size()));
                runs++;
                Divergence t = trial.isEmpty() ? null : compare(trial);
                if (t != null) {
                    cur = new ArrayList<>(trial.subList(0, t.index() + 1));
                    progress = true;
                } else {
                    start += chunk;
                }
            }
            if (!progress) chunk /= 2;
        }
        return cur;
    }

    // ------------------------------------------------------------------ one run

    private List<LoopbackDevice> devices() {
        List<LoopbackDevice> devs = new ArrayList<>();
        for (int o = 0; o < owners; o++) {
            LoopbackDevice d = LoopbackDevice.inMemory((long) blocks * blockSize);
            for (int b = 0; b < blocks; b++) d.execute(Request.write((long) b * blockSize, value(o, b, 0)));
            d.execute(Request.flush());
            devs.add(d);
        }
        return devs;
    }

    private BlockCacheConfig config(List<LoopbackDevice> devs) { return new BlockCacheConfig(devs, blockSize, capacity); }

    byte[] value(int owner, int block, int version) {
        byte[] v = new byte[blockSize];
        for (int i = 0; i < blockSize; i++) v[i] = (byte) (owner * 91 + block * 31 + version * 17 + i * 7 + 1);
        return v;
    }

    static String digest(byte[] v) {
        CRC32 c = new CRC32();
        c.update(v);
        return String.format("%08x", c.getValue());
    }

    /** Per operation: {observation, what the model expected}. Stops at the first exception. */
    List<String[]> run(BlockCacheFactory f, List<Op> ops) {
        List<LoopbackDevice> devs = devices();
        BlockCacheModel m = new BlockCacheModel(blockSize);
        for (int o = 0; o < owners; o++) for (int b = 0; b < blocks; b++) m.known(o, b, value(o, b, 0));
        List<String[]> out = new ArrayList<>();
        BlockCache c = f.create(config(devs));
        try {
            for (Op op : ops) {
                String[] obs;
                try {
                    obs = step(f, devs, c, m, op);
                    if (op.kind() == Kind.CRASH) c = lastCache;
                } catch (RuntimeException | AssertionError e) {
                    out.add(new String[] {"threw " + e.getClass().getSimpleName(), e.toString()});
                    break;
                }
                out.add(obs);
            }
        } finally {
            try { c.close(); } catch (RuntimeException ignored) { /* reported through the observations */ }
        }
        return out;
    }

    private BlockCache lastCache;

    private String[] step(BlockCacheFactory f, List<LoopbackDevice> devs, BlockCache c, BlockCacheModel m, Op op) {
        int o = op.owner();
        int b = op.block();
        switch (op.kind()) {
            case READ -> {
                Buffer x = c.bread(o, b);
                byte[] got = x.data().clone();
                c.release(x);
                return new String[] {"data " + digest(got), "data " + digest(m.value(o, b))};
            }
            case BDWRITE, BAWRITE, BWRITE -> {
                byte[] v = value(o, b, op.version());
                Buffer x = c.getblk(o, b);
                System.arraycopy(v, 0, x.data(), 0, blockSize);
                int r = 0;
                if (op.kind() == Kind.BDWRITE) c.bdwrite(x);
                else if (op.kind() == Kind.BAWRITE) c.bawrite(x);
                else r = c.bwrite(x);
                m.write(o, b, v);
                return new String[] {"returned " + r, "returned 0"};
            }
            case INVALIDATE -> {
                c.invalidate(o, b);
                Buffer x = c.bread(o, b);
                byte[] got = x.data().clone();
                c.release(x);
                boolean ok = m.crashAllows(o, b, got);
                if (!Arrays.equals(got, m.value(o, b))) {
                    // invalidate dropped a dirty copy (whether it was still dirty depends on each
                    // cache's eviction): both runs continue from the model's value
                    Buffer w = c.getblk(o, b);
                    System.arraycopy(m.value(o, b), 0, w.data(), 0, blockSize);
                    c.bwrite(w);
                }
                return new String[] {ok ? "value allowed" : "value never written " + digest(got), "value allowed"};
            }
            case SYNC -> {
                int r = c.sync(o);
                if (r == 0) m.synced(o);
                return new String[] {"returned " + r, "returned 0"};
            }
            case CRASH -> {
                c.close();
                for (LoopbackDevice d : devs) d.crash();
                BlockCache n = f.create(config(devs));
                lastCache = n;
                StringBuilder obs = new StringBuilder("recovered");
                for (int oo = 0; oo < owners; oo++) {
                    boolean dirtyAfter = false;
                    for (int bb = 0; bb < blocks; bb++) {
                        Buffer x = n.bread(oo, bb);
                        byte[] got = x.data().clone();
                        n.release(x);
                        List<byte[]> cands = m.crashCandidates(oo, bb);
                        if (cands.size() == 1) {
                            obs.append(' ').append(oo).append('/').append(bb).append('=').append(digest(got));
                        } else if (!m.crashAllows(oo, bb, got)) {
                            obs.append(' ').append(oo).append('/').append(bb).append("=NEVER-WRITTEN:").append(digest(got));
                        }
                        if (cands.size() > 1 || !Arrays.equals(got, m.value(oo, bb))) {
                            // normalise: both runs continue from the model's value, made durable
                            Buffer w = n.getblk(oo, bb);
                            System.arraycopy(m.value(oo, bb), 0, w.data(), 0, blockSize);
                            n.bwrite(w);
                            dirtyAfter = true;
                        }
                    }
                    if (dirtyAfter) n.sync(oo);
                    m.synced(oo);
                }
                return new String[] {obs.toString(), "recovered per the contract"};
            }
            default -> throw new IllegalStateException("unknown op " + op);
        }
    }
}
