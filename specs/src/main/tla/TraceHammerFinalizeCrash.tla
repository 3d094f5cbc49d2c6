\* SPDX-License-Identifier: BSD-3-Clause
--------------------- MODULE TraceHammerFinalizeCrash ---------------------
(***************************************************************************)
(* Trace validation of finalize (dev.bioref.hammer.HammerFlusher.finalize) *)
(* against HammerFinalizeCrash.tla: step l matches event TraceLog[l] with   *)
(* the action the event names and the values it logs.                      *)
(*                                                                         *)
(* Values (session 7): an UNDO record's seq is its index in undoMem (the   *)
(* port logs its own sequence numbers shifted so that a mount starts at 1, *)
(* as Init's cFirst); FinSaveUndo logs saveNext, FinHdr the header image   *)
(* img, FinBarrier1/3 the flusher's durable floor ack, FinLockEx the       *)
(* snapshot count Len(snaps) - 1, FinFinal cFirst and cycles.  The         *)
(* frontend's hammer_generate_undo is the event Modify(b, undos): the      *)
(* spec's Modify(b, v) with v = mem[b] + 1 (block contents are counts of   *)
(* modifications, not data versions: the port's bytes are not mapped), the *)
(* history deciding whether an UNDO is appended; undos > 1 is a PAD and    *)
(* its record (the same old value: harmless to recovery).  FinLockEx's     *)
(* undos are the UNDO records of the blockmap copy of step 5, which the    *)
(* spec does not model: they are appended as records of block 0, outside   *)
(* Blocks, so recovery ignores them.  Not matched: WriteData, EarlyData,   *)
(* EarlyUndo (the data versions and kernel writes are not logged).         *)
(*                                                                         *)
(* Mount (hammer_flusher_create of a (re)mount) starts again from Init.    *)
(***************************************************************************)
EXTENDS HammerFinalizeCrash, TLC

CONSTANT TraceLog

VARIABLE l      \* the index of the next event to match

traceVars == <<vars, l>>

Log == TraceLog
Ev == Log[l]
IsEvent(a) == l <= Len(Log) /\ Log[l].action = a

TraceInit == Init /\ l = 1

\* Init, primed by hand (TLC cannot evaluate ENABLED of Init')
InitPrimed ==
    /\ mem' = [b \in Blocks |-> 0] /\ disk' = [b \in Blocks |-> 0]
    /\ metaDirty' = {} /\ metaPend' = [b \in Blocks |-> None]
    /\ dataNext' = 1 /\ dataDirty' = {} /\ dataPend' = {} /\ dataDur' = {}
    /\ undoMem' = <<>> /\ undoPend' = {} /\ undoDur' = {} /\ history' = {}
    /\ cFirst' = 1 /\ img' = [first |-> 1, next |-> 1] /\ hdrPend' = NoHdr
    /\ hdrDisk' = [first |-> 1, next |-> 1]
    /\ pcFin' = "Idle" /\ final' = FALSE /\ saveNext' = 1 /\ syncEx' = FALSE
    /\ snaps' = <<[b \in Blocks |-> 0]>> /\ cycles' = 0 /\ partials' = 0 /\ mods' = 0
    /\ hdrPendFloor' = 0 /\ ack' = 0

\* n copies of an UNDO record
Recs(n, r) == [i \in 1..n |-> r]

\* Modify(b, v) with v = mem[b] + 1; n seqs appended (0: the history suppressed the UNDO)
TModify(b, n) ==
    /\ ~syncEx /\ b \in Blocks
    /\ IF b \in history
       THEN n = 0 /\ UNCHANGED <<undoMem, history>>
       ELSE /\ n > 0
            /\ undoMem' = undoMem \o Recs(n, [b |-> b, old |-> mem[b]])
            /\ history' = history \cup {b}
    /\ mem' = [mem EXCEPT ![b] = mem[b] + 1]
    /\ metaDirty' = metaDirty \cup {b}
    /\ mods' = mods + 1
    /\ UNCHANGED <<dataNext, dataDirty, DevVars, FinVars>>

\* FinLockEx, plus the n UNDO records of a final finalize's blockmap copy (step 5)
TFinLockEx(n) ==
    /\ pcFin = "LockEx"
    /\ n > 0 => final
    /\ syncEx' = TRUE
    /\ snaps' = IF final THEN Append(snaps, mem) ELSE snaps
    /\ pcFin' = "Save"
    /\ undoMem' = undoMem \o Recs(n, [b |-> 0, old |-> 0])
    /\ UNCHANGED <<mem, metaDirty, dataNext, dataDirty, history, mods, DevVars, cFirst, img,
                   final, saveNext, cycles, partials, hdrPendFloor, ack>>

\* The port's durable floor after a barrier: at least the spec's ack, at most the latest completed
\* cycle.  The port's floor can be higher: when a final finalize finds first_offset unchanged (no
\* UNDO since the last header write), the header already issued also recovers to the new cycle
\* (HammerMount.headerFirstUnchanged), where the spec's hdrPendFloor keeps the older cycle.  First
\* seen in a crash run's trace (proofs-notes/traces.md, session 7); the port's floor itself is
\* checked by the crash-state enumeration (every crash state recovers to it or later).
AckOk == ack' <= Ev.ack /\ Ev.ack <= cycles

\* The port's barrier after the flusher's last cycle (HammerMount.headerBarrier, a port addition
\* for sync and unmount, under finalize_lock): the spec's Barrier between finalizes.
THeaderBarrier ==
    /\ pcFin = "Idle"
    /\ Barrier
    /\ UNCHANGED <<FrontVars, cFirst, img, pcFin, final, saveNext, syncEx, snaps, cycles,
                   partials, hdrPendFloor>>

\* A crash that keeps none of the pending writes (the port's dev.crash()), between finalizes: the
\* spec's recovery of it, Crash({}), must be complete (r.ok), equal the snapshot s the port's
\* recovery returned to (RecoveryConsistentInv), and s must be no older than ack
\* (RecoveryDurableInv).  No variable changes: the remount's Mount event follows.
TCrash(s) ==
    /\ pcFin = "Idle"
    /\ s + 1 <= Len(snaps) /\ s >= ack
    /\ LET r == Crash({}) IN r.ok /\ r.meta = snaps[s + 1]
    /\ UNCHANGED vars

Match ==
    \/ IsEvent("Mount") /\ InitPrimed
    \/ IsEvent("Modify") /\ TModify(Ev.b, Ev.undos)
    \/ IsEvent("FinBegin") /\ FinBegin /\ final' = Ev.final
    \/ IsEvent("FinData") /\ FinData
    \/ IsEvent("FinLockEx") /\ TFinLockEx(Ev.undos) /\ Len(snaps') - 1 = Ev.snapshot
    \/ IsEvent("FinSaveUndo") /\ FinSaveUndo /\ saveNext' = Ev.saveNext
    \/ IsEvent("FinBarrier1") /\ FinBarrier1 /\ AckOk
    \/ IsEvent("FinHdr") /\ FinHdr /\ img' = [first |-> Ev.first, next |-> Ev.next]
    \/ IsEvent("FinBarrier3") /\ FinBarrier3 /\ AckOk
    \/ IsEvent("FinMeta") /\ FinMeta
    \/ IsEvent("FinFinal") /\ FinFinal /\ cFirst' = Ev.first /\ cycles' = Ev.cycles
    \/ IsEvent("HeaderBarrier") /\ THeaderBarrier /\ AckOk
    \/ IsEvent("Crash") /\ TCrash(Ev.snapshot)

TraceNext == Match /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* every step is deterministic given the event (FinBegin: the logged final) except where FinHdr
\* and FinMeta let a superseded write land or not (disk, hdrDisk), which no later event's match
\* reads; so a violation names the first event that cannot be matched and a spec state before it
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
