package dev.bioref.hammer;

import dev.bioref.device.LoopbackDevice;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.Iterator;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

/**
 * Lincheck for the flusher's sequencer (notes §7.3 target 2): flush groups and their sequence
 * numbers in {@link HammerFlusher}, driven by frontends and one master, on a fresh mount per
 * scenario (in-memory device, inline completion, no flusher threads: the test is the master).
 *
 * <p>Operations (one per facade call; {@code ino} picks one of three inodes) and their
 * sequential specification ({@link FlusherSequencerSpec}, the same code run sequentially on a
 * model of the list, the groups, the inodes and done/next):
 * <ul>
 *   <li>{@link #createGroupAndAdd}{@code (ino)}: a new record on the inode, then
 *       {@code hammer_flush_inode} ({@link HammerFrontend#flushInode}): the inode joins the fill
 *       group, or a new group with the next seq when there is none or it is running; an inode
 *       already in FLUSH only gets REFLUSH. Returns the seq of the inode's group.</li>
 *   <li>{@link #async}{@code (ino)}: {@code hammer_flusher_async} (fl:L91) with the inode's group
 *       as close_flg (null if the inode is idle: close every open group). Returns the seq to
 *       wait for.</li>
 *   <li>{@link #asyncOne}: {@code hammer_flusher_async_one} (fl:L144).</li>
 *   <li>{@link #masterStep}: one iteration of the master's inner loop (fl:L266-L279:
 *       {@code hammer_flusher_flush} of seq done+1, then done = seq), through the port's
 *       {@link HammerFlusher#masterStep}, with the slaves synchronous: each inode of the
 *       running group is "synced" by a stub that commits its records of that group without
 *       I/O, then the real {@code hammer_flusher_flush_inode} tail (syncInodeDone, REFLUSH) and
 *       the real finalize, which has nothing to write. Returns done.</li>
 *   <li>{@link #isDone}{@code (seq)}: the condition {@code hammer_flusher_wait} (fl:L164) sleeps
 *       on, {@code seq - done <= 0}, as a non-blocking query.</li>
 *   <li>{@link #running}: {@code hammer_flusher_running} (fl:L176).</li>
 *   <li>{@link #g4}: the invariant G4 of the notes (§5) on the port's state: the list's seqs
 *       strictly increase within (done, next); closed before next_flush_group, open from it;
 *       only the head runs, and it is closed; fill_flush_group never runs. Always true.</li>
 * </ul>
 * Since each op is checked against the sequential code, a seq returned by async is never "in
 * the past" for an open group: it is the seq of the last group closed, or a fresh one.
 *
 * <p>Blocking: every caller holds fs_token, as HAMMER's do; in the seed the master sleeps while
 * its slaves run and the slaves block in their I/O, so frontends run in the middle of a flush
 * (fl:L407-L408). The stub gives fs_token up and takes it back before it commits an inode (LWKT
 * at a blocking point), so frontends can queue inodes, close groups and query while the head
 * group runs. Scope: masterStep is a {@code nonParallelGroup} (one master); the wouldblock
 * re-run and the critical-error paths are not exercised (the stub never fails); what the slaves
 * write is the crash tests' subject. A variant whose callers drop fs_token,
 * {@link FlusherSequencerWithoutFsToken}, must be rejected.
 */
public abstract class AbstractFlusherSequencerLincheckTest {
    static final int INODES = 3;
    private final HammerMount hmp;
    private final HammerInode[] inodes = new HammerInode[INODES];

    protected AbstractFlusherSequencerLincheckTest() {
        HammerOptions o = new HammerOptions();
        o.geometry = new HammerOndisk.Geometry(4, 1, 1, 0);
        LoopbackDevice dev = LoopbackDevice.inMemory(o.geometry.size());
        HammerMount.format(dev, o);
        hmp = HammerMount.mount(dev, o, HammerMutations.none(), HammerHooks.NONE);
        for (int i = 0; i < INODES; i++) inodes[i] = new HammerInode(100 + i);
        hmp.flusher.externalMaster = true;
        hmp.flusher.inodeSync = this::syncInodeStub;
    }

