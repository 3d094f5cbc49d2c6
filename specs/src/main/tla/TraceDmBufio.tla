\* SPDX-License-Identifier: BSD-3-Clause
---------------------------- MODULE TraceDmBufio ----------------------------
(***************************************************************************)
(* Trace validation of dev.bioref.bufio.DmBufio (one client) against       *)
(* DmBufio.tla.  DmBufio is a program-counter model: an API call is a      *)
(* sequence of label steps, most of which the port passes inside one Java  *)
(* method.  So the port logs the steps that decide something a later step *)
(* cannot reconstruct (the link of a new buffer with its watermark writes, *)
(* a steal's victim, I/O completions) and the step that ENDS each call,    *)
(* and this module lets the other label steps of the calling thread run    *)
(* unlogged in between (CCF's "composed actions"): the search form.  TLC   *)
(* explores every behaviour that follows the trace; the largest l any      *)
(* reached (the "bioref-trace-matched" lines Logged prints; dev.bioref.    *)
(* trace.TraceCheck reads them) is Len(Log) when the trace is accepted,    *)
(* else the event after it is the first that no behaviour matches.        *)
(*                                                                         *)
(* Names: buffers "x0".."x<n-1>", blocks "b<n>", threads "t1".."t<n>"     *)
(* (strings: the spec compares them with its string sentinels).  The port *)
(* logs blocks, not buffers (a linked buffer is the one at its block) nor  *)
(* threads: one Java thread holding several buffers is several spec        *)
(* threads (the spec's threads hold one buffer each); a call is made by    *)
(* the spec thread that holds the buffer, or a fresh one.                  *)
(***************************************************************************)
EXTENDS DmBufio, Sequences, TLC

CONSTANT TraceLog

VARIABLE l      \* the index of the next event to match

traceVars == <<vars, l>>

Log == TraceLog
Ev == Log[l]
IsEvent(a) == l <= Len(Log) /\ Log[l].action = a

B(n) == "b" \o ToString(n)

\* the device's initial contents: traces do not log data (cfg: DiskInit <- TraceZeroDisk)
TraceZeroDisk == [b \in Blocks |-> 0]

\* the state word as the port's bit mask: READING 1, WRITING 2, DIRTY 4
Mask(s) == (IF "R" \in s THEN 1 ELSE 0) + (IF "W" \in s THEN 2 ELSE 0) + (IF "D" \in s THEN 4 ELSE 0)

\* the buffer linked at block b (one at most: NoDuplicateInv)
At(b) == CHOOSE x \in BufAt(b) : TRUE

\* device events are interleaved with a thread's call; the call's steps follow the next thread event
Device == {"CompleteRead", "CompleteWrite"}
RECURSIVE NextThreadEv(_)
NextThreadEv(i) == IF i > Len(Log) THEN 0
                   ELSE IF Log[i].action \in Device THEN NextThreadEv(i + 1) ELSE i

\* the thread in a call (the port is single-threaded: at most one), else a fresh idle thread
InCall == {t \in Threads : op[t] # NONE}
Fresh == {t \in Threads : pc[t] = Idle /\ held[t] = NONE /\ op[t] = NONE}
Caller == IF InCall # {} THEN CHOOSE t \in InCall : TRUE ELSE CHOOSE t \in Fresh : TRUE
HasCaller == InCall # {} \/ Fresh # {}
\* the thread holding the buffer at block b (any of them: they hold the same buffer)
Holders(b) == {t \in Threads : held[t] # NONE /\ blk[held[t]] = b /\ pc[t] \in {Idle, "rd_errrel"}}
Holder(b) == CHOOSE t \in Holders(b) : TRUE

\* the port takes the allocator's buffer; which one is immaterial: the first, so that steps stay
\* deterministic (buffers are interchangeable: no CHOOSE over them in DmBufio)
AllocFirst ==
    \A y \in Bufs : (where[y] \in {"free", "reserve"} /\ where'[y] = "hand")
                    => y = CHOOSE z \in Bufs : where[z] = where[y]

\* Write-back visits the DIRTY list in any order in DmBufio (a set); the trace fixes one (the
\* CHOOSE-first buffer the step may take), or TLC would explore every subset of the buffers
\* already visited.  No event is lost by it: the visits are under the mutex and touch only the
\* visited buffer, the completions a pass waits for are enabled whatever it waits on, and
\* the logged state (a completion's) is of the completed buffer only.
FirstP1(t) ==
    LET E == {x \in OnList("DIRTY") : "D" \in st[x] /\ ("W" \notin st[x] \/ writeNoWaitWriting)} IN
    \A x \in wlist'[t] \ wlist[t] : x = CHOOSE y \in E : TRUE
FirstP2(t) == \A x \in todo[t] \ todo'[t] : x = CHOOSE y \in todo[t] : TRUE

-----------------------------------------------------------------------------
(* Unlogged steps: the calling thread's label steps between its logged ones. *)
Internal(t) ==
    \/ al_nowait(t) \/ al_drop(t) \/ al_sleep(t) \/ al_relock(t) \/ al_reserve(t)
    \/ al_wait(t) \/ al_woken(t) \/ al_clean(t) \/ rd_submit(t)
    \/ (sh_clean(t) /\ pc'[t] = "sh_clean")               \* a write of the victim, not its free
    \/ (wdb_p1(t) /\ FirstP1(t)) \/ wdb_p1_end(t) \/ (wdb_submit(t) /\ op[t] = "wdb")
    \/ wdb_p2lock(t) \/ (wdb_p2(t) /\ FirstP2(t)) \/ wdb_p2wait(t) \/ wdb_p2relock(t) \/ wdb_p2waitL(t)
    \/ wdb_p2_end(t)

\* the start of the call whose logged step is the next thread event
Entry(t) ==
    LET i == NextThreadEv(l) IN
    /\ i > 0 /\ InCall = {}
    /\ LET e == Log[i] IN
       \/ e.action \in {"rd_got", "al_steal", "rd_wait"} /\ read(t, B(e.b))
       \/ e.action = "wdb_flush" /\ wdb_start(t, "wdb")
       \/ e.action = "wdb_submit" /\ wdb_start(t, "wdbasync")

Unlogged ==
    /\ l <= Len(Log) /\ HasCaller
    /\ (Internal(Caller) \/ Entry(Caller))
    /\ AllocFirst
    /\ UNCHANGED l

-----------------------------------------------------------------------------
(* Logged steps *)

\* __bufio_new back with a buffer (rd_got): linked new (the blocks its watermark check queued)
\* or found by the recheck
MatchRdGot ==
    /\ IsEvent("rd_got") /\ InCall # {}
    /\ LET t == Caller IN
       /\ op[t] = "read" /\ arg[t] = B(Ev.b)
       /\ rd_got(t)
       /\ IF Ev.found THEN pc'[t] = "rd_wait"
          ELSE /\ pc'[t] = "rd_submit"
               /\ {blk[x] : x \in wlist'[t]} = {B(q) : q \in {Ev.queued[k] : k \in DOMAIN Ev.queued}}

\* __get_unclaimed_buffer's victim
MatchAlSteal ==
    /\ IsEvent("al_steal") /\ InCall # {}
    /\ LET t == Caller IN
       /\ op[t] = "read" /\ arg[t] = B(Ev.b)
       /\ al_steal(t) /\ BufAt(B(Ev.victim)) # {} /\ cur'[t] = At(B(Ev.victim))

\* new_read's wait for READING is over: the call returns (or, after a read error, releases)
MatchRdWait ==
    /\ IsEvent("rd_wait") /\ InCall # {}
    /\ LET t == Caller IN
       /\ op[t] = "read" /\ arg[t] = B(Ev.b)
       /\ rd_wait(t)
       /\ rerr[held[t]] = ~Ev.ok

MatchRelease ==
    /\ IsEvent("release") /\ Holders(B(Ev.b)) # {}
    /\ LET t == Holder(B(Ev.b))
           x == held[t]
       IN /\ release(t)
          /\ IF Ev.freed THEN where'[x] # "linked" ELSE where'[x] = "linked" /\ hold'[x] = Ev.hold

MatchMarkDirty ==
    /\ IsEvent("mark_buffer_dirty") /\ Holders(B(Ev.b)) # {}
    /\ LET t == Holder(B(Ev.b)) IN
       /\ pc[t] = Idle
       /\ mark_buffer_dirty(t)
       /\ Mask(st'[held[t]]) = Ev.state

\* dm_bufio_forget: frees the idle clean buffer; else a no-op (no step of the spec: stutter)
MatchForget ==
    /\ IsEvent("forget") /\ InCall = {}
    /\ IF Ev.freed
       THEN \E t \in Threads : /\ t = CHOOSE u \in Threads : pc[u] = Idle /\ ~modified[u] /\ CanLock(u)
                               /\ forget(t, B(Ev.b))
       ELSE /\ ~\E x \in BufAt(B(Ev.b)) : hold[x] = 0 /\ st[x] = {}
            /\ UNCHANGED vars

\* an eviction with I/O allowed (shrink, global cleanup): the victim chosen, then (sh_clean) freed
MatchShrink ==
    /\ IsEvent("shrink") /\ InCall = {} /\ Fresh # {} /\ BufAt(B(Ev.b)) # {}
    /\ LET t == CHOOSE u \in Fresh : TRUE IN shrink(t) /\ cur'[t] = At(B(Ev.b))

MatchShClean ==
    /\ IsEvent("sh_clean") /\ InCall # {}
    /\ LET t == Caller IN
       /\ op[t] = "shrink" /\ cur[t] # NONE /\ blk[cur[t]] = B(Ev.b)
       /\ sh_clean(t) /\ pc'[t] = Idle

\* an eviction without I/O: an idle buffer with no state bit
MatchShrinkNoIo ==
    /\ IsEvent("shrink_noio") /\ InCall = {} /\ BufAt(B(Ev.b)) # {} /\ Fresh # {}
    /\ shrink_noio(CHOOSE t \in Fresh : TRUE)
    /\ where'[At(B(Ev.b))] # "linked"

\* write_dirty_buffers returns: err = it returned the latched write error
MatchWdbFlush ==
    /\ IsEvent("wdb_flush") /\ InCall # {}
    /\ LET t == Caller IN
       /\ op[t] = "wdb" /\ wdb_flush(t)
       /\ (latch # 0) = Ev.err

\* write_dirty_buffers_async returns after submitting its list
MatchWdbSubmit ==
    /\ IsEvent("wdb_submit") /\ InCall # {}
    /\ LET t == Caller IN op[t] = "wdbasync" /\ wdb_submit(t)

MatchCompleteRead ==
    /\ IsEvent("CompleteRead")
    /\ \E r \in ios : r.op = "R" /\ r.blk = B(Ev.b) /\ CompleteRead(r, Ev.ok)

\* The state word after the completion must be what the port's bit operation left, but for one
\* difference (found by this validation; harmless, see proofs-notes/traces.md): DmBufio's
\* __write_dirty_buffer steps (wdb_p1, MakeCleanWrite in al_clean/sh_clean) wait for an earlier
\* write and then clear DIRTY and take WRITING in one step; the port, as the seed (L744-760),
\* clears DIRTY first and then waits, with the mutex held.  A write completing during that wait
\* leaves DIRTY clear in the port and set in the spec; the spec's next step clears it.
WaitingToRewrite(x) ==
    \E t \in Threads : mutex = t /\ pc[t] \in {"wdb_p1", "al_clean", "sh_clean"} /\ "D" \in st[x]
MatchCompleteWrite ==
    /\ IsEvent("CompleteWrite")
    /\ \E r \in ios, late \in BOOLEAN :
         /\ r.op = "W" /\ r.blk = B(Ev.b)
         /\ CompleteWrite(r, Ev.ok, late)
         /\ \/ Mask(st'[r.buf]) = Ev.state
            \/ WaitingToRewrite(r.buf) /\ Mask(st'[r.buf] \ {"D"}) = Ev.state

Logged ==
    /\ \/ MatchRdGot \/ MatchAlSteal \/ MatchRdWait \/ MatchRelease \/ MatchMarkDirty
       \/ MatchForget \/ MatchShrink \/ MatchShClean \/ MatchShrinkNoIo \/ MatchWdbFlush \/ MatchWdbSubmit
       \/ MatchCompleteRead \/ MatchCompleteWrite
    /\ AllocFirst
    /\ l' = l + 1
    /\ PrintT(<<"bioref-trace-matched", l>>)

TraceInit ==
    \* DmBufio's Init with the reserve fixed to the first R buffers (Init's \E res \in SUBSET Bufs
    \* cannot be enumerated for a client's 32 buffers; which ones is immaterial, see AllocFirst)
    /\ LET res == {"x" \o ToString(i) : i \in 0..(R - 1)} IN
       where = [x \in Bufs |-> IF x \in res THEN "reserve" ELSE "free"]
    /\ blk = [x \in Bufs |-> NOBLK]
    /\ data = [x \in Bufs |-> 0]
    /\ st = [x \in Bufs |-> {}]
    /\ hold = [x \in Bufs |-> 0]
    /\ lmode = [x \in Bufs |-> "CLEAN"]
    /\ rerr = [x \in Bufs |-> FALSE] /\ werr = [x \in Bufs |-> FALSE]
    /\ wrange = [x \in Bufs |-> "none"]
    /\ need = 0 /\ mutex = NONE /\ sleeping = {} /\ latch = 0
    /\ ios = {} /\ wlist = [t \in Threads |-> {}]
    /\ disk = DiskInit /\ durable = DiskInit /\ view = DiskInit
    /\ pc = [t \in Threads |-> Idle] /\ op = [t \in Threads |-> NONE]
    /\ arg = [t \in Threads |-> NOBLK]
    /\ held = [t \in Threads |-> NONE] /\ hblk = [t \in Threads |-> NOBLK]
    /\ modified = [t \in Threads |-> FALSE]
    /\ cur = [t \in Threads |-> NONE] /\ pin = [t \in Threads |-> NONE]
    /\ tried = [t \in Threads |-> FALSE]
    /\ bp = [t \in Threads |-> 0] /\ todo = [t \in Threads |-> {}]
    /\ snap = [t \in Threads |-> [b \in Blocks |-> -1]]
    /\ promised = [b \in Blocks |-> -1]
    /\ unreported = FALSE
    /\ nextVal = 1
    /\ opsDone = 0 /\ errors = 0 /\ crashes = 0
    \* a part that starts with an Init event (a client created, or re-created after a crash or a
    \* reopen) starts from this state after it: the spec's Crash leads to it but for the disk
    \* contents, which traces do not log
    /\ l = IF Len(Log) > 0 /\ Log[1].action = "Init" THEN 2 ELSE 1

TraceNext == Logged \/ Unlogged

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* The search form (dev.bioref.trace.TraceCheck.SEARCH_FORM): TLC explores every behaviour that
\* follows the trace, with no invariant; the largest l printed by Logged tells how far one got.
TraceSearchForm == TRUE
\* For a manual TLC run: violated when some behaviour matched every event.
TraceUnfinishedInv == l <= Len(Log)
=============================================================================
