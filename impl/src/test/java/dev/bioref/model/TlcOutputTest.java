// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing of TLC 2.18's plain output, on transcripts copied from real runs. */
class TlcOutputTest {

    static final String INVARIANT_RUN = """
            TLC2 Version 2.18 of 20 March 2023
            Running breadth-first search Model-Checking with fp 122 and seed -4489134642339046832 with 2 workers on 2 cores
            Parsing file /tmp/tlc/T.tla
            Semantic processing of module T
            Starting... (2026-11-22 02:14:34)
            Computing initial states...
            Finished computing initial states: 1 distinct state generated at 2026-11-22 02:14:35.
            Error: Invariant SmallInv is violated.
            Error: The behavior up to this point is:
            State 1: <Initial predicate>
            /\\ x = 0
            /\\ y = 0

            State 2: <IncX line 6, col 9 to line 6, col 44 of module T>
            /\\ x = 1
            /\\ y = 0

            State 3: <IncY line 7, col 9 to line 7, col 44 of module T>
            /\\ x = 1
            /\\ y = [ a |-> 1,
              b |-> 2 ]

            10 states generated, 8 distinct states found, 1 states left on queue.
            The depth of the complete state graph search is 4.
            Finished in 01s at (2026-11-22 02:14:35)
            """;

    @Test
    void invariantViolationNamesTheInvariantAndReadsTheTrace() {
        TlcResult r = TlcOutput.parse(INVARIANT_RUN, 12, List.of());
        assertEquals(TlcResult.Outcome.INVARIANT_VIOLATED, r.outcome());
        assertEquals("SmallInv", r.property());
        assertEquals(8, r.distinct().getAsLong());
        assertEquals(10, r.total().getAsLong());
        assertEquals(4, r.depth().getAsLong());
        assertEquals(3, r.trace().steps().size());
        assertEquals("Init", r.trace().steps().get(0).action());
        assertEquals("IncX", r.trace().steps().get(1).action());
        assertEquals("[ a |-> 1,\nb |-> 2 ]", r.trace().steps().get(2).vars().get("y"));
        String shown = r.trace().render();
        assertTrue(shown.contains("  2  IncX\n       x = 1\n"), shown);
        assertTrue(!shown.contains("  2  IncX\n       x = 1\n       y = 0"), "unchanged y must not be shown: " + shown);
    }

    @Test
    void functionsRecordsAndSequencesShowOnlyTheirChangedEntries() {
        assertEquals(List.of("b_flags[h1] = {\"CACHE\", \"HASHED\"}"), Trace.changes("b_flags",
                "(h1 :> {\"HASHED\"} @@ h2 :> {\"INVAL\"})", "(h1 :> {\"CACHE\", \"HASHED\"} @@ h2 :> {\"INVAL\"})"));
        assertEquals(List.of("q.CLEAN = {h1}", "q.EMPTY = {h2}"), Trace.changes("q",
                "[NONE |-> {}, CLEAN |-> {}, EMPTY |-> {h1, h2}]", "[NONE |-> {}, CLEAN |-> {h1}, EMPTY |-> {h2}]"));
        assertEquals(List.of("backend[1] = 2"), Trace.changes("backend", "<<0, 0>>", "<<2, 0>>"));
        // a record inside a sequence is one entry; a change of shape shows the whole value
        assertEquals(List.of("cache = <<[seq |-> 1, val |-> 1]>>"), Trace.changes("cache", "<<>>", "<<[seq |-> 1, val |-> 1]>>"));
        assertEquals(List.of("s = {1, 2}"), Trace.changes("s", "{1}", "{1, 2}"));
        assertEquals(List.of("x = 1"), Trace.changes("x", null, "1"));
    }

    @Test
    void passReadsTheCounts() {
        String out = """
                Model checking completed. No error has been found.
                  Estimates of the probability that TLC did not check all reachable states
                Progress(601) at 2026-11-22 02:15:19: 100 states generated, 50 distinct states found, 3 states left on queue.
                180601 states generated, 90601 distinct states found, 0 states left on queue.
                The depth of the complete state graph search is 601.
                Finished in 01s at (2026-11-22 02:15:22)
                """;
        TlcResult r = TlcOutput.parse(out, 0, List.of());
        assertEquals(TlcResult.Outcome.PASS, r.outcome());
        assertEquals(90601, r.distinct().getAsLong());
        assertEquals(180601, r.total().getAsLong());
        assertEquals(601, r.depth().getAsLong());
        assertTrue(r.trace().isEmpty());
    }

    @Test
    void temporalViolationTakesThePropertyNameFromTheCfg() {
        String out = """
                Error: Temporal properties were violated.

                Error: The following behavior constitutes a counter-example:

                State 1: <Initial predicate>
                x = 0

                State 2: <A line 5, col 6 to line 5, col 24 of module U>
                x = 1

                State 3: Stuttering
                3 states generated, 3 distinct states found, 0 states left on queue.
                """;
        TlcResult r = TlcOutput.parse(out, 13, TlcOutput.cfgProperties("SPECIFICATION Spec\nPROPERTY Live \\* eventually\n"));
        assertEquals(TlcResult.Outcome.PROPERTY_VIOLATED, r.outcome());
        assertEquals("Live", r.property());
        assertEquals(List.of("Init", "A", "Stuttering"), r.trace().steps().stream().map(Trace.Step::action).toList());
        assertEquals("1", r.trace().steps().get(1).vars().get("x"));
    }

    @Test
    void deadlockAndActionPropertyAndErrors() {
        assertEquals(TlcResult.Outcome.DEADLOCK, TlcOutput.parse("Error: Deadlock reached.\n", 11, List.of()).outcome());
        TlcResult act = TlcOutput.parse("Error: Action property BadAct is violated.\n", 12, List.of());
        assertEquals(TlcResult.Outcome.PROPERTY_VIOLATED, act.outcome());
        assertEquals("BadAct", act.property());
        String sany = """
                line 4, col 14 to line 4, col 14 of module W
                Unknown operator: `y'.
                Starting... (2026-11-22 02:15:15)
                Error: Parsing or semantic analysis failed.
                """;
        assertEquals(TlcResult.Outcome.ERROR, TlcOutput.parse(sany, 150, List.of()).outcome());
        // "no error" text with a non-zero exit status is not trusted as a pass
        assertEquals(TlcResult.Outcome.ERROR,
                TlcOutput.parse("Model checking completed. No error has been found.\n", 1, List.of()).outcome());
    }

    @Test
    void cfgPropertiesSkipsCommentsAndOtherSections() {
        String cfg = """
                \\* a comment PROPERTY Nope
                SPECIFICATION Spec
                INVARIANTS AInv
                  BInv
                PROPERTIES Live1
                  (* Live3 *) Live2
                CHECK_DEADLOCK FALSE
                """;
        assertEquals(List.of("Live1", "Live2"), TlcOutput.cfgProperties(cfg));
    }
}
