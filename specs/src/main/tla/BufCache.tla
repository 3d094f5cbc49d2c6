\* SPDX-License-Identifier: BSD-3-Clause
------------------------------ MODULE BufCache ------------------------------
(***************************************************************************)
(* The life cycle of a DragonFly vfs_bio.c buffer (dev.bioref.buf.BufCache)*)
(* over one vnode: headers, queues, flags, the buffer lock and its hand-off *)
(* to the kernel (BUF_KERNPROC), holds (b_refs), the bioops hooks, and a   *)
(* ghost "newest value" per block for the data-safety invariants.          *)
(*                                                                         *)
(* Variables and actions carry the kernel's (and the Java port's) names:   *)
(* b_flags, b_qindex, b_refs, b_cmd; getblk, bread, bdwrite, bawrite,      *)
(* bwrite, brelse, bqrelse, getnewbuf, biodone, flushbufqueues.            *)
(*                                                                         *)
(* Granularity.  One action per kernel function call that runs without     *)
(* sleeping, plus one per I/O completion.  A call that would sleep on a    *)
(* busy buffer lock is simply not enabled until the lock is free.  The     *)
(* acquire/release windows (locked but still queued) are folded into the   *)
(* atomic actions, and the queue order (LRU, B_AGE second chance) is       *)
(* abstracted: getnewbuf may take ANY header on EMPTY or CLEAN, a superset *)
(* of the seed's choices, so safety proved here holds for the seed order.  *)
(*                                                                         *)
(* The filesystem above (HAMMER-like) is modelled by b_dep's kind:         *)
(*   "none"   no dependencies;                                             *)
(*   "accept" deps present, the hooks let the kernel write / deallocate;   *)
(*   "veto"   deps present, io_checkwrite refuses and io_deallocate        *)
(*            refuses; both pin the buffer with B_LOCKED (HAMMER's         *)
(*            modified meta-data before its UNDO is durable).              *)
(* The owner of a buffer may attach deps; regetblk lifts a veto (UNDO      *)
(* became durable) and takes the buffer off the LOCKED queue.              *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS
    Hdrs,        \* buffer headers (nbuf), model values
    Blocks,      \* block offsets of the one vnode, model values
    Procs,       \* client threads, model values
    MaxWrites,   \* bound on new data values written through the cache
    MaxErrors,   \* bound on device errors
    \* mutants: each drops one guard the protocol relies on (FALSE = the seed)
    GetnewbufIgnoresRefs,     \* getnewbuf takes a header with b_refs # 0 (L2002/L2031 checks gone)
    BrelseLockedToClean,      \* brelse/bqrelse place by DELWRI before testing B_LOCKED (L1538/L1664)
    BpdoneNoRedirtyOnError,   \* bpdone calls bundirty after a FAILED write (L3556-3560)
    DaemonSkipsCheckwrite,    \* flushbufqueues writes without asking io_checkwrite (L2441)
    ClientDestroysPinned      \* the owner breaks the L1864 contract: it destroys (B_INVAL brelse)
                              \* a buffer whose io_deallocate refuses

NOBLK == "noblk"          \* b_vp = NULL (no identity)
NOONE == "none"           \* the buffer lock is free
KERN  == "kernproc"       \* BUF_KERNPROC: the completion path owns the lock
Owners == Procs \cup {KERN, NOONE}   \* the daemon's lock hold is folded into flushbufqueues(h)
Queues == {"NONE", "LOCKED", "CLEAN", "DIRTY", "EMPTY"}   \* DIRTY_HW: heavy buffers not modelled
Flags == {"DELWRI", "CACHE", "INVAL", "LOCKED", "ERROR", "HASHED"}
Cmds == {"DONE", "READ", "WRITE"}
DepKinds == {"none", "accept", "veto"}
Values == 0..MaxWrites     \* 0 = the initial (zero) contents of every block

VARIABLES
    b_loffset,     \* h -> block, or NOBLK when unassociated (b_vp = NULL)
    b_flags,       \* h -> subset of Flags
    b_qindex,      \* h -> queue
    lockOwner,     \* h -> owner of the buffer lock
    b_refs,        \* h -> hold count (bqhold/bqdrop)
    b_cmd,         \* h -> I/O in progress
    b_data,        \* h -> the value the buffer holds (meaningful when B_CACHE)
    b_bufsize,     \* h -> 0 or 1 (allocated or not; one block size)
    b_dep,         \* h -> DepKinds
    vntree,        \* h -> "none" | "clean" | "dirty": which vnode tree (B_VNCLEAN/B_VNDIRTY)
    ioData,        \* h -> the value a WRITE in flight carries (DMA at submission)
    bufqueues,     \* queue -> set of headers on it (the lists; b_qindex must agree)
    \* accounting (vfs_bio.c globals)
    dirtybufcount, bufspace, runningbufspace,
    \* clients
    owned,         \* p -> the header p holds locked, or NOONE
    held,          \* p -> the header p holds a ref on (findblk REF, bqhold), or NOONE
    \* the device and the ghosts
    disk,          \* block -> value on the device
    latest,        \* block -> newest value written through the cache and not discarded
    nextVal,       \* next fresh value
    errors,        \* device errors so far
    kwrite,        \* h -> TRUE while a WRITE issued by the daemon (the kernel) is in flight
    reusedUnderHold  \* TRUE once getnewbuf returned a header with b_refs # 0

bufVars == <<b_loffset, b_flags, b_qindex, lockOwner, b_refs, b_cmd, b_data, b_bufsize,
             b_dep, vntree, ioData, bufqueues>>
acctVars == <<dirtybufcount, bufspace, runningbufspace>>
vars == <<bufVars, acctVars, owned, held, disk, latest, nextVal, errors, kwrite, reusedUnderHold>>


-----------------------------------------------------------------------------
(* Helpers *)

Hashed(h) == "HASHED" \in b_flags[h]
BufFor(b) == {h \in Hdrs : Hashed(h) /\ b_loffset[h] = b}
Unlocked(h) == lockOwner[h] = NOONE

(* Put h on queue q (the lists and b_qindex together). *)
Enqueue(h, q) ==
    /\ b_qindex' = [b_qindex EXCEPT ![h] = q]
    /\ bufqueues' = [q2 \in Queues |-> IF q2 = q /\ q # "NONE" THEN bufqueues[q2] \cup {h}
                                       ELSE bufqueues[q2] \ {h}]

(* Queue a release puts a buffer on (vfs_bio.c brelse L1535-1602, bqrelse L1664-1692),
   given its flags after release processing and its size. *)
ReleaseQueue(f, size) ==
    IF "LOCKED" \in f /\ ~BrelseLockedToClean THEN "LOCKED"
    ELSE IF size = 0 THEN "EMPTY"
    ELSE IF "DELWRI" \in f THEN "DIRTY"
    ELSE IF "LOCKED" \in f THEN "LOCKED"      \* only reached under BrelseLockedToClean
    ELSE "CLEAN"

(* brelse's keep-or-destroy decision for header h with flags f (L1287-1323): a buffer that is
   INVAL, or failed and not re-dirtied, loses its identity and contents; a dirty buffer that is
   not INVAL is kept intact.  Returns the new flags, size, identity. *)
Destroys(f) == ~("DELWRI" \in f /\ "INVAL" \notin f) /\ ({"INVAL", "ERROR"} \cap f # {})

-----------------------------------------------------------------------------
TypeInv ==
    /\ b_loffset \in [Hdrs -> Blocks \cup {NOBLK}]
    /\ b_flags \in [Hdrs -> SUBSET Flags]
    /\ b_qindex \in [Hdrs -> Queues]
    /\ lockOwner \in [Hdrs -> Owners]
    /\ b_refs \in [Hdrs -> Int]
    /\ b_cmd \in [Hdrs -> Cmds]
    /\ b_data \in [Hdrs -> Values]
    /\ b_bufsize \in [Hdrs -> {0, 1}]
    /\ b_dep \in [Hdrs -> DepKinds]
    /\ vntree \in [Hdrs -> {"none", "clean", "dirty"}]
    /\ ioData \in [Hdrs -> Values]
    /\ bufqueues \in [Queues -> SUBSET Hdrs]
    /\ owned \in [Procs -> Hdrs \cup {NOONE}]
    /\ held \in [Procs -> Hdrs \cup {NOONE}]
    /\ disk \in [Blocks -> Values] /\ latest \in [Blocks -> Values]
    /\ kwrite \in [Hdrs -> BOOLEAN] /\ reusedUnderHold \in BOOLEAN

(* bufinit(): every header INVAL, on EMPTY, no identity. *)
Init ==
    /\ b_loffset = [h \in Hdrs |-> NOBLK]
    /\ b_flags = [h \in Hdrs |-> {"INVAL"}]
    /\ b_qindex = [h \in Hdrs |-> "EMPTY"]
    /\ lockOwner = [h \in Hdrs |-> NOONE]
    /\ b_refs = [h \in Hdrs |-> 0]
    /\ b_cmd = [h \in Hdrs |-> "DONE"]
    /\ b_data = [h \in Hdrs |-> 0]
    /\ b_bufsize = [h \in Hdrs |-> 0]
    /\ b_dep = [h \in Hdrs |-> "none"]
    /\ vntree = [h \in Hdrs |-> "none"]
    /\ ioData = [h \in Hdrs |-> 0]
    /\ bufqueues = [q \in Queues |-> IF q = "EMPTY" THEN Hdrs ELSE {}]
    /\ dirtybufcount = 0 /\ bufspace = 0 /\ runningbufspace = 0
    /\ owned = [p \in Procs |-> NOONE]
    /\ held = [p \in Procs |-> NOONE]
    /\ disk = [b \in Blocks |-> 0]
    /\ latest = [b \in Blocks |-> 0]
    /\ nextVal = 1
    /\ errors = 0
    /\ kwrite = [h \in Hdrs |-> FALSE]
    /\ reusedUnderHold = FALSE

-----------------------------------------------------------------------------
(* getblk(), found case (L2746-2835): p locks the hashed buffer for b and bremfree()s it.
   An INVAL buffer loses B_CACHE.  (Sleeping on a busy lock = not enabled.) *)
getblk_found(p, b) ==
    /\ owned[p] = NOONE
    /\ \E h \in BufFor(b) :
        /\ Unlocked(h)
        /\ b_cmd[h] = "DONE"
        /\ lockOwner' = [lockOwner EXCEPT ![h] = p]
        /\ owned' = [owned EXCEPT ![p] = h]
        /\ b_flags' = [b_flags EXCEPT ![h] = IF "INVAL" \in @ THEN @ \ {"CACHE"} ELSE @]
        /\ Enqueue(h, "NONE")
    /\ UNCHANGED <<b_loffset, b_refs, b_cmd, b_data, b_bufsize, b_dep, vntree, ioData, acctVars,
                   held, disk, latest, nextVal, errors, kwrite, reusedUnderHold>>

(* getnewbuf() candidate h (L1933-2060) whose io_deallocate refuses: the hook sets B_LOCKED
   and getnewbuf bqrelse()s it onto the LOCKED queue, then restarts. *)
getnewbuf_deallocate_refused(p, h) ==
    /\ owned[p] = NOONE
    /\ b_qindex[h] \in {"EMPTY", "CLEAN"} /\ Unlocked(h)
    /\ GetnewbufIgnoresRefs \/ b_refs[h] = 0
    /\ b_dep[h] = "veto"
    /\ b_flags' = [b_flags EXCEPT ![h] = @ \cup {"LOCKED"}]
    /\ Enqueue(h, ReleaseQueue(b_flags[h] \cup {"LOCKED"}, b_bufsize[h]))
    /\ UNCHANGED <<b_loffset, lockOwner, b_refs, b_cmd, b_data, b_bufsize, b_dep, vntree, ioData,
                   acctVars, owned, held, disk, latest, nextVal, errors, kwrite, reusedUnderHold>>

(* getblk(), not-found case (L2909-2978): getnewbuf() takes header h from EMPTY or CLEAN
   (b_refs = 0, L2002/L2031), io_deallocate drops its deps, brelvp() and reset (L2066-2108);
   then bgetvp() gives it identity b and allocbuf() a size; B_CACHE is clear (no valid data). *)
getblk_new(p, b, h) ==
    /\ owned[p] = NOONE
    /\ BufFor(b) = {}
    /\ b_qindex[h] \in {"EMPTY", "CLEAN"} /\ Unlocked(h)
    /\ GetnewbufIgnoresRefs \/ b_refs[h] = 0
    /\ b_dep[h] # "veto"
    /\ "DELWRI" \notin b_flags[h]
    /\ reusedUnderHold' = (reusedUnderHold \/ b_refs[h] # 0)
    /\ lockOwner' = [lockOwner EXCEPT ![h] = p]
    /\ owned' = [owned EXCEPT ![p] = h]
    /\ Enqueue(h, "NONE")
    /\ b_dep' = [b_dep EXCEPT ![h] = "none"]
    /\ b_flags' = [b_flags EXCEPT ![h] = {"HASHED"}]
    /\ b_loffset' = [b_loffset EXCEPT ![h] = b]
    /\ vntree' = [vntree EXCEPT ![h] = "clean"]
    /\ b_bufsize' = [b_bufsize EXCEPT ![h] = 1]
    /\ bufspace' = bufspace - b_bufsize[h] + 1
    /\ b_data' = [b_data EXCEPT ![h] = 0]
    /\ UNCHANGED <<b_refs, b_cmd, ioData, dirtybufcount, runningbufspace, held, disk, latest,
                   nextVal, errors, kwrite>>

(* bread() on a buffer without B_CACHE (breadnx L915-924): clear INVAL/ERROR, issue a
   synchronous READ; the caller keeps the lock and waits in biowait. *)
bread(p) ==
    LET h == owned[p] IN
    /\ h # NOONE /\ b_cmd[h] = "DONE"
    /\ "CACHE" \notin b_flags[h]
    /\ b_cmd' = [b_cmd EXCEPT ![h] = "READ"]
    /\ b_flags' = [b_flags EXCEPT ![h] = @ \ {"INVAL", "ERROR"}]
    /\ UNCHANGED <<b_loffset, b_qindex, lockOwner, b_refs, b_data, b_bufsize, b_dep, vntree,
                   ioData, bufqueues, acctVars, owned, held, disk, latest, nextVal, errors,
                   kwrite, reusedUnderHold>>

(* The filesystem attaches dependencies to the buffer it owns (HAMMER's io association). *)
buf_dep_attach(p, kind) ==
    LET h == owned[p] IN
    /\ h # NOONE /\ b_cmd[h] = "DONE" /\ b_dep[h] = "none" /\ kind # "none"
    /\ b_dep' = [b_dep EXCEPT ![h] = kind]
    /\ UNCHANGED <<b_loffset, b_flags, b_qindex, lockOwner, b_refs, b_cmd, b_data, b_bufsize,
                   vntree, ioData, bufqueues, acctVars, owned, held, disk, latest, nextVal,
                   errors, kwrite, reusedUnderHold>>

(* bdirty() (L1163-1192): set B_DELWRI once, move to the dirty tree, count it. *)
BdirtyFlags(h) == b_flags[h] \cup {"DELWRI"}
BdirtyCount(h) == IF "DELWRI" \in b_flags[h] THEN 0 ELSE 1

(* The client fills the buffer with a new value, then bdwrite() (L1060-1116): bdirty,
   B_CACHE, bqrelse() onto DIRTY (or LOCKED), unlock.  No I/O. *)
bdwrite(p) ==
    LET h == owned[p] IN
    /\ h # NOONE /\ b_cmd[h] = "DONE" /\ nextVal <= MaxWrites
    /\ "INVAL" \notin b_flags[h]
    /\ b_data' = [b_data EXCEPT ![h] = nextVal]
    /\ latest' = [latest EXCEPT ![b_loffset[h]] = nextVal]
    /\ nextVal' = nextVal + 1
    /\ b_flags' = [b_flags EXCEPT ![h] = (BdirtyFlags(h) \cup {"CACHE"}) \ {"ERROR"}]
    /\ vntree' = [vntree EXCEPT ![h] = "dirty"]
    /\ dirtybufcount' = dirtybufcount + BdirtyCount(h)
    /\ Enqueue(h, ReleaseQueue(BdirtyFlags(h), b_bufsize[h]))
    /\ lockOwner' = [lockOwner EXCEPT ![h] = NOONE]
    /\ owned' = [owned EXCEPT ![p] = NOONE]
    /\ UNCHANGED <<b_loffset, b_refs, b_cmd, b_bufsize, b_dep, ioData, bufspace,
                   runningbufspace, held, disk, errors, kwrite, reusedUnderHold>>

(* The client fills the buffer with a new value and writes it: bawrite() (L1014-1047,
   async: BUF_KERNPROC hands the lock to the completion path) or bwrite() (L963-1003, sync:
   the caller keeps the lock and brelse()s after biowait).  B_CACHE set; B_DELWRI is NOT
   cleared before the write (L975-983); runningbufspace counts it. *)
WriteNew(p, async) ==
    LET h == owned[p] IN
    /\ h # NOONE /\ b_cmd[h] = "DONE" /\ nextVal <= MaxWrites
    /\ "INVAL" \notin b_flags[h]
    /\ b_data' = [b_data EXCEPT ![h] = nextVal]
    /\ ioData' = [ioData EXCEPT ![h] = nextVal]
    /\ latest' = [latest EXCEPT ![b_loffset[h]] = nextVal]
    /\ nextVal' = nextVal + 1
    /\ b_flags' = [b_flags EXCEPT ![h] = (@ \cup {"CACHE"}) \ {"ERROR"}]
    /\ b_cmd' = [b_cmd EXCEPT ![h] = "WRITE"]
    /\ runningbufspace' = runningbufspace + 1
    /\ lockOwner' = [lockOwner EXCEPT ![h] = IF async THEN KERN ELSE p]
    /\ owned' = IF async THEN [owned EXCEPT ![p] = NOONE] ELSE owned
    /\ UNCHANGED <<b_loffset, b_qindex, b_refs, b_bufsize, b_dep, vntree, bufqueues,
                   dirtybufcount, bufspace, held, disk, errors, kwrite, reusedUnderHold>>

bawrite(p) == /\ owned[p] # NOONE /\ WriteNew(p, TRUE)
bwrite(p) == /\ owned[p] # NOONE /\ WriteNew(p, FALSE)

(* brelse()/bqrelse() of header h with flags f by its owner or the completion path:
   keep or destroy (brelse only), queue placement, unlock.  Destroying (L1291-1323, L1383-1507)
   sets B_INVAL, clears DELWRI/CACHE (uncounting a DELWRI buffer by hand), frees the memory
   and brelvp()s.  keepAlways = bqrelse (never destroys, L1648-1717). *)
Release(h, f, keepAlways) ==
    LET destroy == ~keepAlways /\ Destroys(f)
        refused == destroy /\ b_dep[h] = "veto"   \* io_deallocate refuses: B_LOCKED, deps kept (the seed panics at L1864)
        f2 == IF destroy THEN ((f \cup {"INVAL"}) \ {"DELWRI", "CACHE", "HASHED", "ERROR"})
                              \cup (IF refused THEN {"LOCKED"} ELSE {})
              ELSE f
        size == IF destroy THEN 0 ELSE b_bufsize[h]
    IN
    /\ b_flags' = [b_flags EXCEPT ![h] = f2]
    /\ b_bufsize' = [b_bufsize EXCEPT ![h] = size]
    /\ bufspace' = bufspace - b_bufsize[h] + size
    /\ b_loffset' = [b_loffset EXCEPT ![h] = IF destroy THEN NOBLK ELSE @]
    /\ vntree' = [vntree EXCEPT ![h] = IF destroy THEN "none"
                                      ELSE IF "DELWRI" \in f2 THEN "dirty" ELSE "clean"]
    /\ dirtybufcount' = dirtybufcount - (IF "DELWRI" \in b_flags[h] THEN 1 ELSE 0)
                                      + (IF "DELWRI" \in f2 THEN 1 ELSE 0)
    /\ b_dep' = [b_dep EXCEPT ![h] = IF destroy /\ ~refused THEN "none" ELSE @]   \* io_deallocate drops deps
    /\ Enqueue(h, ReleaseQueue(f2, size))
    /\ lockOwner' = [lockOwner EXCEPT ![h] = NOONE]

(* The owner releases its buffer: brelse() (L1267) or bqrelse() (L1648).  A DELWRI buffer
   that the owner invalidates (B_INVAL, e.g. truncation) discards its pending write: the
   newest value of the block is then what the disk holds.  Contract (L1864): the owner never
   destroys a buffer whose deps would refuse io_deallocate. *)
OwnerRelease(p, keep, inval) ==
    LET h == owned[p]
        f == IF inval THEN b_flags[h] \cup {"INVAL"} ELSE b_flags[h]
    IN
    /\ h # NOONE /\ b_cmd[h] = "DONE"
    /\ ~(keep /\ inval)
    /\ (~keep /\ Destroys(f) /\ ~ClientDestroysPinned) => b_dep[h] # "veto"
    /\ Release(h, f, keep)
    /\ owned' = [owned EXCEPT ![p] = NOONE]
    /\ latest' = IF ~keep /\ Destroys(f) /\ "DELWRI" \in b_flags[h]
                 THEN [latest EXCEPT ![b_loffset[h]] = disk[b_loffset[h]]] ELSE latest
    /\ UNCHANGED <<b_refs, b_cmd, b_data, ioData, runningbufspace, held, disk, nextVal, errors,
                   kwrite, reusedUnderHold>>

brelse(p) == /\ owned[p] # NOONE /\ OwnerRelease(p, FALSE, FALSE)
bqrelse(p) == /\ owned[p] # NOONE /\ OwnerRelease(p, TRUE, FALSE)
binval_brelse(p) == /\ owned[p] # NOONE /\ OwnerRelease(p, FALSE, TRUE)

(* regetblk() (L3000-3006) by the filesystem for a buffer on the LOCKED queue: lock,
   bremfree, and the veto is lifted (B_LOCKED cleared, deps now accept). *)
regetblk(p, h) ==
    /\ owned[p] = NOONE
    /\ b_qindex[h] = "LOCKED" /\ Unlocked(h)
    /\ lockOwner' = [lockOwner EXCEPT ![h] = p]
    /\ owned' = [owned EXCEPT ![p] = h]
    /\ Enqueue(h, "NONE")
    /\ b_flags' = [b_flags EXCEPT ![h] = @ \ {"LOCKED"}]
    /\ b_dep' = [b_dep EXCEPT ![h] = "accept"]
    /\ UNCHANGED <<b_loffset, b_refs, b_cmd, b_data, b_bufsize, vntree, ioData, acctVars, held,
                   disk, latest, nextVal, errors, kwrite, reusedUnderHold>>

(* findblk(FINDBLK_REF) (L2555-2577): a hold on the hashed buffer for b, no lock. *)
findblk_ref(p, b) ==
    /\ held[p] = NOONE
    /\ \E h \in BufFor(b) :
        /\ b_refs' = [b_refs EXCEPT ![h] = @ + 1]
        /\ held' = [held EXCEPT ![p] = h]
    /\ UNCHANGED <<b_loffset, b_flags, b_qindex, lockOwner, b_cmd, b_data, b_bufsize, b_dep,
                   vntree, ioData, bufqueues, acctVars, owned, disk, latest, nextVal, errors,
                   kwrite, reusedUnderHold>>

(* bqdrop() (L1741-1745). *)
bqdrop(p) ==
    /\ held[p] # NOONE
    /\ b_refs' = [b_refs EXCEPT ![held[p]] = @ - 1]
    /\ held' = [held EXCEPT ![p] = NOONE]
    /\ UNCHANGED <<b_loffset, b_flags, b_qindex, lockOwner, b_cmd, b_data, b_bufsize, b_dep,
                   vntree, ioData, bufqueues, acctVars, owned, disk, latest, nextVal, errors,
                   kwrite, reusedUnderHold>>

-----------------------------------------------------------------------------
(* flushbufqueues() (L2334-2475), one buffer: the daemon locks a DELWRI buffer on DIRTY
   and bremfree()s it.  With deps it asks io_checkwrite (L2441): a refusal pins the buffer
   (B_LOCKED) and brelse() puts it on LOCKED; otherwise cluster_awrite ≡ bawrite: the
   lock goes to the kernel and the WRITE is issued with the buffer's current data. *)
flushbufqueues(h) ==
    /\ b_qindex[h] = "DIRTY" /\ Unlocked(h) /\ "DELWRI" \in b_flags[h]
    /\ IF b_dep[h] = "veto" /\ ~DaemonSkipsCheckwrite
       THEN \* io_checkwrite refused: B_LOCKED, brelse (stays DELWRI)
            /\ Release(h, b_flags[h] \cup {"LOCKED"}, FALSE)
            /\ UNCHANGED <<b_refs, b_cmd, b_data, ioData, runningbufspace, kwrite>>
       ELSE \* io_checkwrite returned 0 (or no deps): the write is initiated now
            /\ b_cmd' = [b_cmd EXCEPT ![h] = "WRITE"]
            /\ b_flags' = [b_flags EXCEPT ![h] = @ \ {"ERROR"}]     \* bawrite clears B_ERROR (L1033)
            /\ ioData' = [ioData EXCEPT ![h] = b_data[h]]
            /\ lockOwner' = [lockOwner EXCEPT ![h] = KERN]
            /\ runningbufspace' = runningbufspace + 1
            /\ kwrite' = [kwrite EXCEPT ![h] = TRUE]
            /\ Enqueue(h, "NONE")
            /\ UNCHANGED <<b_loffset, b_refs, b_data, b_bufsize, b_dep, vntree,
                           dirtybufcount, bufspace>>
    /\ UNCHANGED <<owned, held, disk, latest, nextVal, errors, reusedUnderHold>>

(* biodone() → bpdone() (L3514-3714) for a READ: the data arrive (or B_ERROR); B_CACHE is
   set on success.  The reader was waiting in biowait and keeps the lock. *)
biodone_read(h, fail) ==
    /\ b_cmd[h] = "READ"
    /\ fail => errors < MaxErrors
    /\ errors' = IF fail THEN errors + 1 ELSE errors
    /\ b_cmd' = [b_cmd EXCEPT ![h] = "DONE"]
    /\ b_flags' = [b_flags EXCEPT ![h] = IF fail THEN @ \cup {"ERROR"} ELSE @ \cup {"CACHE"}]
    /\ b_data' = [b_data EXCEPT ![h] = IF fail THEN @ ELSE disk[b_loffset[h]]]
    /\ UNCHANGED <<b_loffset, b_qindex, lockOwner, b_refs, b_bufsize, b_dep, vntree, ioData,
                   bufqueues, acctVars, owned, held, disk, latest, nextVal, kwrite,
                   reusedUnderHold>>

(* biodone() → bpdone() for a WRITE: runningbufwakeup; on success the data are on the
   device and bundirty(); on failure bpdone re-dirties (bdirty, L3556-3560) so the data are
   kept.  Then release: an async write (KERNPROC) is brelse()d or bqrelse()d by the
   completion path (L3708-3713); a sync bwrite's caller wakes and brelse()s. *)
biodone_write(h, fail) ==
    LET b == b_loffset[h]
        f1 == IF fail /\ ~BpdoneNoRedirtyOnError THEN b_flags[h] \cup {"DELWRI", "ERROR"}
              ELSE IF fail THEN (b_flags[h] \ {"DELWRI"}) \cup {"ERROR"}
              ELSE b_flags[h] \ {"DELWRI"}
        p == lockOwner[h]
    IN
    /\ b_cmd[h] = "WRITE"
    /\ fail => errors < MaxErrors
    /\ errors' = IF fail THEN errors + 1 ELSE errors
    /\ disk' = IF fail THEN disk ELSE [disk EXCEPT ![b] = ioData[h]]
    /\ b_cmd' = [b_cmd EXCEPT ![h] = "DONE"]
    /\ runningbufspace' = runningbufspace - 1
    /\ kwrite' = [kwrite EXCEPT ![h] = FALSE]
    /\ Release(h, f1, "ERROR" \notin f1)
    /\ owned' = IF p \in Procs THEN [owned EXCEPT ![p] = NOONE] ELSE owned
    /\ UNCHANGED <<b_refs, b_data, ioData, held, latest, nextVal, reusedUnderHold>>

-----------------------------------------------------------------------------
Next ==
    \/ \E p \in Procs, b \in Blocks : getblk_found(p, b)
    \/ \E p \in Procs, b \in Blocks, h \in Hdrs : getblk_new(p, b, h)
    \/ \E p \in Procs, h \in Hdrs : getnewbuf_deallocate_refused(p, h)
    \/ \E p \in Procs : bread(p)
    \/ \E p \in Procs, k \in DepKinds : buf_dep_attach(p, k)
    \/ \E p \in Procs : bdwrite(p)
    \/ \E p \in Procs : bawrite(p)
    \/ \E p \in Procs : bwrite(p)
    \/ \E p \in Procs : brelse(p)
    \/ \E p \in Procs : bqrelse(p)
    \/ \E p \in Procs : binval_brelse(p)
    \/ \E p \in Procs, h \in Hdrs : regetblk(p, h)
    \/ \E p \in Procs, b \in Blocks : findblk_ref(p, b)
    \/ \E p \in Procs : bqdrop(p)
    \/ \E h \in Hdrs : flushbufqueues(h)
    \/ \E h \in Hdrs, fail \in BOOLEAN : biodone_read(h, fail)
    \/ \E h \in Hdrs, fail \in BOOLEAN : biodone_write(h, fail)

Spec == Init /\ [][Next]_vars

(* For liveness: the device completes every I/O (weak fairness) and the daemon gets to a
   dirty buffer that keeps becoming unlocked (strong fairness: clients may re-lock it). *)
DeviceAndDaemonFair ==
    /\ \A h \in Hdrs : WF_vars(\E fail \in BOOLEAN : biodone_write(h, fail) \/ biodone_read(h, fail))
    /\ \A h \in Hdrs : SF_vars(flushbufqueues(h))

(* ... and no client keeps a buffer locked for ever (weak fairness on its release). *)
FairSpec == Spec /\ DeviceAndDaemonFair /\ \A p \in Procs : WF_vars(bqrelse(p))

(* Without the clients' fairness: a client may sit on the dirty buffer for ever, so
   DirtyEventuallyWrittenProp must fail (MCBufCache_LivenessClientHolds.cfg). *)
ClientMayHoldSpec == Spec /\ DeviceAndDaemonFair

-----------------------------------------------------------------------------
(* Invariants: names as in proofs-notes/invariants.md (buffer cache table). *)

\* I1: at most one hashed buffer per (vnode, offset).
UniqueIdentityInv ==
    \A h1, h2 \in Hdrs : h1 # h2 /\ Hashed(h1) /\ Hashed(h2) => b_loffset[h1] # b_loffset[h2]

\* I2: B_HASHED <=> b_vp # NULL.
HashedIffVnodeInv ==
    \A h \in Hdrs : Hashed(h) <=> b_loffset[h] # NOBLK

\* I3: an unlocked associated buffer is on exactly one vnode tree, the dirty one iff B_DELWRI.
VnodeTreeMatchesDelwriInv ==
    \A h \in Hdrs :
        /\ b_loffset[h] = NOBLK <=> vntree[h] = "none"
        /\ Unlocked(h) /\ b_loffset[h] # NOBLK => (vntree[h] = "dirty" <=> "DELWRI" \in b_flags[h])

\* I4: every header is on exactly the queue its b_qindex names, or on none.
QueueWellFormedInv ==
    /\ \A h \in Hdrs, q \in Queues \ {"NONE"} : h \in bufqueues[q] <=> b_qindex[h] = q
    /\ bufqueues["NONE"] = {}

\* I5: EMPTY/CLEAN/DIRTY/LOCKED hold only buffers with the matching flags (unlocked buffers).
QueueContentInv ==
    \A h \in Hdrs : Unlocked(h) =>
        /\ b_qindex[h] = "EMPTY" => b_bufsize[h] = 0 /\ b_loffset[h] = NOBLK
                                    /\ "INVAL" \in b_flags[h] /\ "DELWRI" \notin b_flags[h]
        /\ b_qindex[h] = "CLEAN" => "DELWRI" \notin b_flags[h] /\ "LOCKED" \notin b_flags[h]
        /\ b_qindex[h] = "DIRTY" => "DELWRI" \in b_flags[h] /\ "LOCKED" \notin b_flags[h]
        /\ b_qindex[h] = "LOCKED" => "LOCKED" \in b_flags[h]

\* I6: a held (locked) buffer is on no queue, and a queued buffer is unlocked (no windows at this granularity); a client's buffer is locked by it or by the kernel.
PossessionInv ==
    /\ \A h \in Hdrs : (b_qindex[h] = "NONE") <=> ~Unlocked(h)
    /\ \A p \in Procs : owned[p] # NOONE => lockOwner[owned[p]] = p
    /\ \A h \in Hdrs : lockOwner[h] \in Procs => owned[lockOwner[h]] = h

\* I7: an I/O in flight means the buffer is off the queues and locked.
CmdInFlightLockedInv ==
    \A h \in Hdrs : b_cmd[h] # "DONE" => b_qindex[h] = "NONE" /\ ~Unlocked(h)

\* I8: runningbufspace only counts writes that have not reached biodone.
RunningSpaceOnlyWritesInv ==
    runningbufspace = Cardinality({h \in Hdrs : b_cmd[h] = "WRITE"})

\* I9: a KERNPROC-owned lock means an async I/O is in flight.
KernprocHasIoInv ==
    \A h \in Hdrs : lockOwner[h] = KERN => b_cmd[h] # "DONE"

\* I10: the counters equal their exact sums; a DELWRI buffer is counted once.
AccountingInv ==
    /\ dirtybufcount = Cardinality({h \in Hdrs : "DELWRI" \in b_flags[h]})
    /\ bufspace = Cardinality({h \in Hdrs : b_bufsize[h] = 1})
    /\ runningbufspace >= 0

\* I11: a DELWRI buffer has memory and an identity.
DelwriHasBackingInv ==
    \A h \in Hdrs : "DELWRI" \in b_flags[h] => b_bufsize[h] > 0 /\ b_loffset[h] # NOBLK

\* I13: an unlocked DELWRI buffer is valid (B_CACHE).
DelwriImpliesCacheInv ==
    \A h \in Hdrs : Unlocked(h) /\ "DELWRI" \in b_flags[h] => "CACHE" \in b_flags[h]

\* I14: a B_LOCKED buffer is never recycled: it keeps its identity and its deps.
LockedNotRecycledInv ==
    \A h \in Hdrs : "LOCKED" \in b_flags[h] => Hashed(h) /\ b_dep[h] # "none"

\* I15: getnewbuf never returns a header with b_refs # 0.
NoReuseUnderHoldInv == ~reusedUnderHold

\* I16: b_refs >= 0, and equals the number of holders.
RefsNonNegativeInv ==
    \A h \in Hdrs : b_refs[h] >= 0 /\ b_refs[h] = Cardinality({p \in Procs : held[p] = h})

\* I18: a delayed write is never silently lost: the newest value of a block is on the disk, or in a DELWRI buffer, or in a WRITE in flight.
NoSilentLossInv ==
    \A b \in Blocks :
        latest[b] # disk[b] =>
            \E h \in BufFor(b) : \/ "DELWRI" \in b_flags[h] /\ b_data[h] = latest[b]
                                 \/ b_cmd[h] = "WRITE" /\ ioData[h] = latest[b]

\* I19: an unlocked B_CACHE, not B_INVAL buffer holds the newest value of its block.
CoherenceInv ==
    \A h \in Hdrs :
        Unlocked(h) /\ Hashed(h) /\ "CACHE" \in b_flags[h] /\ "INVAL" \notin b_flags[h]
            => b_data[h] = latest[b_loffset[h]]

\* I20: READ is only issued on a buffer without B_CACHE.
NoReadOverValidInv ==
    \A h \in Hdrs : b_cmd[h] = "READ" => "CACHE" \notin b_flags[h]

\* L1 (§9.1): a dirty buffer whose filesystem does not veto the write is eventually clean (written, or invalidated by its owner).
DirtyEventuallyWrittenProp ==
    \A h \in Hdrs : ("DELWRI" \in b_flags[h] /\ b_dep[h] # "veto") ~> ("DELWRI" \notin b_flags[h] \/ b_dep[h] = "veto")

\* HAMMER I12 (checked here at the hook): the kernel never writes a buffer whose io_checkwrite refuses.
MetaNeverKernelWrittenInv ==
    \A h \in Hdrs : kwrite[h] => b_dep[h] # "veto"
=============================================================================
