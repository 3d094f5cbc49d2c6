\* SPDX-License-Identifier: BSD-3-Clause
------------------------------- MODULE DmBufio -------------------------------
(***************************************************************************)
(* Classic dm-bufio (one mutex per client; seed 004, dm-bufio.c, Linux     *)
(* ~5.19) as modelled for dev.bioref.bufio.  A behavioural model written   *)
(* from shared/reference/dm_bufio.md; no C text.  Seed line numbers (Lnnn) *)
(* are references for behaviour only.                                      *)
(*                                                                         *)
(* What is modelled                                                        *)
(*  - buffers: where (free / reserve / hand / linked), block, data (one    *)
(*    version number), state bits R(EADING) W(RITING) D(IRTY), hold count, *)
(*    LRU list (CLEAN/DIRTY, as a set: any order, a superset of the        *)
(*    seed's tail-first walks), read_error / write_error;                  *)
(*  - the client mutex, taken as its own step wherever the seed then waits *)
(*    or drops it; every lock-drop point of notes 5 is a label (pc):       *)
(*    the sleeping allocation, __wait_for_free_buffer, new_read's submit   *)
(*    and wait, write_dirty_buffers between passes and at each pass-2 pin; *)
(*  - the allocation chain of __alloc_buffer_wait (L862-927): non-blocking *)
(*    try, sleeping try with the lock dropped (once), reserve, steal       *)
(*    (__get_unclaimed_buffer + __make_buffer_clean, waiting for I/O with  *)
(*    the mutex held), wait for a free buffer (lock dropped, woken by      *)
(*    release / free / write_dirty_buffers);                               *)
(*  - the recheck after allocation (L1007), the watermark writes (L973),   *)
(*    write-back in two passes with the pin and the saturating counter     *)
(*    (L1266-1335), the first-async-error latch (L722, L1329), FLUSH;      *)
(*  - the shrinker's eviction with and without the may-do-I/O flag         *)
(*    (__try_evict_buffer, L1620-1637), forget (L1476), get (L1112),       *)
(*    prefetch (L1137), release (L1183), mark dirty (L1213),               *)
(*    release_move (L1398-1459, optional), I/O completion (read_endio,     *)
(*    write_endio: no mutex, clear one bit), and a crash of the machine.   *)
(*                                                                         *)
(* Client protocol (notes 8.7, I14): a holder modifies, then marks dirty,  *)
(* before it releases; dm_bufio_new is not modelled (it hands out          *)
(* undefined data, notes 8.6).  Partial dirty ranges are not modelled:     *)
(* every mark is whole-block; the write range only distinguishes "never   *)
(* set since link" (release_move's quirk 8.1) from "set".                  *)
(*                                                                         *)
(* Mutation switches (FALSE = the seed / the port); names shared with the  *)
(* Java port dev.bioref.bufio and proofs-notes/mutants.md:                 *)
(*  M1 completionClearsDirty  write_endio also clears DIRTY (BSD style)    *)
(*  M2 noRecheckAfterAlloc    no tree recheck after the allocation that    *)
(*                            may have dropped the mutex (L1007)           *)
(*  M3 noPinInPass2           pass 2 waits unlocked without hold++ (L1292) *)
(*  M4 stealIgnoresHold       __get_unclaimed_buffer takes a held buffer   *)
(*  M5 writeNoWaitWriting     __write_dirty_buffer does not wait for an    *)
(*                            earlier write of the buffer (L750)           *)
(*  M6 nonAtomicDirtyClear    write_endio updates the state word by a      *)
(*                            plain read-then-write, so a DIRTY set in     *)
(*                            between is lost                              *)
(*  M7 lockWithPendingWrites  write_dirty_buffers takes the mutex for pass *)
(*                            2 before submitting pass 1's write list      *)
(*  M8 moveStaleRange         release_move's copy write uses the stale     *)
(*                            write range instead of the whole block       *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS
    Bufs,        \* buffer memory (model values): every buffer the client can ever have
    R,           \* reserved buffers (dm_bufio_client_create's `reserved`), 0..|Bufs|
    Blocks,      \* block numbers (model values)
    Threads,     \* client threads (model values)
    DiskInit,    \* [Blocks -> Nat]: the device's initial contents (versions)
    MaxWrites,   \* the largest version: Modify steps take DiskInit max + 1 .. MaxWrites
    MaxOps,      \* bound on API calls started, over all threads (makes runs finite)
    MaxErrors,   \* bound on failed I/O completions (0 = the device never fails)
    MaxCrashes,  \* bound on crashes
    Ops,         \* the API calls threads may make (a subset of AllOps)
    completionClearsDirty, noRecheckAfterAlloc, noPinInPass2, stealIgnoresHold,
    writeNoWaitWriting, nonAtomicDirtyClear, lockWithPendingWrites, moveStaleRange

AllOps == {"read", "get", "prefetch", "forget", "wdb", "wdbasync", "shrink", "shrinkNoIo", "move"}

ASSUME R \in 0..Cardinality(Bufs)
ASSUME Ops \subseteq AllOps
ASSUME DiskInit \in [Blocks -> Nat]

NONE == "none"
NOBLK == "noblk"
Vals == 0..MaxWrites
Bits == {"R", "W", "D"}
Idle == "idle"

VARIABLES
    \* ---- buffers (struct dm_buffer) ----
    where,      \* x -> "free" | "reserve" | "hand" (allocated, unlinked) | "linked" (tree + lru)
    blk,        \* x -> block number, NOBLK unless linked
    data,       \* x -> the version the buffer's data holds
    st,         \* x -> subset of Bits (the state word; atomic bitops)
    hold,       \* x -> hold_count (changed only under the mutex)
    lmode,      \* x -> "CLEAN" | "DIRTY": the LRU list (list_mode)
    rerr,       \* x -> read_error # 0
    werr,       \* x -> write_error # 0
    wrange,     \* x -> "none" | "set": write_start/write_end never set since link, or set
    \* ---- client (struct dm_bufio_client) ----
    need,       \* need_reserved_buffers
    mutex,      \* c->lock: its owner thread or NONE
    sleeping,   \* threads queued on free_buffer_wait (woken all at once)
    latch,      \* async_write_error: 0 or 1 (an errno)
    \* ---- I/O ----
    ios,        \* set of I/O records in flight (submitted, not completed)
    wlist,      \* t -> buffers on t's unsubmitted write_list
    disk,       \* block -> version the device returns (its volatile cache included)
    durable,    \* block -> version that survives a crash
    \* ---- threads ----
    pc,         \* t -> label
    op,         \* t -> the API call t is in, NONE when idle
    arg,        \* t -> its block argument
    held,       \* t -> the buffer t holds as a client (after read/get), or NONE
    hblk,       \* t -> the block t asked for when it got held[t]
    modified,   \* t -> t modified held[t] and has not yet marked it dirty
    cur,        \* t -> the buffer t is working on: allocated, victim, or waited for
    pin,        \* t -> a buffer t holds internally (pass-2 pin, prefetch, release_move copy)
    tried,      \* t -> the sleeping allocation was tried in this allocation
    bp,         \* t -> buffers_processed of pass 2
    todo,       \* t -> buffers pass 2 still has to visit in this walk
    snap,       \* t -> [Blocks -> Vals \cup {-1}]: view of the dirty/writing blocks at pass-1 start
    \* ---- ghosts ----
    view,       \* block -> the version clients last marked dirty or read (the expected contents)
    promised,   \* block -> largest version some write_dirty_buffers returned 0 for (-1 none)
    unreported, \* a write failed and no write_dirty_buffers has returned an error since
    nextVal,    \* next fresh version
    opsDone, errors, crashes

bufVars == <<where, blk, data, st, hold, lmode, rerr, werr, wrange>>
cliVars == <<need, mutex, sleeping, latch>>
ioVars == <<ios, wlist, disk, durable>>
thrVars == <<pc, op, arg, held, hblk, modified, cur, pin, tried, bp, todo, snap>>
ghostVars == <<view, promised, unreported, nextVal, opsDone, errors, crashes>>
vars == <<bufVars, cliVars, ioVars, thrVars, ghostVars>>

-----------------------------------------------------------------------------
(* Helpers *)

Linked == {x \in Bufs : where[x] = "linked"}
Free == {x \in Bufs : where[x] = "free"}
Reserve == {x \in Bufs : where[x] = "reserve"}
BufAt(b) == {x \in Linked : blk[x] = b}
OnList(m) == {x \in Linked : lmode[x] = m}
NDirty == Cardinality(OnList("DIRTY"))
NClean == Cardinality(OnList("CLEAN"))
\* every reference a thread has on a buffer: its client hold, an internal pin
Refs(t) == {held[t], pin[t]} \ {NONE}
RefHolders(x) == {t \in Threads : x \in Refs(t)}
\* lock-holding API steps need the mutex free and, by the no-self-deadlock rule (notes 5),
\* no unsubmitted write list of the caller's own (lockWithPendingWrites breaks the rule in pass 2)
CanLock(t) == mutex = NONE /\ wlist[t] = {}

\* The list a relink puts x on (__relink_lru after a hit, L1044-1046; lazy fix-up L954-957)
ListFor(s) == IF s \cap {"D", "W"} # {} THEN "DIRTY" ELSE "CLEAN"

\* writes queued or in flight for buffer x / I/O in flight for block b
NWrites(x) == Cardinality({r \in ios : r.op = "W" /\ r.buf = x}) + Cardinality({t \in Threads : x \in wlist[t]})
IosFor(b) == {r \in ios : r.blk = b}

\* A write record: data as at submission (the device may copy later, see CompleteWrite)
WriteRec(x, b, copy) ==
    [op |-> "W", buf |-> x, blk |-> b, val |-> data[x], copy |-> copy,
     full |-> (copy /\ ~moveStaleRange) \/ wrange[x] = "set" \/ ~copy,
     n |-> NWrites(x), ph |-> 1, cst |-> {}]
ReadRec(x, b) ==
    [op |-> "R", buf |-> x, blk |-> b, val |-> 0, copy |-> FALSE, full |-> TRUE,
     n |-> 0, ph |-> 1, cst |-> {}]

\* the buffer record of a free / unlinked buffer (fields re-initialised when linked)
Unlinked(x, w) ==
    /\ where' = [where EXCEPT ![x] = w]
    /\ blk' = [blk EXCEPT ![x] = NOBLK]
    /\ data' = [data EXCEPT ![x] = 0]
    /\ hold' = [hold EXCEPT ![x] = 0]
    /\ lmode' = [lmode EXCEPT ![x] = "CLEAN"]
    /\ rerr' = [rerr EXCEPT ![x] = FALSE]
    /\ werr' = [werr EXCEPT ![x] = FALSE]
    /\ wrange' = [wrange EXCEPT ![x] = "none"]

\* __unlink_buffer + __free_buffer_wake (L520-531, L932-944): refill the reserve first; always wake.
\* st is left as it is: DirtyNeverDroppedInv checks it is empty for every unlinked buffer.
FreeBufferWake(x) ==
    /\ Unlinked(x, IF need > 0 THEN "reserve" ELSE "free")
    /\ need' = IF need > 0 THEN need - 1 ELSE need
    /\ sleeping' = {}

\* __check_watermark (L973-978) + __write_dirty_buffers_async(no_wait=1) (L946-966) run by
\* thread t while it creates buffer y for block b (__bufio_new, L1013-1026): when n_dirty >
\* 3 * n_clean, the DIRTY-list buffers that are DIRTY and not WRITING start their writes onto t's
\* write list (all of them, or any subset when a WRITING buffer may stop the scan first) and the
\* lagging clean ones go back to CLEAN.  Then y is linked at b on CLEAN, READING, held once.
LinkNew(t, y, b) ==
    LET trig == NDirty > 3 * NClean
        elig == {x \in OnList("DIRTY") : "D" \in st[x] /\ "W" \notin st[x]}
        lag == {x \in OnList("DIRTY") : st[x] = {}}
        stops == \E x \in OnList("DIRTY") : "W" \in st[x]
    IN \E S \in SUBSET elig :
         /\ IF trig THEN (stops \/ S = elig) ELSE S = {}
         /\ st' = [x \in Bufs |-> IF x = y THEN {"R"}
                                  ELSE IF x \in S THEN (st[x] \ {"D"}) \cup {"W"} ELSE st[x]]
         /\ wrange' = [x \in Bufs |-> IF x = y THEN "none" ELSE IF x \in S THEN "set" ELSE wrange[x]]
         /\ wlist' = [wlist EXCEPT ![t] = @ \cup S]
         /\ lmode' = [x \in Bufs |-> IF x = y \/ (trig /\ x \in lag) THEN "CLEAN" ELSE lmode[x]]
         /\ where' = [where EXCEPT ![y] = "linked"]
         /\ blk' = [blk EXCEPT ![y] = b]
         /\ hold' = [hold EXCEPT ![y] = 1]
         /\ rerr' = [rerr EXCEPT ![y] = FALSE]
         /\ werr' = [werr EXCEPT ![y] = FALSE]

\* __free_buffer_wake of a buffer in hand (already unlinked and re-initialised)
FreeHandBuffer(y) ==
    /\ where' = [where EXCEPT ![y] = IF need > 0 THEN "reserve" ELSE "free"]
    /\ need' = IF need > 0 THEN need - 1 ELSE need
    /\ sleeping' = {}

Max(a, b) == IF a >= b THEN a ELSE b

-----------------------------------------------------------------------------
TypeOK ==
    /\ where \in [Bufs -> {"free", "reserve", "hand", "linked"}]
    /\ blk \in [Bufs -> Blocks \cup {NOBLK}]
    /\ data \in [Bufs -> Vals]
    /\ st \in [Bufs -> SUBSET Bits]
    /\ hold \in [Bufs -> Nat]
    /\ lmode \in [Bufs -> {"CLEAN", "DIRTY"}]
    /\ rerr \in [Bufs -> BOOLEAN] /\ werr \in [Bufs -> BOOLEAN]
    /\ wrange \in [Bufs -> {"none", "set"}]
    /\ need \in 0..R
    /\ mutex \in Threads \cup {NONE}
    /\ sleeping \subseteq Threads
    /\ latch \in {0, 1}
    /\ wlist \in [Threads -> SUBSET Bufs]
    /\ disk \in [Blocks -> Vals] /\ durable \in [Blocks -> Vals] /\ view \in [Blocks -> Vals]
    /\ held \in [Threads -> Bufs \cup {NONE}] /\ pin \in [Threads -> Bufs \cup {NONE}]
    /\ cur \in [Threads -> Bufs \cup {NONE}]
    /\ modified \in [Threads -> BOOLEAN] /\ tried \in [Threads -> BOOLEAN]
    /\ bp \in [Threads -> Nat] /\ todo \in [Threads -> SUBSET Bufs]
    /\ promised \in [Blocks -> Vals \cup {-1}]
    /\ unreported \in BOOLEAN

Init ==
    \* dm_bufio_client_create: `reserved` buffers preallocated on the reserve list (L1792-1800)
    /\ \E res \in SUBSET Bufs :
         /\ Cardinality(res) = R
         /\ where = [x \in Bufs |-> IF x \in res THEN "reserve" ELSE "free"]
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
    /\ nextVal = 1 + Max(0, CHOOSE v \in {DiskInit[b] : b \in Blocks} :
                                \A w \in {DiskInit[b] : b \in Blocks} : v >= w)
    /\ opsDone = 0 /\ errors = 0 /\ crashes = 0

-----------------------------------------------------------------------------
(* Starting an API call (thread t idle).  A thread holds at most one buffer as a
   client (MaxHoldPerThread = 1 of notes 9a); while it holds one it may still write back,
   shrink, forget, or move its buffer. *)
Begin(t, o, b) ==
    /\ pc[t] = Idle /\ o \in Ops /\ opsDone < MaxOps /\ ~modified[t]
    /\ opsDone' = opsDone + 1
    /\ op' = [op EXCEPT ![t] = o]
    /\ arg' = [arg EXCEPT ![t] = b]

Finish(t) ==
    /\ pc' = [pc EXCEPT ![t] = Idle]
    /\ op' = [op EXCEPT ![t] = NONE]
    /\ arg' = [arg EXCEPT ![t] = NOBLK]

-----------------------------------------------------------------------------
(* dm_bufio_read → new_read → __bufio_new(NF_READ) (L1073-1110, L984-1048).  Taking the mutex
   and the tree lookup are one step (nothing else is observable in between). *)

\* the found path of __bufio_new (L1027-1048): hold++, LRU promote, unlock; new_read then waits for READING
FoundPath(t, x, b) ==
    /\ hold' = [hold EXCEPT ![x] = @ + 1]
    /\ lmode' = [lmode EXCEPT ![x] = ListFor(st[x])]
    /\ held' = [held EXCEPT ![t] = x]
    /\ hblk' = [hblk EXCEPT ![t] = b]
    /\ mutex' = NONE
    /\ pc' = [pc EXCEPT ![t] = "rd_wait"]

read(t, b) ==
    /\ held[t] = NONE /\ CanLock(t)
    /\ Begin(t, "read", b)
    /\ IF BufAt(b) # {}
       THEN \E x \in BufAt(b) :
              /\ FoundPath(t, x, b)
              /\ UNCHANGED <<where, blk, data, st, rerr, werr, wrange, need, sleeping, latch,
                             ioVars, modified, cur, pin, tried, bp, todo, snap, view, promised,
                             unreported, nextVal, errors, crashes>>
       ELSE /\ mutex' = t
            /\ pc' = [pc EXCEPT ![t] = "al_try"]
            /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, held, hblk, modified, cur, pin,
                           tried, bp, todo, snap, view, promised, unreported, nextVal, errors,
                           crashes>>

(* __alloc_buffer_wait_no_callback (L862-914), with the mutex held at al_try *)
AllocUnchanged == UNCHANGED <<blk, data, st, hold, lmode, rerr, werr, wrange, latch, ioVars,
                              op, arg, held, hblk, modified, pin, bp, todo, snap, ghostVars>>

\* 1. non-blocking allocation with the lock held (L881-885): may fail while memory is free
al_nowait(t) ==
    /\ pc[t] = "al_try" /\ mutex = t
    /\ \E y \in Free :
         /\ where' = [where EXCEPT ![y] = "hand"]
         /\ cur' = [cur EXCEPT ![t] = y]
         /\ pc' = [pc EXCEPT ![t] = "rd_got"]
    /\ UNCHANGED <<need, mutex, sleeping, tried>>
    /\ AllocUnchanged

\* 3. the non-blocking try failed: drop the lock for a sleeping (GFP_NOIO) allocation, once (L890-897)
al_drop(t) ==
    /\ pc[t] = "al_try" /\ mutex = t /\ ~tried[t]
    /\ mutex' = NONE
    /\ tried' = [tried EXCEPT ![t] = TRUE]
    /\ pc' = [pc EXCEPT ![t] = "al_sleep"]
    /\ UNCHANGED <<where, need, sleeping, cur>>
    /\ AllocUnchanged

\* the sleeping allocation itself, without the mutex: succeeds iff memory is free
al_sleep(t) ==
    /\ pc[t] = "al_sleep"
    /\ IF Free # {}
       THEN \E y \in Free :
              /\ where' = [where EXCEPT ![y] = "hand"]
              /\ cur' = [cur EXCEPT ![t] = y]
       ELSE UNCHANGED <<where, cur>>
    /\ pc' = [pc EXCEPT ![t] = "al_relock"]
    /\ UNCHANGED <<need, mutex, sleeping, tried>>
    /\ AllocUnchanged

\* retake the mutex after the sleeping allocation or after a wakeup
al_relock(t) ==
    /\ pc[t] = "al_relock" /\ CanLock(t)
    /\ mutex' = t
    /\ pc' = [pc EXCEPT ![t] = IF cur[t] # NONE THEN "rd_got" ELSE "al_try"]
    /\ UNCHANGED <<where, need, sleeping, cur, tried>>
    /\ AllocUnchanged

\* 4. the reserve (L899-906): only after both allocation attempts failed
al_reserve(t) ==
    /\ pc[t] = "al_try" /\ mutex = t /\ tried[t] /\ Free = {}
    /\ \E y \in Reserve :
         /\ where' = [where EXCEPT ![y] = "hand"]
         /\ cur' = [cur EXCEPT ![t] = y]
    /\ need' = need + 1
    /\ pc' = [pc EXCEPT ![t] = "rd_got"]
    /\ UNCHANGED <<mutex, sleeping, tried>>
    /\ AllocUnchanged

\* 5. __get_unclaimed_buffer (L797-825): an unheld linked buffer (stealIgnoresHold: any)
StealCandidates == {x \in Linked : hold[x] = 0 \/ stealIgnoresHold}
al_steal(t) ==
    /\ pc[t] = "al_try" /\ mutex = t /\ tried[t] /\ Free = {} /\ Reserve = {}
    /\ \E x \in StealCandidates :
         /\ cur' = [cur EXCEPT ![t] = x]
         /\ pc' = [pc EXCEPT ![t] = "al_clean"]
    /\ UNCHANGED <<where, need, mutex, sleeping, tried>>
    /\ AllocUnchanged

\* 6. __wait_for_free_buffer (L834-847): queue, drop the lock, sleep until woken
al_wait(t) ==
    /\ pc[t] = "al_try" /\ mutex = t /\ tried[t] /\ Free = {} /\ Reserve = {}
    /\ StealCandidates = {}
    /\ sleeping' = sleeping \cup {t}
    /\ mutex' = NONE
    /\ pc' = [pc EXCEPT ![t] = "al_wfb"]
    /\ UNCHANGED <<where, need, cur, tried>>
    /\ AllocUnchanged

al_woken(t) ==
    /\ pc[t] = "al_wfb" /\ t \notin sleeping
    /\ pc' = [pc EXCEPT ![t] = "al_relock"]
    /\ UNCHANGED <<bufVars, cliVars, ioVars, op, arg, held, hblk, modified, cur, pin, tried, bp,
                   todo, snap, ghostVars>>

(* __make_buffer_clean (L781-791) on victim x with the mutex held: wait for READING, start the
   write of a DIRTY buffer now (__write_dirty_buffer with no list: submitted under the mutex,
   after waiting for an earlier write unless writeNoWaitWriting), wait for WRITING.  A step is
   enabled only when it can progress; the waits are the states where it is not. *)
MakeCleanWrite(t, x) ==
    /\ "D" \in st[x] /\ "R" \notin st[x]
    /\ "W" \notin st[x] \/ writeNoWaitWriting
    /\ st' = [st EXCEPT ![x] = (@ \ {"D"}) \cup {"W"}]
    /\ wrange' = [wrange EXCEPT ![x] = "set"]
    /\ ios' = ios \cup {WriteRec(x, blk[x], FALSE)}
    /\ UNCHANGED <<where, blk, data, hold, lmode, rerr, werr, cliVars, wlist, disk, durable,
                   thrVars, ghostVars>>

al_clean(t) ==
    /\ pc[t] = "al_clean" /\ mutex = t
    /\ LET x == cur[t] IN
       \/ MakeCleanWrite(t, x)
       \/ /\ st[x] = {}
          \* the buffer is clean and idle: unlink it, it is now in t's hand (L806-807, L817-818)
          /\ Unlinked(x, "hand")
          /\ pc' = [pc EXCEPT ![t] = "rd_got"]
          /\ UNCHANGED <<st, cliVars, ioVars, op, arg, held, hblk, modified, cur, pin, tried, bp,
                         todo, snap, ghostVars>>

(* Back in __bufio_new with a buffer in hand (L1005-1026): recheck the tree (the allocation may
   have dropped the mutex); link a new buffer READING, held once, after the watermark check. *)
rd_got(t) ==
    /\ pc[t] = "rd_got" /\ mutex = t
    /\ tried' = [tried EXCEPT ![t] = FALSE]
    /\ LET y == cur[t] IN
       IF BufAt(arg[t]) # {} /\ ~noRecheckAfterAlloc
       THEN \E x \in BufAt(arg[t]) :
              /\ FreeHandBuffer(y)
              /\ FoundPath(t, x, arg[t])
              /\ cur' = [cur EXCEPT ![t] = NONE]
              /\ UNCHANGED <<blk, data, st, rerr, werr, wrange, latch, ioVars, op, arg, modified,
                             pin, bp, todo, snap, ghostVars>>
       ELSE /\ LinkNew(t, y, arg[t])
            /\ held' = [held EXCEPT ![t] = y]
            /\ hblk' = [hblk EXCEPT ![t] = arg[t]]
            /\ cur' = [cur EXCEPT ![t] = NONE]
            /\ mutex' = NONE
            /\ pc' = [pc EXCEPT ![t] = "rd_submit"]
            /\ UNCHANGED <<data, need, sleeping, latch, ios, disk, durable, op, arg, modified,
                           pin, bp, todo, snap, ghostVars>>

\* new_read after unlocking (L1087-1097): submit the watermark writes, then the read
rd_submit(t) ==
    /\ pc[t] = "rd_submit"
    /\ ios' = ios \cup {WriteRec(x, blk[x], FALSE) : x \in wlist[t]}
                  \cup {ReadRec(held[t], blk[held[t]])}
    /\ wlist' = [wlist EXCEPT ![t] = {}]
    /\ pc' = [pc EXCEPT ![t] = "rd_wait"]
    /\ UNCHANGED <<bufVars, cliVars, disk, durable, op, arg, held, hblk, modified, cur, pin,
                   tried, bp, todo, snap, ghostVars>>

\* wait for READING to clear (a bit wait, no mutex); a read error makes new_read release and fail
rd_wait(t) ==
    /\ pc[t] = "rd_wait" /\ "R" \notin st[held[t]]
    /\ IF rerr[held[t]]
       THEN /\ pc' = [pc EXCEPT ![t] = "rd_errrel"] /\ UNCHANGED <<op, arg>>
       ELSE Finish(t)
    /\ UNCHANGED <<bufVars, cliVars, ioVars, held, hblk, modified, cur, pin, tried, bp, todo,
                   snap, ghostVars>>

-----------------------------------------------------------------------------
(* dm_bufio_release (L1183-1210), by the client or internally: hold--; at 0 wake the free-buffer
   waiters, and free a buffer that carries an error and has no state bits. *)
ReleaseBuf(x) ==
    /\ hold[x] > 0
    /\ IF hold[x] = 1 /\ (rerr[x] \/ werr[x]) /\ st[x] = {}
       THEN /\ FreeBufferWake(x)
       ELSE /\ hold' = [hold EXCEPT ![x] = @ - 1]
            /\ sleeping' = IF hold[x] = 1 THEN {} ELSE sleeping
            /\ UNCHANGED <<where, blk, data, lmode, rerr, werr, wrange, need>>

release(t) ==
    /\ pc[t] \in {Idle, "rd_errrel"} /\ held[t] # NONE /\ ~modified[t] /\ CanLock(t)
    /\ ReleaseBuf(held[t])
    /\ held' = [held EXCEPT ![t] = NONE]
    /\ hblk' = [hblk EXCEPT ![t] = NOBLK]
    /\ IF pc[t] = "rd_errrel" THEN Finish(t) ELSE UNCHANGED <<pc, op, arg>>
    /\ UNCHANGED <<st, mutex, latch, ioVars, modified, cur, pin, tried, bp, todo, snap, ghostVars>>

\* The holder changes the data (no lock: the data belong to the holders)
Modify(t) ==
    /\ pc[t] = Idle /\ held[t] # NONE /\ nextVal <= MaxWrites
    /\ data' = [data EXCEPT ![held[t]] = nextVal]
    /\ nextVal' = nextVal + 1
    /\ modified' = [modified EXCEPT ![t] = TRUE]
    /\ UNCHANGED <<where, blk, st, hold, lmode, rerr, werr, wrange, cliVars, ioVars, pc, op, arg,
                   held, hblk, cur, pin, tried, bp, todo, snap, view, promised, unreported,
                   opsDone, errors, crashes>>

(* dm_bufio_mark_buffer_dirty (L1213-1243) under the mutex: test-and-set DIRTY, relink to the
   DIRTY list when it was clear.  The client's modification is now what the block should hold. *)
mark_buffer_dirty(t) ==
    /\ pc[t] = Idle /\ held[t] # NONE /\ CanLock(t)
    /\ LET x == held[t] IN
       /\ "R" \notin st[x]
       /\ st' = [st EXCEPT ![x] = @ \cup {"D"}]
       /\ lmode' = [lmode EXCEPT ![x] = "DIRTY"]
       /\ view' = [view EXCEPT ![blk[x]] = data[x]]
    /\ modified' = [modified EXCEPT ![t] = FALSE]
    /\ UNCHANGED <<where, blk, data, hold, rerr, werr, wrange, cliVars, ioVars, pc, op, arg, held,
                   hblk, cur, pin, tried, bp, todo, snap, promised, unreported, nextVal, opsDone,
                   errors, crashes>>

-----------------------------------------------------------------------------
(* dm_bufio_get (L1112-1116): the mutex only, never a wait for I/O.  A READING buffer gives NULL;
   a buffer carrying a read error gives ERR_PTR after a release. *)
get(t, b) ==
    /\ held[t] = NONE /\ CanLock(t)
    \* Begin's guard and count only: get is one step, so op and arg stay NONE (Begin's op' would
    \* contradict the op' = op below; until 2026-12-07 that made get unreachable, bufio-spec.md)
    /\ pc[t] = Idle /\ "get" \in Ops /\ opsDone < MaxOps /\ ~modified[t]
    /\ opsDone' = opsDone + 1
    /\ \E x \in BufAt(b) :
         /\ "R" \notin st[x]
         /\ IF ~rerr[x]
            THEN /\ hold' = [hold EXCEPT ![x] = @ + 1]
                 /\ lmode' = [lmode EXCEPT ![x] = ListFor(st[x])]
                 /\ held' = [held EXCEPT ![t] = x]
                 /\ hblk' = [hblk EXCEPT ![t] = b]
                 /\ UNCHANGED <<where, blk, data, rerr, werr, wrange, need, sleeping>>
            ELSE \* hold, then release: an unheld idle buffer carrying a read error is freed
                 /\ hold[x] = 0 /\ st[x] = {}
                 /\ FreeBufferWake(x)
                 /\ UNCHANGED <<held, hblk>>
    /\ op' = op /\ arg' = arg   \* one step: the call is over
    /\ UNCHANGED <<st, mutex, latch, ioVars, pc, modified, cur, pin, tried, bp, todo, snap, view,
                   promised, unreported, nextVal, errors, crashes>>

(* dm_bufio_forget (L1476-1487): free the block's buffer if it is unheld and idle; else a no-op. *)
forget(t, b) ==
    /\ pc[t] = Idle /\ "forget" \in Ops /\ opsDone < MaxOps /\ ~modified[t] /\ CanLock(t)
    /\ \E x \in BufAt(b) :
         /\ hold[x] = 0 /\ st[x] = {}
         /\ FreeBufferWake(x)
    /\ opsDone' = opsDone + 1
    /\ UNCHANGED <<st, mutex, latch, ioVars, thrVars, view, promised, unreported, nextVal, errors,
                   crashes>>

(* dm_bufio_prefetch (L1137-1180) of one block: create it READING without waiting for memory,
   unlock, submit the watermark writes and the read, release it while still READING. *)
pf_create(t, b) ==
    /\ pc[t] = Idle /\ "prefetch" \in Ops /\ opsDone < MaxOps /\ ~modified[t] /\ CanLock(t)
    /\ BufAt(b) = {}
    /\ \E y \in Free :
         /\ LinkNew(t, y, b)
         /\ pin' = [pin EXCEPT ![t] = y]
    /\ opsDone' = opsDone + 1
    /\ op' = [op EXCEPT ![t] = "prefetch"]
    /\ arg' = [arg EXCEPT ![t] = b]
    /\ pc' = [pc EXCEPT ![t] = "pf_submit"]
    /\ UNCHANGED <<data, cliVars, ios, disk, durable, held, hblk, modified, cur, tried,
                   bp, todo, snap, view, promised, unreported, nextVal, errors, crashes>>

pf_submit(t) ==
    /\ pc[t] = "pf_submit"
    /\ ios' = ios \cup {WriteRec(x, blk[x], FALSE) : x \in wlist[t]} \cup {ReadRec(pin[t], arg[t])}
    /\ wlist' = [wlist EXCEPT ![t] = {}]
    /\ pc' = [pc EXCEPT ![t] = "pf_release"]
    /\ UNCHANGED <<bufVars, cliVars, disk, durable, op, arg, held, hblk, modified, cur, pin,
                   tried, bp, todo, snap, ghostVars>>

pf_release(t) ==
    /\ pc[t] = "pf_release" /\ CanLock(t)
    /\ ReleaseBuf(pin[t])
    /\ pin' = [pin EXCEPT ![t] = NONE]
    /\ Finish(t)
    /\ UNCHANGED <<st, mutex, latch, ioVars, held, hblk, modified, cur, tried, bp, todo, snap,
                   ghostVars>>

-----------------------------------------------------------------------------
(* The shrinker's work (__scan, L1649-1671) evicting one buffer with __try_evict_buffer
   (L1620-1637).  Without the may-do-I/O flag it refuses a buffer with any state bit;
   with it, __make_buffer_clean may write and wait with the mutex held. *)
shrink_noio(t) ==
    /\ pc[t] = Idle /\ "shrinkNoIo" \in Ops /\ opsDone < MaxOps /\ ~modified[t] /\ CanLock(t)
    /\ \E x \in Linked :
         /\ hold[x] = 0 /\ st[x] = {}
         /\ FreeBufferWake(x)
    /\ opsDone' = opsDone + 1
    /\ UNCHANGED <<st, mutex, latch, ioVars, thrVars, view, promised, unreported, nextVal, errors,
                   crashes>>

shrink(t) ==
    /\ CanLock(t)
    /\ Begin(t, "shrink", NOBLK)
    /\ \E x \in Linked :
         /\ hold[x] = 0
         /\ mutex' = t
         /\ cur' = [cur EXCEPT ![t] = x]
         /\ pc' = [pc EXCEPT ![t] = "sh_clean"]
    /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, held, hblk, modified, pin, tried, bp,
                   todo, snap, view, promised, unreported, nextVal, errors, crashes>>

sh_clean(t) ==
    /\ pc[t] = "sh_clean" /\ mutex = t
    /\ LET x == cur[t] IN
       \/ MakeCleanWrite(t, x)
       \/ /\ st[x] = {}
          /\ FreeBufferWake(x)
          /\ mutex' = NONE
          /\ cur' = [cur EXCEPT ![t] = NONE]
          /\ Finish(t)
          /\ UNCHANGED <<st, latch, ioVars, held, hblk, modified, pin, tried, bp, todo, snap,
                         ghostVars>>

-----------------------------------------------------------------------------
(* dm_bufio_write_dirty_buffers (L1266-1335); dm_bufio_write_dirty_buffers_async (L1246-1256)
   is its pass 1 alone. *)

\* lock; record what a 0 return must make durable (the ghost of FlushDurabilityInv)
wdb_start(t, o) ==
    /\ CanLock(t)
    /\ Begin(t, o, NOBLK)
    /\ mutex' = t
    /\ snap' = IF o = "wdb"
               THEN [snap EXCEPT ![t] =
                       [b \in Blocks |-> IF \E x \in BufAt(b) : st[x] \cap {"D", "W"} # {}
                                         THEN view[b] ELSE -1]]
               ELSE snap
    /\ bp' = [bp EXCEPT ![t] = 0]
    /\ pc' = [pc EXCEPT ![t] = "wdb_p1"]
    /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, held, hblk, modified, cur,
                   pin, tried, todo, view, promised, unreported, nextVal, errors, crashes>>

\* pass 1, one buffer (__write_dirty_buffers_async(no_wait=0) → __write_dirty_buffer onto the
\* list, L946-966, L744-760): clear DIRTY, take WRITING (waiting, mutex held, for an earlier write
\* unless writeNoWaitWriting), queue the write.
wdb_p1(t) ==
    /\ pc[t] = "wdb_p1" /\ mutex = t
    /\ \E x \in OnList("DIRTY") :
         /\ "D" \in st[x]
         /\ "W" \notin st[x] \/ writeNoWaitWriting
         /\ st' = [st EXCEPT ![x] = (@ \ {"D"}) \cup {"W"}]
         /\ wrange' = [wrange EXCEPT ![x] = "set"]
         /\ wlist' = [wlist EXCEPT ![t] = @ \cup {x}]
    /\ UNCHANGED <<where, blk, data, hold, lmode, rerr, werr, cliVars, ios, disk, durable,
                   thrVars, ghostVars>>

\* end of pass 1: no DIRTY buffer left on the list; lagging clean ones go to CLEAN; unlock
wdb_p1_end(t) ==
    /\ pc[t] = "wdb_p1" /\ mutex = t
    /\ \A x \in OnList("DIRTY") : "D" \notin st[x]
    /\ lmode' = [x \in Bufs |-> IF where[x] = "linked" /\ st[x] = {} THEN "CLEAN" ELSE lmode[x]]
    /\ mutex' = NONE
    /\ pc' = [pc EXCEPT ![t] = IF lockWithPendingWrites /\ op[t] = "wdb" THEN "wdb_p2lock"
                                ELSE "wdb_submit"]
    /\ UNCHANGED <<where, blk, data, st, hold, rerr, werr, wrange, need, sleeping, latch, ioVars,
                   op, arg, held, hblk, modified, cur, pin, tried, bp, todo, snap, ghostVars>>

\* __flush_write_list (L762-774), no lock held
wdb_submit(t) ==
    /\ pc[t] = "wdb_submit"
    /\ ios' = ios \cup {WriteRec(x, blk[x], FALSE) : x \in wlist[t]}
    /\ wlist' = [wlist EXCEPT ![t] = {}]
    /\ IF op[t] = "wdbasync" THEN Finish(t)
       ELSE /\ pc' = [pc EXCEPT ![t] = "wdb_p2lock"] /\ UNCHANGED <<op, arg>>
    /\ UNCHANGED <<bufVars, cliVars, disk, durable, held, hblk, modified, cur, pin, tried, bp,
                   todo, snap, ghostVars>>

\* pass 2 starts (or restarts after a dropped lock) a walk of the DIRTY list
wdb_p2lock(t) ==
    /\ pc[t] = "wdb_p2lock" /\ mutex = NONE /\ (wlist[t] = {} \/ lockWithPendingWrites)
    /\ mutex' = t
    /\ todo' = [todo EXCEPT ![t] = OnList("DIRTY")]
    /\ pc' = [pc EXCEPT ![t] = "wdb_p2"]
    /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, op, arg, held, hblk, modified, cur,
                   pin, tried, bp, snap, ghostVars>>

\* pass 2, one buffer of the walk (L1281-1325)
wdb_p2(t) ==
    /\ pc[t] = "wdb_p2" /\ mutex = t /\ todo[t] # {}
    /\ \E x \in todo[t] :
         LET bp1 == IF bp[t] < NDirty THEN bp[t] + 1 ELSE bp[t] IN
         /\ todo' = [todo EXCEPT ![t] = @ \ {x}]
         /\ bp' = [bp EXCEPT ![t] = bp1]
         /\ IF "W" \in st[x]
            THEN IF bp1 < NDirty
                 THEN \* pin, unlock, wait for WRITING unlocked (L1290-1297)
                      /\ hold' = [hold EXCEPT ![x] = IF noPinInPass2 THEN @ ELSE @ + 1]
                      /\ pin' = [pin EXCEPT ![t] = x]
                      /\ mutex' = NONE
                      /\ pc' = [pc EXCEPT ![t] = "wdb_p2wait"]
                      /\ UNCHANGED <<lmode, cur>>
                 ELSE \* the counter caught up: wait with the mutex held (L1298-1300)
                      /\ cur' = [cur EXCEPT ![t] = x]
                      /\ pc' = [pc EXCEPT ![t] = "wdb_p2waitL"]
                      /\ UNCHANGED <<hold, pin, mutex, lmode>>
            ELSE \* not writing: relink if neither DIRTY nor WRITING (L1303-1305)
                 /\ lmode' = [lmode EXCEPT ![x] = ListFor(st[x])]
                 /\ UNCHANGED <<hold, pin, mutex, pc, cur>>
    /\ UNCHANGED <<where, blk, data, st, rerr, werr, wrange, need, sleeping, latch, ioVars, op,
                   arg, held, hblk, modified, tried, snap, ghostVars>>

\* the unlocked wait of a pinned buffer ends when WRITING clears
wdb_p2wait(t) ==
    /\ pc[t] = "wdb_p2wait" /\ "W" \notin st[pin[t]]
    /\ pc' = [pc EXCEPT ![t] = "wdb_p2relock"]
    /\ UNCHANGED <<bufVars, cliVars, ioVars, op, arg, held, hblk, modified, cur, pin, tried, bp,
                   todo, snap, ghostVars>>

\* relock, unpin (the hold-- wakes no one), relink if idle, restart the walk
wdb_p2relock(t) ==
    /\ pc[t] = "wdb_p2relock" /\ mutex = NONE /\ (wlist[t] = {} \/ lockWithPendingWrites)
    /\ LET x == pin[t] IN
       /\ hold' = [hold EXCEPT ![x] = IF noPinInPass2 THEN @ ELSE @ - 1]
       /\ lmode' = IF where[x] = "linked" /\ st[x] \cap {"D", "W"} = {}
                   THEN [lmode EXCEPT ![x] = "CLEAN"] ELSE lmode
    /\ pin' = [pin EXCEPT ![t] = NONE]
    /\ mutex' = t
    /\ todo' = [todo EXCEPT ![t] = OnList("DIRTY")]
    /\ pc' = [pc EXCEPT ![t] = "wdb_p2"]
    /\ UNCHANGED <<where, blk, data, st, rerr, werr, wrange, need, sleeping, latch, ioVars, op,
                   arg, held, hblk, modified, cur, tried, bp, snap, ghostVars>>

\* the wait with the mutex held ends; relink if idle; continue the walk
wdb_p2waitL(t) ==
    /\ pc[t] = "wdb_p2waitL" /\ mutex = t /\ "W" \notin st[cur[t]]
    /\ LET x == cur[t] IN
       lmode' = IF st[x] \cap {"D", "W"} = {} THEN [lmode EXCEPT ![x] = "CLEAN"] ELSE lmode
    /\ cur' = [cur EXCEPT ![t] = NONE]
    /\ pc' = [pc EXCEPT ![t] = "wdb_p2"]
    /\ UNCHANGED <<where, blk, data, st, hold, rerr, werr, wrange, cliVars, ioVars, op, arg, held,
                   hblk, modified, pin, tried, bp, todo, snap, ghostVars>>

\* the walk is over: wake the free-buffer waiters, unlock (lockWithPendingWrites: submit the
\* list only now)
wdb_p2_end(t) ==
    /\ pc[t] = "wdb_p2" /\ mutex = t /\ todo[t] = {}
    /\ sleeping' = {}
    /\ mutex' = NONE
    /\ ios' = ios \cup {WriteRec(x, blk[x], FALSE) : x \in wlist[t]}
    /\ wlist' = [wlist EXCEPT ![t] = {}]
    /\ pc' = [pc EXCEPT ![t] = "wdb_flush"]
    /\ UNCHANGED <<bufVars, need, latch, disk, durable, op, arg, held, hblk, modified, cur, pin,
                   tried, bp, todo, snap, ghostVars>>

\* xchg the latch, issue the FLUSH (L1329-1334).  Commit point: a 0 return promises that every
\* block dirty or writing at pass-1 start is durable at least at the version seen then.
wdb_flush(t) ==
    /\ pc[t] = "wdb_flush"
    /\ latch' = 0
    /\ durable' = disk
    /\ unreported' = IF latch # 0 THEN FALSE ELSE unreported
    /\ promised' = IF latch = 0
                   THEN [b \in Blocks |-> Max(promised[b], snap[t][b])] ELSE promised
    /\ snap' = [snap EXCEPT ![t] = [b \in Blocks |-> -1]]
    /\ bp' = [bp EXCEPT ![t] = 0]
    /\ Finish(t)
    /\ UNCHANGED <<bufVars, need, mutex, sleeping, ios, wlist, disk, held, hblk, modified, cur,
                   pin, tried, todo, view, nextVal, opsDone, errors, crashes>>

-----------------------------------------------------------------------------
(* dm_bufio_release_move (L1398-1459), the port's version (notes 8.1-8.3): the holder's buffer x
   moves to block nb # blk[x]; with other holders, x stays at its block and nb gets a copy
   written with the whole block (moveStaleRange: the stale write range). *)
mv_start(t, nb) ==
    /\ pc[t] = Idle /\ "move" \in Ops /\ opsDone < MaxOps /\ held[t] # NONE /\ ~modified[t]
    /\ nb # blk[held[t]]
    /\ opsDone' = opsDone + 1
    /\ op' = [op EXCEPT ![t] = "move"]
    /\ arg' = [arg EXCEPT ![t] = nb]
    /\ pc' = [pc EXCEPT ![t] = "mv_lock"]
    /\ UNCHANGED <<bufVars, cliVars, ioVars, held, hblk, modified, cur, pin, tried, bp, todo,
                   snap, view, promised, unreported, nextVal, errors, crashes>>

mv_lock(t) ==
    /\ pc[t] = "mv_lock" /\ CanLock(t)
    /\ mutex' = t
    /\ pc' = [pc EXCEPT ![t] = "mv_retry"]
    /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, op, arg, held, hblk, modified, cur,
                   pin, tried, bp, todo, snap, ghostVars>>

MvUnchanged == UNCHANGED <<latch, disk, durable, op, arg, held, hblk, modified, pin, tried, bp,
                           todo, snap, ghostVars>>

\* retry: a held buffer at nb → wait for a free buffer (lock dropped); an unheld one → clean, free
mv_retry(t) ==
    /\ pc[t] = "mv_retry" /\ mutex = t
    /\ LET nb == arg[t] IN
       IF BufAt(nb) # {}
       THEN \E v \in BufAt(nb) :
              IF hold[v] > 0
              THEN /\ sleeping' = sleeping \cup {t}
                   /\ mutex' = NONE
                   /\ pc' = [pc EXCEPT ![t] = "mv_wfb"]
                   /\ UNCHANGED <<bufVars, need, ios, wlist, cur>> /\ MvUnchanged
              ELSE /\ cur' = [cur EXCEPT ![t] = v]
                   /\ pc' = [pc EXCEPT ![t] = "mv_clean"]
                   /\ UNCHANGED <<bufVars, need, sleeping, mutex, ios, wlist>> /\ MvUnchanged
       ELSE /\ pc' = [pc EXCEPT ![t] = "mv_write"]
            /\ UNCHANGED <<bufVars, need, sleeping, mutex, ios, wlist, cur>> /\ MvUnchanged

mv_woken(t) ==
    /\ pc[t] = "mv_wfb" /\ t \notin sleeping /\ CanLock(t)
    /\ mutex' = t
    /\ pc' = [pc EXCEPT ![t] = "mv_retry"]
    /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, op, arg, held, hblk, modified, cur,
                   pin, tried, bp, todo, snap, ghostVars>>

mv_clean(t) ==
    /\ pc[t] = "mv_clean" /\ mutex = t
    /\ LET v == cur[t] IN
       \/ MakeCleanWrite(t, v)
       \/ /\ st[v] = {}
          /\ FreeBufferWake(v)
          /\ cur' = [cur EXCEPT ![t] = NONE]
          /\ pc' = [pc EXCEPT ![t] = "mv_write"]
          /\ UNCHANGED <<st, mutex, latch, ioVars, op, arg, held, hblk, modified, pin, tried, bp,
                         todo, snap, ghostVars>>

\* __write_dirty_buffer(x, NULL): a dirty x is written to its old block now (L1427)
mv_write(t) ==
    /\ pc[t] = "mv_write" /\ mutex = t
    /\ LET x == held[t] IN
       IF "D" \in st[x]
       THEN /\ MakeCleanWrite(t, x) \* (its pc is left unchanged by MakeCleanWrite)
       ELSE /\ pc' = [pc EXCEPT ![t] = "mv_move"]
            /\ UNCHANGED <<bufVars, cliVars, ioVars, op, arg, held, hblk, modified, cur, pin,
                           tried, bp, todo, snap, ghostVars>>

\* hold 1: wait for WRITING, then x becomes nb, dirty (L1428-1435).  hold > 1: take WRITING
\* (bit lock) and write a copy of x to nb, synchronously with the mutex held (L1436-1455).
mv_move(t) ==
    /\ pc[t] = "mv_move" /\ mutex = t
    /\ LET x == held[t]
           nb == arg[t]
       IN
       /\ "W" \notin st[x]
       /\ IF hold[x] = 1
          THEN /\ st' = [st EXCEPT ![x] = {"D"}]
               /\ blk' = [blk EXCEPT ![x] = nb]
               /\ lmode' = [lmode EXCEPT ![x] = "DIRTY"]
               /\ hblk' = [hblk EXCEPT ![t] = nb]
               /\ view' = [view EXCEPT ![nb] = data[x]]
               /\ mutex' = NONE
               /\ pc' = [pc EXCEPT ![t] = "mv_release"]
               /\ UNCHANGED <<ios, wrange, snap>>
          ELSE /\ st' = [st EXCEPT ![x] = @ \cup {"W"}]
               /\ ios' = ios \cup {WriteRec(x, nb, TRUE)}
               /\ view' = [view EXCEPT ![nb] = data[x]]
               /\ pc' = [pc EXCEPT ![t] = "mv_copywait"]
               /\ UNCHANGED <<blk, lmode, hblk, mutex, wrange, snap>>
    /\ UNCHANGED <<where, data, hold, rerr, werr, need, sleeping, latch, wlist, disk, durable, op,
                   arg, held, modified, cur, pin, tried, bp, todo, promised, unreported, nextVal,
                   opsDone, errors, crashes>>

mv_copywait(t) ==
    /\ pc[t] = "mv_copywait" /\ mutex = t /\ "W" \notin st[held[t]]
    /\ mutex' = NONE
    /\ pc' = [pc EXCEPT ![t] = "mv_release"]
    /\ UNCHANGED <<bufVars, need, sleeping, latch, ioVars, op, arg, held, hblk, modified, cur, pin,
                   tried, bp, todo, snap, ghostVars>>

mv_release(t) ==
    /\ pc[t] = "mv_release" /\ CanLock(t)
    /\ ReleaseBuf(held[t])
    /\ held' = [held EXCEPT ![t] = NONE]
    /\ hblk' = [hblk EXCEPT ![t] = NOBLK]
    /\ Finish(t)
    /\ UNCHANGED <<st, mutex, latch, ioVars, modified, cur, pin, tried, bp, todo, snap, ghostVars>>

-----------------------------------------------------------------------------
(* I/O completion (read_endio L1054-1065, write_endio L716-733): no mutex, no lists, no holds.
   A write's data are copied by the device at submission or at completion (a holder may modify
   meanwhile: notes 8.7); a release_move copy carries its submission data.  A write without a
   range (moveStaleRange on a never-written buffer) copies no byte. *)
CompleteRead(r, ok) ==
    /\ r \in ios /\ r.op = "R"
    /\ ok \/ errors < MaxErrors
    /\ data' = [data EXCEPT ![r.buf] = IF ok THEN disk[r.blk] ELSE @]
    /\ rerr' = [rerr EXCEPT ![r.buf] = ~ok]
    /\ st' = [st EXCEPT ![r.buf] = @ \ {"R"}]
    /\ ios' = ios \ {r}
    /\ errors' = IF ok THEN errors ELSE errors + 1
    /\ UNCHANGED <<where, blk, hold, lmode, werr, wrange, cliVars, wlist, disk, durable, thrVars,
                   view, promised, unreported, nextVal, opsDone, crashes>>

\* the state word after a write completes: WRITING cleared (completionClearsDirty: DIRTY too)
AfterWrite(s) == IF completionClearsDirty THEN s \ {"W", "D"} ELSE s \ {"W"}

CompleteWrite(r, ok, late) ==
    /\ r \in ios /\ r.op = "W" /\ r.ph = 1
    /\ ok \/ errors < MaxErrors
    /\ late => ~r.copy /\ data[r.buf] # r.val
    /\ LET v == IF late THEN data[r.buf] ELSE r.val IN
       disk' = IF ok /\ r.full THEN [disk EXCEPT ![r.blk] = v] ELSE disk
    /\ werr' = [werr EXCEPT ![r.buf] = ~ok]
    /\ latch' = IF ~ok /\ latch = 0 THEN 1 ELSE latch
    /\ unreported' = (unreported \/ ~ok)
    /\ errors' = IF ok THEN errors ELSE errors + 1
    /\ IF nonAtomicDirtyClear
       THEN \* read the state word now, write it back in a second step
            /\ ios' = (ios \ {r}) \cup {[r EXCEPT !.ph = 2, !.cst = st[r.buf]]}
            /\ UNCHANGED st
       ELSE /\ st' = [st EXCEPT ![r.buf] = AfterWrite(@)]
            /\ ios' = ios \ {r}
    /\ UNCHANGED <<where, blk, data, hold, lmode, rerr, wrange, need, mutex, sleeping, wlist,
                   durable, thrVars, view, promised, nextVal, opsDone, crashes>>

\* nonAtomicDirtyClear only: the plain store of the state word read in CompleteWrite
CompleteWriteStore(r) ==
    /\ r \in ios /\ r.op = "W" /\ r.ph = 2
    /\ st' = [st EXCEPT ![r.buf] = AfterWrite(r.cst)]
    /\ ios' = ios \ {r}
    /\ UNCHANGED <<where, blk, data, hold, lmode, rerr, werr, wrange, cliVars, wlist, disk,
                   durable, thrVars, ghostVars>>

(* The machine crashes: the client and its threads are gone; the device keeps, per block, its
   durable version or the one in its volatile cache.  Clients restart from the disk. *)
Crash ==
    /\ crashes < MaxCrashes
    /\ crashes' = crashes + 1
    /\ \E keep \in [Blocks -> BOOLEAN] :
         LET d == [b \in Blocks |-> IF keep[b] THEN disk[b] ELSE durable[b]] IN
         /\ disk' = d /\ durable' = d /\ view' = d
    /\ \E res \in SUBSET Bufs :
         /\ Cardinality(res) = R
         /\ where' = [x \in Bufs |-> IF x \in res THEN "reserve" ELSE "free"]
    /\ blk' = [x \in Bufs |-> NOBLK]
    /\ data' = [x \in Bufs |-> 0]
    /\ st' = [x \in Bufs |-> {}]
    /\ hold' = [x \in Bufs |-> 0]
    /\ lmode' = [x \in Bufs |-> "CLEAN"]
    /\ rerr' = [x \in Bufs |-> FALSE] /\ werr' = [x \in Bufs |-> FALSE]
    /\ wrange' = [x \in Bufs |-> "none"]
    /\ need' = 0 /\ mutex' = NONE /\ sleeping' = {} /\ latch' = 0
    /\ ios' = {} /\ wlist' = [t \in Threads |-> {}]
    /\ pc' = [t \in Threads |-> Idle] /\ op' = [t \in Threads |-> NONE]
    /\ arg' = [t \in Threads |-> NOBLK]
    /\ held' = [t \in Threads |-> NONE] /\ hblk' = [t \in Threads |-> NOBLK]
    /\ modified' = [t \in Threads |-> FALSE]
    /\ cur' = [t \in Threads |-> NONE] /\ pin' = [t \in Threads |-> NONE]
    /\ tried' = [t \in Threads |-> FALSE]
    /\ bp' = [t \in Threads |-> 0] /\ todo' = [t \in Threads |-> {}]
    /\ snap' = [t \in Threads |-> [b \in Blocks |-> -1]]
    /\ unreported' = FALSE
    /\ UNCHANGED <<promised, nextVal, opsDone, errors>>

\* every call made, every thread idle and holding nothing, no I/O left: the run is over
Done ==
    /\ opsDone = MaxOps
    /\ \A t \in Threads : pc[t] = Idle /\ held[t] = NONE
    /\ ios = {}
    /\ UNCHANGED vars

-----------------------------------------------------------------------------
ThreadNext(t) ==
    \/ \E b \in Blocks : read(t, b) \/ get(t, b) \/ forget(t, b) \/ pf_create(t, b)
    \/ wdb_start(t, "wdb") \/ wdb_start(t, "wdbasync")
    \/ shrink(t) \/ shrink_noio(t)
    \/ \E nb \in Blocks : mv_start(t, nb)
    \/ rd_got(t) \/ rd_submit(t) \/ rd_wait(t)
    \/ al_nowait(t) \/ al_drop(t) \/ al_sleep(t) \/ al_relock(t) \/ al_reserve(t)
    \/ al_steal(t) \/ al_wait(t) \/ al_woken(t) \/ al_clean(t)
    \/ release(t) \/ Modify(t) \/ mark_buffer_dirty(t)
    \/ pf_submit(t) \/ pf_release(t)
    \/ sh_clean(t)
    \/ wdb_p1(t) \/ wdb_p1_end(t) \/ wdb_submit(t) \/ wdb_p2lock(t)
    \/ wdb_p2(t) \/ wdb_p2wait(t) \/ wdb_p2relock(t) \/ wdb_p2waitL(t) \/ wdb_p2_end(t)
    \/ wdb_flush(t)
    \/ mv_lock(t) \/ mv_retry(t) \/ mv_woken(t) \/ mv_clean(t) \/ mv_write(t) \/ mv_move(t)
    \/ mv_copywait(t) \/ mv_release(t)

DeviceNext ==
    \/ \E r \in ios, ok \in BOOLEAN : CompleteRead(r, ok)
    \/ \E r \in ios, ok \in BOOLEAN, late \in BOOLEAN : CompleteWrite(r, ok, late)
    \/ \E r \in ios : CompleteWriteStore(r)

Next ==
    \/ \E t \in Threads : ThreadNext(t)
    \/ DeviceNext
    \/ Crash
    \/ Done

Spec == Init /\ [][Next]_vars

\* liveness: the device completes every I/O and every thread keeps running
FairSpec == Spec /\ WF_vars(DeviceNext) /\ \A t \in Threads : WF_vars(ThreadNext(t))

-----------------------------------------------------------------------------
(* Invariants: names as in proofs-notes/invariants.md (dm-bufio table) and the Java
   BufioClient.checkInvariants() clauses.  Structural ones hold whenever the mutex is free. *)
MutexFree == mutex = NONE

\* I3: two linked buffers never hold the same block (L300; the recheck at L1007).
NoDuplicateInv ==
    \A x, y \in Linked : x # y => blk[x] # blk[y]

\* I4: a buffer on the CLEAN list is neither DIRTY nor WRITING (L802-803).
CleanListInv ==
    MutexFree => \A x \in OnList("CLEAN") : st[x] \cap {"D", "W"} = {}

\* I5: a buffer on the DIRTY list is not READING (L814, L952, L1287).
DirtyListInv ==
    \A x \in OnList("DIRTY") : "R" \notin st[x]

\* I6: READING excludes every other bit (L1223, L1425).
ReadingAloneInv ==
    \A x \in Bufs : "R" \in st[x] => st[x] = {"R"}

\* I12: reserve list length + shortfall = the reserve asked for at create.
ReserveConservationInv ==
    Cardinality(Reserve) + need = R

\* I7 (state form): a client's held buffer stays linked at the block it asked for.
HolderSeesItsBlockInv ==
    \A t \in Threads : held[t] # NONE =>
        where[held[t]] = "linked" /\ blk[held[t]] = hblk[t]

\* I8: a buffer leaves the tree only when idle: every buffer outside it has no state bits.
DirtyNeverDroppedInv ==
    \A x \in Bufs : where[x] # "linked" => st[x] = {}

\* I9, I10: at most one write per buffer, WRITING set exactly while it is queued or in flight;
\* at most one I/O per block, and only for a buffer linked at that block (or a move's copy).
OneWritePerBufferAndBlockInv ==
    /\ \A x \in Bufs : NWrites(x) <= 1
    /\ \A x \in Bufs : ("W" \in st[x]) <=> NWrites(x) >= 1
    /\ \A b \in Blocks : Cardinality(IosFor(b)) <= 1
    /\ \A r \in ios : r.copy \/ (where[r.buf] = "linked" /\ blk[r.buf] = r.blk)

\* I14: an idle clean buffer without errors holds what the disk holds: eviction is invisible.
IdleCleanMirrorsDiskInv ==
    \A x \in Linked :
        (st[x] = {} /\ hold[x] = 0 /\ ~rerr[x] /\ ~werr[x]) => data[x] = disk[blk[x]]

\* I15: a block with no buffer and no I/O holds on disk what clients last gave it (no errors).
AbsentBlockDurableInv ==
    errors = 0 =>
        \A b \in Blocks : (BufAt(b) = {} /\ IosFor(b) = {}) => disk[b] = view[b]

\* 9a.8: after write_dirty_buffers returned 0, every block dirty or writing at its start is
\* durable at least at the version clients had marked then (and stays so across crashes).
FlushDurabilityInv ==
    \A b \in Blocks : durable[b] >= promised[b]

\* I13: the latch is set only by a write that failed since the last xchg (the ghost `unreported`).
ErrorLatchInv ==
    latch # 0 => unreported

\* 5: nobody takes the client mutex with an unsubmitted write list of its own (the
\* no-self-deadlock rule; lockWithPendingWrites breaks it, and the run then deadlocks).
NoSelfDeadlockInv ==
    [][\A t \in Threads : mutex # t /\ mutex' = t => wlist[t] = {}]_vars

\* 9a.9: a failed write is reported: until some write_dirty_buffers returns an error, the latch holds one.
ErrorNotLostInv ==
    unreported => latch # 0

\* 9a.10: dm_bufio_get never waits for I/O (its only wait is for the mutex).
BitWaitLabels == {"rd_wait", "wdb_p2wait", "wdb_p2waitL", "mv_copywait", "al_clean", "sh_clean",
                  "mv_clean", "wdb_p1", "mv_move"}
GetNeverWaitsForIoInv ==
    \A t \in Threads : op[t] = "get" => pc[t] \notin BitWaitLabels

\* 9a.4 / I7 (action form): a linked buffer is unlinked or re-blocked only when, after the step,
\* no thread holds or pins it any more (a release that frees the buffer drops its own hold in the
\* same step), except by release_move of its only holder; a crash ends every hold.
NoFreeWhileHeldInv ==
    [][\A x \in Bufs :
          (where[x] = "linked" /\ (where'[x] # "linked" \/ blk'[x] # blk[x]) /\ crashes' = crashes)
          => \/ \A t \in Threads : x \notin {held'[t], pin'[t]}
             \/ \E t \in Threads : RefHolders(x) = {t} /\ held[t] = x /\ pc[t] = "mv_move"
      ]_vars

\* Liveness (9a): every write_dirty_buffers call returns (or a crash ends it).
WdbTerminatesProp ==
    \A t \in Threads : (op[t] = "wdb") ~> (op[t] # "wdb")
=============================================================================
