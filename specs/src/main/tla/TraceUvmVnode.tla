\* SPDX-License-Identifier: BSD-3-Clause
--------------------------- MODULE TraceUvmVnode ---------------------------
(***************************************************************************)
(* Trace validation of dev.bioref.uvm (the UVM vnode pager) against        *)
(* UvmVnode.tla, for ONE vnode.  UvmVnode.tla is a program-counter model:  *)
(* an operation of a thread (attach, detach, msync, a fault, a pageout, a  *)
(* terminate) is a sequence of steps through pc labels.  The port logs ONE *)
(* event per operation, when it returns, with the values after it; the     *)
(* event is matched by a "composed action" (CCF's term): the operation's   *)
(* first step (the action the event names, with its parameters), then the *)
(* thread's own steps through its labels, until the thread is back at      *)
(* "idle" (or "done"), where the logged values must hold.  Those steps are *)
(* deterministic (every label of one thread has at most one enabled step   *)
(* in a trace where one operation runs at a time), except uvn_io's write   *)
(* result, which the event logs (failed: the pages whose write failed).    *)
(* So TraceMatchedInv (ENABLED TraceNext) fails at the first event that    *)
(* cannot be matched: either its first step is not enabled, or its         *)
(* thread's steps get stuck, or they end in other values than logged.      *)
(*                                                                         *)
(* The traced runs are single-threaded at the operation level: one         *)
(* operation runs at a time (the log order is then the order of the        *)
(* operations; interleaved operations are not validated).                  *)
(*                                                                         *)
(* Logged after each operation: flags (u_flags as the port's bit mask),   *)
(* refs (uo_refs), resident pages, dirty pages (~PG_CLEAN or the pmap modified  *)
(* bit) and writable pages (mapped with write permission: a subset of the  *)
(* spec's ~wprot, because the port maps a read fault read-only where the   *)
(* spec lets any resident, unprotected page be written).  Pages are page   *)
(* numbers (offset / PAGE_SIZE).  Threads are strings: mappers "m1",       *)
(* "m2", ... (one per mmap; a fork is a second reference of the same       *)
(* mapper), the pagedaemon "d1", the system thread "s1".                   *)
(***************************************************************************)
EXTENDS UvmVnode, Sequences

CONSTANT TraceLog

VARIABLE l      \* the index of the next event to match: events 1..l-1 are matched

traceVars == <<vars, l>>

Log == TraceLog
Ev == Log[l]
Set(s) == {s[i] : i \in DOMAIN s}
Has(e, f) == f \in DOMAIN e

TraceInit == Init /\ l = 1

\* The first step of the operation the event names (its thread is idle).
Start(e, t) ==
    CASE e.action = "Attach"       -> Attach(t, e.w)
      [] e.action = "Reference"    -> Reference(t)
      [] e.action = "Detach"       -> Detach(t)
      [] e.action = "MapperQuit"   -> MapperQuit(t)
      [] e.action = "Store"        -> e.o \in Offs /\ Store(t, e.o)
      [] e.action = "Fault"        -> e.o \in Offs /\ Fault(t, e.o)
      [] e.action = "Msync"        -> Set(e.range) \subseteq Offs /\ Msync(t, Set(e.range), e.sync)
      [] e.action = "Pageout"      -> e.o \in Offs /\ Pageout(t, e.o)
      [] e.action = "Recycle"      -> Recycle(t)
      [] e.action = "ForceUnmount" -> ForceUnmount(t)
      [] OTHER                     -> FALSE    \* Unmodelled: never matched

\* The thread's next step inside the operation (the labels of UvmVnode's Next).
Continue(t) ==
    \/ io_gate(t) \/ io_vnwait(t) \/ io_xfer(t)
    \/ fl_scan(t) \/ fl_done(t) \/ fl_iosync(t) \/ fl_end(t)
    \/ att_lock(t) \/ att_getattr(t) \/ att_relock(t)
    \/ Detach(t) /\ pc[t] = "uc_detach"
    \/ det_after(t) \/ ms_ret(t) \/ gt_done(t) \/ pd_done(t)
    \/ tm_start(t) \/ tm_wait(t) \/ rc_end(t) \/ fu_end(t)

\* uvn_io's result: a write of page o fails iff the event lists o as failed (a device error
\* counts in errors; on a dead vnode every transfer fails and counts nothing).
IoResult(e, t) ==
    pc[t] = "io_xfer" /\ ~dead =>
        ((errors' > errors) = (Has(e, "failed") /\ io[t].off \in Set(e.failed)))

Dirty1(o) == ~pg'[o].clean \/ pg'[o].mod

\* u_flags as the port's bits (UvmVnode.UVM_VNODE_*).
Bit(f) == CASE f = "VALID" -> 1 [] f = "CANPERSIST" -> 2 [] f = "ALOCK" -> 4 [] f = "DYING" -> 8
            [] f = "RELKILL" -> 16 [] f = "WANTED" -> 32 [] f = "VNISLOCKED" -> 64
            [] f = "IOSYNC" -> 128 [] f = "IOSYNCWANTED" -> 256 [] f = "WRITEABLE" -> 512
RECURSIVE Mask(_)
Mask(S) == IF S = {} THEN 0 ELSE LET f == CHOOSE x \in S : TRUE IN Bit(f) + Mask(S \ {f})

\* The values the port logged after the operation.
Logged(e) ==
    /\ Mask(flags') = e.flags
    /\ refs' = e.refs
    /\ {o \in Offs : pg'[o].present} = Set(e.resident)
    /\ {o \in Offs : pg'[o].present /\ Dirty1(o)} = Set(e.dirty)
    /\ Set(e.writable) \subseteq {o \in Offs : pg'[o].present /\ ~pg'[o].wprot}

TraceNext ==
    /\ l <= Len(Log)
    /\ LET e == Ev
           t == e.t
       IN /\ t \in Threads
          /\ IF pc[t] = "idle" THEN Start(e, t) ELSE Continue(t) /\ IoResult(e, t)
          /\ IF pc'[t] \in {"idle", "done"}
             THEN Logged(e) /\ l' = l + 1
             ELSE l' = l

TraceSpec == TraceInit /\ [][TraceNext]_traceVars

\* Every event can be matched after the ones before it: violated at the first event that
\* cannot be (l is its index; the state is the spec's state where its operation got stuck).
TraceMatchedInv == l <= Len(Log) => ENABLED TraceNext
=============================================================================
