\* SPDX-License-Identifier: BSD-3-Clause
--------------------------- MODULE HammerFlusherSeq ---------------------------
(***************************************************************************)
(* HAMMER's flush-group sequencer: flush groups, sequence numbers, dummy   *)
(* sequence numbers and WOULDBLOCK re-runs.  Source: hammer_flusher.c      *)
(* (seed 002) fl:L71-191 (async, asyncOne, wait), fl:L250-453 (master     *)
(* thread, hammer_flusher_flush), fl:L460-576 (slaves); inode.c            *)
(* hammer_flush_inode / hammer_flush_inode_core for adding inodes.  Note   *)
(* shared/reference/hammer_io_flusher.md sections 4.1-4.2, 5.2 (G4), 7.2.  *)
(*                                                                         *)
(* Action names are the Java names of dev.bioref.hammer.HammerFlusher:     *)
(* async, asyncOne, wait, the master's flush step and the slaves' flush of *)
(* one inode.  Finalize is abstracted to one step (HammerFinalizeCrash     *)
(* models it).  Sequence numbers are plain naturals: the wraparound-safe   *)
(* comparison "a - b > 0" of the C is "a > b" within the model's bound.    *)
(*                                                                         *)
(* Mutation switch (FALSE in the normal configs):                          *)
(*   IgnoreGroupLock  the master starts a group while an inode is being    *)
(*                    added to it (fl:L267-268 removed)                    *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Inodes,          \* inodes that frontends queue for flushing (model values)
    Clients,         \* frontend threads (model values, symmetric)
    MaxSeq,          \* no sequence number beyond this one is allocated
    MaxWouldBlock,   \* how many times in total an inode sync may return EWOULDBLOCK
    IgnoreGroupLock  \* mutation switch

VARIABLES
    next,       \* flusher.next: the next unallocated sequence number
    done,       \* flusher.done: the last completed sequence number (master only)
    signal,     \* flusher.signal: wake counter for the master
    groups,     \* flush_group_list: <<[seq, closed, running, inodes]>> in list order
    fill,       \* seq of fill_flush_group, 0 = NULL
    groupLock,  \* flusher.group_lock: adders inside hammer_flush_inode_core
    mpc,        \* master: "Top" (loop head), "Slaves" (group handed out), "Sleep"
    scanned,    \* inodes the slaves already synced in this pass of the running group
    wouldBlocks,\* EWOULDBLOCK results so far
    cpc,        \* client pc: "Idle", "Adding", "Waiting", "Returned"
    ctarget,    \* client: seq of the group it adds an inode to (while "Adding")
    cino,       \* client: the inode it adds
    cseq        \* client: the seq async returned, which it waits for

vars == <<next, done, signal, groups, fill, groupLock, mpc, scanned, wouldBlocks,
          cpc, ctarget, cino, cseq>>

Seqs == 0..(MaxSeq + 1)
Group == [seq : Seqs, closed : BOOLEAN, running : BOOLEAN, inodes : SUBSET Inodes]

GroupSeqs == {groups[i].seq : i \in DOMAIN groups}
\* inodes queued in some group or being added
Queued == UNION {groups[i].inodes : i \in DOMAIN groups}
          \cup {cino[c] : c \in {d \in Clients : cpc[d] = "Adding"}}
\* index of the first open group (next_flush_group), Len+1 if none
FirstOpen == IF \E i \in DOMAIN groups : ~groups[i].closed
             THEN CHOOSE i \in DOMAIN groups : ~groups[i].closed /\ \A j \in 1..(i-1) : groups[j].closed
             ELSE Len(groups) + 1
IndexOf(s) == CHOOSE i \in DOMAIN groups : groups[i].seq = s
\* the seq of the group after the one with seq s, 0 if none
SeqAfter(s) == IF IndexOf(s) < Len(groups) THEN groups[IndexOf(s) + 1].seq ELSE 0

TypeOK ==
    /\ next \in 1..(MaxSeq + 1) /\ done \in 0..MaxSeq /\ signal \in 0..(MaxSeq + 1)
    /\ groups \in Seq(Group) /\ fill \in Seqs /\ groupLock \in 0..Cardinality(Clients)
    /\ mpc \in {"Top", "Slaves", "Sleep"} /\ scanned \subseteq Inodes
    /\ wouldBlocks \in 0..MaxWouldBlock
    /\ cpc \in [Clients -> {"Idle", "Adding", "Waiting", "Returned"}]
    /\ ctarget \in [Clients -> Seqs] /\ cino \in [Clients -> Inodes \cup {0}]
    /\ cseq \in [Clients -> Seqs]

\* hammer_flusher_create (fl:L193-215): signal = 0, done = 0, next = 1
Init ==
    /\ next = 1 /\ done = 0 /\ signal = 0 /\ groups = <<>> /\ fill = 0 /\ groupLock = 0
    /\ mpc = "Sleep" /\ scanned = {} /\ wouldBlocks = 0
    /\ cpc = [c \in Clients |-> "Idle"] /\ ctarget = [c \in Clients |-> 0]
    /\ cino = [c \in Clients |-> 0] /\ cseq = [c \in Clients |-> 0]

----------------------------------------------------------------------------
(* Frontends.                                                              *)

\* inode.c hammer_flush_inode: pick fill_flush_group (or a later group when
\* it is full), or create a group with seq = next++; then flush_inode_core
\* takes ++group_lock before it inserts the inode
AddBegin(c, i) ==
    /\ cpc[c] = "Idle" /\ i \notin Queued
    /\ \/ \E s \in GroupSeqs :
             /\ fill # 0 /\ s >= fill
             /\ ctarget' = [ctarget EXCEPT ![c] = s]
             /\ UNCHANGED <<next, groups, fill>>
       \/ /\ next <= MaxSeq                                 \* create a group
          /\ groups' = Append(groups, [seq |-> next, closed |-> FALSE,
                                       running |-> FALSE, inodes |-> {}])
          /\ fill' = IF fill = 0 THEN next ELSE fill
          /\ ctarget' = [ctarget EXCEPT ![c] = next]
          /\ next' = next + 1
    /\ groupLock' = groupLock + 1
    /\ cpc' = [cpc EXCEPT ![c] = "Adding"] /\ cino' = [cino EXCEPT ![c] = i]
    /\ UNCHANGED <<done, signal, mpc, scanned, wouldBlocks, cseq>>

\* hammer_flush_inode_core: RB_INSERT into the group's flush_tree, --group_lock
AddEnd(c) ==
    /\ cpc[c] = "Adding"
    /\ LET k == IndexOf(ctarget[c])
       IN groups' = [groups EXCEPT ![k].inodes = @ \cup {cino[c]}]
    /\ groupLock' = groupLock - 1
    /\ cpc' = [cpc EXCEPT ![c] = "Idle"] /\ cino' = [cino EXCEPT ![c] = 0]
    /\ UNCHANGED <<next, done, signal, fill, mpc, scanned, wouldBlocks, ctarget, cseq>>

\* hammer_flusher_async(hmp, close_flg) (fl:L90-127): close groups from
\* next_flush_group up to close_flg (all of them if close_flg = NULL, then
\* allocate a dummy seq next++), signal the master, return the seq to wait for.
\* closeSeq = 0 is NULL.  The caller then waits (hammer_flusher_wait).
AsyncEffect(c, closeSeq) ==
    LET k == IF closeSeq = 0 THEN Len(groups) ELSE IndexOf(closeSeq)
        f == FirstOpen
    IN /\ groups' = [j \in DOMAIN groups |->
                       IF j >= f /\ j <= k THEN [groups[j] EXCEPT !.closed = TRUE]
                       ELSE groups[j]]
       /\ signal' = signal + 1
       /\ IF closeSeq = 0
          THEN next <= MaxSeq /\ cseq' = [cseq EXCEPT ![c] = next] /\ next' = next + 1
          ELSE cseq' = [cseq EXCEPT ![c] = closeSeq] /\ UNCHANGED next