    /** True (the default): every caller holds fs_token, as HAMMER's do. */
    protected boolean callersHoldFsToken() { return true; }

    /** hammer_sync_inode without I/O: may block (fs_token lost), then commits the group's records. */
    private int syncInodeStub(HammerTransaction trans, HammerInode ip) {
        if (hmp.fsToken.heldByMe()) {
            hmp.fsToken.reltoken();
            hmp.fsToken.gettoken();
        }
        for (Iterator<HammerRecord> it = ip.records.iterator(); it.hasNext(); ) {
            HammerRecord r = it.next();
            if (r.flg != ip.flg) break;
            it.remove();
            r.flg.refs--;
        }
        return 0;
    }

    private <T> T fs(java.util.function.Supplier<T> op) {
        if (!callersHoldFsToken()) return op.get();
        hmp.fsToken.gettoken();
        try {
            return op.get();
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /* --------------- frontends --------------- */

    @Operation(blocking = true)
    public int createGroupAndAdd(@Param(gen = IntGen.class, conf = "0:2") int ino) {
        return fs(() -> {
            HammerInode ip = inodes[ino];
            ip.records.addLast(new HammerRecord(ino, null, null));
            hmp.frontend.flushInode(ip);
            return ip.flg == null ? -1 : ip.flg.seq;
        });
    }

    @Operation(blocking = true)
    public int async(@Param(gen = IntGen.class, conf = "0:2") int ino) {
        return fs(() -> hmp.flusher.async(inodes[ino].flg));
    }

    @Operation(blocking = true)
    public int asyncOne() { return fs(() -> hmp.flusher.asyncOne()); }

    @Operation(blocking = true)
    public boolean isDone(@Param(gen = IntGen.class, conf = "1:3") int seq) {
        return fs(() -> seq - hmp.flusher.done <= 0);
    }

    @Operation(blocking = true)
    public boolean running() { return fs(() -> hmp.flusher.running()); }

    @Operation(blocking = true)
    public boolean g4() { return fs(this::g4Holds); }

    private boolean g4Holds() {
        HammerFlusher f = hmp.flusher;
        if ((f.next - 1) - f.done < 0) return false;
        int prev = f.done;
        boolean open = false;
        boolean head = true;
        for (HammerFlushGroup g : f.flushGroupList) {
            if (g.seq - prev <= 0 || g.seq - f.next >= 0) return false;
            prev = g.seq;
            if (g == f.nextFlushGroup) open = true;
            if (g.closed == open) return false;
            if (g.running && (!head || !g.closed)) return false;
            if (g == f.fillFlushGroup && g.running) return false;
            head = false;
        }
        return f.nextFlushGroup == null || open;
    }

    /* --------------- the master --------------- */

    @Operation(nonParallelGroup = "master", blocking = true)
    public int masterStep() {
        return fs(() -> {
            hmp.flusher.masterStep();
            return hmp.flusher.done;
        });
    }

    /* --------------- the two modes --------------- */

    /**
     * The budget, with the on-disk encoders, the port's kernel interface and the buffer cache
     * run as one step each: finalize passes through them with nothing to write (no sleep, no
     * shared state that matters here); a sleep inside would show as a hang, not pass.
     */
    static ModelCheckingOptions modelChecking(int iterations, int invocations) {
        return HammerLincheckBudget.modelChecking(iterations, invocations)
                .addGuarantee(forClasses(AbstractUndoFifoLincheckTest::ioStack).allMethods().ignore());
    }

    @Test
    public void modelCheckingTest() {
        modelChecking(3, 30).sequentialSpecification(FlusherSequencerSpec.class).check(getClass());
    }

    @Test
    public void stressTest() {
        HammerLincheckBudget.stress(4, 100).sequentialSpecification(FlusherSequencerSpec.class).check(getClass());
    }
}
