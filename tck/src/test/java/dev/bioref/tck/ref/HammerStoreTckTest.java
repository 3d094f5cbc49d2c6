// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.ref;

import dev.bioref.tck.CrashSafeStoreFactory;
import dev.bioref.tck.suite.CrashSafeStoreTck;

/** The TCK against the reference: the HAMMER port (v4, small geometry) through its adapter. */
class HammerStoreTckTest extends CrashSafeStoreTck {
    @Override protected CrashSafeStoreFactory factory() { return HammerStore.factory(); }
}
