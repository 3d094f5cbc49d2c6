// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck;

/**
 * Builds a {@link BlockCache} over the devices of a configuration. The one method a user of the
 * TCK writes (as {@code BlockCacheTck#create}), and what {@code ./bioref diff --impl} loads.
 */
@FunctionalInterface
public interface BlockCacheFactory {
    BlockCache create(BlockCacheConfig config);
}
