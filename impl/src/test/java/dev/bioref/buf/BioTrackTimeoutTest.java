// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Sleepq;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * bio_track_wait's timed form (vfs_bio.c L565): with an I/O still counted and no completion, a
 * timed wait returns the sleep's EWOULDBLOCK, and the wait flag it set is cleared by the last
 * release. Found by PIT (proofs-notes/pit.md §3: the error return of bio_track_wait had no test).
 */
class BioTrackTimeoutTest {
    @Test void aTimedWaitWithAnIoInFlightReturnsEwouldblock() {
        BioTrack track = new BioTrack("t");
        track.bio_track_ref();
        assertEquals(Errno.EWOULDBLOCK, track.bio_track_wait(Sleepq.TICK_NANOS));
        assertEquals(1, track.active());
        assertNotEquals(0, track.raw() & BioTrack.WANTED, "the waiter's flag is set: " + track);
        track.bio_track_rel();
        assertEquals(0, track.raw(), "the last release clears count and flag: " + track);
        assertEquals(0, track.bio_track_wait(Sleepq.TICK_NANOS));
    }
}
