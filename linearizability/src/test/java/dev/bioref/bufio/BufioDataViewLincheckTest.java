// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

/**
 * Suite A (data view) of {@link AbstractBufioDataViewLincheckTest} in stress mode: the scenarios
 * run on real threads, where a missing volatile or a racy publication can show.
 *
 * <p>Against the sequential specification {@link BufioDataViewSpec}. Model checking is
 * {@link BufioDataViewModelCheckingTest} (its own budget and settings; proofs-notes/bufio.md,
 * "Concurrency suites", for why it failed under Lincheck 3.7 before and what changed).
 */
public class BufioDataViewLincheckTest extends AbstractBufioDataViewLincheckTest {

    @Test
    public void stressTest() {
        LincheckOptions.stress(LincheckOptions.BUFIO_DATA_VIEW)
                .sequentialSpecification(BufioDataViewSpec.class)
                .check(getClass());
    }
}
