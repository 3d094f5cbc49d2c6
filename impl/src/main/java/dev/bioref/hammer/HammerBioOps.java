// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.BioOps;
import dev.bioref.buf.Buf;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;

/**
 * hammer_bioops (hammer_io.c L1381): the kernel's calls into HAMMER for a bp HAMMER is attached
 * to. Each runs with the kernel holding the bp lock and takes io_token. When HAMMER cannot act
 * it sets B_LOCKED instead of blocking, and pays that debt later (notes §2.6 (6)).
 */
final class HammerBioOps implements BioOps {
    private final HammerMount hmp;

    HammerBioOps(HammerMount hmp) { this.hmp = hmp; }

    private static HammerIo ioOf(Buf bp) {
        Object d = bp.b_dep().isEmpty() ? null : bp.b_dep().get(0);
        return (HammerIo) d;
    }

    // hammer_io.c hammer_io_start(), L1058
    @Override public void io_start(Buf bp) { }

    // hammer_io.c hammer_io_complete(), L1074
    @Override public void io_complete(Buf bp) {
        HammerIo io = ioOf(bp);
        HammerIoTrace tr = hmp.ioTrace;
        hmp.ioToken.gettoken();
        try {
            Panic.KKASSERT(io.released, () -> "hammer_io_complete: io not released " + io);
            boolean wasRunning = io.running;
            if (tr != null && !wasRunning) tr.unmodelled(io, "completion of a write HAMMER does not track (running = 0)");
            if (io.running) {
                if (bp.anyFlags(Buf.B_ERROR) && hmp.mutations.completeIgnoresError) {
                    bp.clearFlags(Buf.B_ERROR);      // mutation: the error is dropped on the floor
                    hmp.kern.bundirty(bp);
                } else if (bp.anyFlags(Buf.B_ERROR)) {
                    if (tr != null) tr.unmodelled(io, "write error");
                    // Deviation: the seed takes fs_token here (io→fs order); the port's critical error is an atomic flag.
                    hmp.criticalError("I/O error on " + io.type + " buffer at " + io.offset);
                    if (io.type != HammerIoType.UNDO_BUFFER && !io.ioerror) {
                        io.ioerror = true;
                        io.lock.ref();
                    }
                    bp.clearFlags(Buf.B_ERROR);
                    hmp.kern.bundirty(bp);
                    hmp.stats.writeErrors.incrementAndGet();
                } else {
                    io.diskVer = io.inflightVer;
                }
                long left = hmp.ioRunningSpace.addAndGet(-io.bytes);
                Panic.KKASSERT(left >= 0, () -> "hammer_io_complete: io_running_space went negative: " + left);
                if (hmp.ioRunningWakeup && left < hmp.options.limitRunningIo / 2) {
                    hmp.ioRunningWakeup = false;
                    if (!hmp.mutations.completeSkipsBacklogWakeup) Sleepq.wakeup(hmp.ioRunningWakeupChan);
                }
                io.running = false;
                HammerIo ionext = io.iorunNext;
                if (hmp.iorunHead == io && ionext != null && ionext.type == HammerIoType.DUMMY
                        && !hmp.mutations.completeSkipsPlacemarkerWakeup) Sleepq.wakeup(ionext);
                hmp.iorunRemove(io);
            }
            if (io.waiting) {
                io.waiting = false;
                if (!hmp.mutations.completeSkipsWakeup) Sleepq.wakeup(io);
            }
            if (bp.anyFlags(Buf.B_LOCKED)) {
                bp.clearFlags(Buf.B_LOCKED);
                hmp.countIoLocked.decrementAndGet();
                // part of the spec's Complete step (it pays the B_LOCKED debt itself)
                if (tr != null) tr.quietly(() -> io_deallocate(bp)); else io_deallocate(bp);
            }
            if (tr != null && wasRunning) tr.kernel(io, "Complete");
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_deallocate(), L1186
    @Override public void io_deallocate(Buf bp) {
        HammerIo io = ioOf(bp);
        hmp.ioToken.gettoken();
        try {
            Panic.KKASSERT(!bp.anyFlags(Buf.B_LOCKED) && !io.running,
                    () -> "hammer_io_deallocate: bp B_LOCKED or io running " + io);
            boolean interlocked = io.lock.tryInterlockNorefs();
            if (!interlocked && !hmp.mutations.deallocIgnoresRefs) {
                // Someone holds a ref (or is releasing it): refuse, the kernel parks the bp.
                bp.setFlags(Buf.B_LOCKED);
                hmp.countIoLocked.incrementAndGet();
                hmp.stats.deallocRefused.incrementAndGet();
            } else if (io.modified && !hmp.mutations.deallocIgnoresModified) {
                // Shouldn't ever occur: a modified, released, unreferenced io.
                bp.setFlags(Buf.B_LOCKED);
                hmp.countIoLocked.incrementAndGet();
                if (interlocked) io.lock.putInterlock(0);
                hmp.stats.deallocRefused.incrementAndGet();
            } else {
                if (io.modified) hmp.forceClean(io);     // only under the DeallocIgnoresModified mutation
                io.disassociate();
                if (io.type != HammerIoType.VOLUME) {
                    Panic.KKASSERT(io.bp == null && io.modRoot == null,
                            () -> "hammer_io_deallocate: io still has a bp or a mod tree " + io);
                    io.modRoot = hmp.loseRoot;
                    if (!hmp.loseRoot.insert(io)) throw new Panic("hammer_io_deallocate: duplicate entry on the lose tree " + io);
                }
                if (interlocked) io.lock.putInterlock(1);
            }
            if (hmp.ioTrace != null) hmp.ioTrace.kernel(io, "Deallocate");
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_fsync(), L1237
    @Override public int io_fsync(dev.bioref.buf.Vnode vp) { return 0; }

    // hammer_io.c hammer_io_sync(), L1250
    @Override public int io_sync(Object mp) { return 0; }

    // hammer_io.c hammer_io_movedeps(), L1260
    @Override public void io_movedeps(Buf bp1, Buf bp2) { }

    // hammer_io.c hammer_io_checkread(), L1282
    @Override public int io_checkread(Buf bp) { return 0; }

    // hammer_io.c hammer_io_checkwrite(), L1294
    @Override public int io_checkwrite(Buf bp) {
        HammerIo io = ioOf(bp);
        hmp.ioToken.gettoken();
        try {
            if ((io.type == HammerIoType.VOLUME || io.type == HammerIoType.META_BUFFER)
                    && !hmp.mutations.checkwriteAllowsMeta) {
                // MetaNeverKernelWrittenInv: only the flusher writes meta-data, after its UNDO is durable.
                if (!hmp.options.lenientCheckwrite) {
                    throw new Panic("hammer_io_checkwrite: illegal buffer type " + io.type + " at " + io.offset);
                }
                if (!bp.anyFlags(Buf.B_LOCKED)) {
                    bp.setFlags(Buf.B_LOCKED);
                    hmp.countIoLocked.incrementAndGet();
                }
                if (hmp.ioTrace != null) hmp.ioTrace.kernel(io, "Checkwrite");
                return 1;
            }
            boolean interlocked = io.lock.tryInterlockNorefs();
            if (!interlocked && !hmp.mutations.cwNoInterlock) {
                // We are racing someone holding a ref: refuse and park the bp.
                if (!bp.anyFlags(Buf.B_LOCKED)) {
                    bp.setFlags(Buf.B_LOCKED);
                    hmp.countIoLocked.incrementAndGet();
                }
                hmp.stats.checkwriteRefused.incrementAndGet();
                if (hmp.ioTrace != null) hmp.ioTrace.kernel(io, "Checkwrite");
                return 1;
            }
            boolean clear = (io.modifyRefs == 0 || hmp.mutations.cwIgnoreModRefs) && io.modified;
            // the decision is the spec's Checkwrite; acting on it is CheckwriteStart
            if (hmp.ioTrace != null) hmp.ioTrace.kernel(io, "Checkwrite");
            hmp.hooks.checkwriteDecided(io, clear);
            if (clear) {
                io.lock.ref();
                io.clearModify(false);
                io.lock.rel();
            } else if (io.modified) {
                Panic.KKASSERT(io.type == HammerIoType.DATA_BUFFER,
                        () -> "hammer_io_checkwrite: modify_refs " + io.modifyRefs + " on non-DATA " + io);
            }
            Panic.KKASSERT(!io.running, () -> "hammer_io_checkwrite: io already running " + io);
            io.running = true;
            hmp.ioRunningSpace.addAndGet(io.bytes);
            hmp.iorunAppend(io);
            // Deviation H2 (proofs-notes/deviations.md): the seed starts this write without
            // hammer_io_flush_mark (io:L1958; only hammer_io_flush, io:L746, and the direct write,
            // io:L1738, set NEEDFLUSH). If the write completes before the flusher's barrier 1,
            // that barrier finds the iorun list empty and NEEDFLUSH clear and flushes nothing
            // (io:L1967-1994), so a kernel-written UNDO buffer can still be in the device cache
            // when v4 writes the meta-data it covers (fl:L783-813). Marked here, under io_token
            // and with the io already on the iorun list, so any wait_all that misses the io
            // sees the mark.
            if (!hmp.options.seedCheckwriteSkipsFlushMark) hmp.flushMark();
            io.inflightVer = io.memVer;
            if (io.type == HammerIoType.VOLUME || io.type == HammerIoType.META_BUFFER) hmp.kernelWroteMeta = true;
            hmp.stats.checkwriteAccepted.incrementAndGet();
            if (hmp.ioTrace != null) hmp.ioTrace.kernel(io, "CheckwriteStart");
            if (interlocked) io.lock.putInterlock(1);
            return 0;
        } finally {
            hmp.ioToken.reltoken();
        }
    }

    // hammer_io.c hammer_io_countdeps(), L1375
    @Override public int io_countdeps(Buf bp, int n) { return 0; }
}
