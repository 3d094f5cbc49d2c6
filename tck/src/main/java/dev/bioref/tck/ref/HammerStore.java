// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.ref;

import dev.bioref.device.LoopbackDevice;
import dev.bioref.hammer.HammerHooks;
import dev.bioref.hammer.HammerMount;
import dev.bioref.hammer.HammerMutations;
import dev.bioref.hammer.HammerOndisk;
import dev.bioref.hammer.HammerOptions;
import dev.bioref.tck.CrashSafeStore;
import dev.bioref.tck.CrashSafeStoreFactory;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The HAMMER port ({@link HammerMount}) seen through the {@link CrashSafeStore} contract. Each
 * method is one frontend call of the mount; {@link #crash()} is {@link HammerMount#abandon()}.
 * Not {@link Feature#FSYNC_DURABLE}: the port's fsync has the one-cycle lag (HammerMount#fsync).
 */
public final class HammerStore implements CrashSafeStore {
    private static final Set<Feature> FEATURES = EnumSet.of(Feature.CONCURRENT);

    private final HammerMount hmp;

    HammerStore(HammerMount hmp) { this.hmp = hmp; }

    /** Formats and mounts HAMMER volumes of {@code options} (version, geometry, flusher threads). */
    public static CrashSafeStoreFactory factory(HammerOptions options) {
        HammerOptions o = Objects.requireNonNull(options, "options").copy();
        return new CrashSafeStoreFactory() {
            @Override public long deviceBytes() { return o.geometry.size(); }
            // newfs_hammer (HammerRecovery.format)
            @Override public void format(LoopbackDevice dev) { HammerMount.format(dev, o); }
            // hammer_vfs_mount → hammer_recover_stage1/2, then the mount
            @Override public CrashSafeStore mount(LoopbackDevice dev) {
                return new HammerStore(HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE));
            }
            @Override public String toString() { return "HAMMER v" + o.version + " " + o.geometry; }
        };
    }

    /** The defaults of the port's tests: version 4, the small geometry, no flusher threads. */
    public static CrashSafeStoreFactory factory() { return factory(new HammerOptions()); }

    /** The mount underneath, for tests that also check its invariants. */
    public HammerMount port() { return hmp; }

    @Override public Set<Feature> features() { return FEATURES; }
    @Override public int keys() { return hmp.geometry().keys(); }
    @Override public int maxValueLength() { return HammerOndisk.BUFSIZE; }
    @Override public void put(int key, byte[] value) { hmp.put(key, value); }
    @Override public byte[] get(int key) { return hmp.get(key); }
    @Override public void delete(int key) { hmp.delete(key); }
    @Override public void fsync(int key) { hmp.fsync(key); }
    @Override public long sync() { return hmp.sync(); }
    @Override public void crash() { hmp.abandon(); }
    @Override public void close() { hmp.close(); }
}
