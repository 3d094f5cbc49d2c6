\* SPDX-License-Identifier: BSD-3-Clause
----------------------------- MODULE MCUvmVnode -----------------------------
(* Model values for UvmVnode (see MCUvmVnode*.cfg).  Mappers are interchangeable (the spec
   has no CHOOSE over threads), so symmetry is sound for the safety invariants and for
   deadlock checking. *)
EXTENDS UvmVnode, TLC
CONSTANTS m1, m2, m3, d1, s1
MapperSymmetry == Permutations(Mappers)
=============================================================================
