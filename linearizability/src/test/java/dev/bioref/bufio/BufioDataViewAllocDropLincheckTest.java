// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

/**
 * The control of {@link BufioDataViewNoRecheckAfterAllocRefutedTest}: Suite A with every miss
 * forced down the sleeping allocation and its unlocked window widened (the same configuration as
 * {@link BufioDataViewNoRecheckAfterAlloc}), but with the recheck after the allocation in place.
 * Stress mode must accept it: the refuted test fails because of M2, not because of the forced
 * lock drop.
 */
public class BufioDataViewAllocDropLincheckTest extends AbstractBufioDataViewLincheckTest {
    @Override protected void configure(DmBufio.Client client) {
        client.failNonBlockingAlloc = true;
        client.allocWindow = () -> {
            long until = System.nanoTime() + 50_000L;
            while (System.nanoTime() < until) Thread.onSpinWait();
        };
    }

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.BUFIO_DATA_VIEW)
                .sequentialSpecification(BufioDataViewSpec.class)
                .check(getClass());
    }
}
