// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.device.LincheckOptions;
import org.junit.jupiter.api.Test;

/**
 * The FIXED port's mapped file is linearizable against {@link MappedFileSpec} (stress mode).
 * Not under the model checker: two concurrent write faults on the same page made it report
 * "The execution has hung" (write(3) | write(2), one faulting page 1 in, the other waiting for
 * it) after 382 s: the port's waits poll with timeouts (SimpleLock's tryLock(10 ms), the vnode
 * lock's 5 ms waits) and under the model checker {@code System.nanoTime()} stands still
 * (concurrency-buf.md F2), so a wait that a real run ends in microseconds looks like a livelock.
 * concurrency-uvm.md, "Lincheck, second session".
 */
class MappedFileFixedLincheckTest {
    @Test
    void stressTest() {
        LincheckOptions.stress(LincheckOptions.UVN_MAPPED_FILE).sequentialSpecification(MappedFileSpec.class)
                .check(MappedFileFixed.class);
    }
}
