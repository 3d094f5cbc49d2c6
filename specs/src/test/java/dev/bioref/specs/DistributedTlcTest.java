// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.specs;

import dev.bioref.model.SpecsLayout;
import dev.bioref.model.TlcResult;
import dev.bioref.model.TlcRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLC's distributed mode on loopback (a TLCServer and two TLCWorker JVMs on 127.0.0.1) gives the
 * single-JVM verdict and distinct-state count. Not in the default build (it starts six JVMs):
 * {@code mvn -B -pl specs -am verify -Pdistributed -Dtest=DistributedTlcTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DistributedTlcTest {
    private static final SpecsLayout LAYOUT = SpecsLayout.of(Path.of("src", "main", "tla"));
    private static final TlcRunner RUNNER = new TlcRunner(LAYOUT.specsDir(), LAYOUT.outDir(), "auto", "1g", 600);

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void twoWorkersFindTheSingleJvmStateCount() {
        String cfg = "MCHammerIoProtocol_DATA.cfg";
        TlcResult single = RUNNER.run(cfg, "MCHammerIoProtocol");
        TlcResult dist = RUNNER.distributed(cfg, "MCHammerIoProtocol", 2);
        System.out.println("DistributedTlcTest " + cfg + ": single JVM " + single.describe() + ", " + n(single.distinct())
                + " distinct, " + n(single.total()) + " total, " + single.wallMillis() + " ms; 2 workers " + dist.describe()
                + ", " + n(dist.distinct()) + " distinct, " + n(dist.total()) + " total, " + dist.wallMillis() + " ms");
        assertEquals(TlcResult.Outcome.PASS, single.outcome(), single.output());
        assertEquals(TlcResult.Outcome.PASS, dist.outcome(), dist.output());
        assertTrue(single.distinct().isPresent(), single.output());
        assertEquals(single.distinct(), dist.distinct(), dist.output());
    }

    private static String n(java.util.OptionalLong v) { return v.isPresent() ? Long.toString(v.getAsLong()) : "-"; }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void twoWorkersRejectAMutant() {
        TlcResult dist = RUNNER.distributed("MCHammerIoProtocol_ClearAfterWrite.cfg", "MCHammerIoProtocol", 2);
        assertTrue(dist.outcome().isViolation(), dist.output());
        assertTrue(Arrays.asList(dist.property().split("\\|")).contains("OwnershipInv"), dist.property());
        assertFalse(dist.trace().isEmpty(), dist.output());
    }
}
