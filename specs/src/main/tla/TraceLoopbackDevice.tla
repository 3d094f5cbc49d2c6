\* SPDX-License-Identifier: BSD-3-Clause
------------------------ MODULE TraceLoopbackDevice ------------------------
(***************************************************************************)
(* Trace validation of dev.bioref.device.LoopbackDevice against            *)
(* LoopbackDevice.tla, in the style of CCF's Traceccfraft.tla and etcd's   *)
(* Traceetcdraft.tla: the spec's Next is constrained to the logged events. *)
(*                                                                         *)
(* TraceLog is a sequence of event records (format v1, see                 *)
(* specs/trace/trace-event.schema.json and proofs-notes/traces.md).  The   *)
(* module dev.bioref.trace.TraceModule generates, per trace, a module that *)
(* EXTENDS this one and defines the trace as a constant; TLC then checks   *)
(* TraceMatchedInv.  Step l matches event TraceLog[l] with the spec action *)
(* the event names, taking the logged values; variables the event does not *)
(* log are whatever the action makes them (existentially chosen).          *)
(*                                                                         *)
(* Sectors: the port numbers sectors from 0, the spec from 1 (0 is         *)
(* NoSector), so a logged sector s is spec sector s + 1.  Cache entries    *)
(* are logged as [seq, sector]: the spec's val is a request id, which the  *)
(* port's cache does not keep; seq and sector identify the write.          *)
(***************************************************************************)
EXTENDS LoopbackDevice, TLC

CONSTANT TraceLog

VARIABLE l      \* the index of the next event to match: events 1..l-1 are matched

traceVars == <<vars, l>>

\* The trace, evaluated once: TLC caches a constant-level definition, but would rebuild the
\* substituted TraceLog at every reference (quadratic in the trace's length).
Log == TraceLog
Ev == Log[l]
IsEvent(a) == l <= Len(Log) /\ Log[l].action = a
SpecSector(s) == s + 1
Range(q) == {q[k] : k \in DOMAIN q}

\* The cache as the port logs it: its entries' completion numbers and (0-based) sectors.
CacheView(c) == [k \in 1..Len(c) |-> [seq |-> c[k].seq, sector |-> c[k].sector - 1]]

TraceInit == Init /\ l = 1

MatchSubmitWrite ==
    /\ IsEvent("SubmitWrite")
    /\ nextId = Ev.id
    /\ SubmitWrite(SpecSector(Ev.sector), Ev.fua)

MatchSubmitFlush ==
    /\ IsEvent("SubmitFlush")
    /\ nextId = Ev.id
    /\ SubmitFlush

MatchCompleteLost ==
    /\ IsEvent("CompleteLost")
    /\ CompleteLost(Ev.id)
    /\ completionSeq' = Ev.completionSeq

MatchCompleteWrite ==
    /\ IsEvent("CompleteWrite")
    /\ CompleteWrite(Ev.id)
    /\ completionSeq' = Ev.completionSeq
    /\ CacheView(cache') = Ev.cache

MatchCompleteFua ==
    /\ IsEvent("CompleteFua")
    /\ CompleteFua(Ev.id)
    /\ completionSeq' = Ev.completionSeq
    /\ CacheView(cache') = Ev.cache

MatchCompleteFlush ==
    /\ IsEvent("CompleteFlush")
    /\ CompleteFlush(Ev.id)
    /\ completionSeq' = Ev.completionSeq
    /\ CacheView(cache') = Ev.cache

\* The port logs which cached writes landed (their completion numbers); Crash is the crash
\* keeping some subset of the cache, and the logged subset names it (CrashKeeping), rather
\* than TLC trying every subset.  Every landed write must be in the cache.
MatchCrash ==
    /\ IsEvent("Crash")
    /\ Range(Ev.landed) \subseteq {cache[k].seq : k \in DOMAIN cache}
    /\ CrashKeeping({k \in DOMAIN cache : cache[k].seq \in Range(Ev.landed)})
    /\ generation' = Ev.generation

TraceNext ==
    /\ \/ MatchSubmitWrite
       \/ MatchSubmitFlush
       \/ MatchCompleteLost
       \/ MatchCompleteWrite
       \/ MatchCompleteFua
       \/ MatchCompleteFlush
       \/ MatchCrash
    /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* The trace is a behaviour of the spec: in every reachable state, the next event (if any)
\* can be matched.  The steps are deterministic given the logged values, so a violation
\* names the first event that cannot be matched (Log[l]) and the state before it.
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
