// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bufio;

import dev.bioref.bufio.DmBufio.Buffer;
import dev.bioref.bufio.DmBufio.Client;
import dev.bioref.device.GateCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.bioref.bufio.BufioTestSupport.BS;
import static dev.bioref.bufio.BufioTestSupport.device;
import static dev.bioref.bufio.BufioTestSupport.overwrite;
import static dev.bioref.bufio.BufioTestSupport.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quirks of notes §8: with the {@link BufioQuirks} switch the seed's behaviour, without it the
 * port's; and the client-protocol hazards the port keeps (§8.7), shown failing on purpose.
 * proofs-notes/deviations.md has one row per test here.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufioSeedQuirksTest {

    static Client client(LoopbackDevice dev, BufioQuirks q, int capacity) {
        DmBufio m = BufioTestSupport.unchecked(new DmBufio.Params(), BufioMutations.none(), q);
        return m.clientCreate(dev, new DmBufio.ClientOptions().blockSize(BS).capacity(capacity));
    }

    @Test void q4ForgetBuffersForgetsOneBlockPastTheRangeOnlyWithTheSeedSwitch() {
        BufioQuirks seed = new BufioQuirks();
        seed.seedForgetBuffersOverrun = true;
        for (BufioQuirks q : new BufioQuirks[] {BufioQuirks.none(), seed}) {
            Client c = client(device(16), q, 8);
            c.release(c.read(2));
            c.release(c.read(9));
            c.forgetBuffers(0, 4);                       // [0, 4): finds 2, then from cursor 3 __find_next finds 9
            assertFalse(c.isCached(2));
            assertEquals(!q.seedForgetBuffersOverrun, c.isCached(9), "seed switch " + q.seedForgetBuffersOverrun);
            c.checkInvariants();
        }
    }

    @Test void q5IssueDiscardLengthIncludesTheSectorOffsetOnlyWithTheSeedSwitch() {
        BufioQuirks seed = new BufioQuirks();
        seed.seedDiscardCountAddsStart = true;
        for (BufioQuirks q : new BufioQuirks[] {BufioQuirks.none(), seed}) {
            LoopbackDevice dev = device(16);
            for (int blk = 0; blk < 4; blk++) dev.execute(Request.write((long) blk * BS, pattern(blk, BS)));
            Client c = client(dev, q, 8);
            c.setSectorOffset(BS / 512);                 // client block 0 = device block 1
            assertEquals(0, c.issueDiscard(0, 1));
            assertArrayEquals(new byte[BS], dev.peekVisible(BS, BS), "client block 0 discarded");
            boolean nextGone = java.util.Arrays.equals(new byte[BS], dev.peekVisible(2L * BS, BS));
            assertEquals(q.seedDiscardCountAddsStart, nextGone, "the seed also discards `start` sectors more");
        }
    }

    @Test void q6NewWithoutTheSeedSwitchIsZeroFilledAndChecked() {
        BufioQuirks seed = new BufioQuirks();
        seed.seedNewUnchecked = true;
        LoopbackDevice dev = device(16);
        dev.execute(Request.write(BS, pattern(1, BS)));
        Client c = client(dev, seed, 1);                 // one buffer: new(2) recycles block 1's buffer
        c.release(c.read(1));
        Buffer b = c.new_(2);
        assertArrayEquals(pattern(1, BS), b.data(), "seed: new() exposes the recycled buffer's old data");
        c.release(b);                                    // seed: allowed without a full overwrite
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, c::checkInvariants);
        assertEquals("IdleCleanMirrorsDiskInv", v.clause(), "garbage cached as clean");

        LoopbackDevice dev2 = device(16);
        dev2.execute(Request.write(BS, pattern(1, BS)));
        Client p = client(dev2, BufioQuirks.none(), 1);
        p.release(p.read(1));
        Buffer x = p.new_(2);
        assertArrayEquals(new byte[BS], x.data(), "port: zero-filled");
        assertThrows(IllegalStateException.class, () -> p.release(x), "port: the unfinished new() is refused");
        overwrite(p, x, 2);
        p.release(x);
        p.checkInvariants();
    }

    @Test void q7MarkThenModifyCanLoseTheUpdate() {
        GateCompleter gate = new GateCompleter();
        Client c = client(device(8, BS, gate), BufioQuirks.none(), 8);
        Buffer b = c.read(1);
        c.markBufferDirty(b);                            // protocol violation: mark first ...
        gate.shut();
        c.writeDirtyBuffersAsync();                      // ... a flush copies the old bytes and clears DIRTY ...
        System.arraycopy(pattern(3, BS), 0, b.data(), 0, BS);   // ... and the modification comes too late
        gate.open();
        c.release(b);
        DmBufioInvariants.Violation v = assertThrows(DmBufioInvariants.Violation.class, c::checkInvariants);
        assertEquals("IdleCleanMirrorsDiskInv", v.clause(), "a hold is not a lock: modify, then mark");
    }

    @Test void q2ReleaseMovePassesTheTargetToTheWriteCallbackAndKeepsTheBlockNumber() {
        List<String> seen = new ArrayList<>();
        DmBufio m = BufioTestSupport.module();
        DmBufio.ClientOptions o = new DmBufio.ClientOptions().blockSize(BS).capacity(8);
        o.writeCallback = (b, target) -> seen.add(b.blockNumber() + "->" + target);
        Client c = m.clientCreate(device(32), o);
        Buffer b = c.read(1);
        Buffer other = c.read(1);
        c.releaseMove(b, 21);
        assertEquals(List.of("1->21"), seen, "the callback sees the target; the buffer's block stays 1");
        c.release(other);
        c.checkInvariants();
    }

    @Test void q3ReleaseMoveToTheSameBlockIsRefusedInsteadOfSpinning() {
        Client c = client(device(8), BufioQuirks.none(), 8);
        Buffer b = c.read(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.releaseMove(b, 1));
        assertTrue(e.getMessage().contains("1"), e.getMessage());
        c.release(b);
    }
}
