package dev.bioref.buf;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link UnlockedAgeRmw} with the seed's plain read-modify-write of b_flags in getnewbuf
 * ({@code BufQuirks.seedUnlockedAgeRmw}): the lost update of the owner's B_CACHE clear is
 * possible here, so it is ACCEPTABLE_INTERESTING (the seed's race, documented), not forbidden.
 * The window is a few instructions wide; sanity mode essentially never hits it, so this class
 * cannot serve as a must-fail mutant (proofs-notes/concurrency-buf.md, findings). Run it in a
 * longer mode to look for it:
 * <pre>java -jar stress/target/bioref-stress.jar -m tough -t UnlockedAgeRmwSeed</pre>
 */
@JCStressTest
@Outcome(id = "invalid, done, ok", expect = ACCEPTABLE,
        desc = "the owner saw B_CACHE cleared on the invalid buffer: the race was not hit")
@Outcome(id = "valid, done, ok", expect = ACCEPTABLE_INTERESTING,
        desc = "the seed's race: getnewbuf's plain B_AGE write put back the B_CACHE the owner had cleared")
@Outcome(expect = FORBIDDEN, desc = "anything else: a panic, or a broken invariant (named in r3)")
@State
public class UnlockedAgeRmwSeed {
    final UnlockedAgeRmw t;

    public UnlockedAgeRmwSeed() {
        BufQuirks q = BufQuirks.none();
        q.seedUnlockedAgeRmw = true;
        t = new UnlockedAgeRmw(q);
    }

    /** As {@link UnlockedAgeRmw#owner}. */
    @Actor
    public void owner(LLL_Result r) { t.owner(r); }

    /** As {@link UnlockedAgeRmw#reclaimer}. */
    @Actor
    public void reclaimer(LLL_Result r) { t.reclaimer(r); }

    /** r3: the invariants. */
    @Arbiter
    public void arbiter(LLL_Result r) { t.arbiter(r); }
}
