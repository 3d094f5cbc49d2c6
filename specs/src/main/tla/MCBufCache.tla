\* SPDX-License-Identifier: BSD-3-Clause
----------------------------- MODULE MCBufCache -----------------------------
(* Model values for BufCache (see MCBufCache*.cfg). Headers, blocks and clients are
   interchangeable model values, so checking one representative per permutation is sound
   for the safety invariants (no CHOOSE over them in the spec). *)
EXTENDS BufCache, TLC
CONSTANTS h1, h2, b1, b2, p1, p2
Symmetry == Permutations(Hdrs) \cup Permutations(Procs) \cup Permutations(Blocks)
=============================================================================
