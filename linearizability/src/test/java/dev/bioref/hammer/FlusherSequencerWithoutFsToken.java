// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * The flusher sequencer with callers that do not hold fs_token: must be REJECTED by Lincheck
 * (asserted by {@link FlusherSequencerWithoutFsTokenRefutedTest}; the name keeps it out of
 * surefire's includes, so its own inherited tests, which must fail, are not run).
 */
public class FlusherSequencerWithoutFsToken extends FlusherSequencerLincheckTest {
    @Override protected boolean callersHoldFsToken() { return false; }
}
