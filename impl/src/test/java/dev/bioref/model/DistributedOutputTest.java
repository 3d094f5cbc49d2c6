// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Parsing of TLC 2.18's distributed server output (transcripts of runs on Counter.tla, 2 workers on 127.0.0.1). */
class DistributedOutputTest {

    static final String VIOLATION = """
            TLC2 TLC Server Version 2.18 of 20 March 2023
            Starting... (2026-12-06 23:01:39)
            TLC server at vm is ready (2026-12-06 23:01:41)
            Registration for worker at rmi://localhost:42935/0 completed (2026-12-06 23:01:49)
            Error: The behavior up to this point is:
            State 1: <Initial predicate>
            /\\ x = 2
            /\\ y = 0

            State 2: <IncX line 9, col 9 to line 9, col 59 of module Counter>
            /\\ x = 3
            /\\ y = 0

            Worker: rmi://localhost:42935/0 Sent: 3 Rcvd: 3 CacheRatio: 0.43 (2026-12-06 23:01:49)
            18 states generated, 8 distinct states found, 0 states left on queue.
            Finished in 08s at (2026-12-06 23:01:49)
            vm, work completed. Thank you!
            """;

    static final String PASS = """
            TLC2 TLC Server Version 2.18 of 20 March 2023
            TLC server at vm is ready (2026-12-06 22:59:31)
            Model checking completed. No error has been found.
            15 states generated, 9 distinct states found, 0 states left on queue.
            The depth of the complete state graph search is 5.
            Finished in 23s at (2026-12-06 22:59:55)
            vm, work completed. Thank you!
            """;

    @Test
    void anUnnamedViolationIsTheOnlyInvariantWhenDeadlockIsOff() {
        TlcResult r = TlcOutput.parseDistributed(VIOLATION, 0, "SPECIFICATION Spec\nINVARIANT BoundInv\nCHECK_DEADLOCK FALSE\n");
        assertEquals(TlcResult.Outcome.INVARIANT_VIOLATED, r.outcome());
        assertEquals("BoundInv", r.property());
        assertEquals(OptionalLong.of(8), r.distinct());
        assertEquals(2, r.trace().steps().size());
    }

    @Test
    void withDeadlockCheckedOrSeveralInvariantsEveryCandidateIsNamed() {
        assertEquals("AInv|BInv|Deadlock", TlcOutput.parseDistributed(VIOLATION, 0, "INVARIANTS AInv BInv\n").property());
        TlcResult d = TlcOutput.parseDistributed(VIOLATION, 0, "SPECIFICATION Spec\n");
        assertEquals(TlcResult.Outcome.DEADLOCK, d.outcome());
    }

    @Test
    void aPassReadsAsInTheSingleJvmOutput() {
        TlcResult r = TlcOutput.parseDistributed(PASS, 0, "INVARIANT BoundInv\nCHECK_DEADLOCK FALSE\n");
        assertEquals(TlcResult.Outcome.PASS, r.outcome());
        assertEquals(OptionalLong.of(9), r.distinct());
        assertEquals(OptionalLong.of(15), r.total());
        assertEquals(TlcResult.Outcome.ERROR, TlcOutput.parseDistributed("TLC2 TLC Server Version 2.18\n", 1, "INVARIANT A\n").outcome());
    }
}
