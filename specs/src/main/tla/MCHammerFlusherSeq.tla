\* SPDX-License-Identifier: BSD-3-Clause
-------------------------- MODULE MCHammerFlusherSeq --------------------------
(* Model values for HammerFlusherSeq: clients and inodes are symmetric.     *)
EXTENDS HammerFlusherSeq, TLC

\* swapping two clients, or two inodes, gives an equivalent state
Symmetry == Permutations(Clients) \cup Permutations(Inodes)
=============================================================================
