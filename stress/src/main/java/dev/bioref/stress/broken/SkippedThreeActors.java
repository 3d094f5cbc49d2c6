// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.stress.broken;

import dev.bioref.stress.RunnerGuardProof;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DELIBERATELY UNRUNNABLE, for the build's runner-guard check only: three actors, while the
 * must-fail run gives JCStress two CPUs ({@code -c 2}). JCStress 0.16 then finds no scheduling
 * class for it, says so once in its banner ("3 actors: No scheduling is possible, these tests
 * would not run.") and leaves it out of the run: no sample, no [OK] or [FAILED] line, exit 0.
 * Had this been a genuine test, the build would have passed without checking it, which is what
 * happened to the 3-actor J2 on this project's 2-CPU machine.
 *
 * <p>The only outcome it can produce, {@code 1, 1, 1}, is FORBIDDEN: if JCStress ever ran it, it
 * would say [FAILED]. It is never run in
 * the genuine suite (the {@code broken} package is excluded); {@link dev.bioref.stress.MutantsMustFail}
 * requires that its run's results show it not run, i.e. that {@link dev.bioref.stress.EveryTestRan}
 * would fail the build on it. By hand:
 * <pre>java -jar stress/target/bioref-stress.jar -m sanity -sc false -c 2 -t SkippedThreeActors</pre>
 * prints the banner line, runs nothing and exits 0.
 */
@RunnerGuardProof("3 actors; JCStress is given 2 CPUs")
@JCStressTest
@Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "the test ran: the skip this class proves did not happen")
@Outcome(expect = ACCEPTABLE, desc = "never seen: every actor writes 1")
@State
public class SkippedThreeActors {
    @Actor public void a1(III_Result r) { r.r1 = 1; }
    @Actor public void a2(III_Result r) { r.r2 = 1; }
    @Actor public void a3(III_Result r) { r.r3 = 1; }
}
