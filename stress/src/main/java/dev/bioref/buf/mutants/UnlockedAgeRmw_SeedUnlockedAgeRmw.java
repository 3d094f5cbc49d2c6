// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf.mutants;

import dev.bioref.buf.BufQuirks;
import dev.bioref.buf.UnlockedAgeRmw;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * MUST FAIL: {@link UnlockedAgeRmw} with the seed's plain read-modify-write of b_flags in
 * getnewbuf ({@code BufQuirks.seedUnlockedAgeRmw}, this state's cache only; a seed quirk, not a
 * mutation switch: the port's CAS is its deliberate deviation, and this shows what it prevents).
 * With the widened window the owner's B_CACHE clear is lost whenever the owner arrives within it.
 * {@code dev.bioref.stress.MutantsMustFail} requires JCStress to report this class FAILED; by hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -t '^dev.bioref.buf.mutants.UnlockedAgeRmw_SeedUnlockedAgeRmw$'</pre>
 */
@JCStressTest
@JCStressMeta(UnlockedAgeRmw.class)
@State
public class UnlockedAgeRmw_SeedUnlockedAgeRmw {
    final UnlockedAgeRmw t;

    public UnlockedAgeRmw_SeedUnlockedAgeRmw() {
        BufQuirks q = BufQuirks.none();
        q.seedUnlockedAgeRmw = true;
        t = new UnlockedAgeRmw(q);
    }

    @Actor public void owner(LLL_Result r) { t.owner(r); }

    @Actor public void reclaimer(LLL_Result r) { t.reclaimer(r); }

    @Arbiter public void arbiter(LLL_Result r) { t.arbiter(r); }
}
