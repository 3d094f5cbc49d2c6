// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.ref.BufCacheBlockCache;

import java.util.List;

/** The caches the benchmarks compare, behind one small interface (Caffeine's BasicCache idea). */
final class Impls {
    private Impls() { }

    /** Read one block (lookup + hold + release) and return its first byte. */
    interface Reader {
        int read(long block);
    }

    static BlockCache blockCache(String impl, LoopbackDevice dev, int bs, int capacity) {
        BlockCacheConfig c = new BlockCacheConfig(List.of(dev), bs, capacity);
        return switch (impl) {
            case "reference" -> new BufCacheBlockCache(c);
            case "fast" -> new FastBlockCache(c);
            default -> throw new IllegalArgumentException("impl " + impl);
        };
    }

    /** A reader over {@code impl}: "reference", "fast", or "caffeine" (a Caffeine cache of the same capacity loading from the device). */
    static Reader reader(String impl, LoopbackDevice dev, int bs, int capacity) {
        if (impl.equals("caffeine")) {
            Cache<Long, byte[]> cache = Caffeine.newBuilder().maximumSize(capacity).build();
            return block -> cache.get(block, b -> {
                byte[] d = new byte[bs];
                dev.execute(Request.read(b * bs, d));
                return d;
            })[0];
        }
        BlockCache c = blockCache(impl, dev, bs, capacity);
        return block -> {
            BlockCache.Buffer b = c.bread(0, block);
            int v = b.data()[0];
            c.release(b);
            return v;
        };
    }
}
