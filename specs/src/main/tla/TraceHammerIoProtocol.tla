\* SPDX-License-Identifier: BSD-3-Clause
----------------------- MODULE TraceHammerIoProtocol -----------------------
(***************************************************************************)
(* Trace validation of the HAMMER io port (dev.bioref.hammer.HammerIo and  *)
(* its callers) against HammerIoProtocol.tla, the CCF / etcd way: step l   *)
(* matches event TraceLog[l] with the spec action the event names, run by  *)
(* the thread the event names, and the step's values of the logged        *)
(* variables must be the logged ones; the variables an event does not log *)
(* (refs, check, ilock, lockEx, syncEx, bpLock, bq, delwri, blocked,       *)
(* reclaim, modRoot, inflightVer, asleep, pc, ...) are whatever the action *)
(* makes them.                                                             *)
(*                                                                         *)
(* The spec models ONE io of type T.  A trace part (dev.bioref.trace.      *)
(* TraceHammerIoProtocolBinding splits a trace by io type, then groups it  *)
(* by io, keeping each io's events in effect order) holds several ios of   *)
(* the same type one after the other; when the next event is of another io *)
(* (field io), IoSwitch starts that io from Init.  The ios of the port are *)
(* independent in the spec (no action reads another io), so checking them *)
(* one after the other is checking each.                                   *)
(*                                                                         *)
(* Threads: "Fl" is the flusher, "K" the kernel (checkwrite, deallocate,   *)
(* the completion), any other name a frontend (the constant F).            *)
(***************************************************************************)
EXTENDS HammerIoProtocol, TLC

CONSTANT TraceLog

VARIABLES l,    \* the index of the next event to match: events 1..l-1 are matched
          cur   \* the io whose events are being matched (0: none yet)

traceVars == <<vars, l, cur>>

\* evaluated once (see TraceLoopbackDevice.tla)
Log == TraceLog
Ev == Log[l]
IsEvent(a) == l <= Len(Log) /\ Log[l].io = cur /\ Log[l].action = a
Th == Ev.thread

TraceInit == Init /\ l = 1 /\ cur = 0

\* the variables every event logs, after the step
Logged ==
    /\ assoc' = Ev.assoc
    /\ released' = Ev.released
    /\ modified' = Ev.modified
    /\ running' = Ev.running
    /\ memVer' = Ev.memVer
    /\ diskVer' = Ev.diskVer

\* Init, primed by hand: TLC cannot evaluate ENABLED of Init' (TraceMatchedInv)
InitPrimed ==
    /\ assoc' = FALSE /\ released' = TRUE /\ modified' = FALSE /\ running' = FALSE
    /\ reclaim' = FALSE /\ modRefs' = 0 /\ refs' = 0 /\ check' = FALSE
    /\ ilock' = NoOne /\ lockEx' = NoOne /\ syncEx' = FALSE
    /\ bpLock' = "FREE" /\ bq' = "NONE" /\ delwri' = FALSE /\ blocked' = FALSE
    /\ modRoot' = "NONE" /\ memVer' = 0 /\ diskVer' = 0 /\ inflightVer' = 0
    /\ lostData' = FALSE /\ kernelWroteMeta' = FALSE /\ asleep' = {}
    /\ pc' = [a \in A |-> "Idle"]

IoSwitch ==
    /\ l <= Len(Log) /\ Log[l].io # cur
    /\ InitPrimed
    /\ cur' = Log[l].io
    /\ UNCHANGED l

Front(a) == IsEvent(a) /\ Th \in F
ByA(a) == IsEvent(a) /\ Th \in A
Kern(a) == IsEvent(a) /\ Th = "K"
Flusher(a) == IsEvent(a) /\ Th = Fl

MatchFrontend ==
    \/ Front("Ref") /\ Ref(Th)
    \/ Front("RefWait") /\ RefWait(Th)
    \/ Front("Load") /\ Load(Th)
    \/ Front("ModBegin") /\ ModBegin(Th)
    \/ Front("LockEx") /\ LockEx(Th)
    \/ Front("Reget") /\ Reget(Th)
    \/ Front("SetMod") /\ SetMod(Th)
    \/ Front("Mutate") /\ Mutate(Th)
    \/ Front("ModifyDone") /\ ModifyDone(Th)
    \/ Front("Wait") /\ Wait(Th)

\* release and the flush it shares with the flusher: the thread's pc says which
MatchRelease ==
    \/ ByA("Rel") /\ Rel(Th)
    \/ ByA("RelStart") /\ RelStart(Th)
    \/ ByA("FlushBegin") /\ \/ FlushBegin(Th, "Rel", "RelDispose")
                            \/ FlushBegin(Th, "Fl", "FlDone")
    \/ ByA("FlushSecure") /\ (FlushSecure(Th, "Rel") \/ FlushSecure(Th, "Fl"))
    \/ ByA("FlushIssue") /\ (FlushIssue(Th, "Rel", "RelDispose") \/ FlushIssue(Th, "Fl", "FlDone"))
                         /\ reclaim' = Ev.reclaim
    \/ ByA("FlushClear") /\ (FlushClear(Th, "Rel", "RelDispose") \/ FlushClear(Th, "Fl", "FlDone"))
    \/ ByA("RelDispose") /\ RelDispose(Th)
    \/ ByA("RelReget") /\ RelReget(Th)
    \/ ByA("RelDone") /\ RelDone(Th)
    \/ ByA("RelBrelse") /\ RelBrelse(Th)

MatchFlusher ==
    \/ Flusher("FlPick") /\ FlPick
    \/ Flusher("WriteInterlock") /\ WriteInterlock
    \/ Flusher("DoneInterlock") /\ DoneInterlock

MatchKernel ==
    \/ Kern("Checkwrite") /\ Checkwrite
    \/ Kern("CheckwriteStart") /\ CheckwriteStart
    \/ Kern("Deallocate") /\ Deallocate
    \/ Kern("Complete") /\ Complete

TraceNext ==
    \/ IoSwitch
    \/ /\ MatchFrontend \/ MatchRelease \/ MatchFlusher \/ MatchKernel
       /\ Logged
       /\ l' = l + 1 /\ UNCHANGED cur

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* Given the action, its thread and the logged values, every step is deterministic (the
\* flush of an UNDO io logs reclaim, hammer_undo_reclaim's choice), so a violation names
\* the first event that cannot be matched (Log[l]) and the spec state before it.
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
