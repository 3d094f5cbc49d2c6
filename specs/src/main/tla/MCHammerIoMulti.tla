\* SPDX-License-Identifier: BSD-3-Clause
---------------------------- MODULE MCHammerIoMulti ----------------------------
(* Model values for HammerIoMulti: the frontends are symmetric (see          *)
(* proofs-notes/specs.md, "Symmetry and views", for why this is sound).      *)
EXTENDS HammerIoMulti, TLC

\* swapping two frontends gives an equivalent state
Symmetry == Permutations(F)
=============================================================================
