// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.trace.TraceLog;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contracts of HAMMER's small classes that the protocol tests only pass through: the mutation
 * switches are all off by default and {@link HammerMutations#toString()} names the ones that are on
 * (the test extensions skip a mount whose string is not "none", so a wrong string would silently
 * turn their checks off); {@link HammerOptions#copy()} copies every tunable but no trace sink;
 * the finalize steps' names used in messages and traces. Found necessary by PIT
 * (proofs-notes/pit.md §9.5).
 */
class HammerSmallClassesTest {

    @Test void everyMutationSwitchIsOffByDefaultAndTheStringSaysNone() throws IllegalAccessException {
        HammerMutations m = HammerMutations.none();
        int switches = 0;
        for (Field f : HammerMutations.class.getFields()) {
            if (f.getType() != boolean.class) continue;
            switches++;
            assertFalse(f.getBoolean(m), f.getName());
        }
        assertTrue(switches >= 40, "switches found: " + switches);
        assertEquals("none", m.toString());
        assertNotSame(m, HammerMutations.none());
    }

    @Test void theStringNamesExactlyTheSwitchesThatAreOn() {
        HammerMutations m = HammerMutations.none();
        m.clearAfterWrite = true;
        assertEquals("clearAfterWrite", m.toString());
        m.completeIgnoresError = true;
        m.masterIdleSkipsWait = true;     // a volatile one
        String s = m.toString();
        assertEquals(Set.of("clearAfterWrite", "completeIgnoresError", "masterIdleSkipsWait"), new HashSet<>(Arrays.asList(s.split(","))), s);
        assertFalse(s.startsWith(",") || s.endsWith(","), s);
    }

    @Test void optionsCopyCarriesEveryTunableButNoTraceSink() {
        HammerOptions o = new HammerOptions();
        o.version = HammerOndisk.VERSION_3;
        o.geometry = new HammerOndisk.Geometry(5, 2, 3, 1);
        o.nbuf = 99;
        o.flusherThreads = 3;
        o.limitDirtybufspace = 12345;
        o.limitRunningIo = 54321;
        o.ioWaitTimeoutNanos = 77;
        o.inodes = 5;
        o.autoflushRecords = 6;
        o.wouldblockBudget = 7;
        o.lenientCheckwrite = true;
        o.seedCheckwriteSkipsFlushMark = true;
        o.ioTrace = new HammerIoTrace(TraceLog.inMemory("HammerIoProtocol"));
        o.flusherTrace = new HammerFlusherTrace(TraceLog.inMemory("HammerFlusherSeq"));
        o.finalizeTrace = new HammerFinalizeTrace(TraceLog.inMemory("HammerFinalizeCrash"));
        HammerOptions c = o.copy();
        assertNotSame(o, c);
        assertEquals(HammerOndisk.VERSION_3, c.version);
        assertSame(o.geometry, c.geometry);
        assertEquals(99, c.nbuf);
        assertEquals(3, c.flusherThreads);
        assertEquals(12345, c.limitDirtybufspace);
        assertEquals(54321, c.limitRunningIo);
        assertEquals(77, c.ioWaitTimeoutNanos);
        assertEquals(5, c.inodes);
        assertEquals(6, c.autoflushRecords);
        assertEquals(7, c.wouldblockBudget);
        assertTrue(c.lenientCheckwrite);
        assertTrue(c.seedCheckwriteSkipsFlushMark);
        assertNull(c.ioTrace);
        assertNull(c.flusherTrace);
        assertNull(c.finalizeTrace);
    }

    @Test void theDefaultsAreTheDocumentedOnes() {
        HammerOptions o = new HammerOptions();
        assertEquals(HammerOndisk.VERSION_4, o.version);
        assertEquals(HammerOndisk.Geometry.small(), o.geometry);
        assertEquals(0, o.flusherThreads);
        assertEquals(16L * HammerOndisk.BUFSIZE, o.limitDirtybufspace);
        assertEquals(64L * HammerOndisk.BUFSIZE, o.limitRunningIo);
        assertFalse(o.lenientCheckwrite || o.seedCheckwriteSkipsFlushMark);
    }

    @Test void finalizeStepsAreNamedInOrder() {
        assertEquals(List.of("start", "data-issued", "undo-issued", "undo-durable", "header-issued", "end"),
                Arrays.stream(HammerHooks.FinalizeStep.values()).map(Object::toString).toList());
    }

    @Test void aCriticalErrorCarriesItsReason() {
        assertEquals("write error at 4096", new HammerCriticalError("write error at 4096").getMessage());
    }
}
