\* SPDX-License-Identifier: BSD-3-Clause
-------------------------- MODULE HammerFinalizeCrash --------------------------
(***************************************************************************)
(* HAMMER's finalize ordering (UNDO before meta-data, first_offset lagged  *)
(* one cycle) over a device with a volatile write cache, and UNDO crash    *)
(* recovery.  Source: hammer_flusher.c (seed 002) hammer_flusher_finalize  *)
(* fl:L616-883 and flush_undos fl:L888-914; hammer_io.c wait_all io:L188-  *)
(* 227 and flush_sync io:L1966-1994 (the barrier); recovery stage 1 as     *)
(* described in shared/reference/hammer_io_flusher.md 4.4-4.6 and 7.2.    *)
(*                                                                         *)
(* Abstractions.  Meta-data is NBlocks blocks; each holds the number of    *)
(* the data version it points to (0 = the initial, durable data).  An     *)
(* UNDO record is <<block, old value>>; its FIFO sequence number is its    *)
(* index in undoMem (no wrap).  The volume header is <<first, next>> of    *)
(* the UNDO FIFO.  A write is "pending" from issue until it is durable:    *)
(* completed-but-cached and in-flight writes are both lost or kept by a    *)
(* crash, so one set models both; a barrier (wait_all + flush_sync,        *)
(* doflush = 1) makes all durable.  A crash keeps ANY subset of the        *)
(* pending writes: the invariants below quantify over every subset, run    *)
(* recovery on it and check the result, so no crash state is stored, and   *)
(* no action is needed for a single write reaching the media on its own    *)
(* (that is one of the subsets).  The one place where the order of such    *)
(* destaging matters is a second write to a block whose first write is     *)
(* still pending: Supersede lets the first one land before, or never.  Not modelled: the blockmap copy of step 5 *)
(* (one more UNDO'd block), REDO, FIFO wrap, write errors, Q1.             *)
(*                                                                         *)
(* Action names: the finalize steps carry the step numbers of the note's   *)
(* section 4.4 (FinData = step 3, ...); Java: HammerFlusher.finalize.      *)
(*                                                                         *)
(* Mutations 1-7 of the note's section 7.2 (FALSE in the normal configs;  *)
(* names as the Java port's HammerMutations fields):                       *)
(*   1 MetaBeforeUndoBarrier    meta-data issued before barrier1           *)
(*   2 FirstOffsetNotLagged     header first := save in the same cycle     *)
(*   3 V3NoHeaderBarrier        version < 4 without barrier3               *)
(*   4 BarrierWithoutCacheFlush barriers wait but do not flush the cache   *)
(*   5 DataAfterMeta            data flushed after the meta-data is issued *)
(*   6 KeepUndoHistory          UNDO history not cleared at a final one    *)
(*   7 ClearHistoryAtPartial    history also cleared at a non-final        *)
(*                              finalize with first unchanged (non-bug)    *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    NBlocks,      \* meta-data blocks 1..NBlocks
    MaxData,      \* data versions 1..MaxData may be written
    MaxCycles,    \* final finalizes (cycles)
    MaxPartial,   \* non-final finalizes (meta_limit) in total
    MaxMods,      \* meta-data modifications per cycle
    V4,           \* volume version >= 4 (recovery finds the FIFO end by seqno scan)
    KernelWrites, \* the kernel may write DATA / UNDO buffers early (checkwrite)
    MetaBeforeUndoBarrier, FirstOffsetNotLagged, V3NoHeaderBarrier,
    BarrierWithoutCacheFlush, DataAfterMeta, KeepUndoHistory, ClearHistoryAtPartial

Blocks == 1..NBlocks
Vals == 0..MaxData
NoHdr == [first |-> 0, next |-> 0]
None == MaxData + 1            \* "no pending write" for a meta block

VARIABLES
    mem,          \* in-memory meta-data: block -> data version it points to
    disk,         \* durable meta-data
    metaDirty,    \* meta blocks modified since their last write was issued
    metaPend,     \* block -> value of its pending write, or None
    dataNext,     \* next data version to create
    dataDirty,    \* data versions in memory only
    dataPend, dataDur,   \* data versions pending / durable
    undoMem,      \* UNDO records appended in memory; seq = index
    undoPend, undoDur,   \* seqs pending / durable
    history,      \* blocks with an UNDO in the current span (duplicate suppression)
    cFirst,       \* in-core UNDO first_offset (a seq)
    img,          \* the in-memory volume header image <<first, next>>
    hdrPend,      \* pending header write, or NoHdr
    hdrDisk,      \* durable header
    pcFin,        \* finalize step
    final,        \* the running finalize is final
    saveNext,     \* save_undo_next_offset
    syncEx,       \* sync_lock held exclusively (meta-data frozen)
    snaps,        \* snaps[k+1] = mem at cycle k's sync_lock_ex; snaps[1] = initial
    cycles,       \* final finalizes completed
    partials,     \* non-final finalizes run
    mods,         \* modifications in this cycle
    hdrPendFloor, \* cycle k such that the last issued header has first = save_k
    ack           \* the flusher knows snaps[ack+1] survives any crash

vars == <<mem, disk, metaDirty, metaPend, dataNext, dataDirty, dataPend, dataDur,
          undoMem, undoPend, undoDur, history, cFirst, img, hdrPend, hdrDisk, pcFin,
          final, saveNext, syncEx, snaps, cycles, partials, mods, hdrPendFloor, ack>>

cNext == Len(undoMem) + 1      \* in-core UNDO next_offset

TypeOK ==
    /\ mem \in [Blocks -> Vals] /\ disk \in [Blocks -> Vals]
    /\ metaDirty \subseteq Blocks /\ metaPend \in [Blocks -> Vals \cup {None}]
    /\ dataNext \in 1..(MaxData + 1)
    /\ dataDirty \cup dataPend \cup dataDur \subseteq 1..MaxData
    /\ undoMem \in Seq([b : Blocks, old : Vals])
    /\ undoPend \cup undoDur \subseteq 1..Len(undoMem)
    /\ history \subseteq Blocks
    /\ pcFin \in {"Idle", "Data", "LockEx", "Save", "MetaEarly", "Barrier1", "Hdr",
                  "Barrier3", "Meta", "DataLate", "Final"}

Init ==
    /\ mem = [b \in Blocks |-> 0] /\ disk = [b \in Blocks |-> 0]
    /\ metaDirty = {} /\ metaPend = [b \in Blocks |-> None]
    /\ dataNext = 1 /\ dataDirty = {} /\ dataPend = {} /\ dataDur = {}
    /\ undoMem = <<>> /\ undoPend = {} /\ undoDur = {} /\ history = {}
    /\ cFirst = 1 /\ img = [first |-> 1, next |-> 1] /\ hdrPend = NoHdr
    /\ hdrDisk = [first |-> 1, next |-> 1]
    /\ pcFin = "Idle" /\ final = FALSE /\ saveNext = 1 /\ syncEx = FALSE
    /\ snaps = <<[b \in Blocks |-> 0]>> /\ cycles = 0 /\ partials = 0 /\ mods = 0
    /\ hdrPendFloor = 0 /\ ack = 0

DevVars == <<disk, metaPend, dataPend, dataDur, undoPend, undoDur, hdrPend, hdrDisk>>
FrontVars == <<mem, metaDirty, dataNext, dataDirty, undoMem, history, mods>>
FinVars == <<cFirst, img, pcFin, final, saveNext, syncEx, snaps, cycles, partials,
             hdrPendFloor, ack>>

----------------------------------------------------------------------------
(* Frontend and backend changes.                                           *)

\* new file data in a DATA buffer (no sync_lock needed; fresh space)
WriteData ==
    /\ dataNext <= MaxData
    /\ dataDirty' = dataDirty \cup {dataNext} /\ dataNext' = dataNext + 1
    /\ UNCHANGED <<mem, metaDirty, undoMem, history, mods, DevVars, FinVars>>

\* hammer_modify_buffer under sync_lock shared (io:L859-895): the first
\* change of a block in the span appends an UNDO of its old contents
\* (hammer_generate_undo, history suppresses duplicates), then it changes
Modify(b, v) ==
    /\ ~syncEx /\ mods < MaxMods
    /\ v < dataNext /\ v # mem[b]
    /\ IF b \in history
       THEN UNCHANGED <<undoMem, history>>
       ELSE /\ undoMem' = Append(undoMem, [b |-> b, old |-> mem[b]])
            /\ history' = history \cup {b}
    /\ mem' = [mem EXCEPT ![b] = v]
    /\ metaDirty' = metaDirty \cup {b}
    /\ mods' = mods + 1
    /\ UNCHANGED <<dataNext, dataDirty, DevVars, FinVars>>

\* the kernel may write DATA and UNDO buffers at any time (checkwrite allows them)
EarlyData(d) ==
    /\ KernelWrites /\ d \in dataDirty
    /\ dataDirty' = dataDirty \ {d} /\ dataPend' = dataPend \cup {d}
    /\ UNCHANGED <<mem, metaDirty, dataNext, undoMem, history, mods, disk, metaPend,
                   dataDur, undoPend, undoDur, hdrPend, hdrDisk, FinVars>>

EarlyUndo(s) ==
    /\ KernelWrites /\ s \in 1..Len(undoMem) /\ s \notin undoPend \cup undoDur
    /\ undoPend' = undoPend \cup {s}
    /\ UNCHANGED <<FrontVars, disk, metaPend, dataPend, dataDur, undoDur, hdrPend,
                   hdrDisk, FinVars>>

----------------------------------------------------------------------------
(* The device.                                                             *)

\* everything pending becomes durable
AllDurable ==
    /\ disk' = [b \in Blocks |-> IF metaPend[b] # None THEN metaPend[b] ELSE disk[b]]
    /\ metaPend' = [b \in Blocks |-> None]
    /\ dataDur' = dataDur \cup dataPend /\ dataPend' = {}
    /\ undoDur' = undoDur \cup undoPend /\ undoPend' = {}
    /\ hdrDisk' = (IF hdrPend # NoHdr THEN hdrPend ELSE hdrDisk)
    /\ hdrPend' = NoHdr

\* hammer_io_wait_all(doflush = 1): wait for every issued write, then
\* flush_sync; commit point: everything issued before is durable.  The
\* flusher now counts the last issued header as durable (ack).
Barrier ==
    /\ IF BarrierWithoutCacheFlush THEN UNCHANGED DevVars ELSE AllDurable
    /\ ack' = IF hdrPendFloor > ack THEN hdrPendFloor ELSE ack

----------------------------------------------------------------------------
(* hammer_flusher_finalize (fl:L616-883), step numbers of the note's 4.4.  *)

\* steps 0-2: a final finalize ends a cycle; a non-final one (meta_limit)
\* writes meta-data early without moving first_offset
FinBegin ==
    /\ pcFin = "Idle"
    /\ \E f \in BOOLEAN :
          /\ IF f THEN cycles < MaxCycles ELSE partials < MaxPartial
          /\ final' = f
          /\ partials' = IF f THEN partials ELSE partials + 1
    /\ pcFin' = IF DataAfterMeta THEN "LockEx" ELSE "Data"
    /\ UNCHANGED <<FrontVars, DevVars, cFirst, img, saveNext, syncEx, snaps, cycles,
                   hdrPendFloor, ack>>

\* step 3 (fl:L657-668): issue every dirty data buffer, asynchronously
FinData ==
    /\ pcFin \in {"Data", "DataLate"}
    /\ dataPend' = dataPend \cup dataDirty /\ dataDirty' = {}
    /\ pcFin' = IF pcFin = "Data" THEN "LockEx" ELSE "Final"
    /\ UNCHANGED <<mem, metaDirty, dataNext, undoMem, history, mods, disk, metaPend,
                   dataDur, undoPend, undoDur, hdrPend, hdrDisk, cFirst, img, final,
                   saveNext, syncEx, snaps, cycles, partials, hdrPendFloor, ack>>

\* step 4 (fl:L674): sync_lock_ex, meta-data is frozen; a final finalize's
\* snapshot S_N is taken here
FinLockEx ==
    /\ pcFin = "LockEx"
    /\ syncEx' = TRUE
    /\ snaps' = IF final THEN Append(snaps, mem) ELSE snaps
    /\ pcFin' = "Save"
    /\ UNCHANGED <<FrontVars, DevVars, cFirst, img, final, saveNext, cycles, partials,
                   hdrPendFloor, ack>>

\* step 6a (fl:L706-710 + flush_undos): save next_offset, issue every UNDO
\* record before it
FinSaveUndo ==
    /\ pcFin = "Save"
    /\ saveNext' = cNext
    /\ undoPend' = undoPend \cup ((1..Len(undoMem)) \ undoDur)
    /\ pcFin' = IF MetaBeforeUndoBarrier THEN "MetaEarly" ELSE "Barrier1"
    /\ UNCHANGED <<FrontVars, disk, metaPend, dataPend, dataDur, undoDur, hdrPend, hdrDisk,
                   cFirst, img, final, syncEx, snaps, cycles, partials, hdrPendFloor, ack>>

\* step 6b (fl:L910 wait_all(doflush = 1)): UNDO and data are durable here;
\* only now may meta-data be written
FinBarrier1 ==
    /\ pcFin = "Barrier1"
    /\ Barrier
    /\ pcFin' = "Hdr"
    /\ UNCHANGED <<FrontVars, cFirst, img, final, saveNext, syncEx, snaps, cycles,
                   partials, hdrPendFloor>>

\* steps 7-8 (fl:L738-771): header := <<in-core first, saved next>>, no UNDO
\* for the indices; write the header (write_interlock, flush, done_interlock)
FinHdr ==
    /\ pcFin = "Hdr"
    /\ LET h == [first |-> IF FirstOffsetNotLagged THEN saveNext ELSE cFirst, next |-> saveNext]
       IN IF h # img \/ final
          THEN /\ img' = h /\ hdrPend' = h
               /\ hdrPendFloor' = cycles
               /\ \/ UNCHANGED hdrDisk                                  \* Supersede
                  \/ hdrPend # NoHdr /\ hdrDisk' = hdrPend
          ELSE UNCHANGED <<img, hdrPend, hdrPendFloor, hdrDisk>>
    /\ pcFin' = IF ~V4 THEN "Barrier3" ELSE IF MetaBeforeUndoBarrier THEN "Final" ELSE "Meta"
    /\ UNCHANGED <<FrontVars, disk, metaPend, dataPend, dataDur, undoPend, undoDur,
                   cFirst, final, saveNext, syncEx, snaps, cycles, partials, ack>>

\* step 9 (fl:L783-784): version < 4 trusts the header's next_offset, so the
\* header is made durable before any meta-data write
FinBarrier3 ==
    /\ pcFin = "Barrier3"
    /\ IF V3NoHeaderBarrier THEN UNCHANGED <<DevVars, ack>> ELSE Barrier
    /\ pcFin' = IF MetaBeforeUndoBarrier THEN "Final" ELSE "Meta"
    /\ UNCHANGED <<FrontVars, cFirst, img, final, saveNext, syncEx, snaps, cycles,
                   partials, hdrPendFloor>>

\* step 10 (fl:L803-813): issue every dirty meta buffer, asynchronously
FinMeta ==
    /\ pcFin \in {"Meta", "MetaEarly"}
    /\ \E landed \in SUBSET {b \in metaDirty : metaPend[b] # None} :   \* Supersede
          disk' = [b \in Blocks |-> IF b \in landed THEN metaPend[b] ELSE disk[b]]
    /\ metaPend' = [b \in Blocks |-> IF b \in metaDirty THEN mem[b] ELSE metaPend[b]]
    /\ metaDirty' = {}
    /\ pcFin' = IF pcFin = "MetaEarly" THEN "Barrier1" ELSE IF DataAfterMeta THEN "DataLate" ELSE "Final"
    /\ UNCHANGED <<mem, dataNext, dataDirty, undoMem, history, mods, dataPend, dataDur,
                   undoPend, undoDur, hdrPend, hdrDisk, cFirst, img, final, saveNext,
                   syncEx, snaps, cycles, partials, hdrPendFloor, ack>>

\* steps 11-12 (fl:L833-869): a final finalize moves the in-core first_offset
\* to the saved next (the on-disk one follows in the NEXT cycle's header) and
\* clears the UNDO history; sync_unlock
FinFinal ==
    /\ pcFin = "Final"
    /\ IF final
       THEN /\ cFirst' = saveNext
            /\ history' = IF KeepUndoHistory THEN history ELSE {}
            /\ cycles' = cycles + 1 /\ mods' = 0
       ELSE /\ history' = IF ClearHistoryAtPartial /\ cFirst = img.first THEN {} ELSE history
            /\ UNCHANGED <<cFirst, cycles, mods>>
    /\ syncEx' = FALSE
    /\ pcFin' = "Idle"
    /\ UNCHANGED <<mem, metaDirty, dataNext, dataDirty, undoMem, DevVars, img, final,
                   saveNext, snaps, partials, hdrPendFloor, ack>>

\* the bounded run is over (not a deadlock)
Halt ==
    /\ cycles = MaxCycles /\ pcFin = "Idle"
    /\ UNCHANGED vars

Next ==
    \/ Halt
    \/ WriteData \/ \E b \in Blocks, v \in Vals : Modify(b, v)
    \/ \E d \in 1..MaxData : EarlyData(d)
    \/ \E s \in 1..Len(undoMem) : EarlyUndo(s)
    \/ FinBegin \/ FinData \/ FinLockEx \/ FinSaveUndo \/ FinBarrier1 \/ FinHdr
    \/ FinBarrier3 \/ FinMeta \/ FinFinal

Spec == Init /\ [][Next]_vars

----------------------------------------------------------------------------
(* Crash and recovery (recover.c stage 1): read first from the durable     *)
(* header; the end is the header's next (v < 4) or the end of the run of   *)
(* contiguous durable sequence numbers from first (v4); apply the UNDOs in *)
(* descending order, so each block ends with the old value of its          *)
(* earliest record in the range.                                           *)

PendLocs ==
    {<<"D", d>> : d \in dataPend} \cup {<<"U", s>> : s \in undoPend}
    \cup {<<"M", b>> : b \in {c \in Blocks : metaPend[c] # None}}
    \cup (IF hdrPend # NoHdr THEN {<<"H", 0>>} ELSE {})

\* what a crash that keeps exactly the pending writes K leaves, and recovers to
Crash(K) ==
    LET hdr == IF <<"H", 0>> \in K THEN hdrPend ELSE hdrDisk
        undo == undoDur \cup {s \in undoPend : <<"U", s>> \in K}
        meta == [b \in Blocks |-> IF <<"M", b>> \in K THEN metaPend[b] ELSE disk[b]]
        data == dataDur \cup {d \in dataPend : <<"D", d>> \in K}
        end == IF V4
               THEN CHOOSE e \in hdr.first..(Len(undoMem) + 1) :
                        e \notin undo /\ \A s \in hdr.first..(e - 1) : s \in undo
               ELSE hdr.next
        range == hdr.first..(end - 1)
        rec == [b \in Blocks |->
                  LET ss == {s \in range : s \in undo /\ undoMem[s].b = b}
                  IN IF ss = {} THEN meta[b]
                     ELSE undoMem[CHOOSE s \in ss : \A t \in ss : s <= t].old]
    IN [hdr |-> hdr, undo |-> undo, data |-> data, range |-> range,
        ok |-> \A s \in range : s \in undo,     \* v < 4 may read garbage records
        meta |-> rec]

SnapsFrom(k) == {snaps[i] : i \in (k + 1)..Len(snaps)}

\* after recovery, meta-data equals some completed cycle's snapshot
RecoveryConsistentInv ==
    \A K \in SUBSET PendLocs : LET r == Crash(K) IN r.ok /\ r.meta \in SnapsFrom(0)

\* ... no older than the last cycle the flusher knows to be durable
RecoveryDurableInv ==
    \A K \in SUBSET PendLocs : LET r == Crash(K) IN r.ok => r.meta \in SnapsFrom(ack)

\* not in invariants.md (a question, not a guarantee of the notes): after cycle
\* N's final finalize, flush_tid1 names cycle N-1 as "fully synchronized,
\* crash-proof" (fl:L845-855); does every crash recover to S_{N-1} or later?
Tid1CrashProof ==
    \A K \in SUBSET PendLocs : LET r == Crash(K) IN
        r.ok => r.meta \in SnapsFrom(IF cycles > 0 THEN cycles - 1 ELSE 0)

\* every data version that meta-data references is durable
DataBeforeMetaInv ==
    \A K \in SUBSET PendLocs : LET r == Crash(K) IN
        \A b \in Blocks : r.meta[b] = 0 \/ r.meta[b] \in r.data

\* the durable header never points beyond durable UNDO
HeaderAfterUndoInv ==
    \A K \in SUBSET PendLocs : LET r == Crash(K) IN
        \A s \in r.hdr.first..(r.hdr.next - 1) : s \in r.undo

=============================================================================
