// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Errno;
import org.junit.jupiter.api.Test;

import static dev.bioref.hammer.HammerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The flusher after a critical error (hammer_flusher.c L352-L356, L373-L374): a group whose
 * inodes could not all be flushed stays on the list, running, while the master publishes its
 * sequence number as done. The seed accepts that state once the mount is read-only
 * ({@code ronly >= 2}); {@code FlusherSeqInv} states exactly that relaxation.
 */
@org.junit.jupiter.api.extension.ExtendWith(HammerInvariantsExtension.class)
class HammerCriticalFlusherTest {

    /** A mount whose second inode's commit raises a critical error in the middle of a group. */
    static HammerMount mountFailingSecondInode() { return mountFailingSecondInode(0); }

    static HammerMount mountFailingSecondInode(int flusherThreads) {
        HammerOptions o = options();
        o.flusherThreads = flusherThreads;
        HammerMount hmp = mount(o, HammerMutations.none(), HammerHooks.NONE);
        hmp.put(0, bytes(10, 1));
        hmp.put(1, bytes(10, 2));                   // a second inode (key % inodes)
        HammerFlusher.InodeSync real = hmp.flusher().inodeSync;
        int[] calls = {0};
        hmp.flusher().inodeSync = (trans, ip) -> {
            if (++calls[0] == 2) {
                hmp.criticalError("test: a write of the second inode's commit failed");
                return Errno.EIO;
            }
            return real.sync(trans, ip);
        };
        return hmp;
    }

    @Test void aGroupLeftRunningByACriticalErrorIsTheSeedsStateAndPassesTheInvariant() {
        HammerMount hmp = mountFailingSecondInode();
        assertThrows(HammerCriticalError.class, hmp::sync);
        HammerFlushGroup head = hmp.flusher().flushGroupList.peekFirst();
        assertNotNull(head, "the group with the unflushed inode was freed");
        assertTrue(head.running && head.seq - hmp.flusher().done <= 0,
                "expected the seed's post-error state (head running, seq <= done): " + head + " done " + hmp.flusher().done);
        hmp.checkInvariants();                       // FlusherSeqInv holds in its read-only form
    }

    @Test void theSameStateWithoutACriticalErrorViolatesFlusherSeqInv() {
        HammerMount hmp = mountFailingSecondInode();
        assertThrows(HammerCriticalError.class, hmp::sync);
        hmp.criticalError = false;                   // pretend the mount were still writable
        hmp.ronly = 0;
        IllegalStateException e = assertThrows(IllegalStateException.class, hmp::checkInvariants);
        assertTrue(e.getMessage().startsWith("FlusherSeqInv"), e.getMessage());
        hmp.criticalError = true;
        hmp.ronly = 2;
    }

    /**
     * close() after such an error returns (the master exits only with an empty group list,
     * fl:L284; the unmount path drops the groups a critical error left, as hammer_free_hmp does
     * outside the seeds).
     */
    @Test void closeAfterACriticalErrorThatLeftAGroupReturns() {
        HammerMount hmp = mountFailingSecondInode(2);
        assertThrows(HammerCriticalError.class, hmp::sync);
        dev.bioref.kern.HangWatchdog.runBounded("close-after-critical", 10_000_000_000L, hmp::close,
                "mvn -B -pl impl -am test -Dtest=HammerCriticalFlusherTest -Dsurefire.failIfNoSpecifiedTests=false");
    }
}
