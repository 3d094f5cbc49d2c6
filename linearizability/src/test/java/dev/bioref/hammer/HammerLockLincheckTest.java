// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * The port's {@link HammerLock}, called as HAMMER calls it (fs_token for the frontend and the
 * flusher, io_token for the kernel probe), against {@link HammerLockSpec}. Run it alone with
 * {@code mvn -B -pl linearizability -am test -Dtest=HammerLockLincheckTest}.
 *
 * <p>It found a port bug, since FIXED (proofs-notes/concurrency-hammer.md F1): an earlier
 * {@link HammerLock#refInterlock} applied its increment before it looked at LOCKED. Stress mode
 * found it; model checking at the default budget did not. Lincheck's result then:
 * <pre>
 *   init:     plainRel(): false, refAndMaybeLoad(): 1
 *   Thread 1: kernelProbe(): true, plainRef(), plainRef()
 *   Thread 2: relAndMaybeUnload(): 1, unloadDone(): true, refAndMaybeLoad(): 0   (spec: 1)
 * </pre>
 * The interleaving: the kernel probe holds the interlock on an idle word; the frontend's
 * ref_interlock makes the count 1 without CHECK and sleeps on LOCKED, releasing fs_token; the
 * flusher's plain ref makes it 2 (no CHECK, the count was not 0); the probe releases; the
 * frontend wakes, sees 2 refs and no CHECK, and returns "someone else loaded it": nobody
 * loads. In HAMMER terms a get_buffer racing a bioops callback and a flusher plain ref can
 * return an unloaded buffer. The seed's hammer_ref_interlock (hammer_subs.c, as read in the
 * DragonFly tree) only sets WANTED and sleeps when LOCKED, applying the increment (with CHECK
 * on 0→1) in the same cmpset that succeeds; so does the port now.
 */
public class HammerLockLincheckTest extends AbstractHammerLockLincheckTest { }
