// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Lincheck suite bites: with a guard of the cache turned off (on the cache of each Lincheck
 * instance only, through {@link AbstractBufCacheLincheckTest#mutate}), the same check fails,
 * and fails by a non-linearizable result, not by a hang.
 *
 * <p>getnewbuf ignoring b_refs ({@code BufMutations.getnewbufIgnoresRefs}): in the reclaim
 * configuration, {@code bqhold} holds a header across an unlocked gap while the other thread's
 * getblk needs a header; the mutant recycles the held one, and bqhold comes back to another
 * block ({@link AbstractBufCacheLincheckTest#IDENTITY_LOST}), which no sequential order of
 * the map-of-blocks explains, or, if the recycling happened after bqhold looked, the validation
 * after the invocation reports NoReuseUnderHoldInv (the cache's ghost record of a reuse under a
 * hold); either is accepted, a hang or any other failure is not. Stress mode (model checking cannot run the reclaim
 * configuration, see {@link BufCacheReclaimLincheckTest}); the budget is large, but Lincheck
 * stops at the first failure (not minimized, to keep it short).
 *
 * <p>The other switches are caught by the JCStress mutants (stress/, dev.bioref.buf.mutants):
 * Lincheck's map of blocks has no I/O errors, no dependency hooks and no B_LOCKED buffers.
 */
class BufCacheLincheckMutantsTest {

    /** The reclaim configuration with getnewbuf ignoring holds. Not run on its own (nested class). */
    public static class GetnewbufIgnoresRefs extends BufCacheReclaimLincheckTest {
        @Override protected void mutate(BufMutations m) { m.getnewbufIgnoresRefs = true; }
    }

    @Test
    void getnewbufIgnoringRefsIsNotLinearizable() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> LincheckOptions.stress(LincheckOptions.BUF_CACHE_MUTANTS).minimizeFailedScenario(false)
                        .check(GetnewbufIgnoresRefs.class));
        String msg = String.valueOf(e.getMessage());
        boolean nonLinearizable = msg.contains("Invalid execution results")
                && msg.contains("bqhold") && msg.contains(": " + AbstractBufCacheLincheckTest.IDENTITY_LOST);
        boolean invariant = msg.contains("Validation function checkInvariants has failed")
                && msg.contains("NoReuseUnderHoldInv");
        assertTrue(nonLinearizable || invariant,
                "expected bqhold to return " + AbstractBufCacheLincheckTest.IDENTITY_LOST + " (header recycled under a"
                        + " hold) or the validation to report NoReuseUnderHoldInv, got:\n" + msg);
    }
}
