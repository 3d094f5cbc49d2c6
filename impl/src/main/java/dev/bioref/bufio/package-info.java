// SPDX-License-Identifier: BSD-3-Clause
/**
 * dm-bufio, Linux device-mapper's buffered block I/O client library, over the loopback device.
 *
 * <p><b>Licence and provenance.</b> The seed ({@code shared/seeds/004_799f1e28be276737.txt},
 * {@code drivers/md/dm-bufio.c}, about Linux 5.19) is GPL-2.0. This package is a
 * <em>behavioural re-implementation</em>: it was written from the engineering notes
 * ({@code shared/reference/dm_bufio.md}) and the library's API contract, in its own structure and
 * words. It is not a translation of the C; no C text is copied. Comments of the form
 * {@code // dm-bufio.c dm_bufio_release(), L1183 (behaviour)} cite seed lines only as references
 * for the behaviour being reproduced, so that a reader can hold the two side by side.
 *
 * <p>Classes: {@link dev.bioref.bufio.DmBufio} (the module: global cache-size budget, client list,
 * global cleanup and aging; and its {@code Client} and {@code Buffer}),
 * {@link dev.bioref.bufio.DmBufioInvariants} (the named invariant clauses of notes §6 and §9a),
 * {@link dev.bioref.bufio.BufioMutations} (guard switches M1-M8 and two of the port's),
 * {@link dev.bioref.bufio.BufioQuirks} (switches that restore a seed behaviour the port changed).
 * The deviations are listed in proofs-notes/deviations.md, the map to the spec and the tests in
 * proofs-notes/bufio.md.
 */
package dev.bioref.bufio;
