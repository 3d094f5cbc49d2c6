// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

/**
 * Suite A's subject with M2 ({@code BufioMutations.noRecheckAfterAlloc}) on: {@code __bufio_new}
 * does not look the block up again after the allocation dropped the client mutex (L1007). Every
 * miss is forced down the sleeping allocation (the non-blocking one fails), and the allocation's
 * unlocked window spins for 50 µs, so that on real threads two misses of one block overlap often:
 * both link a buffer for the block, and the insert's check throws ({@code NoDuplicateInv}), or
 * the two holders see different data. Refuted by {@link BufioDataViewNoRecheckAfterAllocRefutedTest}.
 */
public class BufioDataViewNoRecheckAfterAlloc extends AbstractBufioDataViewLincheckTest {
    @Override protected void mutate(BufioMutations m) { m.noRecheckAfterAlloc = true; }

    @Override protected void configure(DmBufio.Client client) {
        client.failNonBlockingAlloc = true;
        client.allocWindow = () -> {
            long until = System.nanoTime() + 50_000L;
            while (System.nanoTime() < until) Thread.onSpinWait();
        };
    }
}
