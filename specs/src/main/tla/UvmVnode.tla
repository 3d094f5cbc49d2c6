\* SPDX-License-Identifier: BSD-3-Clause
------------------------------ MODULE UvmVnode ------------------------------
(***************************************************************************)
(* The NetBSD 1998 UVM vnode pager (uvm_vnode.c rev 1.9, "ROUGH DRAFT";   *)
(* seed shared/seeds/001_d880d2a46d928c77.txt, digest                     *)
(* shared/reference/uvm_vnode.md) for ONE vnode: the object's lifecycle   *)
(* (attach, reference, detach with persistence or kill, RELKILL,          *)
(* terminate for recycling and for forced unmount), its pages (busy,      *)
(* clean, pmap modified bit, released, fake, write protection), flush     *)
(* with CLEANIT / SYNCIO / FREE / DEACTIVATE and the IOSYNC / u_nio gate  *)
(* of uvn_io, the pagedaemon's page-out and its completion (releasepg),   *)
(* the object lock, the vnode lock (VNISLOCKED) and vnode recycling.      *)
(*                                                                         *)
(* Granularity.  One action per critical section of the seed: a step runs *)
(* with the object lock (olock) held from where the seed takes it to      *)
(* where it drops it; a step that continues a critical section keeps      *)
(* olock.  Sleeps are explicit: chan[t] names the sleep channel of §1.6   *)
(* (wakeup wakes every sleeper on it, none is lost).  Lock waits (vnode   *)
(* lock) and I/O waits are pc labels in WaitLabels.  With BKL = TRUE the  *)
(* 1998 uniprocessor model applies: a thread keeps the CPU until it       *)
(* sleeps, waits or returns to user mode (cpu).                           *)
(*                                                                         *)
(* Abstractions (proofs-notes/uvm-spec.md): page offsets are page numbers *)
(* and clusters have one page (use non-adjacent offsets); the flush scans *)
(* by offset (the seed's hash scan, L833-834); u_size is the file size    *)
(* and never changes (no setsize); the pagedaemon's page-out is the only  *)
(* I/O that runs for a page of an unreferenced object, and its completion *)
(* (the design's "async" pageout, all I/O being synchronous in this       *)
(* revision) runs uvn_releasepg.                                          *)
(*                                                                         *)
(* Rough-edge switches (TRUE = the seed's behaviour, FAITHFUL; FALSE = the *)
(* documented fix, FIXED) carry the Java port's names; mutant switches    *)
(* (TRUE = a guard the protocol relies on is removed) are FALSE in every  *)
(* model except the one that must fail.                                   *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS
    Mappers,      \* threads that mmap the file: attach, reference, store, fault, msync, detach
    Daemons,      \* pagedaemon threads: page-out of a dirty page
    Systems,      \* threads that recycle the vnode (getnewvnode) or force-unmount it (vgone)
    Offs,         \* page numbers of the file (u_size = all of them); non-adjacent: no clusters
    MapperOps,    \* subset of {"attach", "reference", "store", "fault", "msync"}
    SysOps,       \* subset of {"recycle", "forceUnmount", "uncache"}
    MaxOps,       \* operations a thread may start (detach and quitting are always allowed)
    MaxStores,    \* user stores through mappings, all threads together
    MaxErrors,    \* write errors the device may return
    InitActive,   \* TRUE: start ACTIVE, every mapper attached once, every page resident and dirty
    BKL,          \* TRUE: 1998 UP execution (atomic between sleeps); FALSE: MP, every step interleaves
    \* rough edges (notes §5): TRUE = the seed's behaviour
    re1AttachWindowIgnored,       \* RE-1: terminate ignores ALOCK (L516)
    re2IosyncWaitsOnlyForNio,     \* RE-2: flush's iosync waits for u_nio = 0, not for the busy pages (L1200-1212)
    re3MarksCleanOnWriteError,    \* RE-3: a failed write still sets PG_CLEAN (L1147-1150)
    re6RelkillLeaksVref,          \* RE-6: the RELKILL kill never vreles (L427-441, L680-701, L615-617)
    re7TerminateWaitsOnNio,      \* RE-7: terminate waits on &u_nio for pages (L573-593)
    re8TerminateLeaksIosync,      \* RE-8: terminate with refs > 0 keeps IOSYNC set (L589, L603-611)
    re9VnIsLockedIsObjectFlag,       \* RE-9: uvn_io reads VNISLOCKED unlocked, twice (L1665, L1674)
    re20GetIgnoresDying,          \* RE-20: uvn_get adds pages to a DYING object (L1415-1434)
    \* new findings of this model (proofs-notes/uvm-spec.md): TRUE = the seed's behaviour
    nf1AttachDuringVclean,        \* N1: attach re-creates the object after vclean's terminate (L257-296)
    nf2ReleasedDirtyDroppedSilently, \* N2: a RELEASED page whose write failed is freed, unreported (L655-704)
    nf3DetachKillsDuringTerminate,   \* N3: the last detach starts a kill while terminate runs (L399-441); RE-15 follows
    \* mutants (notes §3, §4): TRUE = the guard is gone
    attachIgnoresBlocked,      \* attach's BLOCKED loop (L188-195)
    flushFreesBusy,            \* flush marks a busy page RELEASED instead of freeing it (L975-977)
    flushSkipsWriteProtect,    \* flush write-protects a page before writing it (L1000)
    flushIgnoresModified,      \* flush samples the pmap modified bit (L945-947)
    ownerIgnoresReleased,      \* the owner of a RELEASED page frees it (L1136-1141)
    terminateSkipsWait         \* terminate waits until every page is gone (L573-593)

NONE == "none"
Threads == Mappers \cup Daemons \cup Systems
FlagNames == {"VALID", "CANPERSIST", "ALOCK", "DYING", "RELKILL", "WANTED", "VNISLOCKED",
              "IOSYNC", "IOSYNCWANTED", "WRITEABLE"}
BLOCKED == {"ALOCK", "DYING", "RELKILL"}                 \* UVM_VNODE_BLOCKED
PgoFlags == {"CLEANIT", "SYNCIO", "FREE", "DEACTIVATE"}  \* ALLPAGES = a range of every offset

Chan(k, o) == [k |-> k, o |-> o]
NoChan == Chan("none", -1)
UvnChan == Chan("uvn", -1)          \* sleepers in attach (and FIXED terminate) on BLOCKED
NioChan == Chan("nio", -1)          \* &u_nio: flush iosync, terminate
FlagsChan == Chan("flags", -1)      \* &u_flags: uvn_io SYNCIO callers at the IOSYNC gate
PageChan(o) == Chan("page", o)      \* a page: PG_WANTED sleepers

(* pc labels where a thread waits without the CPU (vnode lock, I/O, GETATTR). *)
WaitLabels == {"io_vnwait", "io_xfer", "att_getattr"}

VARIABLES
    \* struct uvm_vnode (guarded by the object lock)
    flags,      \* u_flags
    refs,       \* u_obj.uo_refs
    nio,        \* u_nio
    onWlist,    \* linked on uvn_wlist
    objGen,     \* ghost: vnode generation of the file the object was attached for
    \* pages: o -> [present, busy (owner or NONE), released, clean, mod (pmap modified),
    \*              fake, wanted, wprot (no writable mapping), mem (data version), gen]
    pg,
    \* the vnode
    vuse,       \* v_usecount
    uvnVref,    \* ghost: the VREF the uvn holds (0/1)
    vgen,       \* ghost: generation; getnewvnode reuses the vnode for another file
    dead,       \* vgone'd (deadfs): every VOP fails
    vnlock,     \* the vnode lock's holder (sleep lock)
    vxlock,     \* VXLOCK: vclean (terminate, then the switch to deadfs) in progress
    \* locks and scheduling
    olock,      \* holder of the object lock (simple lock)
    cpu,        \* BKL: the thread on the CPU, or NONE
    \* threads
    pc, chan,
    held,       \* t -> object references t holds (0..2)
    ext,        \* t -> t holds an external vnode reference (the mapper's open file)
    budget,     \* t -> operations t may still start
    fl,         \* t -> uvn_flush locals
    io,         \* t -> uvn_io locals
    aux,        \* t -> attach / terminate locals
    \* the device and data ghosts
    disk,       \* o -> data version on the device
    latest,     \* o -> newest data version stored through a mapping
    reported,   \* o -> a loss of o's newest data was reported (flush returned FALSE)
    stores, errors,
    panics,     \* seed checks (P1..P9, DIAGNOSTIC) that fired, by name
    resurrected,\* ghost: refs went 0 -> 1 on a BLOCKED object
    freedBusy   \* ghost: a page was freed while busy by another thread

objVars == <<flags, refs, nio, onWlist, objGen>>
vnVars == <<vuse, uvnVref, vgen, dead, vnlock, vxlock>>
thrVars == <<pc, chan, held, ext, budget, fl, io, aux>>
ghostVars == <<disk, latest, reported, stores, errors, panics, resurrected, freedBusy>>
vars == <<objVars, pg, vnVars, olock, cpu, thrVars, ghostVars>>

-----------------------------------------------------------------------------
(* Defaults of the locals. *)
FlIdle == [flags |-> {}, todo |-> {}, need |-> FALSE, ret |-> TRUE, cur |-> -1,
           snap |-> [o \in Offs |-> -1], saw |-> {}, back |-> NONE]
IoIdle == [off |-> -1, rw |-> NONE, sync |-> FALSE, res |-> NONE, back |-> NONE,
           locked |-> FALSE, data |-> 0]
AuxIdle == [w |-> FALSE, gen |-> 0, ok |-> FALSE, back |-> NONE, cancel |-> FALSE]
PgAbsent == [present |-> FALSE, busy |-> NONE, released |-> FALSE, clean |-> TRUE,
             mod |-> FALSE, fake |-> FALSE, wanted |-> FALSE, wprot |-> TRUE, mem |-> 0, gen |-> 0]

Present(o) == pg[o].present
NPages == Cardinality({o \in Offs : Present(o)})
Dirty(o) == ~pg[o].clean \/ pg[o].mod
Min(S) == CHOOSE x \in S : \A y \in S : x <= y
HasRef(t) == held[t] > 0
Lk(t) == olock \in {NONE, t}
Run(t) == ~BKL \/ cpu \in {NONE, t}
WakeFn(ch, c) == [u \in Threads |-> IF ch[u] = c THEN NoChan ELSE ch[u]]

(* After t's step: under BKL t keeps the CPU unless it sleeps, waits or returns to user. *)
Sched(t) == cpu' = IF BKL /\ chan'[t] = NoChan /\ pc'[t] \notin WaitLabels \cup {"idle", "done"}
                   THEN t ELSE NONE

(* uvm_pagefree() of o's page. *)
Freed == PgAbsent

-----------------------------------------------------------------------------
Init ==
    LET Ms == Mappers IN
    /\ flags = IF InitActive THEN {"VALID", "CANPERSIST", "WRITEABLE"} ELSE {}
    /\ refs = IF InitActive THEN Cardinality(Ms) ELSE 0
    /\ nio = 0
    /\ onWlist = InitActive
    /\ objGen = 0
    /\ pg = [o \in Offs |-> IF InitActive
                           THEN [PgAbsent EXCEPT !.present = TRUE, !.mod = TRUE, !.wprot = FALSE,
                                                 !.mem = 1]
                           ELSE PgAbsent]
    /\ vuse = Cardinality(Ms) + (IF InitActive THEN 1 ELSE 0)
    /\ uvnVref = IF InitActive THEN 1 ELSE 0
    /\ vgen = 0 /\ dead = FALSE /\ vnlock = NONE /\ vxlock = FALSE
    /\ olock = NONE /\ cpu = NONE
    /\ pc = [t \in Threads |-> "idle"]
    /\ chan = [t \in Threads |-> NoChan]
    /\ held = [t \in Threads |-> IF InitActive /\ t \in Ms THEN 1 ELSE 0]
    /\ ext = [t \in Threads |-> t \in Ms]
    /\ budget = [t \in Threads |-> MaxOps]
    /\ fl = [t \in Threads |-> FlIdle]
    /\ io = [t \in Threads |-> IoIdle]
    /\ aux = [t \in Threads |-> AuxIdle]
    /\ disk = [o \in Offs |-> 0]
    /\ latest = [o \in Offs |-> IF InitActive THEN 1 ELSE 0]
    /\ reported = [o \in Offs |-> FALSE]
    /\ stores = 0 /\ errors = 0 /\ panics = {}
    /\ resurrected = FALSE /\ freedBusy = FALSE

-----------------------------------------------------------------------------
(* uvn_io(), L1560-1724: called with the object locked and o busy; three steps. *)
IoCall(t, o, rw, sync, back) ==
    io' = [io EXCEPT ![t] = [IoIdle EXCEPT !.off = o, !.rw = rw, !.sync = sync, !.back = back]]

(* L1587-1630: the IOSYNC gate (NOWAIT: AGAIN; SYNCIO: IOSYNCWANTED and sleep on &u_flags),
   then u_nio++ and unlock; L1665-1666: VNISLOCKED read unlocked, vn_lock unless set. *)
io_gate(t) ==
    /\ pc[t] = "io_gate" /\ chan[t] = NoChan /\ Lk(t) /\ Run(t)
    /\ IF "IOSYNC" \in flags
       THEN IF ~io[t].sync
            THEN /\ io' = [io EXCEPT ![t].res = "AGAIN"]
                 /\ pc' = [pc EXCEPT ![t] = io[t].back]
                 /\ UNCHANGED <<flags, chan, nio, vnlock>>
            ELSE /\ flags' = flags \cup {"IOSYNCWANTED"}
                 /\ chan' = [chan EXCEPT ![t] = FlagsChan]
                 /\ UNCHANGED <<io, pc, nio, vnlock>>
       ELSE /\ nio' = nio + 1
            /\ IF "VNISLOCKED" \in flags
               THEN /\ pc' = [pc EXCEPT ![t] = "io_xfer"] /\ UNCHANGED <<vnlock, io>>
               ELSE IF vnlock = NONE
                    THEN /\ vnlock' = t /\ pc' = [pc EXCEPT ![t] = "io_xfer"]
                         /\ io' = [io EXCEPT ![t].locked = TRUE]
                    ELSE /\ pc' = [pc EXCEPT ![t] = "io_vnwait"] /\ UNCHANGED <<vnlock, io>>
            /\ UNCHANGED <<flags, chan>>
    /\ olock' = NONE
    /\ UNCHANGED <<refs, onWlist, objGen, pg, vuse, uvnVref, vgen, dead, vxlock, held, ext, budget,
                   fl, aux, ghostVars>>
    /\ Sched(t)

(* vn_lock(LK_EXCLUSIVE|LK_RETRY), L1666: sleeps until the vnode lock is free.  FIXED (RE-9):
   the waiter re-tests VNISLOCKED and borrows the terminator's lock. *)
io_vnwait(t) ==
    /\ pc[t] = "io_vnwait" /\ Run(t)
    /\ \/ /\ vnlock = NONE
          /\ vnlock' = t /\ io' = [io EXCEPT ![t].locked = TRUE]
       \/ /\ ~re9VnIsLockedIsObjectFlag /\ vnlock # NONE /\ "VNISLOCKED" \in flags
          /\ UNCHANGED <<vnlock, io>>
    /\ pc' = [pc EXCEPT ![t] = "io_xfer"]
    /\ UNCHANGED <<objVars, pg, vuse, uvnVref, vgen, dead, vxlock, olock, chan, held, ext, budget,
                   fl, aux, ghostVars>>
    /\ Sched(t)

(* VOP_WRITE / VOP_READ (L1669-1672; deadfs fails), VOP_UNLOCK unless VNISLOCKED, re-read
   (L1674-1675; FIXED: unlock iff this call locked), then relock, u_nio--, wake &u_nio when it
   reaches 0 under IOSYNC, unlock (L1705-1712). *)
io_xfer(t) ==
    /\ pc[t] = "io_xfer" /\ Lk(t) /\ Run(t)
    /\ LET o == io[t].off
           unlockIt == IF re9VnIsLockedIsObjectFlag THEN "VNISLOCKED" \notin flags ELSE io[t].locked
           wake == "IOSYNC" \in flags /\ nio - 1 = 0
       IN
       /\ \E fail \in BOOLEAN :
            /\ fail => (dead \/ (io[t].rw = "w" /\ errors < MaxErrors))
            /\ dead => fail
            /\ errors' = IF fail /\ ~dead THEN errors + 1 ELSE errors
            /\ disk' = IF io[t].rw = "w" /\ ~fail THEN [disk EXCEPT ![o] = pg[o].mem] ELSE disk
            /\ io' = [io EXCEPT ![t].res = IF fail THEN "ERROR" ELSE "OK",
                                ![t].data = disk[o], ![t].locked = FALSE]
       /\ IF unlockIt
          THEN /\ vnlock' = NONE
               /\ panics' = IF vnlock # t THEN panics \cup {"VnodeUnlockNotOwner"} ELSE panics
          ELSE /\ UNCHANGED vnlock /\ UNCHANGED panics
       /\ nio' = nio - 1
       /\ chan' = IF wake THEN WakeFn(chan, NioChan) ELSE chan
       /\ pc' = [pc EXCEPT ![t] = io[t].back]
    /\ olock' = NONE
    /\ UNCHANGED <<flags, refs, onWlist, objGen, pg, vuse, uvnVref, vgen, dead, vxlock, held, ext,
                   budget, fl, aux, latest, reported, stores, resurrected, freedBusy>>
    /\ Sched(t)

-----------------------------------------------------------------------------
(* uvn_flush(), L747-1217: start (called with the object locked).  The SYNCIO snapshot
   records the dirty pages' versions for FlushSyncPostInv. *)
FlushCall(t, fflags, range, back) ==
    fl' = [fl EXCEPT ![t] = [FlIdle EXCEPT
              !.flags = fflags, !.todo = range, !.back = back,
              !.snap = [o \in Offs |-> IF {"CLEANIT", "SYNCIO"} \subseteq fflags /\ o \in range
                                           /\ Present(o) /\ Dirty(o)
                                       THEN pg[o].mem ELSE -1]]]

(* L930-987 for the next page of the scan: classify; dispose of a page that needs no
   cleaning (DEACTIVATE: unmap; FREE: free it, or mark RELEASED if busy); or busy and
   write-protect a dirty one and hand it to uvm_pager_put -> uvn_put -> uvn_io (L998-1008). *)
fl_scan(t) ==
    /\ pc[t] = "fl_scan" /\ chan[t] = NoChan /\ Lk(t) /\ Run(t)
    /\ LET F == fl[t].flags IN
       IF fl[t].todo = {}
       THEN /\ pc' = [pc EXCEPT ![t] = IF fl[t].need THEN "fl_iosync" ELSE "fl_end"]
            /\ UNCHANGED <<pg, fl, io, freedBusy>>
       ELSE LET o == Min(fl[t].todo)
                p == pg[o]
                busyo == p.busy # NONE
                cleanit == "CLEANIT" \in F
                cleanNow == p.clean /\ (flushIgnoresModified \/ ~p.mod)   \* L945-947
                needsClean == cleanit /\ ~busyo /\ ~cleanNow
                seen == busyo /\ cleanit /\ "SYNCIO" \in F                   \* need_iosync
                synced == IF cleanit /\ ~busyo THEN [p EXCEPT !.clean = cleanNow] ELSE p
                disposed ==
                    IF "DEACTIVATE" \in F THEN [synced EXCEPT !.wprot = TRUE]
                    ELSE IF "FREE" \in F
                         THEN IF busyo /\ ~flushFreesBusy THEN [synced EXCEPT !.released = TRUE]
                              ELSE Freed
                    ELSE synced
            IN
            IF ~Present(o)
            THEN /\ fl' = [fl EXCEPT ![t].todo = @ \ {o}]
                 /\ UNCHANGED <<pc, pg, io, freedBusy>>
            ELSE IF ~needsClean
            THEN /\ pg' = [pg EXCEPT ![o] = disposed]
                 /\ fl' = [fl EXCEPT ![t].todo = @ \ {o}, ![t].need = @ \/ seen,
                                     ![t].saw = IF seen THEN @ \cup {o} ELSE @]
                 /\ freedBusy' = (freedBusy \/ (busyo /\ ~disposed.present))
                 /\ UNCHANGED <<pc, io>>
            ELSE /\ pg' = [pg EXCEPT ![o] = [synced EXCEPT !.busy = t,
                                               !.wprot = IF flushSkipsWriteProtect THEN @ ELSE TRUE]]
                 /\ fl' = [fl EXCEPT ![t].todo = @ \ {o}, ![t].cur = o]
                 /\ IoCall(t, o, "w", "SYNCIO" \in F, "fl_done")
                 /\ pc' = [pc EXCEPT ![t] = "io_gate"]
                 /\ UNCHANGED freedBusy
    /\ olock' = t
    /\ UNCHANGED <<objVars, vnVars, chan, held, ext, budget, aux, disk, latest, reported, stores,
                   errors, panics, resurrected>>
    /\ Sched(t)

(* uvn_releasepg(), L655-704, for page o of object state (fs, pgs): free the page; if RELKILL
   and it was the last one, kill the object (flags = 0, off the wlist, wake WANTED) and
   report it (FALSE).  FIXED (RE-6): the kill drops the uvn's VREF. *)
RelKills(fs, pgs) == "RELKILL" \in fs /\ \A q \in Offs : ~pgs[q].present

(* The seed's finish of a page it owned (flush L1128-1150, pagedaemon, fault): wake
   PG_WANTED, un-busy, and either release it (RELEASED) or store newPage.  rep: the caller
   reports a loss of o's data.  FIXED (N2): releasing a page that is still dirty (its write
   failed) reports the loss too. *)
FinishPage(t, o, newPage, rep) ==
    LET wasWanted == pg[o].wanted
        rel == pg[o].released /\ ~ownerIgnoresReleased
        pgs == [pg EXCEPT ![o] = IF rel THEN Freed
                                 ELSE [newPage EXCEPT !.busy = NONE, !.wanted = FALSE]]
        kill == rel /\ RelKills(flags, pgs)
        c1 == IF wasWanted THEN WakeFn(chan, PageChan(o)) ELSE chan
        c2 == IF kill /\ "WANTED" \in flags THEN WakeFn(c1, UvnChan) ELSE c1
        lost == rel /\ (~newPage.clean \/ newPage.mod) /\ ~nf2ReleasedDirtyDroppedSilently
    IN
    /\ pg' = pgs
    /\ chan' = c2
    /\ reported' = IF rep \/ lost THEN [reported EXCEPT ![o] = TRUE] ELSE reported
    /\ flags' = IF kill THEN {} ELSE flags
    /\ onWlist' = IF kill THEN FALSE ELSE onWlist
    /\ IF kill /\ ~re6RelkillLeaksVref /\ uvnVref = 1
       THEN vuse' = vuse - 1 /\ uvnVref' = 0
       ELSE UNCHANGED <<vuse, uvnVref>>

(* After uvn_io returned for the flush's page (relock L1020-1021): AGAIN -> add SYNCIO for
   the rest of the flush and retry without revalidation (L1030-1044); else finish the page:
   un-busy, release or set CLEAN (FAITHFUL RE-3 even after an error; FIXED: keep it dirty,
   return FALSE), clear the modified bit unless FREE, and dispose of it (L1128-1185). *)
fl_done(t) ==
    /\ pc[t] = "fl_done" /\ Lk(t) /\ Run(t)
    /\ LET o == fl[t].cur
           F == fl[t].flags
           res == io[t].res
           ok == res = "OK"
           markClean == ok \/ re3MarksCleanOnWriteError
           p == pg[o]
           written == IF markClean
                      THEN [p EXCEPT !.clean = TRUE, !.mod = IF "FREE" \in F THEN @ ELSE FALSE]
                      ELSE p
           disposed == IF "DEACTIVATE" \in F THEN [written EXCEPT !.wprot = TRUE]
                       ELSE IF "FREE" \in F THEN Freed ELSE written
       IN
       IF res = "AGAIN"
       THEN /\ panics' = IF "SYNCIO" \in F THEN panics \cup {"P9"} ELSE panics
            /\ fl' = [fl EXCEPT ![t].flags = @ \cup {"SYNCIO"}]
            /\ IoCall(t, o, "w", TRUE, "fl_done")
            /\ pc' = [pc EXCEPT ![t] = "io_gate"]
            /\ olock' = t
            /\ UNCHANGED <<pg, chan, flags, onWlist, vuse, uvnVref, reported>>
       ELSE /\ FinishPage(t, o, disposed, ~ok /\ "FREE" \in F)
            /\ fl' = [fl EXCEPT ![t].cur = -1,
                                ![t].ret = @ /\ (ok \/ ("FREE" \notin F /\ re3MarksCleanOnWriteError))]
            /\ io' = [io EXCEPT ![t] = IoIdle]
            /\ IF RelKills(flags, pg') /\ flags' = {}
               THEN \* RE-15: releasepg killed the object; flush returns TRUE unlocked (L1140-1141)
                    /\ panics' = panics \cup {"RE15FlushReturnsUnlocked"}
                    /\ pc' = [pc EXCEPT ![t] = "fl_scan"] /\ olock' = t
               ELSE /\ pc' = [pc EXCEPT ![t] = "fl_scan"] /\ olock' = t /\ UNCHANGED panics
    /\ UNCHANGED <<refs, nio, objGen, vgen, dead, vnlock, vxlock, held, ext, budget, aux, disk, latest,
                   stores, errors, resurrected, freedBusy>>
    /\ Sched(t)

(* L1200-1212: FAITHFUL (RE-2): while u_nio # 0 set IOSYNC and sleep on &u_nio; then wake
   &u_flags if IOSYNCWANTED and clear both.  FIXED: wait for every page seen busy to be
   un-busied (PG_WANTED, sleep on the page), then scan it again. *)
fl_iosync(t) ==
    /\ pc[t] = "fl_iosync" /\ chan[t] = NoChan /\ Lk(t) /\ Run(t)
    /\ IF re2IosyncWaitsOnlyForNio
       THEN IF nio # 0
            THEN /\ flags' = flags \cup {"IOSYNC"}
                 /\ chan' = [chan EXCEPT ![t] = NioChan]
                 /\ olock' = NONE
                 /\ UNCHANGED <<pc, fl, pg>>
            ELSE /\ flags' = flags \ {"IOSYNC", "IOSYNCWANTED"}
                 /\ chan' = IF "IOSYNCWANTED" \in flags THEN WakeFn(chan, FlagsChan) ELSE chan
                 /\ pc' = [pc EXCEPT ![t] = "fl_end"]
                 /\ olock' = t
                 /\ UNCHANGED <<fl, pg>>
       ELSE IF fl[t].saw = {}
            THEN /\ pc' = [pc EXCEPT ![t] = "fl_end"] /\ olock' = t
                 /\ UNCHANGED <<flags, chan, fl, pg>>
            ELSE LET o == Min(fl[t].saw) IN
                 IF Present(o) /\ pg[o].busy \notin {NONE, t}
                 THEN /\ pg' = [pg EXCEPT ![o].wanted = TRUE]
                      /\ chan' = [chan EXCEPT ![t] = PageChan(o)]
                      /\ olock' = NONE
                      /\ UNCHANGED <<flags, pc, fl>>
                 ELSE /\ fl' = [fl EXCEPT ![t].saw = @ \ {o}, ![t].todo = @ \cup {o},
                                          ![t].need = (fl[t].saw \ {o} # {})]
                      /\ pc' = [pc EXCEPT ![t] = "fl_scan"] /\ olock' = t
                      /\ UNCHANGED <<flags, chan, pg>>
    /\ UNCHANGED <<refs, nio, onWlist, objGen, vnVars, held, ext, budget, io, aux, ghostVars>>
    /\ Sched(t)

(* Flush returns (object locked) to its caller's label. *)
fl_end(t) ==
    /\ pc[t] = "fl_end" /\ Lk(t) /\ Run(t)
    /\ pc' = [pc EXCEPT ![t] = fl[t].back]
    /\ fl' = [fl EXCEPT ![t] = FlIdle]
    /\ olock' = t
    /\ UNCHANGED <<objVars, pg, vnVars, chan, held, ext, budget, io, aux, ghostVars>>
    /\ Sched(t)

-----------------------------------------------------------------------------
(* uvn_attach(), L170-300.  Blocked loop (L188-195); VALID path (L203-228): VREF if
   persisting, refs++, wlist insert for write; init path: flags = ALOCK, unlock (L238). *)
AttachLock(t, w) ==
    /\ Lk(t)
    /\ IF flags \cap BLOCKED # {} /\ ~attachIgnoresBlocked
       THEN /\ flags' = flags \cup {"WANTED"}
            /\ chan' = [chan EXCEPT ![t] = UvnChan]
            /\ pc' = [pc EXCEPT ![t] = "att_lock"]
            /\ UNCHANGED <<refs, onWlist, vuse, uvnVref, held, budget, resurrected>>
       ELSE IF "VALID" \in flags
       THEN /\ refs' = refs + 1
            /\ resurrected' = (resurrected \/ (refs = 0 /\ flags \cap BLOCKED # {}))
            /\ IF refs = 0 THEN vuse' = vuse + 1 /\ uvnVref' = 1 ELSE UNCHANGED <<vuse, uvnVref>>
            /\ flags' = IF w THEN flags \cup {"WRITEABLE"} ELSE flags
            /\ onWlist' = (onWlist \/ w)
            /\ held' = [held EXCEPT ![t] = 1]
            /\ budget' = [budget EXCEPT ![t] = @ - 1]
            /\ pc' = [pc EXCEPT ![t] = "idle"]
            /\ UNCHANGED chan
       ELSE /\ flags' = {"ALOCK"}
            /\ pc' = [pc EXCEPT ![t] = "att_getattr"]
            /\ UNCHANGED <<refs, onWlist, vuse, uvnVref, held, budget, chan, resurrected>>
    /\ olock' = NONE
    /\ UNCHANGED <<nio, objGen, pg, vgen, dead, vnlock, vxlock, ext, fl, io, disk, latest,
                   reported, stores, errors, panics, freedBusy>>

Attach(t, w) ==
    /\ pc[t] = "idle" /\ t \in Mappers /\ "attach" \in MapperOps /\ Run(t)
    /\ held[t] = 0 /\ ext[t] /\ budget[t] > 0
    /\ aux' = [aux EXCEPT ![t].w = w]
    /\ AttachLock(t, w)
    /\ Sched(t)

att_lock(t) ==
    /\ pc[t] = "att_lock" /\ chan[t] = NoChan /\ Run(t)
    /\ AttachLock(t, aux[t].w) /\ UNCHANGED aux
    /\ Sched(t)

(* VOP_GETATTR (L241), object unlocked: reads the file's generation; fails on deadfs. *)
att_getattr(t) ==
    /\ pc[t] = "att_getattr" /\ Run(t)
    /\ aux' = [aux EXCEPT ![t].gen = vgen, ![t].ok = ~dead]
    /\ pc' = [pc EXCEPT ![t] = "att_relock"]
    /\ UNCHANGED <<objVars, pg, vnVars, olock, chan, held, ext, budget, fl, io, ghostVars>>
    /\ Sched(t)

(* Relock (L257): failure (L259-266) or init (L271-296): refs = 1, flags = VALID|CANPERSIST,
   u_nio = 0, wlist for write, VREF, wake WANTED.  No revalidation of the window (RE-1, N1);
   FIXED (N1): fail when vclean is in progress (VXLOCK) or done (deadfs): its terminate may be past. *)
att_relock(t) ==
    /\ pc[t] = "att_relock" /\ Lk(t) /\ Run(t)
    /\ chan' = IF "WANTED" \in flags THEN WakeFn(chan, UvnChan) ELSE chan
    /\ IF aux[t].ok /\ (nf1AttachDuringVclean \/ ~(vxlock \/ dead))
       THEN /\ flags' = {"VALID", "CANPERSIST"} \cup (IF aux[t].w THEN {"WRITEABLE"} ELSE {})
            /\ refs' = 1 /\ nio' = 0 /\ onWlist' = aux[t].w /\ objGen' = aux[t].gen
            /\ vuse' = vuse + 1 /\ uvnVref' = 1
            /\ held' = [held EXCEPT ![t] = 1]
       ELSE /\ flags' = {}
            /\ UNCHANGED <<refs, nio, onWlist, objGen, vuse, uvnVref, held>>
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ aux' = [aux EXCEPT ![t] = AuxIdle]
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ olock' = NONE
    /\ UNCHANGED <<pg, vgen, dead, vnlock, vxlock, ext, fl, io, ghostVars>>
    /\ Sched(t)

(* uvn_reference(), L315-336: refs++ (DIAGNOSTIC P1: VALID). *)
Reference(t) ==
    /\ pc[t] = "idle" /\ t \in Mappers /\ "reference" \in MapperOps /\ Run(t) /\ Lk(t)
    /\ held[t] = 1 /\ budget[t] > 0
    /\ refs' = refs + 1
    /\ held' = [held EXCEPT ![t] = 2]
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ panics' = IF "VALID" \notin flags THEN panics \cup {"P1"} ELSE panics
    /\ olock' = NONE
    /\ UNCHANGED <<flags, nio, onWlist, objGen, pg, vnVars, pc, chan, ext, fl, io, aux, disk,
                   latest, reported, stores, errors, resurrected, freedBusy>>
    /\ Sched(t)

(* uvn_detach(), L347-472: refs--; last ref with CANPERSIST: flush(DEACTIVATE|ALLPAGES)
   (unmaps, keeps data and dirtiness) and vrele under the object lock (L384-391); else set
   DYING and flush(CLEANIT|FREE|ALLPAGES) (L399-411), even when a forced unmount's terminate
   has already set DYING and is flushing (N3; FIXED: leave the kill to that terminate). *)
Detach(t) ==
    /\ \/ pc[t] = "idle" /\ t \in Mappers
       \/ pc[t] = "uc_detach"
    /\ Run(t) /\ Lk(t)
    /\ held[t] > 0
    /\ refs' = refs - 1
    /\ held' = [held EXCEPT ![t] = @ - 1]
    /\ IF refs > 1
       THEN /\ olock' = NONE /\ pc' = [pc EXCEPT ![t] = "idle"]
            /\ UNCHANGED <<flags, pg, vuse, uvnVref, fl>>
       ELSE IF "CANPERSIST" \in flags
       THEN /\ pg' = [o \in Offs |-> [pg[o] EXCEPT !.wprot = TRUE]]
            /\ vuse' = vuse - 1 /\ uvnVref' = 0
            /\ olock' = NONE /\ pc' = [pc EXCEPT ![t] = "idle"]
            /\ UNCHANGED <<flags, fl>>
       ELSE IF "DYING" \in flags /\ ~nf3DetachKillsDuringTerminate
       THEN \* FIXED (N3): a terminate is running; it reads refs (now 0) at its end and kills
            /\ olock' = NONE /\ pc' = [pc EXCEPT ![t] = "idle"]
            /\ UNCHANGED <<flags, pg, vuse, uvnVref, fl>>
       ELSE /\ flags' = flags \cup {"DYING"}
            /\ FlushCall(t, {"CLEANIT", "FREE"}, Offs, "det_after")
            /\ pc' = [pc EXCEPT ![t] = "fl_scan"]
            /\ olock' = t
            /\ UNCHANGED <<pg, vuse, uvnVref>>
    /\ UNCHANGED <<nio, onWlist, objGen, vgen, dead, vnlock, vxlock, chan, ext, budget, io, aux,
                   ghostVars>>
    /\ Sched(t)

(* L427-468: pages left (busy in someone else's I/O) -> RELKILL, no vrele (RE-6); else off
   the wlist, flags = 0, unlock, wake WANTED, vrele. *)
det_after(t) ==
    /\ pc[t] = "det_after" /\ Lk(t) /\ Run(t)
    /\ IF NPages > 0
       THEN /\ flags' = flags \cup {"RELKILL"}
            /\ UNCHANGED <<onWlist, chan, vuse, uvnVref>>
       ELSE /\ flags' = {} /\ onWlist' = FALSE
            /\ chan' = IF "WANTED" \in flags THEN WakeFn(chan, UvnChan) ELSE chan
            /\ vuse' = vuse - 1 /\ uvnVref' = 0
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ olock' = NONE
    /\ UNCHANGED <<refs, nio, objGen, pg, vgen, dead, vnlock, vxlock, held, ext, budget, fl, io, aux,
                   ghostVars>>
    /\ Sched(t)

-----------------------------------------------------------------------------
(* A user store through a writable mapping (the MMU: no object lock).  A write-protected
   page faults: if it is busy the store waits (not enabled), else the fault (object lock)
   maps it writable again. *)
Store(t, o) ==
    /\ pc[t] = "idle" /\ t \in Mappers /\ "store" \in MapperOps /\ Run(t)
    /\ HasRef(t) /\ Present(o) /\ stores < MaxStores
    /\ pg[o].wprot => (pg[o].busy = NONE /\ Lk(t))
    /\ pg' = [pg EXCEPT ![o].mem = latest[o] + 1, ![o].mod = TRUE, ![o].wprot = FALSE]
    /\ latest' = [latest EXCEPT ![o] = @ + 1]
    /\ reported' = [reported EXCEPT ![o] = FALSE]
    /\ stores' = stores + 1
    /\ UNCHANGED <<objVars, vnVars, olock, thrVars, disk, errors, panics, resurrected, freedBusy>>
    /\ Sched(t)

(* A read fault on a missing page: uvn_get's slow path allocates it BUSY|CLEAN|FAKE and
   reads it with SYNCIO (L1415-1479).  FIXED (RE-20): no new page on a DYING object. *)
Fault(t, o) ==
    /\ pc[t] = "idle" /\ t \in Mappers /\ "fault" \in MapperOps /\ Run(t) /\ Lk(t)
    /\ HasRef(t) /\ ~Present(o) /\ budget[t] > 0
    /\ IF "DYING" \in flags /\ ~re20GetIgnoresDying
       THEN /\ budget' = [budget EXCEPT ![t] = @ - 1]
            /\ olock' = NONE
            /\ UNCHANGED <<pg, pc, io>>
       ELSE /\ pg' = [pg EXCEPT ![o] = [PgAbsent EXCEPT !.present = TRUE, !.busy = t,
                                            !.fake = TRUE, !.gen = vgen]]
            /\ IoCall(t, o, "r", TRUE, "gt_done")
            /\ pc' = [pc EXCEPT ![t] = "io_gate"]
            /\ olock' = t
            /\ UNCHANGED budget
    /\ UNCHANGED <<objVars, vnVars, chan, held, ext, fl, aux, ghostVars>>
    /\ Sched(t)

(* uvn_get after uvn_io (L1488-1516): error -> wake, free; OK -> clear FAKE and the modified
   bit.  Then the fault routine: a RELEASED page is released, else un-busied and mapped. *)
gt_done(t) ==
    /\ pc[t] = "gt_done" /\ Lk(t) /\ Run(t)
    /\ LET o == io[t].off IN
       IF io[t].res = "OK"
       THEN FinishPage(t, o, [pg[o] EXCEPT !.fake = FALSE, !.mod = FALSE, !.mem = io[t].data,
                                           !.wprot = FALSE], FALSE)
       ELSE /\ pg' = [pg EXCEPT ![o] = Freed]
            /\ chan' = IF pg[o].wanted THEN WakeFn(chan, PageChan(o)) ELSE chan
            /\ UNCHANGED <<flags, onWlist, vuse, uvnVref, reported>>
    /\ io' = [io EXCEPT ![t] = IoIdle]
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ olock' = NONE
    /\ UNCHANGED <<refs, nio, objGen, vgen, dead, vnlock, vxlock, held, ext, fl, aux, disk, latest,
                   stores, errors, panics, resurrected, freedBusy>>
    /\ Sched(t)

(* msync(2): uvn_flush(CLEANIT[|SYNCIO]) of a range, from a mapper. *)
Msync(t, range, sync) ==
    /\ pc[t] = "idle" /\ t \in Mappers /\ "msync" \in MapperOps /\ Run(t) /\ Lk(t)
    /\ HasRef(t) /\ budget[t] > 0
    /\ FlushCall(t, {"CLEANIT"} \cup (IF sync THEN {"SYNCIO"} ELSE {}), range, "ms_ret")
    /\ pc' = [pc EXCEPT ![t] = "fl_scan"]
    /\ olock' = t
    /\ UNCHANGED <<objVars, pg, vnVars, chan, held, ext, budget, io, aux, ghostVars>>
    /\ Sched(t)

ms_ret(t) ==
    /\ pc[t] = "ms_ret" /\ Lk(t) /\ Run(t)
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ olock' = NONE
    /\ UNCHANGED <<objVars, pg, vnVars, chan, held, ext, fl, io, aux, ghostVars>>
    /\ Sched(t)

(* A mapper closes its file: vrele of its external vnode reference, and leaves. *)
MapperQuit(t) ==
    /\ pc[t] = "idle" /\ t \in Mappers /\ held[t] = 0 /\ Run(t)
    /\ vuse' = vuse - (IF ext[t] THEN 1 ELSE 0)
    /\ ext' = [ext EXCEPT ![t] = FALSE]
    /\ pc' = [pc EXCEPT ![t] = "done"]
    /\ UNCHANGED <<objVars, pg, uvnVref, vgen, dead, vnlock, vxlock, olock, chan, held, budget, fl, io,
                   aux, ghostVars>>
    /\ Sched(t)

-----------------------------------------------------------------------------
(* The pagedaemon pages out a dirty, idle page of the object (PGO_PDFREECLUST, NOWAIT): busy,
   write-protect, sync the clean bit, uvm_pager_put -> uvn_io. *)
Pageout(t, o) ==
    /\ pc[t] = "idle" /\ t \in Daemons /\ Run(t) /\ Lk(t)
    /\ budget[t] > 0 /\ Present(o) /\ pg[o].busy = NONE /\ Dirty(o)
    /\ pg' = [pg EXCEPT ![o].busy = t, ![o].clean = FALSE,
                        ![o].wprot = IF flushSkipsWriteProtect THEN @ ELSE TRUE]
    /\ IoCall(t, o, "w", FALSE, "pd_done")
    /\ pc' = [pc EXCEPT ![t] = "io_gate"]
    /\ olock' = t
    /\ UNCHANGED <<objVars, vnVars, chan, held, ext, budget, fl, aux, ghostVars>>
    /\ Sched(t)

(* The page-out's completion: OK -> clean; AGAIN/ERROR -> stays dirty; un-busy, or
   uvn_releasepg if it was RELEASED meanwhile (which may finish a RELKILL kill). *)
pd_done(t) ==
    /\ pc[t] = "pd_done" /\ Lk(t) /\ Run(t)
    /\ LET o == io[t].off IN
       FinishPage(t, o, IF io[t].res = "OK" THEN [pg[o] EXCEPT !.clean = TRUE, !.mod = FALSE]
                        ELSE pg[o], FALSE)
    /\ io' = [io EXCEPT ![t] = IoIdle]
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ olock' = NONE
    /\ UNCHANGED <<refs, nio, objGen, vgen, dead, vnlock, vxlock, held, ext, fl, aux, disk, latest,
                   stores, errors, panics, resurrected, freedBusy>>
    /\ Sched(t)

-----------------------------------------------------------------------------
(* uvm_vnp_terminate(), L502-636, called with the vnode locked (vclean).  Not VALID -> return
   (FIXED RE-1: wait while ALOCK); cancel RELKILL; DYING|VNISLOCKED; flush(CLEANIT|FREE). *)
tm_start(t) ==
    /\ pc[t] = "tm_start" /\ chan[t] = NoChan /\ Lk(t) /\ Run(t)
    /\ IF "VALID" \notin flags
       THEN IF "ALOCK" \in flags /\ ~re1AttachWindowIgnored
            THEN /\ flags' = flags \cup {"WANTED"}
                 /\ chan' = [chan EXCEPT ![t] = UvnChan]
                 /\ olock' = NONE
                 /\ UNCHANGED <<pc, fl, aux>>
            ELSE /\ pc' = [pc EXCEPT ![t] = aux[t].back]
                 /\ olock' = NONE
                 /\ UNCHANGED <<flags, chan, fl, aux>>
       ELSE /\ aux' = [aux EXCEPT ![t].cancel = "RELKILL" \in flags]
            /\ flags' = (flags \ {"RELKILL"}) \cup {"DYING", "VNISLOCKED"}
            /\ FlushCall(t, {"CLEANIT", "FREE"}, Offs, "tm_wait")
            /\ pc' = [pc EXCEPT ![t] = "fl_scan"]
            /\ olock' = t
            /\ UNCHANGED chan
    /\ UNCHANGED <<refs, nio, onWlist, objGen, pg, vnVars, held, ext, budget, io, ghostVars>>
    /\ Sched(t)

(* L573-636: while pages remain (DIAGNOSTIC P3: all busy; P4: u_nio # 0) FAITHFUL (RE-7) set
   IOSYNC and sleep on &u_nio; FIXED: PG_WANTED and sleep on a busy page.  Then refs > 0
   (forced unmount): clear DYING|VNISLOCKED|WANTED|CANPERSIST (FAITHFUL RE-8 keeps IOSYNC);
   refs = 0: P5, off the wlist, flags = 0 (FIXED RE-6: vrele a VREF still held).  Wake WANTED. *)
tm_wait(t) ==
    /\ pc[t] = "tm_wait" /\ chan[t] = NoChan /\ Lk(t) /\ Run(t)
    /\ IF NPages # 0 /\ ~terminateSkipsWait
       THEN LET busyPages == {o \in Offs : Present(o) /\ pg[o].busy # NONE} IN
            /\ panics' = panics \cup (IF busyPages # {o \in Offs : Present(o)} THEN {"P3"} ELSE {})
                                \cup (IF nio = 0 /\ re7TerminateWaitsOnNio THEN {"P4"} ELSE {})
            /\ IF re7TerminateWaitsOnNio \/ busyPages = {}
               THEN /\ flags' = flags \cup {"IOSYNC"}
                    /\ chan' = [chan EXCEPT ![t] = NioChan]
                    /\ UNCHANGED pg
               ELSE /\ pg' = [pg EXCEPT ![Min(busyPages)].wanted = TRUE]
                    /\ chan' = [chan EXCEPT ![t] = PageChan(Min(busyPages))]
                    /\ UNCHANGED flags
            /\ olock' = NONE
            /\ UNCHANGED <<pc, aux, onWlist, vuse, uvnVref>>
       ELSE /\ LET c1 == IF "WANTED" \in flags THEN WakeFn(chan, UvnChan) ELSE chan IN
               IF refs > 0
               THEN LET leak == re8TerminateLeaksIosync
                        gone == {"DYING", "VNISLOCKED", "WANTED", "CANPERSIST"}
                                \cup (IF leak THEN {} ELSE {"IOSYNC", "IOSYNCWANTED"})
                    IN /\ flags' = flags \ gone
                       /\ chan' = IF ~leak /\ "IOSYNCWANTED" \in flags THEN WakeFn(c1, FlagsChan) ELSE c1
                       /\ UNCHANGED <<onWlist, vuse, uvnVref, panics>>
               ELSE /\ panics' = IF "IOSYNCWANTED" \in flags THEN panics \cup {"P5"} ELSE panics
                    /\ flags' = {} /\ onWlist' = FALSE
                    /\ chan' = c1
                    /\ IF ~re6RelkillLeaksVref /\ uvnVref = 1
                       THEN vuse' = vuse - 1 /\ uvnVref' = 0
                       ELSE UNCHANGED <<vuse, uvnVref>>
            /\ pc' = [pc EXCEPT ![t] = aux[t].back]
            /\ aux' = [aux EXCEPT ![t].cancel = FALSE]
            /\ olock' = NONE
            /\ UNCHANGED pg
    /\ UNCHANGED <<refs, nio, objGen, vgen, dead, vnlock, vxlock, held, ext, budget, fl, io, disk, latest,
                   reported, stores, errors, resurrected, freedBusy>>
    /\ Sched(t)

(* getnewvnode() reuses a free vnode (v_usecount = 0) for another file: vgone -> vclean ->
   terminate under the vnode lock, unless it is already dead (VBAD: no second terminate). *)
Recycle(t) ==
    /\ pc[t] = "idle" /\ t \in Systems /\ "recycle" \in SysOps /\ Run(t)
    /\ budget[t] > 0 /\ vuse = 0 /\ vnlock = NONE
    /\ IF dead
       THEN /\ vgen' = vgen + 1 /\ dead' = FALSE
            /\ budget' = [budget EXCEPT ![t] = @ - 1]
            /\ UNCHANGED <<vnlock, vxlock, pc, aux>>
       ELSE /\ vnlock' = t /\ vxlock' = TRUE
            /\ aux' = [aux EXCEPT ![t].back = "rc_end"]
            /\ pc' = [pc EXCEPT ![t] = "tm_start"]
            /\ UNCHANGED <<vgen, dead, budget>>
    /\ UNCHANGED <<objVars, pg, vuse, uvnVref, olock, chan, held, ext, fl, io, ghostVars>>
    /\ Sched(t)

rc_end(t) ==
    /\ pc[t] = "rc_end" /\ Run(t)
    /\ vgen' = vgen + 1 /\ vnlock' = NONE /\ vxlock' = FALSE
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ aux' = [aux EXCEPT ![t] = AuxIdle]
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ UNCHANGED <<objVars, pg, vuse, uvnVref, dead, olock, chan, held, ext, fl, io, ghostVars>>
    /\ Sched(t)

(* A forced unmount: vgone of an in-use vnode -> vclean -> terminate (refs may be > 0);
   afterwards the vnode is a deadfs vnode. *)
ForceUnmount(t) ==
    /\ pc[t] = "idle" /\ t \in Systems /\ "forceUnmount" \in SysOps /\ Run(t)
    /\ budget[t] > 0 /\ ~dead /\ vnlock = NONE
    /\ vnlock' = t /\ vxlock' = TRUE
    /\ aux' = [aux EXCEPT ![t].back = "fu_end"]
    /\ pc' = [pc EXCEPT ![t] = "tm_start"]
    /\ UNCHANGED <<objVars, pg, vuse, uvnVref, vgen, dead, olock, chan, held, ext, budget, fl, io,
                   ghostVars>>
    /\ Sched(t)

fu_end(t) ==
    /\ pc[t] = "fu_end" /\ Run(t)
    /\ dead' = TRUE /\ vnlock' = NONE /\ vxlock' = FALSE
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ aux' = [aux EXCEPT ![t] = AuxIdle]
    /\ pc' = [pc EXCEPT ![t] = "idle"]
    /\ UNCHANGED <<objVars, pg, vuse, uvnVref, vgen, olock, chan, held, ext, fl, io, ghostVars>>
    /\ Sched(t)

(* uvm_vnp_uncache(), L1762-1849, with the vnode lock held by the caller (taken for the step;
   the caller's own vnode reference is another holder's: vuse > 0): not VALID or BLOCKED ->
   TRUE; clear CANPERSIST; refs > 0 -> FALSE; persisting -> VREF, refs = 1, drop the vnode
   lock (L1840) and uvn_detach (L1841), which kills the object. *)
Uncache(t) ==
    /\ pc[t] = "idle" /\ t \in Systems /\ "uncache" \in SysOps /\ Run(t) /\ Lk(t)
    /\ budget[t] > 0 /\ vnlock = NONE /\ vuse > 0
    /\ budget' = [budget EXCEPT ![t] = @ - 1]
    /\ IF "VALID" \notin flags \/ flags \cap BLOCKED # {}
       THEN UNCHANGED <<flags, refs, vuse, uvnVref, held, pc>>
       ELSE /\ flags' = flags \ {"CANPERSIST"}
            /\ IF refs > 0
               THEN UNCHANGED <<refs, vuse, uvnVref, held, pc>>
               ELSE /\ vuse' = vuse + 1 /\ uvnVref' = 1 /\ refs' = 1
                    /\ held' = [held EXCEPT ![t] = 1]
                    /\ pc' = [pc EXCEPT ![t] = "uc_detach"]
    /\ olock' = NONE
    /\ UNCHANGED <<nio, onWlist, objGen, pg, vgen, dead, vnlock, vxlock, chan, ext, fl, io, aux,
                   ghostVars>>
    /\ Sched(t)

(* A daemon or system thread stops. *)
Quit(t) ==
    /\ pc[t] = "idle" /\ t \in Daemons \cup Systems /\ Run(t)
    /\ pc' = [pc EXCEPT ![t] = "done"]
    /\ UNCHANGED <<objVars, pg, vnVars, olock, chan, held, ext, budget, fl, io, aux, ghostVars>>
    /\ Sched(t)

(* Every thread has finished: the run ends (not a deadlock). *)
Finished ==
    /\ \A t \in Threads : pc[t] = "done"
    /\ UNCHANGED vars

Next ==
    \/ \E t \in Threads :
        \/ io_gate(t) \/ io_vnwait(t) \/ io_xfer(t)
        \/ fl_scan(t) \/ fl_done(t) \/ fl_iosync(t) \/ fl_end(t)
        \/ \E w \in BOOLEAN : Attach(t, w)
        \/ att_lock(t) \/ att_getattr(t) \/ att_relock(t)
        \/ Reference(t) \/ Detach(t) \/ det_after(t)
        \/ \E o \in Offs : Store(t, o) \/ Fault(t, o) \/ Pageout(t, o)
        \/ \E r \in SUBSET Offs \ {{}}, s \in BOOLEAN : Msync(t, r, s)
        \/ ms_ret(t) \/ gt_done(t) \/ pd_done(t) \/ MapperQuit(t)
        \/ tm_start(t) \/ tm_wait(t) \/ Recycle(t) \/ rc_end(t) \/ ForceUnmount(t) \/ fu_end(t)
        \/ Uncache(t) \/ Quit(t)
    \/ Finished

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants (notes §4; proofs-notes/invariants.md "UVM vnode pager").  "At rest" = no
   thread holds the object lock. *)
AtRest == olock = NONE

\* the variables keep their types
TypeInv ==
    /\ flags \subseteq FlagNames /\ refs \in 0..2 * Cardinality(Mappers) /\ nio \in 0..Cardinality(Threads)
    /\ onWlist \in BOOLEAN /\ vuse \in 0..Cardinality(Threads) + 1 /\ uvnVref \in {0, 1}
    /\ olock \in Threads \cup {NONE} /\ vnlock \in Threads \cup {NONE}
    /\ held \in [Threads -> 0..2]

\* O1: a referenced object is VALID
UvnRefsImplyValidInv == refs > 0 => "VALID" \in flags

\* O2: at rest, a VALID unreferenced object that is not being killed may persist
UvnPersistImpliesCanPersistInv ==
    AtRest /\ "VALID" \in flags /\ refs = 0 /\ {"DYING", "RELKILL"} \cap flags = {}
        => "CANPERSIST" \in flags

\* O3: while attaching (ALOCK) the object is not VALID, has no references and no pages
UvnAttachLockInv == "ALOCK" \in flags =>
    "VALID" \notin flags /\ flags \subseteq {"ALOCK", "WANTED"} /\ refs = 0 /\ NPages = 0

\* O4: at rest, an object neither VALID nor attaching is empty
UvnFreeIsEmptyInv == AtRest /\ "VALID" \notin flags /\ "ALOCK" \notin flags =>
    flags = {} /\ refs = 0 /\ NPages = 0 /\ nio = 0 /\ ~onWlist

\* O5: only a VALID object is DYING
UvnDyingImpliesValidInv == "DYING" \in flags => "VALID" \in flags

\* O6: RELKILL only on a dying, unreferenced object
UvnRelkillImpliesDyingInv == "RELKILL" \in flags => "DYING" \in flags /\ refs = 0

\* O7: at rest, WANTED only while something blocks
UvnWantedImpliesBlockedInv == AtRest /\ "WANTED" \in flags => flags \cap BLOCKED # {}

\* O8: WRITEABLE <=> on uvn_wlist
UvnWlistMatchesWriteableInv == ("WRITEABLE" \in flags) = onWlist

\* O9: refs never goes 0 -> 1 while BLOCKED (no resurrection of a dying object)
UvnNoResurrectionInv == ~resurrected

\* O11: v_usecount = external refs + the uvn's VREF, which it holds iff VALID with refs > 0
\* (checked outside a kill in progress)
UvnVnodeRefBalanceInv ==
    /\ vuse = Cardinality({t \in Threads : ext[t]}) + uvnVref
    /\ AtRest /\ "DYING" \notin flags =>
           uvnVref = IF "VALID" \in flags /\ refs > 0 THEN 1 ELSE 0

\* O12: the object and its pages belong to the vnode's current file (no pages of a recycled vnode's old file)
UvnRecycleSafetyInv ==
    /\ "VALID" \in flags => objGen = vgen
    /\ \A o \in Offs : Present(o) => pg[o].gen = vgen

\* refs = the references the mappers hold
UvnRefsMatchHoldersInv ==
    refs = Cardinality({t \in Threads : held[t] >= 1}) + Cardinality({t \in Threads : held[t] = 2})

\* G1: a RELEASED page is busy
PgReleasedImpliesBusyInv == \A o \in Offs : Present(o) /\ pg[o].released => pg[o].busy # NONE

\* G2: a FAKE page (placeholder being read) is busy
PgFakeImpliesBusyInv == \A o \in Offs : Present(o) /\ pg[o].fake => pg[o].busy # NONE

\* G3: a busy page is owned by a thread inside an operation, and only its owner frees it
PgBusyHasOwnerInv ==
    /\ \A o \in Offs : pg[o].busy # NONE => pg[o].present /\ pc[pg[o].busy] \notin {"idle", "done"}
    /\ ~freedBusy

\* G5: u_nio counts the threads between L1629 and L1708; each holds a busy page
UvnNioCountsIoInv ==
    /\ nio = Cardinality({t \in Threads : pc[t] \in {"io_vnwait", "io_xfer"}})
    /\ nio > 0 => NPages > 0

\* G6: IOSYNCWANTED only with IOSYNC
UvnIosyncWantedImpliesIosyncInv == "IOSYNCWANTED" \in flags => "IOSYNC" \in flags

\* G7: the IOSYNC gate is closed only while a drainer (flush iosync, terminate) waits
UvnNoLeakedIosyncInv == AtRest /\ "IOSYNC" \in flags =>
    \E t \in Threads : pc[t] \in {"fl_iosync", "tm_wait"}

\* D1: a CLEANIT|SYNCIO flush that returns TRUE wrote every page dirty at its start
FlushSyncPostInv == \A t \in Threads :
    pc[t] = "fl_end" /\ fl[t].ret => \A o \in Offs : disk[o] >= fl[t].snap[o]

\* D2: the newest data of every page is on the device, or still in a dirty resident page, or its loss was reported
PagerNoSilentLossInv == \A o \in Offs :
    \/ disk[o] = latest[o]
    \/ reported[o]
    \/ Present(o) /\ pg[o].mem = latest[o] /\ (Dirty(o) \/ pg[o].busy # NONE)

\* D4: a page being written by its owner is write-protected
WriteProtectDuringIoInv == \A o \in Offs :
    LET u == pg[o].busy IN
    u # NONE /\ io[u].rw = "w" /\ io[u].off = o => pg[o].wprot

\* the seed's own checks (P1..P9) and the port's lock checks never fire
UvnNoPanicInv == panics = {}
=============================================================================
