// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.suite.BlockCacheTck;

/**
 * The TCK against the seeded-bug variant. Not run by surefire on its own (its name is not a
 * test name): {@link SeededBugIsCaughtTest} runs it through the JUnit Platform Launcher and
 * expects failures.
 */
public class SeededBugTckSubject extends BlockCacheTck {
    @Override protected BlockCache create(BlockCacheConfig config) { return new FastBlockCacheSeededBug(config); }
}