\* hammer_flusher_sync = async(NULL) + wait (fl:L71-78)
Async(c) ==
    /\ cpc[c] = "Idle"
    /\ AsyncEffect(c, 0)
    /\ cpc' = [cpc EXCEPT ![c] = "Waiting"]
    /\ UNCHANGED <<done, fill, groupLock, mpc, scanned, wouldBlocks, ctarget, cino>>

\* hammer_flusher_async_one + wait (wait_next, fl:L143-191): close up to the
\* first group; an already closed one is returned as is, without a signal
AsyncOne(c) ==
    /\ cpc[c] = "Idle"
    /\ IF groups = <<>>
       THEN AsyncEffect(c, 0)
       ELSE IF groups[1].closed
            THEN cseq' = [cseq EXCEPT ![c] = groups[1].seq] /\ UNCHANGED <<groups, signal, next>>
            ELSE AsyncEffect(c, groups[1].seq)
    /\ cpc' = [cpc EXCEPT ![c] = "Waiting"]
    /\ UNCHANGED <<done, fill, groupLock, mpc, scanned, wouldBlocks, ctarget, cino>>

\* hammer_flusher_wait (fl:L163-168): sleep on &done while seq - done > 0
Wait(c) ==
    /\ cpc[c] = "Waiting" /\ done >= cseq[c]
    /\ cpc' = [cpc EXCEPT ![c] = "Returned"]
    /\ UNCHANGED <<next, done, signal, groups, fill, groupLock, mpc, scanned, wouldBlocks,
                   ctarget, cino, cseq>>

