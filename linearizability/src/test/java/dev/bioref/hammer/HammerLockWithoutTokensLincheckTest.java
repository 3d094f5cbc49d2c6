// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * The refs/interlock word with no token around the calls, against {@link HammerLockSpec}. Run it
 * alone with {@code mvn -B -pl linearizability -am test -Dtest=HammerLockWithoutTokensLincheckTest}.
 *
 * <p>It found a port bug, since FIXED (proofs-notes/concurrency-hammer.md F1): an earlier
 * {@link HammerLock#refInterlock} bumped the count with {@code getAndIncrement} (0→1
 * without LOCKED|CHECK) and takes the interlock in a second step. A plain {@code hammer_ref}
 * in between makes the count 2 without CHECK, so the ref_interlock returns false and nobody
 * loads the structure. The seed (hammer_subs.c hammer_ref_interlock, as I read it in the
 * DragonFly tree) makes the 0→1 transition with LOCKED|CHECK in one cmpset. Lincheck's
 * counterexample (model checking, a few seconds):
 * <pre>
 *   Thread 2: refAndMaybeLoad(): refs.getAndIncrement() == 0 ... switch
 *   Thread 1: plainRef()                                     (refs 1 → 2, CHECK not set)
 *   Thread 2: refs.get() == 2, no CHECK → returns false       (the spec says true: refs were 0)
 * </pre>
 * With the callers' tokens the same bug is still reachable, through a kernel probe that makes
 * the frontend sleep between the two steps: {@link HammerLockLincheckTest}.
 */
public class HammerLockWithoutTokensLincheckTest extends AbstractHammerLockLincheckTest {
    @Override protected boolean callersHoldTokens() { return false; }
}
