// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.ref;

import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.suite.BlockCacheTck;

/** The TCK against the second reference: the dm-bufio port through its adapter (shared holds, latched errors). */
class DmBufioBlockCacheTckTest extends BlockCacheTck {
    @Override protected BlockCache create(BlockCacheConfig config) { return new DmBufioBlockCache(config); }
}