\* the caller goes on with its business
WaitReturned(c) ==
    /\ cpc[c] = "Returned"
    /\ cpc' = [cpc EXCEPT ![c] = "Idle"]
    /\ UNCHANGED <<next, done, signal, groups, fill, groupLock, mpc, scanned, wouldBlocks,
                   ctarget, cino, cseq>>

----------------------------------------------------------------------------
(* The master thread (fl:L250-298) and hammer_flusher_flush (fl:L307-453). *)

\* one pass of the inner loop: wait for group_lock = 0, then flush:
\*   seq = done + 1; no group and seq = next: nothing to do (nomore);
\*   the head has seq and is closed: mark it running, advance fill past it;
\*   the head has seq and is open: nomore;
\*   otherwise (no group, or head.seq > seq): a dummy cycle, done = seq.
Flush ==
    /\ mpc = "Top"
    /\ groupLock = 0 \/ IgnoreGroupLock
    /\ LET seq == done + 1
       IN IF groups = <<>> \/ groups[1].seq # seq
          THEN IF groups = <<>> /\ seq = next
               THEN mpc' = "Sleep" /\ UNCHANGED <<done, groups, fill>>          \* nomore
               ELSE done' = seq /\ UNCHANGED <<mpc, groups, fill>>             \* dummy seq
          ELSE IF groups[1].closed
               THEN /\ groups' = [groups EXCEPT ![1].running = TRUE]
                    /\ fill' = IF fill = seq THEN SeqAfter(seq) ELSE fill
                    /\ mpc' = "Slaves" /\ UNCHANGED done
               ELSE mpc' = "Sleep" /\ UNCHANGED <<done, groups, fill>>          \* open: nomore
    /\ UNCHANGED <<next, signal, groupLock, scanned, wouldBlocks, cpc, ctarget, cino, cseq>>

\* a slave syncs one inode of the running group (flush_inode, fl:L527-576):
\* done -> it leaves the tree; EWOULDBLOCK -> it stays for a re-run
FlushInode(i) ==
    /\ mpc = "Slaves"
    /\ i \in groups[1].inodes \ scanned
    /\ \/ groups' = [groups EXCEPT ![1].inodes = @ \ {i}] /\ UNCHANGED <<scanned, wouldBlocks>>
       \/ /\ wouldBlocks < MaxWouldBlock
          /\ wouldBlocks' = wouldBlocks + 1 /\ scanned' = scanned \cup {i}
          /\ UNCHANGED groups
    /\ UNCHANGED <<next, done, signal, fill, groupLock, mpc, cpc, ctarget, cino, cseq>>

