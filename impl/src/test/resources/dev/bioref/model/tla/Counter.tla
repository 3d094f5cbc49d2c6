\* SPDX-License-Identifier: BSD-3-Clause
---------------------------- MODULE Counter ----------------------------
(* A tiny model for the runner's own tests: two counters, one guard, one mutant. *)
EXTENDS Naturals
CONSTANTS Max, SkipGuard
VARIABLES x, y
vars == <<x, y>>

Init == x = 0 /\ y = 0
IncX == (SkipGuard \/ x < Max) /\ x' = x + 1 /\ UNCHANGED y
IncY == y < Max /\ y' = y + 1 /\ UNCHANGED x
Spec == Init /\ [][IncX \/ IncY]_vars

\* x never passes its bound.
BoundInv == x <= Max
=============================================================================
