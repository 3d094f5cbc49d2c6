// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import dev.bioref.device.Completer;
import dev.bioref.device.InlineCompleter;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.MemoryBackend;
import dev.bioref.kern.Clock;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every buffer-cache race of this package builds its state with: a tiny real
 * {@link BufCache} over an in-memory device of 512-byte blocks, helpers that put a block into
 * a known state through the public API, and the arbiter's reading of the final state as short
 * words ("ok" or the name of the failing invariant clause) so that outcome ids read as prose.
 */
public final class StressRig {
    private StressRig() { }

    /** Block size: one sector. */
    public static final int BLK = Params.DEV_BSIZE;

    /** A cache of {@code nbuf} headers with the given switches (never shared between states). */
    public static BufCache cache(int nbuf, BufMutations m, BufQuirks q) {
        return new BufCache(Params.forTest(nbuf, BLK), m, q);
    }

    /** A vnode over a fresh in-memory device of {@code blocks} blocks completing through {@code completer}. */
    public static Vnode vnode(BufCache c, int blocks, Completer completer) {
        return c.vnode("dev", new LoopbackDevice(new MemoryBackend((long) blocks * BLK), completer, Clock.SYSTEM), BLK);
    }

    /** The same with inline completion. */
    public static Vnode vnode(BufCache c, int blocks) { return vnode(c, blocks, new InlineCompleter()); }

    public static long off(int blk) { return (long) blk * BLK; }

    /** getblk and fill the whole block with {@code v}; the caller holds the buffer. */
    public static Buf fill(BufCache c, Vnode vp, int blk, int v) {
        Buf bp = c.getblk(vp, off(blk), BLK, 0, 0);
        Arrays.fill(bp.b_data(), 0, BLK, (byte) v);
        return bp;
    }

    /** Writes {@code v} to block {@code blk} synchronously: the block ends clean and cached, on the CLEAN tail. */
    public static void writeClean(BufCache c, Vnode vp, int blk, int v) {
        int error = c.bwrite(fill(c, vp, blk, v));
        if (error != 0) throw new IllegalStateException("setup bwrite of block " + blk + " failed: errno " + error);
    }

    /**
     * bread + bqrelse: the value read as a word, or what was wrong ("wrong-identity", "error",
     * "not-cached").
     */
    public static String readBlock(BufCache c, Vnode vp, int blk) {
        Buf[] bpp = new Buf[1];
        int error = c.bread(vp, off(blk), BLK, bpp);
        Buf bp = bpp[0];
        String r;
        if (bp.b_vp() != vp || bp.b_loffset() != off(blk)) r = "wrong-identity";
        else if (error != 0) r = "error";
        else if (!bp.hasFlags(Buf.B_CACHE)) r = "not-cached";
        else r = Integer.toString(bp.b_data()[0]);
        if (error != 0) c.brelse(bp);
        else c.bqrelse(bp);
        return r;
    }

    /** The first byte of block {@code blk} as the device's media or volatile cache holds it. */
    public static int disk(Vnode vp, int blk) { return vp.dev().peekVisible(off(blk), BLK)[0]; }

    /** "ok", or the name of the first invariant clause that fails, or "panic: ..." for anything else. */
    public static String invariants(BufCache c) {
        try {
            c.checkInvariants();
            return "ok";
        } catch (BufInvariants.Violation v) {
            return v.clause();
        } catch (RuntimeException e) {
            return "panic";
        }
    }

    /** A word for an exception an actor caught: a seed panic or a misuse the port refused. */
    public static String thrown(Throwable t) {
        return t instanceof dev.bioref.kern.Panic ? "panic" : "threw";
    }

    /**
     * A completer that runs inline until {@link #hold()} is called and from then on keeps the
     * next completion for {@link #deliver()}: the interrupt, on a thread of its own.
     */
    public static final class HandCompleter implements Completer {
        private volatile boolean holding;
        private final AtomicReference<Runnable> pending = new AtomicReference<>();

        /** From now on keep completions for {@link #deliver()}. */
        public void hold() { holding = true; }

        @Override public void schedule(Runnable completion) {
            if (!holding) {
                completion.run();
            } else if (!pending.compareAndSet(null, completion)) {
                throw new IllegalStateException("HandCompleter holds one completion at a time");
            }
        }

        @Override public void await(CompletableFuture<?> done) {
            while (!done.isDone()) Thread.onSpinWait();
        }

        /** Waits for the held completion and runs it on the calling thread (the interrupt). */
        public void deliver() {
            Runnable r;
            while ((r = pending.getAndSet(null)) == null) Thread.onSpinWait();
            r.run();
        }
    }

    /**
     * The filesystem's hooks for one buffer with one dependency: io_checkwrite refuses (the
     * dependency is not satisfied yet), and with {@code pin} sets B_LOCKED as HAMMER does; the
     * buffer may be dropped (io_deallocate removes the dependency).
     */
    public static final class RefusingOps implements BioOps {
        public static final Object DEP = "dep";
        private final boolean pin;

        public RefusingOps(boolean pin) { this.pin = pin; }

        /** Attaches the hooks and the dependency to a held buffer. */
        public void attach(Buf bp) {
            bp.set_b_ops(this);
            bp.dep_add(DEP);
        }

        @Override public void io_complete(Buf bp) { }

        @Override public void io_deallocate(Buf bp) { bp.dep_remove(DEP); }

        @Override public int io_countdeps(Buf bp, int n) { return 0; }

        @Override public int io_checkwrite(Buf bp) {
            if (pin) bp.setFlags(Buf.B_LOCKED);
            return 1;
        }
    }
}
