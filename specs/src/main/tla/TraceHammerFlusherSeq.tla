\* SPDX-License-Identifier: BSD-3-Clause
---------------------- MODULE TraceHammerFlusherSeq ----------------------
(***************************************************************************)
(* Trace validation of the flusher's sequencing (dev.bioref.hammer.       *)
(* HammerFlusher, HammerFrontend.flushInode) against HammerFlusherSeq.tla, *)
(* the CCF / etcd way: step l matches event TraceLog[l] with the spec      *)
(* action the event names, for the client and inode it names, and the     *)
(* step's values of the logged variables must be the logged ones; the     *)
(* others (signal, groupLock, scanned, wouldBlocks, the inodes of each     *)
(* group, ...) are whatever the action makes them.  Events and where the   *)
(* port logs them: proofs-notes/traces.md, "HammerFlusherSeq".             *)
(*                                                                         *)
(* Three steps are the trace spec's, not the spec's:                      *)
(*  - Mount: hammer_flusher_create of a (re)mount starts from Init; a      *)
(*    threaded port's master starts with its flush loop (mpc "Top"), the   *)
(*    spec's Init has it asleep;                                           *)
(*  - AsyncFlg: hammer_flusher_async with a group (fsync), the spec's      *)
(*    AsyncEffect(c, s), which no client of the spec's Next calls;         *)
(*  - FlushInodeAgain: a slave syncs an inode that another slave's sync   *)
(*    returned EWOULDBLOCK for in this pass.  The seed allows it (fl:L540- *)
(*    542: "It is possible for a EWOULDBLOCK'd ip returned by one slave to *)
(*    be resynced by another"); the spec's FlushInode does not (scanned).  *)
(*    Found by this validation (two slaves, proofs-notes/traces.md);       *)
(*  - WaitReturned is not logged: a Returned client goes on (Idle) as a    *)
(*    step that matches no event.                                          *)
(***************************************************************************)
EXTENDS HammerFlusherSeq, TLC

CONSTANT TraceLog

VARIABLE l      \* the index of the next event to match: events 1..l-1 are matched

traceVars == <<vars, l>>

Log == TraceLog
Ev == Log[l]
IsEvent(a) == l <= Len(Log) /\ Log[l].action = a

TraceInit == Init /\ l = 1

\* Init, primed by hand (TLC cannot evaluate ENABLED of Init'), with the master's first pc
InitPrimed(m) ==
    /\ next' = 1 /\ done' = 0 /\ signal' = 0 /\ groups' = <<>> /\ fill' = 0 /\ groupLock' = 0
    /\ mpc' = m /\ scanned' = {} /\ wouldBlocks' = 0
    /\ cpc' = [c \in Clients |-> "Idle"] /\ ctarget' = [c \in Clients |-> 0]
    /\ cino' = [c \in Clients |-> 0] /\ cseq' = [c \in Clients |-> 0]

ClosedCount(g) == Cardinality({i \in DOMAIN g : g[i].closed})

\* hammer_flusher_async(hmp, flg) for a queued group s: an already closed group is returned
\* as is (no signal, as AsyncOne does for the head); otherwise AsyncEffect closes up to it
AsyncFlg(c, s) ==
    /\ cpc[c] = "Idle" /\ s \in GroupSeqs
    /\ IF groups[IndexOf(s)].closed
       THEN cseq' = [cseq EXCEPT ![c] = s] /\ UNCHANGED <<groups, signal, next>>
       ELSE AsyncEffect(c, s)
    /\ cpc' = [cpc EXCEPT ![c] = "Waiting"]
    /\ UNCHANGED <<done, fill, groupLock, mpc, scanned, wouldBlocks, ctarget, cino>>

\* a slave re-syncs an inode already returned EWOULDBLOCK in this pass (fl:L540-542)
FlushInodeAgain(i) ==
    /\ mpc = "Slaves"
    /\ i \in groups[1].inodes \cap scanned
    /\ \/ groups' = [groups EXCEPT ![1].inodes = @ \ {i}] /\ UNCHANGED wouldBlocks
       \/ wouldBlocks < MaxWouldBlock /\ wouldBlocks' = wouldBlocks + 1 /\ UNCHANGED groups
    /\ UNCHANGED <<next, done, signal, fill, groupLock, mpc, scanned, cpc, ctarget, cino, cseq>>

AsyncLogged == cseq'[Ev.c] = Ev.cseq /\ next' = Ev.next /\ ClosedCount(groups') = Ev.closed

Match ==
    \/ IsEvent("Mount") /\ InitPrimed(Ev.mpc)
    \/ IsEvent("AddBegin") /\ AddBegin(Ev.c, Ev.ino)
       /\ ctarget'[Ev.c] = Ev.target /\ next' = Ev.next /\ fill' = Ev.fill
    \/ IsEvent("AddEnd") /\ cino[Ev.c] = Ev.ino /\ ctarget[Ev.c] = Ev.target /\ AddEnd(Ev.c)
    \/ IsEvent("Async") /\ Async(Ev.c) /\ AsyncLogged
    \/ IsEvent("AsyncOne") /\ AsyncOne(Ev.c) /\ AsyncLogged
    \/ IsEvent("AsyncFlg") /\ AsyncFlg(Ev.c, Ev.cseq) /\ AsyncLogged
    \/ IsEvent("Wait") /\ cseq[Ev.c] = Ev.cseq /\ done = Ev.done /\ Wait(Ev.c)
    \/ IsEvent("MasterWake") /\ MasterWake
    \/ IsEvent("Flush") /\ Flush /\ done' = Ev.done /\ mpc' = Ev.mpc /\ fill' = Ev.fill
    \/ IsEvent("FlushInode") /\ (FlushInode(Ev.ino) \/ FlushInodeAgain(Ev.ino))
       /\ (Ev.ino \in groups'[1].inodes) = Ev.wouldblock
    \/ IsEvent("Finalize") /\ Finalize /\ done' = Ev.done /\ mpc' = Ev.mpc

\* a client back from wait goes on with its business (not logged)
GoOn == \E c \in Clients : WaitReturned(c) /\ UNCHANGED l

TraceNext ==
    \/ GoOn
    \/ Match /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* Given the action and the logged values each step is deterministic (GoOn only moves a
\* Returned client to Idle), so a violation names the first event that cannot be matched
\* (Log[l]) and the spec state before it.
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
