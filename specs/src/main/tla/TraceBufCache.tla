\* SPDX-License-Identifier: BSD-3-Clause
--------------------------- MODULE TraceBufCache ---------------------------
(***************************************************************************)
(* Trace validation of dev.bioref.buf.BufCache against BufCache.tla, as    *)
(* TraceLoopbackDevice.tla does for the device: step l matches event       *)
(* TraceLog[l] with the spec action the event names and the logged values; *)
(* what the event does not log is whatever the action makes it.            *)
(*                                                                         *)
(* Names: the port logs header indexes (h), block numbers (b) and no       *)
(* process; the model's headers and blocks are the strings "h<n>", "b<n>"  *)
(* (the spec compares them with its string sentinels).  The process of an  *)
(* owner step is the buffer's lock owner; a step that takes a lock or a    *)
(* hold is given the first process that has none (CHOOSE: deterministic;   *)
(* the processes are interchangeable, owned and held are never compared). *)
(*                                                                         *)
(* After each step the port logs the header's flags (the six spec flags as *)
(* a bit mask: DELWRI 1, CACHE 2, INVAL 4, LOCKED 8, ERROR 16, HASHED 32)   *)
(* and its queue; both must equal what the spec's action makes them.       *)
(***************************************************************************)
EXTENDS BufCache, Sequences, TLC

CONSTANT TraceLog

VARIABLE l      \* the index of the next event to match: events 1..l-1 are matched

traceVars == <<vars, l>>

Log == TraceLog
Ev == Log[l]
IsEvent(a) == l <= Len(Log) /\ Log[l].action = a

H(n) == "h" \o ToString(n)
B(n) == "b" \o ToString(n)

Bit(f) == CASE f = "DELWRI" -> 1 [] f = "CACHE" -> 2 [] f = "INVAL" -> 4
            [] f = "LOCKED" -> 8 [] f = "ERROR" -> 16 [] f = "HASHED" -> 32
RECURSIVE Mask(_)
Mask(S) == IF S = {} THEN 0 ELSE LET f == CHOOSE x \in S : TRUE IN Bit(f) + Mask(S \ {f})

\* The flags and queue the port logged for the event's header are the spec's after the step,
\* B_ERROR aside: it is compared only where a completion logs whether it failed (biodone_*).
\* Elsewhere spec and port differ on it, harmlessly (no step reads it there; found by this
\* validation, proofs-notes/traces.md): the spec clears B_ERROR when bdwrite fills a buffer
\* and when Release destroys one; the port, as the seed (bdwrite L1061-1116, brelse
\* L1297-1318), keeps it until the next bawrite/bwrite/bread or getnewbuf's reset.
StripError(n) == IF (n \div 16) % 2 = 1 THEN n - 16 ELSE n
LoggedFlags(h, withError) ==
    IF withError THEN Mask(b_flags'[h]) = Ev.flags
    ELSE Mask(b_flags'[h] \ {"ERROR"}) = StripError(Ev.flags)
LoggedAfter(h) == LoggedFlags(h, FALSE) /\ b_qindex'[h] = Ev.queue
LoggedAfterCompletion(h) == LoggedFlags(h, TRUE) /\ b_qindex'[h] = Ev.queue

\* A process without a buffer (lock) / without a hold: the first one, so the step is deterministic.
FreeOwner == CHOOSE p \in Procs : owned[p] = NOONE
FreeHolder == CHOOSE p \in Procs : held[p] = NOONE
HasFreeOwner == \E p \in Procs : owned[p] = NOONE
HasFreeHolder == \E p \in Procs : held[p] = NOONE

\* The event's header exists in the model and the process that owns it (a client, not the kernel).
OwnerStep(Act(_)) ==
    /\ H(Ev.h) \in Hdrs /\ lockOwner[H(Ev.h)] \in Procs
    /\ Act(lockOwner[H(Ev.h)])
    /\ LoggedAfter(H(Ev.h))

TraceInit == Init /\ l = 1

MatchGetblkFound ==
    /\ IsEvent("getblk_found") /\ HasFreeOwner /\ H(Ev.h) \in Hdrs
    /\ getblk_found(FreeOwner, B(Ev.b))
    /\ owned'[FreeOwner] = H(Ev.h)
    /\ LoggedAfter(H(Ev.h))

MatchGetblkNew ==
    /\ IsEvent("getblk_new") /\ HasFreeOwner /\ H(Ev.h) \in Hdrs
    /\ getblk_new(FreeOwner, B(Ev.b), H(Ev.h))
    /\ LoggedAfter(H(Ev.h))

MatchDeallocateRefused ==
    /\ IsEvent("getnewbuf_deallocate_refused") /\ HasFreeOwner /\ H(Ev.h) \in Hdrs
    /\ getnewbuf_deallocate_refused(FreeOwner, H(Ev.h))
    /\ LoggedAfter(H(Ev.h))

MatchBread == IsEvent("bread") /\ OwnerStep(bread)

MatchDepAttach ==
    /\ IsEvent("buf_dep_attach") /\ H(Ev.h) \in Hdrs /\ lockOwner[H(Ev.h)] \in Procs
    /\ Ev.kind \in DepKinds
    /\ buf_dep_attach(lockOwner[H(Ev.h)], Ev.kind)

MatchBdwrite == IsEvent("bdwrite") /\ OwnerStep(bdwrite)
MatchBawrite == IsEvent("bawrite") /\ OwnerStep(bawrite)
MatchBwrite == IsEvent("bwrite") /\ OwnerStep(bwrite)
MatchBrelse == IsEvent("brelse") /\ OwnerStep(brelse)
MatchBqrelse == IsEvent("bqrelse") /\ OwnerStep(bqrelse)
MatchBinvalBrelse == IsEvent("binval_brelse") /\ OwnerStep(binval_brelse)

MatchRegetblk ==
    /\ IsEvent("regetblk") /\ HasFreeOwner /\ H(Ev.h) \in Hdrs
    /\ regetblk(FreeOwner, H(Ev.h))

MatchFindblkRef ==
    /\ IsEvent("findblk_ref") /\ HasFreeHolder
    /\ findblk_ref(FreeHolder, B(Ev.b))
    /\ held'[FreeHolder] = H(Ev.h)

MatchBqdrop ==
    /\ IsEvent("bqdrop") /\ \E p \in Procs : held[p] = H(Ev.h)
    /\ bqdrop(CHOOSE p \in Procs : held[p] = H(Ev.h))

MatchFlushbufqueues ==
    /\ IsEvent("flushbufqueues") /\ H(Ev.h) \in Hdrs
    /\ flushbufqueues(H(Ev.h))
    /\ LoggedAfter(H(Ev.h))

MatchBiodoneRead ==
    /\ IsEvent("biodone_read") /\ H(Ev.h) \in Hdrs
    /\ biodone_read(H(Ev.h), Ev.fail)
    /\ LoggedAfterCompletion(H(Ev.h))

MatchBiodoneWrite ==
    /\ IsEvent("biodone_write") /\ H(Ev.h) \in Hdrs
    /\ biodone_write(H(Ev.h), Ev.fail)
    /\ LoggedAfterCompletion(H(Ev.h))

TraceNext ==
    /\ \/ MatchGetblkFound
       \/ MatchGetblkNew
       \/ MatchDeallocateRefused
       \/ MatchBread
       \/ MatchDepAttach
       \/ MatchBdwrite
       \/ MatchBawrite
       \/ MatchBwrite
       \/ MatchBrelse
       \/ MatchBqrelse
       \/ MatchBinvalBrelse
       \/ MatchRegetblk
       \/ MatchFindblkRef
       \/ MatchBqdrop
       \/ MatchFlushbufqueues
       \/ MatchBiodoneRead
       \/ MatchBiodoneWrite
    /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* The trace is a behaviour of the spec: in every reachable state the next event (if any) can
\* be matched.  Given the logged values every match is deterministic, so a violation names the
\* first event that cannot be matched (Log[l]) and the state before it.
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
