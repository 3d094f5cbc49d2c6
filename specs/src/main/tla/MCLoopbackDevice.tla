-------------------------- MODULE MCLoopbackDevice --------------------------
(* Model values for LoopbackDevice: two sectors, four requests, one crash. *)
EXTENDS LoopbackDevice
=============================================================================
