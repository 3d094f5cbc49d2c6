// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer.mutants;

import dev.bioref.hammer.FlusherAsyncVsWaitAsleep;
import dev.bioref.hammer.HammerMutations;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * MUST FAIL. {@link FlusherAsyncVsWaitAsleep} with FlusherSkipsDoneWakeup: the syncer's master
 * loop sets done past the waiter's seq but skips {@code wakeup(&hmp->flusher.done)}
 * (fl:L272-273), so the waiter asleep in hammer_flusher_wait (fl:L164) sleeps on until the
 * watchdog ("lost wakeup").
 */
@JCStressTest
@JCStressMeta(FlusherAsyncVsWaitAsleep.class)
@State
public class FlusherAsyncVsWaitAsleep_FlusherSkipsDoneWakeup {
    final FlusherAsyncVsWaitAsleep t = new FlusherAsyncVsWaitAsleep(switches());

    static HammerMutations switches() {
        HammerMutations m = new HammerMutations();
        m.flusherSkipsDoneWakeup = true;
        return m;
    }

    @Actor public void waiter(IIII_Result r) { t.waiter(r); }

    @Actor public void syncer(IIII_Result r) { t.syncer(r); }

    @Arbiter public void arbiter(IIII_Result r) { t.arbiter(r); }
}
