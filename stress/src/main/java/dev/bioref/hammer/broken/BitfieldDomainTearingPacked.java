// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.broken;

import dev.bioref.hammer.BitfieldDomainTearing;
import dev.bioref.kern.Token;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * DELIBERATELY BROKEN, for the build's must-fail check: {@link BitfieldDomainTearing} with the
 * io's flags of both domains packed into one word, as C bitfields sharing one word would be
 * ({@code io->modified = 1} and {@code io->running = 0} each compile to load the word, change
 * a bit, store the word). Each domain updates the word under its own token (fs_token, io_token),
 * which excludes nothing across domains, so the io domain's store of the word it loaded before
 * the fs domain's store puts {@code modified} back to 0. This is why the port keeps the domains
 * in separate fields (notes §2, "Fields": "Never pack them into one int"), and why J9 exists.
 *
 * <p>Same window as the genuine test: the io domain waits, at most 5 ms, between its load and
 * its store for the fs domain's store. {@link dev.bioref.stress.MutantsMustFail} requires
 * JCStress to report this class FAILED ("0, 0, 0": modified wiped).
 */
@JCStressTest
@JCStressMeta(BitfieldDomainTearing.class)
@State
public class BitfieldDomainTearingPacked {
    static final int MODIFIED = 1, RUNNING = 2, WAITING = 4;
    static final long WINDOW_NANOS = 5_000_000L;

    final Token fsToken = new Token("hammer.fs_token");
    final Token ioToken = new Token("hammer.io_token");
    /** Both domains' bits in one word: the layout the port must not have. */
    volatile int word = RUNNING | WAITING;
    volatile boolean fsStored;

    /** The fs domain: {@code io->modified = 1} on the shared word, under fs_token. */
    @Actor
    public void fsDomain() {
        fsToken.gettoken();
        try {
            word = word | MODIFIED;
        } finally {
            fsToken.reltoken();
            fsStored = true;
        }
    }

    /** The io domain: {@code io->running = 0; io->waiting = 0} on the shared word, under io_token. */
    @Actor
    public void ioDomain() {
        ioToken.gettoken();
        try {
            int w = word;
            long deadline = System.nanoTime() + WINDOW_NANOS;
            while (!fsStored && System.nanoTime() < deadline) Thread.onSpinWait();
            word = w & ~(RUNNING | WAITING);
        } finally {
            ioToken.reltoken();
        }
    }

    /** r1 = modified, r2 = running, r3 = waiting. */
    @Arbiter
    public void arbiter(III_Result r) {
        int w = word;
        r.r1 = (w & MODIFIED) != 0 ? 1 : 0;
        r.r2 = (w & RUNNING) != 0 ? 1 : 0;
        r.r3 = (w & WAITING) != 0 ? 1 : 0;
    }
}
