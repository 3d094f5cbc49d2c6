\* SPDX-License-Identifier: BSD-3-Clause
--------------------------- MODULE LoopbackDevice ---------------------------
(***************************************************************************)
(* The durability semantics of dev.bioref.device.LoopbackDevice: a disk    *)
(* with a volatile write cache and asynchronous completions.               *)
(*                                                                         *)
(*  - A request takes effect when it completes, not when it is submitted;  *)
(*    completion numbers (completionSeq) order the effects.                *)
(*  - A completed WRITE is visible at once; it is durable only after a     *)
(*    FLUSH submitted after it completed has itself completed, or at once  *)
(*    if it was FUA.  A FLUSH remembers completionSeq at submission (its   *)
(*    barrier) and, when it completes, writes back every cached write with *)
(*    a completion number up to the barrier (LoopbackDevice.flushUpTo).    *)
(*  - A FUA write goes straight to the durable image and cuts its sectors  *)
(*    out of older cached writes (LoopbackDevice.durableWrite).            *)
(*  - crash() drops the cache, and requests in flight complete with EIO.   *)
(*    Variant CrashPersistsSubset: the cache may also have written back    *)
(*    any subset of its writes, in order, before power went (a real       *)
(*    device's cache may evict at any time).                               *)
(*                                                                         *)
(* Abstraction: one-sector writes; each WRITE carries a fresh value (its   *)
(* request id), so a value names the write that produced it; READ and      *)
(* DISCARD are not modelled (READ is the Visible operator; DISCARD is a    *)
(* write of zeros).                                                        *)
(*                                                                         *)
(* Mutants (constants, FALSE in the faithful model):                       *)
(*  - FlushSkipsCache: a FLUSH completes OK without writing the cache back *)
(*    (a device that acknowledges flushes it did not do).                  *)
(*  - FuaKeepsStaleCache: a FUA write does not cut its sectors out of      *)
(*    older cached writes, so a later FLUSH writes the older data over it. *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Sectors,              \* the sectors of the disk (model values or numbers)
    MaxRequests,          \* bound on submitted requests (ids 1..MaxRequests)
    MaxCrashes,           \* bound on crash() calls
    CrashPersistsSubset,  \* variant: a crash may keep any in-order subset of the cache
    FlushSkipsCache,      \* mutant
    FuaKeepsStaleCache    \* mutant

VARIABLES
    backend,        \* the durable image: sector -> value (0 = never written)
    cache,          \* completed, not yet durable writes, in completion order: <<[seq, sector, val]>>
    completionSeq,  \* last completion number handed out
    generation,     \* bumped by crash(): older requests complete with EIO
    inflight,       \* submitted, not yet completed requests
    nextId,         \* the next request id (also the value a WRITE carries)
    crashes,        \* crash() calls so far
    \* ghost variables (not in the Java class): what the device has promised
    written,        \* every WRITE that completed OK: [id, sector, seq, fua, gen]
    flushedUpTo,    \* generation -> the largest barrier of a FLUSH of that generation that completed OK
    latest          \* sector -> the value a READ must return now

vars == <<backend, cache, completionSeq, generation, inflight, nextId, crashes,
          written, flushedUpTo, latest>>

Ops == {"WRITE", "WRITE+FUA", "FLUSH"}
NoSector == 0   \* the sector field of a FLUSH
ASSUME Sectors \subseteq Nat \ {0}
Request == [id : 1..MaxRequests, op : Ops, sector : Sectors \cup {NoSector},
            barrier : Nat, gen : Nat]

TypeInv ==
    /\ backend \in [Sectors -> 0..MaxRequests]
    /\ cache \in Seq([seq : Nat, sector : Sectors, val : 1..MaxRequests])
    /\ completionSeq \in Nat /\ generation \in Nat
    /\ inflight \subseteq Request
    /\ nextId \in 1..(MaxRequests + 1)
    /\ written \subseteq [id : 1..MaxRequests, sector : Sectors, seq : Nat, fua : BOOLEAN, gen : Nat]
    /\ flushedUpTo \in [0..MaxCrashes -> Nat]
    /\ latest \in [Sectors -> 0..MaxRequests]

Init ==
    /\ backend = [s \in Sectors |-> 0]
    /\ cache = <<>>
    /\ completionSeq = 0
    /\ generation = 0
    /\ inflight = {}
    /\ nextId = 1
    /\ crashes = 0
    /\ written = {}
    /\ flushedUpTo = [g \in 0..MaxCrashes |-> 0]
    /\ latest = [s \in Sectors |-> 0]

(* What a READ of sector s returns: the newest cached write, else the durable image
   (LoopbackDevice.readVisible: overlay over backend). *)
Visible(s) ==
    LET hits == {i \in 1..Len(cache) : cache[i].sector = s}
    IN IF hits = {} THEN backend[s]
       ELSE cache[CHOOSE i \in hits : \A j \in hits : j <= i].val

(* Writes cache entries e (in order) into an image. *)
RECURSIVE WriteBack(_, _)
WriteBack(img, es) ==
    IF es = <<>> THEN img
    ELSE WriteBack([img EXCEPT ![Head(es).sector] = Head(es).val], Tail(es))

-----------------------------------------------------------------------------
(* LoopbackDevice.submit(): a WRITE (plain or FUA) of sector s. *)
SubmitWrite(s, fua) ==
    /\ nextId <= MaxRequests
    /\ inflight' = inflight \cup {[id |-> nextId, op |-> IF fua THEN "WRITE+FUA" ELSE "WRITE",
                                   sector |-> s, barrier |-> completionSeq, gen |-> generation]}
    /\ nextId' = nextId + 1
    /\ UNCHANGED <<backend, cache, completionSeq, generation, crashes, written, flushedUpTo, latest>>

(* LoopbackDevice.submit(): a FLUSH; its barrier is the last completion number now. *)
SubmitFlush ==
    /\ nextId <= MaxRequests
    /\ inflight' = inflight \cup {[id |-> nextId, op |-> "FLUSH", sector |-> NoSector,
                                   barrier |-> completionSeq, gen |-> generation]}
    /\ nextId' = nextId + 1
    /\ UNCHANGED <<backend, cache, completionSeq, generation, crashes, written, flushedUpTo, latest>>

