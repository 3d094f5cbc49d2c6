// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

/**
 * Suite A's subject for model checking with M2 ({@code BufioMutations.noRecheckAfterAlloc}) on:
 * every miss is forced down the sleeping allocation, which drops the client mutex (L890-L897), and
 * {@code __bufio_new} does not look the block up again afterwards (L1007). No widened window (the
 * model checker chooses the interleaving; a spin on the clock would only slow it down). Refuted by
 * {@link BufioDataViewNoRecheckAfterAllocMcRefutedTest}.
 */
public class BufioDataViewNoRecheckAfterAllocMc extends AbstractBufioDataViewLincheckTest {
    @Override protected void tune(DmBufio.Params p) { p.ghostChecks = false; }

    @Override protected void mutate(BufioMutations m) { m.noRecheckAfterAlloc = true; }

    @Override protected void configure(DmBufio.Client client) { client.failNonBlockingAlloc = true; }
}
