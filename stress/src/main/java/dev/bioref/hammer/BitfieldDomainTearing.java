// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The fs domain sets {@code modified} while the io domain clears {@code running} and
 * {@code waiting} on the same io (notes §7.4 J9; the layout rule of notes §2 "Fields": hammer.h
 * keeps {@code running/waiting/ioerror} and {@code modified/released/...} in two different
 * bitfield words because each word is written under a different token, and a shared word's
 * non-atomic read-modify-write by one domain would wipe out the other's bits).
 *
 * <p>A field-layout litmus on the port's own {@link HammerIo}, not a protocol race: the actors
 * store the fields directly, each under its domain's token, as modify (io:L801, after
 * regetblk; fs_token) and hammer_io_complete (io:L1133, L1149; io_token) do. Initial state, on
 * the real cache with inline completion: a RUNNING DATA io (REL-DIRTY, then the kernel took
 * the bp off the dirty queue and io_checkwrite accepted it: running 1, modified 0) with a
 * waiter recorded (waiting 1). The io domain's window between taking io_token (where a packed
 * word would be loaded) and its stores is widened by a blocking point that waits, at most
 * {@link HammerRig#WINDOW_NANOS}, for the fs domain's store; it decides nothing here, since the
 * port keeps the domains in separate fields. The same race on one packed word,
 * {@code broken.BitfieldDomainTearingPacked}, must be reported FAILED.
 *
 * <p>Run just this test:
 * <pre>java -jar stress/target/bioref-stress.jar -t 'dev.bioref.hammer.BitfieldDomainTearing$' -m quick</pre>
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "both domains' writes survive: modified set, running and waiting clear")
@Outcome(id = "0, .*, .*", expect = FORBIDDEN, desc = "the io domain's write wiped the fs domain's modified: a modification untracked")
@Outcome(id = ".*, 1, .*", expect = FORBIDDEN, desc = "the fs domain's write restored running: the io looks in flight forever")
@Outcome(id = ".*, .*, 1", expect = FORBIDDEN, desc = "the fs domain's write restored waiting")
@Outcome(expect = FORBIDDEN, desc = "anything else: the setup or an actor failed")
@State
public class BitfieldDomainTearing {
    final HammerRig rig = new HammerRig(HammerMutations.none(), HammerHooks.NONE).relDirty();
    final HammerIo io = rig.io();
    /** Set by the fs domain once it has stored. */
    volatile boolean fsStored;

    public BitfieldDomainTearing() {
        Buf bp = io.bp;
        if (!bp.b_lock().tryLock()) throw new IllegalStateException("BitfieldDomainTearing: bp busy in the initial state " + bp);
        rig.hmp.cache.bremfree(bp);
        if (rig.hmp.bioops.io_checkwrite(bp) != 0) throw new IllegalStateException("BitfieldDomainTearing: checkwrite refused " + io);
        bp.b_lock().kernproc();
        rig.hmp.ioToken.gettoken();
        try {
            io.waiting = true;   // a thread in hammer_io_wait (io:L173)
        } finally {
            rig.hmp.ioToken.reltoken();
        }
        if (io.modified || !io.running || !io.waiting) throw new IllegalStateException("BitfieldDomainTearing: not RUNNING " + io);
    }

    /** The fs domain: modify's store of modified (io:L801), under fs_token. */
    @Actor
    public void fsDomain() {
        rig.hmp.fsToken.gettoken();
        try {
            io.modified = true;
        } finally {
            rig.hmp.fsToken.reltoken();
            fsStored = true;
        }
    }

    /** The io domain: hammer_io_complete's clears (io:L1133, L1149), under io_token. */
    @Actor
    public void ioDomain() {
        rig.hmp.ioToken.gettoken();
        try {
            HammerRig.blockUntil(() -> fsStored);
            io.running = false;
            io.waiting = false;
        } finally {
            rig.hmp.ioToken.reltoken();
        }
    }

    /** r1 = modified, r2 = running, r3 = waiting. */
    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = io.modified ? 1 : 0;
        r.r2 = io.running ? 1 : 0;
        r.r3 = io.waiting ? 1 : 0;
    }
}
