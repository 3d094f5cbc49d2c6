\* SPDX-License-Identifier: BSD-3-Clause
-------------------------- MODULE HammerIoProtocol --------------------------
(***************************************************************************)
(* HAMMER's modify / release / checkwrite protocol for ONE hammer_io of    *)
(* type T, over a kernel buffer (bp) that HAMMER and the kernel hand to    *)
(* each other.  Source: hammer_io.c (seed 000), engineering note           *)
(* shared/reference/hammer_io_flusher.md sections 2, 5 and 7.1.            *)
(*                                                                         *)
(* Actors: the frontends F (symmetric), the flusher Fl (finalize's data /  *)
(* meta loops), the kernel buffer daemon (checkwrite), the kernel          *)
(* reclaimer (getnewbuf -> deallocate) and the device completion.  Each    *)
(* action is one maximal non-blocking code segment (fs_token/io_token are  *)
(* LWKT tokens, released at every blocking point; see MidPcs and           *)
(* FsTokenFree); each bioops callback is one atomic step.  Action names    *)
(* are the Java method names of dev.bioref.hammer.HammerIo (the seed name  *)
(* without "hammer_io_"), split                                            *)
(* at the blocking points: modify = ModBegin, LockEx, Reget, SetMod;       *)
(* release = RelStart, RelDispose, RelReget, RelDone/RelBrelse; flush =    *)
(* FlushBegin, FlushSecure, FlushIssue.                                    *)
(*                                                                         *)
(* Abstract contents: memVer is the version in the bp, diskVer the one on  *)
(* the media, inflightVer the one a running write carries.                 *)
(*                                                                         *)
(* Mutation switches (all FALSE in the normal configs).  Each TRUE value   *)
(* removes the guard it is named after, or installs the named bug:         *)
(*   ClearAfterWrite        flush clears modified after bawrite (R2)       *)
(*   FlushWithoutInterlock  flusher skips write_interlock / sync_lock_ex   *)
(*   CheckwriteAllowsMeta   checkwrite lets the kernel write META/VOLUME   *)
(*   ReleaseBdwritesMeta    release bdwrite()s a modified META/VOLUME bp   *)
(*   DeallocIgnoresRefs     deallocate skips try_interlock_norefs (R4)     *)
(*   DeallocIgnoresModified deallocate disassociates a modified io         *)
(*   CwNoInterlock          checkwrite skips try_interlock_norefs          *)
(*   CwIgnoreModRefs        checkwrite clears modified even if modRefs # 0 *)
(*   SetModifiedAfterReget  modify sets modified BEFORE regetblk           *)
(* (Java HammerMutations: the same names in lower camel case; checked by *)
(* dev.bioref.model.MutantNamesTest.)                                      *)
(*                                                                         *)
(* Not modelled: write errors (critErr / ioerror), waitdep and the         *)
(* flush=1 unload path of release, direct I/O, the brelse-under-VM-        *)
(* pressure call of deallocate (equivalent here to the reclaimer acting    *)
(* on the CLEAN queue right after the brelse).                             *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

CONSTANTS
    F,          \* frontend threads (model values, symmetric)
    Fl,         \* the flusher thread (model value)
    NoOne,      \* "nobody holds it" (model value)
    T,          \* type of the io: "DATA", "UNDO", "META" or "VOLUME"
    MaxVer,     \* frontends stop modifying once memVer reaches MaxVer
    ClearAfterWrite, FlushWithoutInterlock, CheckwriteAllowsMeta,
    ReleaseBdwritesMeta, DeallocIgnoresRefs, DeallocIgnoresModified,
    CwNoInterlock, CwIgnoreModRefs, SetModifiedAfterReget

ASSUME T \in {"DATA", "UNDO", "META", "VOLUME"} /\ MaxVer \in Nat
ASSUME Fl \notin F /\ NoOne \notin F \cup {Fl}

A == F \cup {Fl}                         \* HAMMER threads
MetaTypes == {"META", "VOLUME"}
\* META is flushed under sync_lock_ex with KKASSERT(modify_refs == 0) (fl:L806);
\* DATA, UNDO and the root VOLUME use write_interlock (fl:L661, L768, L900).
UsesSyncLock == T = "META"

VARIABLES
    assoc,        \* io->bp != NULL
    released,     \* io->released: the bp has been handed back to the kernel
    modified,     \* io->modified: HAMMER's only dirty bit; guarded by the io lock + fs_token
    running,      \* io->running: a HAMMER-tracked write is in flight (io_token)
    reclaim,      \* io->reclaim: destroy the bp when it is disassociated
    modRefs,      \* io->modify_refs: threads inside modify..modify_done; -1 = write interlock
    refs,         \* io->lock.refs without the flag bits
    check,        \* the CHECK flag of io->lock.refs
    ilock,        \* holder of the refs-interlock (LOCKED flag), "Kd" (checkwrite), or NoOne
    lockEx,       \* holder of io->lock.lockval (hammer_lock_ex in modify), or NoOne
    syncEx,       \* the flusher holds sync_lock exclusively (META only)
    bpLock,       \* "FREE", "H" (HAMMER owns it, BUF_KERNPROC), "K" (kernel I/O), or
                  \* "CwClear"/"CwKeep" (the kernel inside checkwrite, with its decision)
    bq,           \* queue of the released bp: "NONE", "CLEAN", "DIRTY", "LOCKED"
    delwri,       \* B_DELWRI
    blocked,      \* B_LOCKED: HAMMER owes the kernel a disposal
    modRoot,      \* io->mod_root: "NONE", "TYPE" (the tree of T) or "LOSE"
    memVer, diskVer, inflightVer,
    lostData,        \* history: a bp was destroyed holding data newer than the disk
    kernelWroteMeta, \* history: checkwrite let the kernel write a META/VOLUME bp
    asleep,       \* threads sleeping in hammer_io_wait (waiting == asleep # {})
    pc            \* program counter of every HAMMER thread

vars == <<assoc, released, modified, running, reclaim, modRefs, refs, check,
          ilock, lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot,
          memVer, diskVer, inflightVer, lostData, kernelWroteMeta, asleep, pc>>

waiting == asleep # {}   \* io->waiting

\* program counters where a thread holds a ref and has finished loading
FrontRefPcs == {"Active", "LockEx", "Reget", "SetMod", "Mutate", "ModDone", "WaitSleep"}
\* between hammer_io_modify's first step and hammer_io_modify_done
ModWindowPcs == {"LockEx", "Reget", "SetMod", "Mutate", "ModDone"}
FlushIssuePcs == {"FlIssue", "FlClear", "RelIssue", "RelClear"}

\* try_interlock_norefs succeeds only if the whole refs word is 0 (subs.c)
NoRefs == refs = 0 /\ ilock = NoOne /\ ~check

TypeOK ==
    /\ assoc \in BOOLEAN /\ released \in BOOLEAN /\ modified \in BOOLEAN
    /\ running \in BOOLEAN /\ reclaim \in BOOLEAN /\ check \in BOOLEAN
    /\ modRefs \in -1..Cardinality(F)
    /\ refs \in 0..Cardinality(A)
    /\ ilock \in A \cup {NoOne, "Kd"} /\ lockEx \in F \cup {NoOne} /\ syncEx \in BOOLEAN
    /\ bpLock \in {"FREE", "H", "K", "CwClear", "CwKeep"}
    /\ bq \in {"NONE", "CLEAN", "DIRTY", "LOCKED"}
    /\ delwri \in BOOLEAN /\ blocked \in BOOLEAN
    /\ modRoot \in {"NONE", "TYPE", "LOSE"}
    /\ memVer \in 0..(MaxVer + Cardinality(F))
    /\ diskVer \in 0..(MaxVer + Cardinality(F))
    /\ inflightVer \in 0..(MaxVer + Cardinality(F))
    /\ lostData \in BOOLEAN /\ kernelWroteMeta \in BOOLEAN
    /\ asleep \subseteq F

Init ==
    /\ assoc = FALSE /\ released = TRUE /\ modified = FALSE /\ running = FALSE
    /\ reclaim = FALSE /\ modRefs = 0 /\ refs = 0 /\ check = FALSE
    /\ ilock = NoOne /\ lockEx = NoOne /\ syncEx = FALSE
    /\ bpLock = "FREE" /\ bq = "NONE" /\ delwri = FALSE /\ blocked = FALSE
    /\ modRoot = "NONE" /\ memVer = 0 /\ diskVer = 0 /\ inflightVer = 0
    /\ lostData = FALSE /\ kernelWroteMeta = FALSE /\ asleep = {}
    /\ pc = [a \in A |-> "Idle"]

Goto(a, l) == pc' = [pc EXCEPT ![a] = l]

(***************************************************************************)
(* fs_token: HAMMER threads interleave only where one of them blocks (or   *)
(* yields at a contended token).  A thread at a MidPcs label got there     *)
(* without blocking and still holds fs_token, so no other HAMMER thread    *)
(* may run; the kernel (io_token and the bp lock only) still may.  The     *)
(* late clear of the ClearAfterWrite mutant (FlClear, RelClear) follows    *)
(* bawrite, which may block, so it is not a MidPcs label.                  *)
(***************************************************************************)
MidPcs == {"RelStart", "RelFlush", "RelIssue", "RelDispose", "RelDone",
           "RelBrelse", "FlFlush", "FlIssue", "FlDone", "FlRel"}
FsTokenFree(a) == \A b \in A \ {a} : pc[b] \notin MidPcs

(***************************************************************************)
(* disassociate (io:L121-157): io->bp = NULL, B_LOCKED and reclaim are     *)
(* cleared, the bp goes back to the kernel and may be destroyed; what it   *)
(* held is gone, so a bp destroyed with memVer # diskVer is lost data.     *)
(* Callers fix released (it stays 1), modified and modRoot themselves.     *)
(***************************************************************************)
DisassocVars == <<assoc, bpLock, bq, delwri, blocked, reclaim, memVer, lostData>>
DisassociateAt(dv) ==   \* dv: the version on the media once this step is done
    /\ assoc' = FALSE /\ bpLock' = "FREE" /\ bq' = "NONE" /\ delwri' = FALSE
    /\ blocked' = FALSE /\ reclaim' = FALSE
    /\ lostData' = (lostData \/ memVer # dv)
    /\ memVer' = dv
Disassociate == DisassociateAt(diskVer)

(***************************************************************************)
(* deallocate (io:L1185-1231), called by getnewbuf, brelse or complete on  *)
(* a released bp the kernel holds locked, with B_LOCKED and running clear. *)
(* Refuse (B_LOCKED, the bp parks on the LOCKED queue) if anyone has a ref *)
(* or the interlock, or if the io is modified; otherwise disassociate and  *)
(* put the io on lose_root (never a VOLUME).                               *)
(***************************************************************************)
Dealloc(dw, dv) ==    \* dw: B_DELWRI after a refusal; dv: disk version after the step
    IF (~NoRefs /\ ~DeallocIgnoresRefs) \/ (modified /\ ~DeallocIgnoresModified)
    THEN /\ blocked' = TRUE /\ bq' = "LOCKED" /\ bpLock' = "FREE" /\ delwri' = dw
         /\ UNCHANGED <<assoc, reclaim, memVer, lostData, modRoot>>
    ELSE /\ DisassociateAt(dv)
         /\ modRoot' = IF T # "VOLUME" /\ modRoot = "NONE" THEN "LOSE" ELSE modRoot

----------------------------------------------------------------------------
(* Frontend: reference and load (ondisk.c hammer_get_buffer, subs.c).      *)

\* subs.c hammer_ref_interlock: refs++ at once (later try_interlock_norefs fail);
\* on 0->1 or with CHECK set, take the interlock, or sleep until it is free
Ref(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "Idle"
    /\ refs' = refs + 1
    /\ IF refs = 0 \/ check
       THEN /\ check' = TRUE
            /\ IF ilock = NoOne
               THEN ilock' = f /\ Goto(f, "Load")
               ELSE UNCHANGED ilock /\ Goto(f, "RefWait")
       ELSE UNCHANGED <<check, ilock>> /\ Goto(f, "Active")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, lockEx,
                   syncEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* the interlock holder (a release in progress, another loader) let go
RefWait(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "RefWait" /\ ilock = NoOne
    /\ IF check THEN ilock' = f /\ Goto(f, "Load")
                ELSE UNCHANGED ilock /\ Goto(f, "Active")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot, memVer,
                   diskVer, inflightVer, lostData, kernelWroteMeta, asleep>>

\* hammer_io_read (io:L299-377) if there is no bp, then ref_interlock_done;
\* a re-referenced io leaves lose_root (ondisk.c)
Load(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "Load"
    /\ IF ~assoc
       THEN /\ assoc' = TRUE /\ released' = FALSE /\ bpLock' = "H" /\ bq' = "NONE"
            /\ modRoot' = IF modRoot = "LOSE" THEN "NONE" ELSE modRoot
       ELSE UNCHANGED <<assoc, released, bpLock, bq, modRoot>>
    /\ ilock' = NoOne /\ check' = FALSE
    /\ Goto(f, "Active")
    /\ UNCHANGED <<modified, running, reclaim, modRefs, refs, lockEx, syncEx, delwri,
                   blocked, memVer, diskVer, inflightVer, lostData, kernelWroteMeta, asleep>>

----------------------------------------------------------------------------
(* Frontend: hammer_io_modify (io:L769-804) and modify_done (io:L806-816). *)

\* io:L775-786: wait while a writer holds the interlock (META: while the
\* flusher holds sync_lock_ex), count ourselves in, shortcut if we own a dirty bp
ModBegin(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "Active" /\ memVer < MaxVer
    /\ modRefs >= 0 /\ ~syncEx
    /\ modRefs' = modRefs + 1
    /\ IF modified /\ ~released THEN Goto(f, "Mutate") ELSE Goto(f, "LockEx")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, refs, check, ilock,
                   lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot, memVer,
                   diskVer, inflightVer, lostData, kernelWroteMeta, asleep>>

\* io:L793 hammer_lock_ex(&io->lock)
LockEx(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "LockEx" /\ lockEx = NoOne
    /\ lockEx' = f
    /\ IF SetModifiedAfterReget THEN Goto(f, "SetMod") ELSE Goto(f, "Reget")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   ilock, syncEx, bpLock, bq, delwri, blocked, modRoot, memVer,
                   diskVer, inflightVer, lostData, kernelWroteMeta, asleep>>

\* io:L794-798 regetblk blocks while the kernel holds the bp (checkwrite, a
\* whole write); then BUF_KERNPROC and released = 0
Reget(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "Reget"
    /\ IF released
       THEN /\ bpLock = "FREE" /\ bpLock' = "H" /\ bq' = "NONE" /\ released' = FALSE
       ELSE UNCHANGED <<bpLock, bq, released>>
    /\ IF SetModifiedAfterReget
       THEN lockEx' = NoOne /\ Goto(f, "Mutate")
       ELSE UNCHANGED lockEx /\ Goto(f, "SetMod")
    /\ UNCHANGED <<assoc, modified, running, reclaim, modRefs, refs, check, ilock,
                   syncEx, delwri, blocked, modRoot, memVer, diskVer, inflightVer,
                   lostData, kernelWroteMeta, asleep>>

\* io:L799-803 set_modlist + modified = 1, then hammer_unlock
SetMod(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "SetMod"
    /\ IF ~modified THEN modified' = TRUE /\ modRoot' = "TYPE"
                    ELSE UNCHANGED <<modified, modRoot>>
    /\ IF SetModifiedAfterReget
       THEN UNCHANGED lockEx /\ Goto(f, "Reget")
       ELSE lockEx' = NoOne /\ Goto(f, "Mutate")
    /\ UNCHANGED <<assoc, released, running, reclaim, modRefs, refs, check, ilock,
                   syncEx, bpLock, bq, delwri, blocked, memVer, diskVer, inflightVer,
                   lostData, kernelWroteMeta, asleep>>

\* the caller changes the bp contents (hammer_modify_buffer's caller)
Mutate(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "Mutate"
    /\ memVer' = memVer + 1
    /\ Goto(f, "ModDone")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   ilock, lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* io:L806-816 modify_done (the waitmod wakeup is the enabling of ModBegin/FlInterlock)
ModifyDone(f) ==
    /\ FsTokenFree(f)
    /\ pc[f] = "ModDone"
    /\ modRefs' = modRefs - 1
    /\ Goto(f, "Active")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, refs, check, ilock,
                   lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

----------------------------------------------------------------------------
(* Frontend: hammer_io_wait (io:L165-180).  The check and the sleep are    *)
(* under io_token (tsleep_interlock), complete's wakeup wakes everyone.    *)

Wait(f) ==
    /\ FsTokenFree(f)
    /\ \/ pc[f] = "Active"
       \/ pc[f] = "WaitSleep" /\ f \notin asleep
    /\ IF running THEN asleep' = asleep \cup {f} /\ Goto(f, "WaitSleep")
                  ELSE UNCHANGED asleep /\ Goto(f, "Active")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   ilock, lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot, memVer,
                   diskVer, inflightVer, lostData, kernelWroteMeta>>

----------------------------------------------------------------------------
(* hammer_rel_buffer (ondisk.c): drop a ref; the last one takes the        *)
(* interlock (hammer_rel_interlock) and runs hammer_io_release.            *)

Rel(a) ==
    /\ FsTokenFree(a)
    /\ \/ a \in F /\ pc[a] = "Active"
       \/ a = Fl /\ pc[a] = "FlRel"
    /\ IF refs > 1
       THEN refs' = refs - 1 /\ Goto(a, "Idle") /\ UNCHANGED ilock
       ELSE /\ ilock = NoOne /\ ilock' = a /\ refs' = 0 /\ Goto(a, "RelStart")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, check, lockEx,
                   syncEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

(***************************************************************************)
(* hammer_io_flush (io:L665-747), shared by the flusher (pc prefix "Fl")   *)
(* and by release paying a B_LOCKED debt (prefix "Rel").                   *)
(***************************************************************************)

\* io:L674-700: nothing to do if clean; else secure the bp: regetblk if
\* released (it blocks only if the bp lock is busy), else released = 1
FlushBegin(a, p, next) ==
    /\ FsTokenFree(a)
    /\ pc[a] = p \o "Flush"
    /\ IF ~modified
       THEN Goto(a, next) /\ UNCHANGED <<released, bpLock, bq>>
       ELSE IF released
            THEN IF bpLock = "FREE"
                 THEN bpLock' = "H" /\ bq' = "NONE" /\ Goto(a, p \o "Issue") /\ UNCHANGED released
                 ELSE Goto(a, p \o "Secure") /\ UNCHANGED <<released, bpLock, bq>>
            ELSE released' = TRUE /\ Goto(a, p \o "Issue") /\ UNCHANGED <<bpLock, bq>>
    /\ UNCHANGED <<assoc, modified, running, reclaim, modRefs, refs, check, ilock,
                   lockEx, syncEx, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* io:L692-697 regetblk woken up; released stays 1 ("we own the bp, not the structure")
FlushSecure(a, p) ==
    /\ FsTokenFree(a)
    /\ pc[a] = p \o "Secure" /\ bpLock = "FREE"
    /\ bpLock' = "H" /\ bq' = "NONE"
    /\ Goto(a, p \o "Issue")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   ilock, lockEx, syncEx, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* io:L702-745: reclaim -> B_LOCKED; clear_modify BEFORE bawrite (commit point:
\* the write carries memVer; later changes must regetblk, which waits for it)
FlushIssue(a, p, next) ==
    /\ FsTokenFree(a)
    /\ pc[a] = p \o "Issue"
    /\ \E r \in (IF T = "UNDO" THEN BOOLEAN ELSE {FALSE}) :   \* hammer_undo_reclaim(io)
          /\ reclaim' = (reclaim \/ r)
          /\ blocked' = (blocked \/ r)
    /\ IF ClearAfterWrite
       THEN Goto(a, p \o "Clear") /\ UNCHANGED <<modified, modRoot>>
       ELSE modified' = FALSE /\ modRoot' = "NONE" /\ Goto(a, next)
    /\ running' = TRUE /\ inflightVer' = memVer /\ bpLock' = "K" /\ bq' = "NONE"
    /\ UNCHANGED <<assoc, released, modRefs, refs, check, ilock, lockEx, syncEx, delwri,
                   memVer, diskVer, lostData, kernelWroteMeta, asleep>>

\* mutant ClearAfterWrite only: the late clear_modify
FlushClear(a, p, next) ==
    /\ FsTokenFree(a)
    /\ pc[a] = p \o "Clear"
    /\ modified' = FALSE
    /\ modRoot' = IF modRoot = "TYPE" THEN "NONE" ELSE modRoot
    /\ Goto(a, next)
    /\ UNCHANGED <<assoc, released, running, reclaim, modRefs, refs, check, ilock,
                   lockEx, syncEx, bpLock, bq, delwri, blocked, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

(***************************************************************************)
(* hammer_io_release (io:L516-654) with flush = 0, run by the thread that *)
(* dropped the last ref, holding the interlock.                            *)
(***************************************************************************)

\* io:L522-548: no bp -> nothing; modified + B_LOCKED: pay the debt now
\* (DATA: flush; UNDO: flush with reclaim; META/VOLUME: only the flusher may)
RelStart(a) ==
    /\ FsTokenFree(a)
    /\ pc[a] = "RelStart"
    /\ IF ~assoc THEN Goto(a, "RelDone")
       ELSE IF modified /\ blocked /\ T \in {"DATA", "UNDO"}
            THEN Goto(a, "RelFlush")
            ELSE Goto(a, "RelDispose")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   ilock, lockEx, syncEx, bpLock, bq, delwri, blocked, modRoot, memVer,
                   diskVer, inflightVer, lostData, kernelWroteMeta, asleep>>

\* io:L571 / L636 regetblk, then disassociate if the kernel (B_LOCKED) or we
\* (reclaim) want the bp gone, else return it still associated for brelse
DisposeAfterReget(a) ==
    IF blocked \/ reclaim
    THEN Disassociate /\ Goto(a, "RelDone")
    ELSE /\ bpLock' = "H" /\ bq' = "NONE" /\ Goto(a, "RelBrelse")
         /\ UNCHANGED <<assoc, delwri, blocked, reclaim, memVer, lostData>>

\* regetblk blocks only if the bp lock is busy
RegetThenDispose(a) ==
    IF bpLock = "FREE" THEN DisposeAfterReget(a)
    ELSE UNCHANGED DisassocVars /\ Goto(a, "RelReget")

\* io:L564-652, the four dispositions; first match wins
RelDispose(a) ==
    /\ FsTokenFree(a)
    /\ pc[a] = "RelDispose"
    /\ CASE reclaim /\ ~modified /\ ~running ->                      \* (a)
              IF released
              THEN UNCHANGED released /\ RegetThenDispose(a)
              ELSE released' = TRUE /\ Disassociate /\ Goto(a, "RelDone")
         [] modified ->                                                 \* (b)
              /\ IF (T \in {"DATA", "UNDO"} \/ ReleaseBdwritesMeta) /\ ~released
                 THEN \* bdwrite: B_DELWRI, DIRTY queue (LOCKED if B_LOCKED)
                      /\ released' = TRUE /\ delwri' = TRUE /\ bpLock' = "FREE"
                      /\ bq' = IF blocked THEN "LOCKED" ELSE "DIRTY"
                      /\ UNCHANGED <<assoc, blocked, reclaim, memVer, lostData>>
                 ELSE UNCHANGED <<released, DisassocVars>>
              /\ Goto(a, "RelDone")
         [] ~released ->                                                \* (c)
              /\ released' = TRUE
              /\ IF blocked \/ reclaim
                 THEN Disassociate /\ Goto(a, "RelDone")
                 ELSE UNCHANGED DisassocVars /\ Goto(a, "RelBrelse")
         [] OTHER ->                                                    \* (d)
              /\ UNCHANGED released
              /\ IF ~running THEN RegetThenDispose(a)
                 ELSE UNCHANGED DisassocVars /\ Goto(a, "RelDone")
    /\ UNCHANGED <<modified, running, modRefs, refs, check, ilock, lockEx, syncEx,
                   modRoot, diskVer, inflightVer, kernelWroteMeta, asleep>>

\* the regetblk of RelDispose woke up (the kernel I/O finished)
RelReget(a) ==
    /\ FsTokenFree(a)
    /\ pc[a] = "RelReget" /\ bpLock = "FREE"
    /\ DisposeAfterReget(a)
    /\ UNCHANGED <<released, modified, running, modRefs, refs, check, ilock, lockEx,
                   syncEx, modRoot, diskVer, inflightVer, kernelWroteMeta, asleep>>

\* hammer_rel_buffer: put the interlock; nothing (or a dead bp) to brelse
RelDone(a) ==
    /\ FsTokenFree(a)
    /\ pc[a] = "RelDone"
    /\ ilock' = NoOne
    /\ check' = IF refs = 0 THEN FALSE ELSE check
    /\ Goto(a, "Idle")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, lockEx,
                   syncEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* hammer_rel_buffer: put the interlock, THEN brelse the still-associated bp
\* (vfs_bio.c brelse queue choice L1538-1601), so a deallocate can succeed
RelBrelse(a) ==
    /\ FsTokenFree(a)
    /\ pc[a] = "RelBrelse"
    /\ ilock' = NoOne
    /\ check' = IF refs = 0 THEN FALSE ELSE check
    /\ bpLock' = "FREE"
    /\ bq' = IF blocked THEN "LOCKED" ELSE IF delwri THEN "DIRTY" ELSE "CLEAN"
    /\ Goto(a, "Idle")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, lockEx,
                   syncEx, delwri, blocked, modRoot, memVer, diskVer, inflightVer,
                   lostData, kernelWroteMeta>>
    /\ UNCHANGED asleep

----------------------------------------------------------------------------
(* The flusher: finalize's data loop (fl:L657-668), UNDO loop (fl:L895-906)*)
(* root-volume write (fl:L768-770) and meta loop (fl:L803-813) on one io.  *)

\* RB_FIRST(mod tree) then a plain hammer_ref (does not block on the interlock)
FlPick ==
    /\ FsTokenFree(Fl)
    /\ pc[Fl] = "Idle" /\ modRoot = "TYPE"
    /\ refs' = refs + 1
    /\ check' = (check \/ refs = 0)
    /\ Goto(Fl, "FlInterlock")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, ilock, lockEx,
                   syncEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* writeInterlock (io:L828-840): under io_token wait for modify_refs = 0, set -1.
\* META: hammer_sync_lock_ex (fl:L674) idles every modifier instead.
WriteInterlock ==
    /\ FsTokenFree(Fl)
    /\ pc[Fl] = "FlInterlock"
    /\ IF FlushWithoutInterlock
       THEN UNCHANGED <<modRefs, syncEx>>
       ELSE /\ modRefs = 0
            /\ IF UsesSyncLock THEN syncEx' = TRUE /\ UNCHANGED modRefs
                               ELSE modRefs' = -1 /\ UNCHANGED syncEx
    /\ Goto(Fl, "FlFlush")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, refs, check, ilock,
                   lockEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

\* doneInterlock (io:L842-851) / hammer_sync_unlock
DoneInterlock ==
    /\ FsTokenFree(Fl)
    /\ pc[Fl] = "FlDone"
    /\ IF FlushWithoutInterlock
       THEN UNCHANGED <<modRefs, syncEx>>
       ELSE IF UsesSyncLock THEN syncEx' = FALSE /\ UNCHANGED modRefs
            ELSE modRefs' = 0 /\ UNCHANGED syncEx
    /\ Goto(Fl, "FlRel")
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, refs, check, ilock,
                   lockEx, bpLock, bq, delwri, blocked, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep>>

----------------------------------------------------------------------------
(* The kernel.                                                             *)

\* brelse of a refused bp: it keeps B_DELWRI and parks on the LOCKED queue
Refuse ==
    /\ blocked' = TRUE /\ bq' = "LOCKED"
    /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs, check,
                   ilock, lockEx, syncEx, bpLock, delwri, modRoot, memVer, diskVer,
                   inflightVer, lostData, kernelWroteMeta, asleep, pc>>

\* vfs_bio.c flushbufqueues (L2358-2450) locks a DIRTY bp and asks
\* checkwrite (io:L1293-1366) whether it may write it.  checkwrite is one
\* io_token section, but the frontend does not take io_token (modify runs
\* under fs_token and the io lock), so checkwrite is split in two steps:
\* Checkwrite decides (type check, try_interlock_norefs, reads modify_refs
\* and modified: io:L1302-1345) and CheckwriteStart acts on that decision
\* (clear_modify, running = 1, put_interlock: io:L1345-1363).  Between the
\* two, the kernel holds the bp ("CwClear" or "CwKeep": the decision) and,
\* if it won it, the interlock (ilock = "Kd").  With the interlock no
\* frontend can get in between (a ref'd frontend makes the try fail, a new
\* one sleeps in hammer_ref_interlock), so the split changes nothing then;
\* without it (CwNoInterlock) a frontend's modify can run between the read
\* of modify_refs and the clear, which an atomic checkwrite would hide.
Checkwrite ==
    /\ assoc /\ delwri /\ bq = "DIRTY" /\ bpLock = "FREE"
    /\ IF (T \in MetaTypes /\ ~CheckwriteAllowsMeta) \/ (~NoRefs /\ ~CwNoInterlock)
       THEN Refuse
       ELSE /\ bpLock' = IF modified /\ (modRefs = 0 \/ CwIgnoreModRefs)   \* io:L1345
                         THEN "CwClear" ELSE "CwKeep"                    \* io:L1349-1351
            /\ ilock' = IF NoRefs THEN "Kd" ELSE ilock                  \* io:L1323
            /\ bq' = "NONE"
            /\ UNCHANGED <<assoc, released, modified, running, reclaim, modRefs, refs,
                           check, lockEx, syncEx, delwri, blocked, modRoot, memVer,
                           diskVer, inflightVer, lostData, kernelWroteMeta, asleep, pc>>

\* io:L1345-1363: clear_modify if so decided, running = 1, iorun_list,
\* put_interlock; the kernel then starts the write of the bp's contents
CheckwriteStart ==
    /\ bpLock \in {"CwClear", "CwKeep"}
    /\ IF bpLock = "CwClear"
       THEN modified' = FALSE /\ modRoot' = "NONE"
       ELSE UNCHANGED <<modified, modRoot>>
    /\ ilock' = IF ilock = "Kd" THEN NoOne ELSE ilock
    /\ running' = TRUE /\ inflightVer' = memVer /\ bpLock' = "K"
    /\ kernelWroteMeta' = (kernelWroteMeta \/ T \in MetaTypes)
    /\ UNCHANGED <<assoc, released, reclaim, modRefs, refs, check, lockEx, syncEx, bq,
                   delwri, blocked, memVer, diskVer, lostData, asleep, pc>>

\* vfs_bio.c getnewbuf (L2024-2060) locks a CLEAN bp and calls deallocate
Deallocate ==
    /\ assoc /\ bq = "CLEAN" /\ bpLock = "FREE"
    /\ Dealloc(delwri, diskVer)
    /\ UNCHANGED <<released, modified, running, modRefs, refs, check, ilock, lockEx,
                   syncEx, diskVer, inflightVer, kernelWroteMeta, asleep, pc>>

\* the device finishes the write; vfs_bio.c bpdone (L3515-3573): bundirty,
\* then complete (io:L1073-1166): running = 0, wake waiters, pay B_LOCKED by
\* calling deallocate; then bqrelse puts the bp on CLEAN (or LOCKED)
Complete ==
    /\ running
    /\ diskVer' = inflightVer
    /\ running' = FALSE
    /\ asleep' = {}
    /\ IF blocked
       THEN Dealloc(FALSE, inflightVer)
       ELSE /\ bq' = "CLEAN" /\ bpLock' = "FREE" /\ delwri' = FALSE
            /\ UNCHANGED <<assoc, blocked, reclaim, memVer, lostData, modRoot>>
    /\ UNCHANGED <<released, modified, modRefs, refs, check, ilock, lockEx, syncEx,
                   inflightVer, kernelWroteMeta, pc>>

----------------------------------------------------------------------------
FrontendStep(f) ==
    \/ Ref(f) \/ RefWait(f) \/ Load(f)
    \/ ModBegin(f) \/ LockEx(f) \/ Reget(f) \/ SetMod(f) \/ Mutate(f) \/ ModifyDone(f)
    \/ Wait(f) \/ Rel(f)

ReleaseStep(a) ==
    \/ RelStart(a) \/ FlushBegin(a, "Rel", "RelDispose") \/ FlushSecure(a, "Rel")
    \/ FlushIssue(a, "Rel", "RelDispose") \/ FlushClear(a, "Rel", "RelDispose")
    \/ RelDispose(a) \/ RelReget(a) \/ RelDone(a) \/ RelBrelse(a)

FlusherStep ==
    \/ FlPick \/ WriteInterlock \/ FlushBegin(Fl, "Fl", "FlDone") \/ FlushSecure(Fl, "Fl")
    \/ FlushIssue(Fl, "Fl", "FlDone") \/ FlushClear(Fl, "Fl", "FlDone")
    \/ DoneInterlock \/ Rel(Fl)

KernelStep == Checkwrite \/ CheckwriteStart \/ Deallocate \/ Complete


Next ==
    \/ \E f \in F : FrontendStep(f)
    \/ \E a \in A : ReleaseStep(a)
    \/ FlusherStep
    \/ KernelStep

Spec == Init /\ [][Next]_vars

----------------------------------------------------------------------------
(* Invariants: names from proofs-notes/invariants.md (HAMMER table).       *)

\* memory newer than disk => modified, or a write of exactly that version is running
NoLostModificationInv ==
    /\ ~lostData
    /\ (assoc /\ memVer # diskVer) => (modified \/ (running /\ inflightVer = memVer))

\* checkwrite never lets the kernel write a VOLUME or META bp
MetaNeverKernelWrittenInv == ~kernelWroteMeta

\* VOLUME/META ∧ modified => ¬released (except inside the flusher's own flush); never B_DELWRI
MetaPinnedInv ==
    T \in MetaTypes =>
        /\ ~delwri
        /\ (modified /\ released) => \E a \in A : pc[a] \in FlushIssuePcs \cup {"FlSecure", "RelSecure"}

\* disassociation only when ¬modified ∧ ¬running: an io without a bp is inert
NoDisassociateModifiedInv ==
    ~assoc => (~modified /\ ~running /\ modRoot # "TYPE" /\ ~blocked)

\* modified ⇔ mod_root is the tree of the io's type; at most one tree
ModRootConsistentInv ==
    (modified <=> modRoot = "TYPE")
    \/ \E a \in A : pc[a] \in {"FlClear", "RelClear"}   \* only the ClearAfterWrite mutant

\* on the lose tree => no bp, not modified, not VOLUME
LoseRootInv == modRoot = "LOSE" => (~assoc /\ ~modified /\ T # "VOLUME")

\* associated ∧ ¬released => HAMMER holds the bp lock; callbacks only on released bps;
\* a frontend holding a ref (hammer_ref_interlock) and a flusher inside flush's
\* bp work never have the bp taken away under them.  (The flusher's plain
\* hammer_ref does not stop a release already in progress from disassociating;
\* flush then sees modified = 0 and touches nothing: io:L674.)
OwnershipInv ==
    /\ (assoc /\ ~released) => (bpLock = "H" /\ bq = "NONE")
    /\ bq # "NONE" => (assoc /\ released /\ bpLock = "FREE")
    /\ \A f \in F : pc[f] \in FrontRefPcs => assoc
    /\ pc[Fl] \in {"FlSecure", "FlIssue", "FlClear"} => assoc

\* running ⇒ associated, released, the kernel owns the bp lock (and only then)
RunningOwnedInv ==
    /\ running => (assoc /\ released /\ bpLock = "K" /\ bq = "NONE")
    /\ bpLock = "K" => running

\* a thread inside modify..modify_done sees modified ∧ ¬released ∧ modify_refs ≥ 1
MutateSafeInv ==
    \A f \in F : pc[f] \in {"Mutate", "ModDone"} =>
        (assoc /\ modified /\ ~released /\ bpLock = "H" /\ modRefs >= 1)

\* modify_refs = −1 (or META's sync_lock_ex) ⇒ no thread inside the modify window
InterlockExclusiveInv ==
    (modRefs = -1 \/ syncEx) => \A f \in F : pc[f] \notin ModWindowPcs

\* B_LOCKED ⇒ b_dep ≠ ∅ and the bp is on neither CLEAN nor DIRTY
LockedNotReusableInv == blocked => (assoc /\ bq \notin {"CLEAN", "DIRTY"})

\* bp = null ⇒ not modified, running, waiting; modify_refs = 0 (at rest)
UnassociatedInertInv == ~assoc => (~modified /\ ~running /\ ~waiting)

(***************************************************************************)
(* Liveness.  Frontends are not obliged to start anything (Idle, Active   *)
(* may stay), but once inside a protocol step they continue (weak          *)
(* fairness), and a thread blocked on the bp lock or the interlock gets it *)
(* eventually (strong fairness: the lock is repeatedly free).  An Active   *)
(* frontend eventually drops its ref (WF on Rel), the kernel daemons and   *)
(* the device keep running (WF).                                           *)
(***************************************************************************)
ProtocolStep(f) ==
    \/ RefWait(f) \/ Load(f) \/ LockEx(f) \/ Reget(f) \/ SetMod(f) \/ Mutate(f)
    \/ ModifyDone(f) \/ (pc[f] = "WaitSleep" /\ Wait(f))

Fairness ==
    /\ \A f \in F : SF_vars(ProtocolStep(f)) /\ WF_vars(pc[f] = "Active" /\ Rel(f))
    /\ \A a \in A : SF_vars(ReleaseStep(a))
    /\ SF_vars(FlusherStep)
    /\ WF_vars(Checkwrite) /\ WF_vars(CheckwriteStart) /\ WF_vars(Deallocate) /\ WF_vars(Complete)

LiveSpec == Spec /\ Fairness

\* the frontends eventually stop taking references (they may pass a ref back
\* and forth forever, which keeps refs > 0 and legitimately defers the debt)
Quiescent == <>[](\A f \in F : pc[f] = "Idle")
\* every modification eventually reaches the disk
EventuallyDurable == <>[](memVer = diskVer)
\* every B_LOCKED debt is eventually paid, once the frontends let go
LockedDebtPaid == Quiescent => (blocked ~> (~blocked \/ ~assoc))
\* no lost wakeup in hammer_io_wait
NoLostWakeup == \A f \in F : pc[f] = "WaitSleep" ~> pc[f] # "WaitSleep"
\* write interlock eventually granted
InterlockGranted == pc[Fl] = "FlInterlock" ~> pc[Fl] = "FlFlush"

=============================================================================
