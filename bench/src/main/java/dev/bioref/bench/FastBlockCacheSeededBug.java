// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.tck.BlockCacheConfig;

/**
 * {@link FastBlockCache} with {@link FastBlockCache.Bug#EVICT_DROPS_DIRTY}: eviction forgets a
 * dirty victim instead of writing it back. The TCK (a must-fail check in {@code mvn verify}) and
 * {@code ./bioref diff --impl dev.bioref.bench.FastBlockCacheSeededBug} must both catch it.
 */
public final class FastBlockCacheSeededBug extends FastBlockCache {
    public FastBlockCacheSeededBug(BlockCacheConfig config) { super(config, Bug.EVICT_DROPS_DIRTY); }
}
