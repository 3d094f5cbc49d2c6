// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.stress;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JCStress class in a {@code broken} package that JCStress deliberately does not run:
 * it proves that the runner guard ({@link EveryTestRan}) fails on a selected test that was
 * skipped. {@link MutantsMustFail} counts such a class as caught when its run's results show
 * it not run, and as missed when JCStress ran it. Every other class there must be [FAILED].
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RunnerGuardProof {
    /** Why JCStress does not run it. */
    String value();
}
