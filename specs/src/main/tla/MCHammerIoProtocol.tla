------------------------- MODULE MCHammerIoProtocol -------------------------
(* Model values for HammerIoProtocol: the frontends are symmetric.         *)
EXTENDS HammerIoProtocol, TLC

\* swapping two frontends gives an equivalent state
Symmetry == Permutations(F)
=============================================================================
