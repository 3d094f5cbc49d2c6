// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * The modify gate with the callers' fs_token left out: must be REJECTED by Lincheck (asserted by
 * {@link ModifyGateWithoutFsTokenRefutedTest}; the name keeps it out of surefire's includes, so
 * its own inherited tests, which must fail, are not part of the run).
 */
public class ModifyGateWithoutFsToken extends ModifyGateLincheckTest {
    @Override protected boolean callersHoldFsToken() { return false; }
}
