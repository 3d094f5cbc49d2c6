// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.ref;

import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.suite.BlockCacheTck;

/** The TCK against the reference: the DragonFly buffer cache port through its adapter. */
class BufCacheBlockCacheTckTest extends BlockCacheTck {
    @Override protected BlockCache create(BlockCacheConfig config) { return new BufCacheBlockCache(config); }
}