\* run_list empty: finalize(trans, 1); an empty tree frees the group and the
\* master publishes done = seq (fl:L272-273); otherwise the group re-runs
Finalize ==
    /\ mpc = "Slaves"
    /\ groups[1].inodes \subseteq scanned
    /\ IF groups[1].inodes = {}
       THEN /\ done' = groups[1].seq
            /\ groups' = Tail(groups)
            /\ mpc' = "Top"
       ELSE UNCHANGED <<done, groups, mpc>>
    /\ scanned' = {}
    /\ UNCHANGED <<next, signal, fill, groupLock, wouldBlocks, cpc, ctarget, cino, cseq>>

\* fl:L286-288: sleep until signalled, then reset the signal
MasterWake ==
    /\ mpc = "Sleep" /\ signal # 0
    /\ signal' = 0 /\ mpc' = "Top"
    /\ UNCHANGED <<next, done, groups, fill, groupLock, scanned, wouldBlocks, cpc, ctarget,
                   cino, cseq>>

\* everybody idle, the master asleep with no signal and nothing closed:
\* the intended end of a bounded run (not a deadlock)
Quiet ==
    /\ \A c \in Clients : cpc[c] = "Idle"
    /\ mpc = "Sleep" /\ signal = 0
    /\ \A i \in DOMAIN groups : ~groups[i].closed
    /\ UNCHANGED vars

Next ==
    \/ \E c \in Clients :
          \/ \E i \in Inodes : AddBegin(c, i)
          \/ AddEnd(c) \/ Async(c) \/ AsyncOne(c) \/ Wait(c) \/ WaitReturned(c)
    \/ Flush \/ Finalize \/ MasterWake
    \/ \E i \in Inodes : FlushInode(i)
    \/ Quiet

Spec == Init /\ [][Next]_vars

Fairness ==
    /\ WF_vars(Flush) /\ WF_vars(Finalize) /\ WF_vars(MasterWake)
    /\ \A i \in Inodes : WF_vars(FlushInode(i))
    /\ \A c \in Clients : WF_vars(AddEnd(c)) /\ WF_vars(Wait(c)) /\ WF_vars(WaitReturned(c))

LiveSpec == Spec /\ Fairness

----------------------------------------------------------------------------
(* Invariants.                                                             *)

\* G4: (next-1) - done >= 0; groups strictly increasing, all in (done, next);
\* closed groups form a prefix (next_flush_group is the first open one); at
\* most one running, the head, and closed; fill_flush_group never running
FlusherSeqInv ==
    /\ done <= next - 1
    /\ \A i \in DOMAIN groups : done < groups[i].seq /\ groups[i].seq < next
    /\ \A i, j \in DOMAIN groups : i < j => groups[i].seq < groups[j].seq
    /\ \A i, j \in DOMAIN groups : (i < j /\ groups[j].closed) => groups[i].closed
    /\ \A i \in DOMAIN groups : groups[i].running => (i = 1 /\ groups[i].closed)
    /\ (mpc = "Slaves") <=> (groups # <<>> /\ groups[1].running)
    /\ fill # 0 => (fill \in GroupSeqs /\ ~groups[IndexOf(fill)].running)

\* no inode is ever added to a running group (group_lock, fl:L267-268)
NoJoinRunningInv ==
    \A c \in Clients :
        (cpc[c] = "Adding" /\ ctarget[c] \in GroupSeqs) => ~groups[IndexOf(ctarget[c])].running

\* wait(seq) returns only when done >= seq: every group up to seq is gone
WaitDoneInv ==
    \A c \in Clients : cpc[c] = "Returned" => (done >= cseq[c] /\ \A s \in GroupSeqs : s > cseq[c])

\* done never decreases
DoneMonotonicProp == [][done' >= done]_vars

\* every closed group is eventually freed
ClosedGroupFreed ==
    \A s \in 1..MaxSeq :
        (\E i \in DOMAIN groups : groups[i].seq = s /\ groups[i].closed) ~> (s \notin GroupSeqs)

\* a thread in wait(seq) eventually returns
WaitTerminates == \A c \in Clients : cpc[c] = "Waiting" ~> cpc[c] = "Returned"

=============================================================================
