// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import dev.bioref.buf.BufQuiescence;
import dev.bioref.hammer.HammerQuiescence;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * QuiescentInv, checked after every JUnit Jupiter test of impl (registered for all of them by
 * auto-detection: META-INF/services + junit-platform.properties). When a test returns, nothing
 * it started may still hold or wait (proofs-notes/waits.md §3):
 * <ul>
 *   <li>no buffer lock held by a thread (a lock the kernel owns, KERNPROC, belongs to I/O in
 *       flight or to HAMMER and is fine): an early return that kept a buffer locked would block
 *       its next user for ever;</li>
 *   <li>no LWKT token held by any thread;</li>
 *   <li>no thread the test started left asleep in {@link Sleepq} (a sleeper that was there
 *       before the test, a daemon of an earlier test, does not count);</li>
 *   <li>no HAMMER ref, interlock, lock, open modification or group_lock left on a mount the test
 *       created ({@link HammerQuiescence});</li>
 *   <li>no test seam left on: pause hook, spurious wakeups, {@link KernMutations}.</li>
 * </ul>
 * Work the test started may still be finishing (a completion thread releasing its buffer), so
 * the check waits up to {@link #SETTLE_MILLIS} (30 s; {@code -Dbioref.test.quiescentSettleMillis})
 * for quiescence before it fails, naming what is held and who sleeps where. The bound is a hang
 * detector, not a deadline the work must beat: it costs nothing when the test is quiescent (the
 * check returns at once); at 2 s, a completion thread starved for longer than that (PIT's minions
 * run at nice 15 under load 20; at nice 15 beside two busy loops one round of the 115 buf tests
 * took 111-163 s in session 7) would have
 * turned a passing test into a failure (proofs-notes/pit.md §7). A test that already failed is not checked again, but the seams are
 * reset either way.
 */
public final class QuiescentInvExtension implements BeforeEachCallback, AfterEachCallback {
    static final long SETTLE_MILLIS = Long.getLong("bioref.test.quiescentSettleMillis", 30_000);

    static { BufLock.trackHolders(); }

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(QuiescentInvExtension.class);

    @Override public void beforeEach(ExtensionContext context) {
        // caches and mounts are recorded from the test instance's creation on (field initializers
        // run before beforeEach); afterEach forgets them, so nothing of an earlier test is here
        context.getStore(NS).put("sleepersBefore", new HashSet<>(Sleepq.sleeping().keySet()));
        context.getStore(NS).put("locksBefore", new HashSet<>(BufLock.heldByThreads().keySet()));
    }

    @Override public void afterEach(ExtensionContext context) throws Exception {
        boolean seams = Pause.installed() || Sleepq.spuriousWakeupsOn() || KernMutations.any();
        Pause.clear();
        Sleepq.stopSpuriousWakeups();
        KernMutations.reset();
        if (context.getExecutionException().isPresent()) {
            HammerQuiescence.reset();
            BufQuiescence.reset();
            return;
        }
        @SuppressWarnings("unchecked")
        Set<Thread> sleepersBefore = context.getStore(NS).get("sleepersBefore", Set.class);
        @SuppressWarnings("unchecked")
        Set<BufLock> locksBefore = context.getStore(NS).get("locksBefore", Set.class);
        Set<BufLock> exempt = new HashSet<>(BufQuiescence.exemptLocks());
        exempt.addAll(HammerQuiescence.exemptLocks());
        List<String> v = violations(sleepersBefore, locksBefore, exempt, SETTLE_MILLIS);
        if (seams) v.add(0, "a test seam was left on (pause hook, spurious wakeups or a KernMutations switch)");
        v.addAll(HammerQuiescence.violations());
        HammerQuiescence.reset();
        BufQuiescence.reset();
        if (!v.isEmpty()) throw new AssertionError("QuiescentInv after " + context.getDisplayName() + ": " + String.join("; ", v));
    }

    /**
     * The kernel half of QuiescentInv: buffer locks held by threads (other than those held before
     * the test, or exempt), LWKT token holds, sleepers the test left; waits up to {@code settleMillis}
     * for them to go away. Empty if quiescent.
     */
    static List<String> violations(Set<Thread> sleepersBefore, Set<BufLock> locksBefore, Set<BufLock> exempt,
                                   long settleMillis) throws InterruptedException {
        long deadline = System.nanoTime() + settleMillis * 1_000_000L;
        for (;;) {
            List<String> v = new ArrayList<>();
            for (Map.Entry<BufLock, Thread> e : BufLock.heldByThreads().entrySet()) {
                if (!locksBefore.contains(e.getKey()) && !exempt.contains(e.getKey())) {
                    v.add("buffer lock " + e.getKey() + " still held by " + e.getValue().getName()
                            + (e.getValue().isAlive() ? "" : " (which has terminated)"));
                }
            }
            int tokens = Token.holdsOutstanding();
            if (tokens != 0) v.add(tokens + " LWKT token hold(s) outstanding");
            for (Map.Entry<Thread, String> e : Sleepq.sleeping().entrySet()) {
                if (!sleepersBefore.contains(e.getKey())) v.add("thread " + e.getKey().getName() + " left asleep on \"" + e.getValue() + "\"");
            }
            if (v.isEmpty() || System.nanoTime() > deadline) return v;
            Thread.sleep(5);
        }
    }
}
