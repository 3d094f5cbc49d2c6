// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The exact values of the bufinit() formulas (Params.seed, vfs_bio.c L607) and of their
 * small-pool adaptation (Params.forTest), and each limit of Params.validate at its boundary:
 * the value on the boundary is accepted or refused exactly as the message says. Expected values
 * are worked out by hand from the formulas (pit.md §6.3 lists the PIT mutants this closes).
 */
class ParamsContractTest {
    private static void assertSpaces(Params p, long max, long hi, long lo, long hidirty, long lodirty, long hirunning) {
        assertEquals(max, p.maxbufspace(), "maxbufspace");
        assertEquals(hi, p.hibufspace(), "hibufspace");
        assertEquals(lo, p.lobufspace(), "lobufspace");
        assertEquals(hidirty, p.hidirtybufspace(), "hidirtybufspace");
        assertEquals(lodirty, p.lodirtybufspace(), "lodirtybufspace");
        assertEquals(hirunning, p.hirunningspace(), "hirunningspace");
    }

    @Test void seedFormulasForALargePoolClampLobufspaceTo64MiBBelowHibufspace() {
        // 1 GiB: hibufspace = max - 10 MAXBSIZE; 7/8 of it would leave 128 MiB, more than 64 MiB
        assertSpaces(Params.seed(65536, 2, 65536, 16384),
                1_073_741_824L, 1_073_086_464L, 1_073_086_464L - 64L * 1024 * 1024, 536_543_232L, 268_271_616L, 67_067_904L);
    }

    @Test void seedFormulasForAMediumPoolKeepSevenEighths() {
        // 64 MiB: 7/8 of hibufspace leaves 8 MiB (under the 64 MiB clamp) and more than one MAXBSIZE
        assertSpaces(Params.seed(4096, 1, 65536, 16384), 67_108_864L, 66_453_504L, 58_146_816L, 33_226_752L, 16_613_376L, 4_153_344L);
    }

    @Test void seedFormulasForATinyPoolClampLobufspaceToOneMaxbsizeBelowAndFloorHirunningspaceAt1MiB() {
        // 128 KiB: hibufspace = 3/4 max; 7/8 of it is within one MAXBSIZE of it
        assertSpaces(Params.seed(8, 1, 16384, 16384), 131_072L, 98_304L, 81_920L, 49_152L, 24_576L, 1_048_576L);
    }

    @Test void forTestFormulas() {
        assertSpaces(Params.forTest(16, 1024), 16_384L, 12_288L, 10_752L, 6_144L, 3_072L, 2_048L);
        assertSpaces(Params.forTest(64, 4096), 262_144L, 221_184L, 193_536L, 110_592L, 55_296L, 13_824L);
        assertSpaces(Params.forTest(1 << 20, 1024),
                1_073_741_824L, 1_073_731_584L, 1_073_731_584L - 64L * 1024 * 1024, 536_865_792L, 268_432_896L, 67_108_224L);
        Params w = Params.forTest(16, 1024).withDirtyWatermarks(1000, 2000);
        assertEquals(1000, w.lodirtybufspace());
        assertEquals(2000, w.hidirtybufspace());
        assertEquals(Params.forTest(16, 1024).hibufspace(), w.hibufspace());
    }

    /** A valid base: nbuf 8, 1 cpu, 1 KiB blocks. */
    private static Params p(int maxbsize, long max, long hi, long lo, long hidirty, long lodirty, long hirunning,
                            int flushperqueue, int bdWakeSize) {
        return new Params(8, 1, maxbsize, max, hi, lo, hidirty, lodirty, hirunning, flushperqueue, bdWakeSize);
    }

    private static void refused(Params bad, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.validate(false));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test void validateAcceptsEveryLimitOnItsBoundary() {
        p(512, 8192, 8192, 0, 3072, 3072, 1, 1, 2).validate(false);   // DEV_BSIZE, lo = 0, hi = max, lodirty = hidirty, bdWakeSize 2
        p(1024, 8192, 6144, 5120, 3072, 1536, 2048, 64, 64).validate(false);
    }

    @Test void validateRefusesEachLimitJustPastItsBoundary() {
        refused(p(0, 8192, 6144, 5120, 3072, 1536, 2048, 64, 64), "maxbsize must be a positive multiple of 512, was 0");
        refused(p(1024, 8192, 6144, 6144, 3072, 1536, 2048, 64, 64), "lobufspace=6144 hibufspace=6144");
        refused(p(1024, 8192, 8193, 5120, 3072, 1536, 2048, 64, 64), "hibufspace=8193 maxbufspace=8192");
        refused(p(1024, 8192, 6144, -1, 3072, 1536, 2048, 64, 64), "lobufspace=-1");
        refused(p(1024, 8192, 6144, 5120, 3072, 0, 2048, 64, 64), "need 0 < lodirtybufspace <= hidirtybufspace, have 0, 3072");
        refused(p(1024, 8192, 6144, 5120, 3072, 3073, 2048, 64, 64), "have 3073, 3072");
        refused(p(1024, 8192, 6144, 5120, 3072, 1536, 0, 64, 64), "hirunningspace must be > 0, was 0");
        refused(p(1024, 8192, 6144, 5120, 3072, 1536, 2048, 0, 64), "flushperqueue must be > 0, was 0");
        refused(p(1024, 8192, 6144, 5120, 3072, 1536, 2048, 64, 1), "bdWakeSize must be a power of two >= 2, was 1");
        refused(p(1024, 8192, 6144, 5120, 3072, 1536, 2048, 64, 48), "was 48");
    }
}