(* LoopbackDevice.complete() of a request submitted before the last crash: EIO, no effect. *)
CompleteLost(id) ==
    \E r \in inflight :
       /\ r.id = id
       /\ r.gen # generation
       /\ inflight' = inflight \ {r}
       /\ completionSeq' = completionSeq + 1
       /\ UNCHANGED <<backend, cache, generation, nextId, crashes, written, flushedUpTo, latest>>

(* LoopbackDevice.complete() → apply() → cacheWrite(): a plain WRITE lands in the cache. *)
CompleteWrite(id) ==
    \E r \in inflight :
       /\ r.id = id
       /\ r.gen = generation /\ r.op = "WRITE"
       /\ LET seq == completionSeq + 1 IN
          /\ cache' = Append(cache, [seq |-> seq, sector |-> r.sector, val |-> r.id])
          /\ written' = written \cup {[id |-> r.id, sector |-> r.sector, seq |-> seq, fua |-> FALSE, gen |-> generation]}
          /\ completionSeq' = seq
       /\ latest' = [latest EXCEPT ![r.sector] = r.id]
       /\ inflight' = inflight \ {r}
       /\ UNCHANGED <<backend, generation, nextId, crashes, flushedUpTo>>

(* LoopbackDevice.complete() → apply() → durableWrite(): a FUA write is durable now and
   cuts its sector out of older cached writes. *)
