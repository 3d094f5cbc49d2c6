\* SPDX-License-Identifier: BSD-3-Clause
---------------------------- MODULE HammerIoMulti ----------------------------
(***************************************************************************)
(* Two hammer_ios, A and B, sharing the HAMMER threads, fs_token and the   *)
(* flusher's flush group: a composition of two instances of               *)
(* HammerIoProtocol (one per io, each with its own type and MaxVer), not   *)
(* a new protocol.  Every action of an io is an action of                  *)
(* HammerIoProtocol, unchanged; this module only adds what couples them:  *)
(*                                                                         *)
(* - one thread, one operation: a frontend (or the flusher) runs code of   *)
(*   io X only while it is at rest in the other io (Idle, or Active: it    *)
(*   may hold a ref on both ios at once, as a B-tree cursor holds several  *)
(*   buffers), never while it sleeps or runs a code segment there;         *)
(* - one fs_token: a thread inside a non-blocking segment (MidPcs) of      *)
(*   either io keeps every other HAMMER thread out of both ios;            *)
(* - one flush group (hammer_flusher_finalize, fl:L640-L830, note section  *)
(*   7.1): the flusher starts a group with the ios on their mod trees at   *)
(*   that moment (members, with their versions in snap), flushes each      *)
(*   member once (FlPick only on a pending member, or skips it when it has *)
(*   left the tree: checkwrite wrote it), waits for the members' I/O and   *)
(*   ends the group.  FlushGroupDurableInv: at the end of a group every    *)
(*   member's version of the group start is on the media.                  *)
(*                                                                         *)
(* The kernel (buffer daemon = checkwrite, getnewbuf = deallocate, the     *)
(* device = complete) acts on either bp at any time, as in the one-io      *)
(* spec.  What this adds over the one-io models: a frontend holding a ref  *)
(* on A while it modifies or releases B (A's deallocate refused, B_LOCKED  *)
(* debt on A paid by a later release while B is flushed), the flusher      *)
(* working through two ios of a group while frontends re-modify the        *)
(* first, two types in one model (DATA with META: sync_lock_ex on the META *)
(* io idles modifiers of the META io only), and the lose tree of one io    *)
(* beside the mod tree of the other.                                       *)
(*                                                                         *)
(* Variables: each variable v of HammerIoProtocol appears twice, vA and    *)
(* vB; HammerIoProtocol itself is not changed (trace specs extend it).     *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS
    F, Fl, NoOne,
    TA, TB,            \* the types of io A and io B
    MaxVerA, MaxVerB,  \* frontends stop modifying io A (B) at this version
    MaxHeld,           \* 1: a frontend holds a ref on one io at a time; 2: on both
    ClearAfterWrite, FlushWithoutInterlock, CheckwriteAllowsMeta,
    ReleaseBdwritesMeta, DeallocIgnoresRefs, DeallocIgnoresModified,
    CwNoInterlock, CwIgnoreModRefs, SetModifiedAfterReget,
    FlusherSkipsMember \* mutation switch of this module: TRUE lets FlSkip drop a member still on its mod tree

VARIABLES
    assocA, releasedA, modifiedA, runningA, reclaimA, modRefsA,
    refsA, checkA, ilockA, lockExA, syncExA, bpLockA,
    bqA, delwriA, blockedA, modRootA, memVerA, diskVerA,
    inflightVerA, lostDataA, kernelWroteMetaA, asleepA, pcA,
    assocB, releasedB, modifiedB, runningB, reclaimB, modRefsB,
    refsB, checkB, ilockB, lockExB, syncExB, bpLockB,
    bqB, delwriB, blockedB, modRootB, memVerB, diskVerB,
    inflightVerB, lostDataB, kernelWroteMetaB, asleepB, pcB,
    groupOn,   \* a flush group is running
    members,   \* the ios of the running group ({} when none)
    pending,   \* members the flusher has not yet flushed or skipped
    snap       \* snap[X]: io X's memVer when the group started (0 when not a member)

IoA == INSTANCE HammerIoProtocol WITH T <- TA, MaxVer <- MaxVerA,
        assoc <- assocA, released <- releasedA, modified <- modifiedA, running <- runningA, reclaim <- reclaimA,
        modRefs <- modRefsA, refs <- refsA, check <- checkA, ilock <- ilockA, lockEx <- lockExA,
        syncEx <- syncExA, bpLock <- bpLockA, bq <- bqA, delwri <- delwriA, blocked <- blockedA,
        modRoot <- modRootA, memVer <- memVerA, diskVer <- diskVerA, inflightVer <- inflightVerA, lostData <- lostDataA,
        kernelWroteMeta <- kernelWroteMetaA, asleep <- asleepA, pc <- pcA
IoB == INSTANCE HammerIoProtocol WITH T <- TB, MaxVer <- MaxVerB,
        assoc <- assocB, released <- releasedB, modified <- modifiedB, running <- runningB, reclaim <- reclaimB,
        modRefs <- modRefsB, refs <- refsB, check <- checkB, ilock <- ilockB, lockEx <- lockExB,
        syncEx <- syncExB, bpLock <- bpLockB, bq <- bqB, delwri <- delwriB, blocked <- blockedB,
        modRoot <- modRootB, memVer <- memVerB, diskVer <- diskVerB, inflightVer <- inflightVerB, lostData <- lostDataB,
        kernelWroteMeta <- kernelWroteMetaB, asleep <- asleepB, pc <- pcB

varsA == <<assocA, releasedA, modifiedA, runningA, reclaimA, modRefsA, refsA, checkA, ilockA, lockExA, syncExA, bpLockA, bqA, delwriA, blockedA, modRootA, memVerA, diskVerA, inflightVerA, lostDataA, kernelWroteMetaA, asleepA, pcA>>
varsB == <<assocB, releasedB, modifiedB, runningB, reclaimB, modRefsB, refsB, checkB, ilockB, lockExB, syncExB, bpLockB, bqB, delwriB, blockedB, modRootB, memVerB, diskVerB, inflightVerB, lostDataB, kernelWroteMetaB, asleepB, pcB>>
groupVars == <<groupOn, members, pending, snap>>
vars == <<varsA, varsB, groupVars>>

Ios == {"A", "B"}
A == F \cup {Fl}
\* memVer, modRoot, running and diskVer of io X, by name
MemVer(X)  == IF X = "A" THEN memVerA ELSE memVerB
DiskVer(X) == IF X = "A" THEN diskVerA ELSE diskVerB
ModRoot(X) == IF X = "A" THEN modRootA ELSE modRootB
Running(X) == IF X = "A" THEN runningA ELSE runningB

ASSUME MaxHeld \in {1, 2}

\* a thread between operations of an io: Idle, or holding a ref (Active)
RestPcs == {"Idle", "Active"}
\* where a frontend must be in the other io to start or continue in this one
FrontRestPcs == IF MaxHeld = 2 THEN RestPcs ELSE {"Idle"}
\* thread a may run code of one io if it is at rest in the other (pcOther) and
\* no other thread holds fs_token inside a segment of the other io
FreeIn(pcOther, a) ==
    /\ pcOther[a] \in (IF a = Fl THEN RestPcs ELSE FrontRestPcs)
    /\ \A b \in A \ {a} : pcOther[b] \notin IoA!MidPcs

Init ==
    /\ IoA!Init /\ IoB!Init
    /\ groupOn = FALSE /\ members = {} /\ pending = {} /\ snap = [X \in Ios |-> 0]

----------------------------------------------------------------------------
(* Frontends: any step of HammerIoProtocol on one io.                       *)
FrontA(f) == FreeIn(pcB, f) /\ (IoA!FrontendStep(f) \/ IoA!ReleaseStep(f))
             /\ UNCHANGED <<varsB, groupVars>>
FrontB(f) == FreeIn(pcA, f) /\ (IoB!FrontendStep(f) \/ IoB!ReleaseStep(f))
             /\ UNCHANGED <<varsA, groupVars>>

(* The flusher: picks an io only while it is a pending member of the group; *)
(* back at Idle in that io, it is done with it.                             *)
FlA == /\ FreeIn(pcB, Fl)
       /\ pcA[Fl] = "Idle" => "A" \in pending
       /\ IoA!FlusherStep \/ IoA!ReleaseStep(Fl)
       /\ pending' = IF pcA'[Fl] = "Idle" THEN pending \ {"A"} ELSE pending
       /\ UNCHANGED <<varsB, groupOn, members, snap>>
FlB == /\ FreeIn(pcA, Fl)
       /\ pcB[Fl] = "Idle" => "B" \in pending
       /\ IoB!FlusherStep \/ IoB!ReleaseStep(Fl)
       /\ pending' = IF pcB'[Fl] = "Idle" THEN pending \ {"B"} ELSE pending
       /\ UNCHANGED <<varsA, groupOn, members, snap>>

FlusherIdle == pcA[Fl] = "Idle" /\ pcB[Fl] = "Idle"
\* fs_token is free for the flusher in both ios
FlTokenFree == \A b \in F : pcA[b] \notin IoA!MidPcs /\ pcB[b] \notin IoB!MidPcs

\* hammer_flusher_finalize starts: the members are the ios on their mod trees
GroupStart ==
    /\ ~groupOn /\ FlusherIdle /\ FlTokenFree
    /\ members' = {X \in Ios : ModRoot(X) = "TYPE"}
    /\ members' # {}
    /\ groupOn' = TRUE /\ pending' = members'
    /\ snap' = [X \in Ios |-> IF X \in members' THEN MemVer(X) ELSE 0]
    /\ UNCHANGED <<varsA, varsB>>

\* RB_FIRST no longer returns a member that left its mod tree (checkwrite
\* cleared it and the kernel writes it): nothing to flush.  Mutation
\* FlusherSkipsMember removes the "left its mod tree" guard: the flusher drops
\* a pending member that is still on its tree, unflushed (a finalize loop that
\* ends before the tree is empty); FlushGroupDurableInv must reject it.
FlSkip(X) ==
    /\ X \in pending /\ (FlusherSkipsMember \/ ModRoot(X) # "TYPE") /\ FlusherIdle /\ FlTokenFree
    /\ pending' = pending \ {X}
    /\ UNCHANGED <<varsA, varsB, groupOn, members, snap>>

\* every member flushed; the flusher waits for the members' writes, then ends
\* the group (snap is reset so that finished groups leave no trace)
GroupEnd ==
    /\ groupOn /\ pending = {} /\ FlusherIdle /\ FlTokenFree
    /\ \A X \in members : ~Running(X)
    /\ groupOn' = FALSE /\ members' = {} /\ snap' = [X \in Ios |-> 0]
    /\ UNCHANGED <<varsA, varsB, pending>>

(* The kernel: buffer daemon, getnewbuf and the device, on either bp.      *)
KernA == IoA!KernelStep /\ UNCHANGED <<varsB, groupVars>>
KernB == IoB!KernelStep /\ UNCHANGED <<varsA, groupVars>>

Next ==
    \/ \E f \in F : FrontA(f) \/ FrontB(f)
    \/ FlA \/ FlB
    \/ GroupStart \/ GroupEnd \/ \E X \in Ios : FlSkip(X)
    \/ KernA \/ KernB

Spec == Init /\ [][Next]_vars

----------------------------------------------------------------------------
(* Invariants: every invariant of HammerIoProtocol, on both ios (same       *)
(* names, so a mutant row names the same property as in the one-io models), *)
(* and what the composition adds.                                            *)
TypeOK == IoA!TypeOK /\ IoB!TypeOK
NoLostModificationInv == IoA!NoLostModificationInv /\ IoB!NoLostModificationInv
MetaNeverKernelWrittenInv == IoA!MetaNeverKernelWrittenInv /\ IoB!MetaNeverKernelWrittenInv
MetaPinnedInv == IoA!MetaPinnedInv /\ IoB!MetaPinnedInv
NoDisassociateModifiedInv == IoA!NoDisassociateModifiedInv /\ IoB!NoDisassociateModifiedInv
ModRootConsistentInv == IoA!ModRootConsistentInv /\ IoB!ModRootConsistentInv
LoseRootInv == IoA!LoseRootInv /\ IoB!LoseRootInv
OwnershipInv == IoA!OwnershipInv /\ IoB!OwnershipInv
RunningOwnedInv == IoA!RunningOwnedInv /\ IoB!RunningOwnedInv
MutateSafeInv == IoA!MutateSafeInv /\ IoB!MutateSafeInv
InterlockExclusiveInv == IoA!InterlockExclusiveInv /\ IoB!InterlockExclusiveInv
LockedNotReusableInv == IoA!LockedNotReusableInv /\ IoB!LockedNotReusableInv
UnassociatedInertInv == IoA!UnassociatedInertInv /\ IoB!UnassociatedInertInv

\* one thread is inside an operation of at most one io
OneOperationPerThreadInv ==
    /\ \A a \in A : pcA[a] \in RestPcs \/ pcB[a] \in RestPcs
    /\ MaxHeld = 1 => \A f \in F : pcA[f] = "Idle" \/ pcB[f] = "Idle"

\* at most one HAMMER thread holds fs_token inside a segment, over both ios
FsTokenExclusiveInv ==
    \A a, b \in A : (a # b /\ (pcA[a] \in IoA!MidPcs \/ pcB[a] \in IoB!MidPcs)) =>
                      (pcA[b] \notin IoA!MidPcs /\ pcB[b] \notin IoB!MidPcs)

\* the group's bookkeeping
FlushGroupTypeInv ==
    /\ groupOn \in BOOLEAN /\ members \subseteq Ios /\ pending \subseteq members
    /\ snap \in [Ios -> Nat]
    /\ ~groupOn => (members = {} /\ pending = {} /\ \A X \in Ios : snap[X] = 0)

\* at the end of a flush group (every member flushed or skipped, the flusher
\* idle, the members' writes done: GroupEnd's guard) every member's version of
\* the group start is on the media
FlushGroupDurableInv ==
    (groupOn /\ pending = {} /\ FlusherIdle /\ \A X \in members : ~Running(X))
        => \A X \in members : DiskVer(X) >= snap[X]
=============================================================================
