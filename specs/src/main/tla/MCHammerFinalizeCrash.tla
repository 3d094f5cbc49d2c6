\* SPDX-License-Identifier: BSD-3-Clause
------------------------ MODULE MCHammerFinalizeCrash ------------------------
(* Model values for HammerFinalizeCrash live in the configs (all constants  *)
(* are numbers and booleans; no symmetry: blocks are distinguished by their *)
(* UNDO order).                                                              *)
EXTENDS HammerFinalizeCrash, TLC
=============================================================================