CompleteFua(id) ==
    \E r \in inflight :
       /\ r.id = id
       /\ r.gen = generation /\ r.op = "WRITE+FUA"
       /\ LET seq == completionSeq + 1 IN
          /\ written' = written \cup {[id |-> r.id, sector |-> r.sector, seq |-> seq, fua |-> TRUE, gen |-> generation]}
          /\ completionSeq' = seq
       /\ backend' = [backend EXCEPT ![r.sector] = r.id]
       /\ cache' = IF FuaKeepsStaleCache THEN cache
                   ELSE SelectSeq(cache, LAMBDA e : e.sector # r.sector)
       /\ latest' = [latest EXCEPT ![r.sector] = r.id]
       /\ inflight' = inflight \ {r}
       /\ UNCHANGED <<generation, nextId, crashes, flushedUpTo>>

(* LoopbackDevice.complete() → apply() → flushUpTo(barrier): write back, in order, every
   cached write numbered up to the barrier. *)
CompleteFlush(id) ==
    \E r \in inflight :
       /\ r.id = id
       /\ r.gen = generation /\ r.op = "FLUSH"
       /\ IF FlushSkipsCache
          THEN UNCHANGED <<backend, cache>>
          ELSE /\ backend' = WriteBack(backend, SelectSeq(cache, LAMBDA e : e.seq <= r.barrier))
               /\ cache' = SelectSeq(cache, LAMBDA e : e.seq > r.barrier)
       /\ flushedUpTo' = IF r.barrier > flushedUpTo[generation]
                         THEN [flushedUpTo EXCEPT ![generation] = r.barrier] ELSE flushedUpTo
       /\ completionSeq' = completionSeq + 1
       /\ inflight' = inflight \ {r}
       /\ UNCHANGED <<generation, nextId, crashes, written, latest>>

(* LoopbackDevice.crash(): power loss.  With CrashPersistsSubset the cache may first have
   written back any subset of its entries, in completion order.  CrashKeeping(keep) is the
   crash that keeps the cache entries at positions keep (TraceLoopbackDevice.tla names it
   with the logged subset). *)
CrashKeeping(keep) ==
    /\ crashes < MaxCrashes
    /\ keep \in (IF CrashPersistsSubset THEN SUBSET (1..Len(cache)) ELSE {{}})
    /\ LET kept == SelectSeq([i \in 1..Len(cache) |-> [cache[i] EXCEPT !.seq = i]],
                             LAMBDA e : e.seq \in keep)
           img == WriteBack(backend, kept)
       IN /\ backend' = img
          /\ latest' = img
    /\ cache' = <<>>
    /\ generation' = generation + 1
    /\ crashes' = crashes + 1
    /\ UNCHANGED <<completionSeq, inflight, nextId, written, flushedUpTo>>

Crash == \E keep \in (IF CrashPersistsSubset THEN SUBSET (1..Len(cache)) ELSE {{}}) : CrashKeeping(keep)

Next ==
    \/ \E s \in Sectors, fua \in BOOLEAN : SubmitWrite(s, fua)
    \/ SubmitFlush
    \/ \E id \in 1..MaxRequests : CompleteLost(id)
    \/ \E id \in 1..MaxRequests : CompleteWrite(id)
    \/ \E id \in 1..MaxRequests : CompleteFua(id)
    \/ \E id \in 1..MaxRequests : CompleteFlush(id)
    \/ Crash

(* The device completes what it was given: weak fairness on completing some request.
   Submissions are bounded, so this completes every request. *)
Spec == Init /\ [][Next]_vars /\ WF_vars(\E id \in 1..MaxRequests : CompleteLost(id) \/ CompleteWrite(id) \/ CompleteFua(id) \/ CompleteFlush(id))

-----------------------------------------------------------------------------
(* The writes to sector s the device has promised are durable: FUA writes, and writes that
   completed before a FLUSH of the same generation was submitted that has itself completed.
   (A FLUSH submitted after a crash promises nothing about writes the crash dropped.) *)
Promised(s) == {w \in written : w.sector = s /\ (w.fua \/ w.seq <= flushedUpTo[w.gen])}

\* Flush/durability rule: the durable image of every sector holds the newest promised write to it, or a newer write.
DurabilityInv ==
    \A s \in Sectors :
        Promised(s) # {} =>
            \E w \in written : /\ w.sector = s /\ w.id = backend[s]
                               /\ \A p \in Promised(s) : w.seq >= p.seq

\* The durable image holds only data that a write completed OK put there (nothing from a request lost in a crash).
NoPhantomDataInv ==
    \A s \in Sectors : backend[s] = 0 \/ \E w \in written : w.sector = s /\ w.id = backend[s]

\* A READ returns the newest completed write (or, after a crash, what survived it).
ReadSeesLatestInv ==
    \A s \in Sectors : Visible(s) = latest[s]

\* The cache holds completed writes in strictly increasing completion order, none newer than completionSeq.
CacheOrderInv ==
    /\ \A i \in 1..Len(cache) : cache[i].seq <= completionSeq
    /\ \A i, j \in 1..Len(cache) : i < j => cache[i].seq < cache[j].seq

\* Every submitted request eventually completes (OK, or EIO after a crash).
InflightIds == {r.id : r \in inflight}
EveryRequestCompletesProp ==
    \A id \in 1..MaxRequests : (id \in InflightIds) ~> (id \notin InflightIds)
=============================================================================
