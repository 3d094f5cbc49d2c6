// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.InlineCompleter;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * J5 of reference dm_bufio.md §9c: two readers of one uncached block, with the allocator forced
 * down its sleeping path, which drops the client mutex (L890-L897).
 *
 * <p>State: an empty client; every non-blocking allocation fails ({@code failNonBlockingAlloc}),
 * so a miss always unlocks for the sleeping allocation and relocks. {@code reader1} and
 * {@code reader2} both {@code dm_bufio_read(0)} and keep their hold. While one is in its unlocked
 * allocation the other may link block 0; the recheck after the allocation (L1007) must then give
 * the new buffer back and take the linked one. Both must end up holding the same buffer, and the
 * tree must hold one buffer for block 0.
 *
 * <p>With {@code BufioMutations.noRecheckAfterAlloc} (M2) the second reader links a second buffer
 * for block 0 (the insert's BUG, {@code NoDuplicateInv}): the mutant
 * {@code dev.bioref.bufio.mutants.ReadVsReadAllocDrop_NoRecheckAfterAlloc} must fail.
 *
 * <p>Run just this test:
 * <pre>mvn -o -B -pl stress -am verify -Djcstress.tests=ReadVsReadAllocDrop -Djcstress.mode=quick</pre>
 */
@JCStressTest
@Outcome(id = "same, ok", expect = ACCEPTABLE,
        desc = "one buffer for block 0, held twice (whoever allocated second gave its buffer back)")
@Outcome(id = "different, .*", expect = FORBIDDEN,
        desc = "two buffers for block 0: writes through one are invisible through the other")
@Outcome(expect = FORBIDDEN, desc = "anything else: an exception (e.g. NoDuplicateInv) or a broken invariant (r2)")
@State
public class ReadVsReadAllocDrop {
    final DmBufio m;
    final Client c;
    volatile Buffer got1, got2;
    volatile String err;

    public ReadVsReadAllocDrop() { this(BufioMutations.none()); }

    public ReadVsReadAllocDrop(BufioMutations mut) {
        m = BufioRig.module(mut);
        c = BufioRig.client(m, new InlineCompleter(), 4);
        c.failNonBlockingAlloc = true;
    }

    @Actor
    public void reader1() {
        try {
            got1 = c.read(0);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    @Actor
    public void reader2() {
        try {
            got2 = c.read(0);
        } catch (Throwable t) {
            err = BufioRig.thrown(t);
        }
    }

    /** r1: both hold the same buffer; r2: the invariants after both releases (or the exception). */
    @Arbiter
    public void arbiter(LL_Result r) {
        if (err != null) {
            r.r1 = "error";
            r.r2 = err;
            return;
        }
        r.r1 = got1 == got2 ? "same" : "different";
        try {
            c.release(got1);
            c.release(got2);
            r.r2 = BufioRig.invariants(m);
        } catch (Throwable t) {
            r.r2 = BufioRig.thrown(t);
        }
    }
}
