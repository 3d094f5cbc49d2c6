\* SPDX-License-Identifier: BSD-3-Clause
------------------------------ MODULE MCDmBufio ------------------------------
(* Model values for DmBufio (see MCDmBufio*.cfg).  Buffers, blocks and threads are
   interchangeable model values (no CHOOSE over them in the spec), so checking one
   representative per permutation is sound for the safety properties; liveness and
   release_move configs (distinct initial disk contents) use no symmetry. *)
EXTENDS DmBufio, TLC
CONSTANTS x1, x2, x3, b1, b2, b3, t1, t2
Symmetry == Permutations(Bufs) \cup Permutations(Blocks) \cup Permutations(Threads)
\* every block starts as version 0
ZeroDisk == [b \in Blocks |-> 0]
\* blocks start with different contents (release_move must visibly copy)
DistinctDisk == [b \in Blocks |-> IF b = b1 THEN 0 ELSE 1]
=============================================================================
