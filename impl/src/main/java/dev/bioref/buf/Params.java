// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * The sizes and watermarks of one {@link BufCache} (bufinit(), L607-698), explicit so that tests
 * can run tiny pools. All space values are in bytes.
 *
 * @param nbuf            number of buffer headers
 * @param ncpus           number of per-CPU queue buckets (shards)
 * @param maxbsize        MAXBSIZE: the largest buffer, and every header's b_kvasize
 * @param maxbufspace     nbuf × NBUFCALCSIZE
 * @param hibufspace      above it getnewbuf enters "flushing" (frees CLEAN buffers)
 * @param lobufspace      flushing stops below it
 * @param hidirtybufspace writers in bd_wait keep waiting above it (running + dirtykva)
 * @param lodirtybufspace the daemons flush down to half of it
 * @param hirunningspace  write bytes in flight; waitrunningbufspace waits above 4/6 of it
 * @param flushperqueue   buffers per flushbufqueues call (1024 in the seed)
 * @param bdWakeSize      slots of the bd_wait ticket array (16384 in the seed; a power of two)
 */
public record Params(int nbuf, int ncpus, int maxbsize, long maxbufspace, long hibufspace, long lobufspace,
                     long hidirtybufspace, long lodirtybufspace, long hirunningspace, int flushperqueue,
                     int bdWakeSize) {

    /** DEV_BSIZE: buffer memory is allocated in these units (the device's sector size). */
    public static final int DEV_BSIZE = 512;

    /**
     * The seed's bufinit() formulas, verbatim (L663-692), with NBUFCALCSIZE per header.
     * For small nbuf lobufspace comes out negative (reference §4.2); the BufCache constructor
     * rejects such parameters unless {@link BufQuirks#seedNegativeLobufspace} is on.
     */
    // vfs_bio.c bufinit(), L607
    public static Params seed(int nbuf, int ncpus, int maxbsize, int nbufcalcsize) {
        long maxbufspace = (long) nbuf * nbufcalcsize;
        long hibufspace = Math.max(3 * maxbufspace / 4, maxbufspace - (long) maxbsize * 10);
        long lobufspace = hibufspace * 7 / 8;
        if (hibufspace - lobufspace > 64L * 1024 * 1024) lobufspace = hibufspace - 64L * 1024 * 1024;
        if (lobufspace > hibufspace - maxbsize) lobufspace = hibufspace - maxbsize;
        long hidirtybufspace = hibufspace / 2;
        long hirunningspace = Math.max(hibufspace / 16, 1024L * 1024);
        long lodirtybufspace = hidirtybufspace / 2;
        return new Params(nbuf, ncpus, maxbsize, maxbufspace, hibufspace, lobufspace, hidirtybufspace,
                lodirtybufspace, hirunningspace, 1024, 16384);
    }

    /**
     * The seed's formulas with the two changes that make small pools work (deviation
     * "bufinit small nbuf", proofs-notes/deviations.md): the clamp {@code lobufspace <=
     * hibufspace - MAXBSIZE} is applied only while it leaves lobufspace non-negative, and the
     * 1 MiB floor of hirunningspace becomes 2 × MAXBSIZE. NBUFCALCSIZE = MAXBSIZE = blockSize,
     * one CPU bucket, a 64-slot ticket array.
     */
    // vfs_bio.c bufinit(), L651-692, adapted for small pools (deviation "bufinit small nbuf")
    public static Params forTest(int nbuf, int blockSize) {
        return forTest(nbuf, 1, blockSize);
    }

    /** {@link #forTest(int, int)} with {@code ncpus} queue buckets. */
    // vfs_bio.c bufinit(), L651-692, adapted for small pools (deviation "bufinit small nbuf")
    public static Params forTest(int nbuf, int ncpus, int blockSize) {
        long maxbufspace = (long) nbuf * blockSize;
        long hibufspace = Math.max(3 * maxbufspace / 4, maxbufspace - (long) blockSize * 10);
        long lobufspace = hibufspace * 7 / 8;
        if (hibufspace - lobufspace > 64L * 1024 * 1024) lobufspace = hibufspace - 64L * 1024 * 1024;
        if (lobufspace > hibufspace - blockSize && hibufspace - blockSize >= 0) lobufspace = hibufspace - blockSize;
        long hidirtybufspace = hibufspace / 2;
        long hirunningspace = Math.max(hibufspace / 16, 2L * blockSize);
        long lodirtybufspace = hidirtybufspace / 2;
        return new Params(nbuf, ncpus, blockSize, maxbufspace, hibufspace, lobufspace, hidirtybufspace,
                lodirtybufspace, hirunningspace, 1024, 64);
    }

    /** The same parameters with other dirty watermarks (for throttling tests). */
    // port: tunables for tests
    public Params withDirtyWatermarks(long lo, long hi) {
        return new Params(nbuf, ncpus, maxbsize, maxbufspace, hibufspace, lobufspace, hi, lo, hirunningspace,
                flushperqueue, bdWakeSize);
    }

    /** The same parameters with another hirunningspace. */
    // port: tunables for tests
    public Params withHirunningspace(long hirunning) {
        return new Params(nbuf, ncpus, maxbsize, maxbufspace, hibufspace, lobufspace, hidirtybufspace,
                lodirtybufspace, hirunning, flushperqueue, bdWakeSize);
    }

    /** The same parameters with another flushperqueue (buffers per flushbufqueues call). */
    // port: tunables for tests
    public Params withFlushperqueue(int n) {
        return new Params(nbuf, ncpus, maxbsize, maxbufspace, hibufspace, lobufspace, hidirtybufspace,
                lodirtybufspace, hirunningspace, n, bdWakeSize);
    }

    /** Throws, naming the bad value, unless the parameters can work. */
    // port: the checks bufinit() lacks (reference §4.2)
    void validate(boolean allowNegativeLobufspace) {
        if (nbuf < 1) throw new IllegalArgumentException("nbuf must be >= 1, was " + nbuf);
        if (ncpus < 1 || ncpus > nbuf) {
            throw new IllegalArgumentException("ncpus must be in [1, nbuf=" + nbuf + "], was " + ncpus);
        }
        if (maxbsize < DEV_BSIZE || maxbsize % DEV_BSIZE != 0) {
            throw new IllegalArgumentException("maxbsize must be a positive multiple of " + DEV_BSIZE + ", was " + maxbsize);
        }
        if (!allowNegativeLobufspace && !(0 <= lobufspace && lobufspace < hibufspace && hibufspace <= maxbufspace)) {
            throw new IllegalArgumentException("need 0 <= lobufspace < hibufspace <= maxbufspace, have lobufspace="
                    + lobufspace + " hibufspace=" + hibufspace + " maxbufspace=" + maxbufspace
                    + " (the seed's formulas go negative for small nbuf; use Params.forTest)");
        }
        if (!(0 < lodirtybufspace && lodirtybufspace <= hidirtybufspace)) {
            throw new IllegalArgumentException("need 0 < lodirtybufspace <= hidirtybufspace, have "
                    + lodirtybufspace + ", " + hidirtybufspace);
        }
        if (hirunningspace <= 0) throw new IllegalArgumentException("hirunningspace must be > 0, was " + hirunningspace);
        if (flushperqueue <= 0) throw new IllegalArgumentException("flushperqueue must be > 0, was " + flushperqueue);
        if (bdWakeSize < 2 || Integer.bitCount(bdWakeSize) != 1) {
            throw new IllegalArgumentException("bdWakeSize must be a power of two >= 2, was " + bdWakeSize);
        }
    }
}
