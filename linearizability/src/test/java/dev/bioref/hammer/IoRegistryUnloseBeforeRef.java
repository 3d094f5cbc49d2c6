// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * The io registry with get_buffer's pre-F2 order (lose-tree removal before the ref): must be
 * REJECTED by Lincheck (asserted by {@link IoRegistryUnloseBeforeRefRefutedTest}; the name keeps
 * it out of surefire's includes, so its own inherited tests, which must fail, are not run).
 */
public class IoRegistryUnloseBeforeRef extends IoRegistryLincheckTest {
    @Override protected boolean unloseAfterRef() { return false; }
}
