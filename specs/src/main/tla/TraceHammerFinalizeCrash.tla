\* SPDX-License-Identifier: BSD-3-Clause
--------------------- MODULE TraceHammerFinalizeCrash ---------------------
(***************************************************************************)
(* Trace validation of finalize's ORDER (dev.bioref.hammer.HammerFlusher.  *)
(* finalize) against HammerFinalizeCrash.tla: step l matches event         *)
(* TraceLog[l] with the finalize action the event names (FinBegin with the *)
(* logged final).  Partial binding: the port logs only the finalize steps; *)
(* the spec's meta-data, UNDO and device variables (abstract block values  *)
(* and UNDO sequence numbers) are not logged, and the frontend and kernel  *)
(* actions (WriteData, Modify, EarlyData, EarlyUndo) are not matched: they *)
(* stay at Init, where every finalize step is enabled exactly when its pc  *)
(* says.  So the check is that the port's barriers and writes come in the  *)
(* spec's order (proofs-notes/traces.md, "HammerFinalizeCrash").           *)
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

Match ==
    \/ IsEvent("Mount") /\ InitPrimed
    \/ IsEvent("FinBegin") /\ FinBegin /\ final' = Ev.final
    \/ IsEvent("FinData") /\ FinData
    \/ IsEvent("FinLockEx") /\ FinLockEx
    \/ IsEvent("FinSaveUndo") /\ FinSaveUndo
    \/ IsEvent("FinBarrier1") /\ FinBarrier1
    \/ IsEvent("FinHdr") /\ FinHdr
    \/ IsEvent("FinBarrier3") /\ FinBarrier3
    \/ IsEvent("FinMeta") /\ FinMeta
    \/ IsEvent("FinFinal") /\ FinFinal

TraceNext == Match /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* every step is deterministic given the event (FinBegin: the logged final), so a violation
\* names the first event that cannot be matched and the spec state before it
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
