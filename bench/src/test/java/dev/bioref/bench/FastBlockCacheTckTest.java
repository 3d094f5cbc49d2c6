// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.suite.BlockCacheTck;

/** The whole BlockCache TCK against the fast implementation. */
class FastBlockCacheTckTest extends BlockCacheTck {
    @Override protected BlockCache create(BlockCacheConfig config) { return new FastBlockCache(config); }
}
