\* SPDX-License-Identifier: BSD-3-Clause
------------------------- MODULE MCHammerIoProtocol -------------------------
(* Model values for HammerIoProtocol: the frontends are symmetric.         *)
EXTENDS HammerIoProtocol, TLC

\* swapping two frontends gives an equivalent state
Symmetry == Permutations(F)
=============================================================================
