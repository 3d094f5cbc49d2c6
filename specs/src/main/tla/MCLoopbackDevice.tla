\* SPDX-License-Identifier: BSD-3-Clause
-------------------------- MODULE MCLoopbackDevice --------------------------
(* Model values for LoopbackDevice: two sectors, four requests, one crash. *)
EXTENDS LoopbackDevice
=============================================================================
