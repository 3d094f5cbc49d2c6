// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;
import dev.bioref.kern.Sleepq;

import java.util.Arrays;

import static dev.bioref.hammer.HammerOndisk.BUFSIZE;

/**
 * The key-value frontend of the minimal HAMMER filesystem and its inode stand-ins; ports no
 * seed. The seed's frontend (hammer_vnops.c, hammer_inode.c, hammer_object.c) is not among the
 * seeds: this class stands in for the part of it the I/O layer and the flusher need, so that
 * they have a real client (proofs-notes/hammer.md, "the frontend").
 *
 * <p>Interface (through {@link HammerMount}'s public methods of the same names):
 * <ul>
 *   <li>{@link #put}, {@link #delete}, {@link #get}: changes are queued on inodes as records and
 *       reach the index when the flusher commits them ({@link #syncInode}).</li>
 *   <li>{@link #fsync} flushes one key's inode and waits for its group; {@link #sync} flushes
 *       everything and waits until the snapshot holding it is the floor of every recovery.</li>
 *   <li>The flusher calls {@link #flushInode}, {@link #syncInode} and {@link #syncInodeDone}
 *       (stand-ins for hammer_flush_inode, hammer_sync_inode and hammer_flush_inode_done).</li>
 * </ul>
 * Everything here runs under the mount's fs_token.
 */
final class HammerFrontend {
    private final HammerMount hmp;         // the mount served; immutable
    final HammerInode[] inodes;            // the fixed inode set; keys map to inodes by key % inodes.length; the array is immutable, each inode guarded by fs_token

    HammerFrontend(HammerMount hmp, int ninodes) {
        this.hmp = hmp;
        this.inodes = new HammerInode[ninodes];
        for (int i = 0; i < inodes.length; i++) inodes[i] = new HammerInode(i);
    }

    /**
     * Stores {@code value} (1..BUFSIZE bytes) under {@code key}; durable once a later
     * {@link #sync()} returns, or once the flush cycle after the one that wrote it has completed.
     * Not after {@link #fsync} alone: see there.
     */
    void put(int key, byte[] value) {
        checkKey(key);
        if (value == null || value.length == 0 || value.length > BUFSIZE) {
            throw new IllegalArgumentException("put: value length must be 1.." + BUFSIZE + ", was "
                    + (value == null ? "null" : value.length));
        }
        hmp.fsToken.gettoken();
        try {
            checkWritable("put");
            boolean large = value.length > HammerOndisk.CHUNK;
            int idx = large ? hmp.allocator.allocLarge() : hmp.allocator.allocChunk();
            if (idx < 0) {
                // hammer_blockmap_reserve would wait for the flusher to release delayed frees
                for (int i = 0; i < 4 && idx < 0; i++) {
                    syncLocked();
                    idx = large ? hmp.allocator.allocLarge() : hmp.allocator.allocChunk();
                }
                if (idx < 0) throw new IllegalStateException("put: " + (large ? "large" : "small") + " data zone is full (ENOSPC)");
            }
            long dataOff = large ? hmp.geometry.largeOffset(idx) : hmp.geometry.chunkOffset(idx);
            HammerOndisk.Slot slot = new HammerOndisk.Slot(value.length, dataOff, 0, HammerOndisk.crc(value, 0, value.length));
            HammerRecord rec = new HammerRecord(key, slot, new HammerRecord.DataRef(large, idx));
            if (large) hmp.directWrite(rec, dataOff, value); else writeSmall(dataOff, value);
            queue(rec);
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /** Removes {@code key}. */
    void delete(int key) {
        checkKey(key);
        hmp.fsToken.gettoken();
        try {
            checkWritable("delete");
            queue(new HammerRecord(key, null, null));
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /** The current value of {@code key}, or null. */
    public byte[] get(int key) {
        checkKey(key);
        hmp.fsToken.gettoken();
        try {
            HammerInode ip = inode(key);
            HammerRecord latest = null;
            for (HammerRecord r : ip.records) if (r.key == key) latest = r;
            HammerOndisk.Slot slot;
            if (latest != null) {
                slot = latest.slot;
            } else {
                HammerBuffer mb = hmp.getBuffer(HammerIoType.META_BUFFER, hmp.geometry.metaBlockOffset(key), false);
                try {
                    slot = HammerOndisk.Slot.decode(mb.data(), hmp.geometry.slotOffset(key));
                } finally {
                    hmp.relBuffer(mb, false);
                }
            }
            if (slot == null) return null;
            byte[] v = readData(slot, latest);
            if (!slot.describes(v)) {
                throw new IllegalStateException("get(" + key + "): data at " + slot.dataOff() + " does not match its index CRC");
            }
            return v;
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /**
     * Flushes the inode holding {@code key} and waits for its flush group (hammer_vop_fsync's
     * flush and wait). The group's last finalize is final, but its header still names the
     * previous cycle's first_offset (the one-cycle lag, fl:L833-836), so a crash before the next
     * cycle undoes the group: the seed's v4 keeps an fsync'd inode through REDO records
     * (hammer_redo.c), which the port does not have. For durability call {@link #sync()}
     * (proofs-notes/hammer.md, "fsync and durability").
     */
    void fsync(int key) {
        checkKey(key);
        hmp.fsToken.gettoken();
        try {
            checkWritable("fsync");
            HammerInode ip = inode(key);
            flushInode(ip);
            if (ip.flg != null) hmp.flusher.waitSeq(hmp.flusher.async(ip.flg));
            checkWritable("fsync");
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    /**
     * Queues every dirty inode, flushes, and keeps flushing until the snapshot holding all of it
     * is the floor of every possible recovery. Returns that snapshot's number (the acknowledgement).
     */
    int sync() {
        hmp.fsToken.gettoken();
        try {
            return syncLocked();
        } finally {
            hmp.fsToken.reltoken();
        }
    }

    private int syncLocked() {
        checkWritable("sync");
        queueDirtyInodes();
        hmp.flusher.sync();
        checkWritable("sync");
        int target = hmp.snapshots - 1;
        for (int i = 0; hmp.durableFloor < target; i++) {
            Panic.KKASSERT(i < 8, () -> "sync: durable floor " + hmp.durableFloor + " does not reach snapshot " + target);
            if (hmp.flusher.haswork()) {
                hmp.flusher.sync();          // another cycle writes the header that names the snapshot
            } else {
                hmp.headerBarrier();     // nothing to flush: a barrier makes the last header write durable
            }
            checkWritable("sync");
        }
        return target;
    }

    private void checkKey(int key) {
        if (key < 0 || key >= hmp.geometry.keys()) {
            throw new IllegalArgumentException("key " + key + " is outside the index, 0.." + (hmp.geometry.keys() - 1));
        }
    }

    private void checkWritable(String op) {
        if (hmp.criticalError) throw new HammerCriticalError(op + ": mount is read-only after a critical error: " + hmp.criticalReason);
        if (hmp.masterFailure != null) throw new HammerCriticalError(op + ": hmp.flusher failed: " + hmp.masterFailure);
    }

    HammerInode inode(int key) { return inodes[key % inodes.length]; }

    private void queue(HammerRecord rec) {
        HammerInode ip = inode(rec.key);
        ip.records.addLast(rec);
        if (ip.unqueued() >= hmp.options.autoflushRecords) {
            flushInode(ip);
            if (ip.flg != null) hmp.flusher.asyncNoWait(ip.flg);
        }
    }

    /** The small-write path: an ordinary client of the modify protocol on a DATA buffer (io:L1747-1770). */
    private void writeSmall(long dataOff, byte[] value) {
        long blk = dataOff / BUFSIZE * BUFSIZE;
        HammerBuffer db = hmp.getBuffer(HammerIoType.DATA_BUFFER, blk, false);
        try {
            db.modify(1);
            byte[] d = db.data();
            int at = (int) (dataOff - blk);
            Arrays.fill(d, at, at + HammerOndisk.CHUNK, (byte) 0);
            System.arraycopy(value, 0, d, at, value.length);
            db.modifyDone();
        } finally {
            hmp.relBuffer(db, false);
        }
    }

    private byte[] readData(HammerOndisk.Slot slot, HammerRecord pending) {
        if (slot.dataOff() >= hmp.geometry.largeBase()) {
            if (pending != null) hmp.directWait(pending);
            return Arrays.copyOf(HammerRecovery.read(hmp.dev, slot.dataOff(), BUFSIZE), slot.len());
        }
        long blk = slot.dataOff() / BUFSIZE * BUFSIZE;
        HammerBuffer db = hmp.getBuffer(HammerIoType.DATA_BUFFER, blk, false);
        try {
            int at = (int) (slot.dataOff() - blk);
            return Arrays.copyOfRange(db.data(), at, at + slot.len());
        } finally {
            hmp.relBuffer(db, false);
        }
    }

    /** hammer_flush_inode (inode.c stand-in): queue {@code ip}'s records on the fill flush group. */
    void flushInode(HammerInode ip) {
        if (ip.flushState == HammerInode.FLUSH) {
            if (ip.unqueued() > 0) ip.reflush = true;
            return;
        }
        if (ip.unqueued() == 0) return;
        HammerFlushGroup flg = hmp.flusher.fillFlushGroup;
        if (flg == null || flg.running) flg = hmp.flusher.newGroup();
        ++hmp.flusher.groupLock;
        HammerFlusherTrace tr = hmp.flusher.trace;
        String c = tr == null ? null : tr.client(hmp.flusher);
        if (tr != null) tr.addBegin(hmp.flusher, c, ip, flg.seq);
        try {
            for (HammerRecord r : ip.records) {
                if (r.flg == null) {
                    r.flg = flg;
                    flg.refs++;
                }
            }
            ip.flg = flg;
            ip.flushState = HammerInode.FLUSH;
            flg.flushTree.put(ip.objId, ip);
            flg.totalCount++;
        } finally {
            if (--hmp.flusher.groupLock == 0) Sleepq.wakeup(hmp.flusher.groupLockChan);
            if (tr != null) tr.addEnd(hmp.flusher, c, ip, flg.seq);
        }
    }

    /** hammer_sync_inode stand-in: commit the inode's records of its group to the index. */
    int syncInode(HammerTransaction trans, HammerInode ip) {
        int n = 0;
        for (;;) {
            HammerRecord rec = ip.records.peekFirst();
            if (rec == null || rec.flg != ip.flg) return 0;
            if (hmp.options.wouldblockBudget > 0 && n >= hmp.options.wouldblockBudget) return Errno.EWOULDBLOCK;
            hmp.directWait(rec);
            if (rec.directError != 0 || hmp.criticalError) return Errno.EIO;
            hmp.syncLockSh(trans);
            try {
                commitRecord(trans, rec);
            } finally {
                hmp.syncUnlock(trans);
            }
            ip.records.pollFirst();
            rec.flg.refs--;
            n++;
            if (hmp.flusher.metaLimit()) hmp.flusher.finalize(trans, false);
        }
    }

    private void commitRecord(HammerTransaction trans, HammerRecord rec) {
        int key = rec.key;
        HammerBuffer mb = hmp.getBuffer(HammerIoType.META_BUFFER, hmp.geometry.metaBlockOffset(key), false);
        try {
            int soff = hmp.geometry.slotOffset(key);
            hmp.modifyBuffer(trans, mb, soff, HammerOndisk.SLOT_SIZE);
            HammerOndisk.Slot old = HammerOndisk.Slot.decode(mb.data(), soff);
            HammerOndisk.Slot neu = rec.slot == null ? null
                    : new HammerOndisk.Slot(rec.slot.len(), rec.slot.dataOff(), trans.tid, rec.slot.dataCrc());
            HammerOndisk.Slot.encode(neu, mb.data(), soff);
            mb.gencrc = true;
            hmp.modifyBufferDone(mb);
            if (neu == null) hmp.committed.remove(key); else hmp.committed.put(key, neu);
            if (old != null) hmp.allocator.freeDelayed(old.dataOff(), hmp.snapshots);
        } finally {
            hmp.relBuffer(mb, false);
        }
        if (rec.data != null) {
            // the allocator rotors changed: the root volume must carry the blockmap (finalize step 5)
            hmp.modifyVolume(trans, 0, 0);
            hmp.modifyVolumeDone();
        }
    }

    /** hammer_flush_inode_done stand-in. */
    void syncInodeDone(HammerInode ip, int error) {
        if (ip.wouldblock && error == 0 && ip.records.peekFirst() != null && ip.records.peekFirst().flg == ip.flg) {
            ip.wouldblock = false;          // stays in its group's tree: the master re-runs the group
            if (hmp.flusher.trace != null) hmp.flusher.trace.flushInode(hmp.flusher, ip, true);
        } else {
            ip.wouldblock = false;
            if (error == 0) {
                ip.flg.flushTree.remove(ip.objId);
                ip.flg = null;
                ip.flushState = HammerInode.IDLE;
                if (hmp.flusher.trace != null) hmp.flusher.trace.flushInode(hmp.flusher, ip, false);
                Sleepq.wakeup(ip);
                if (ip.reflush) {
                    ip.reflush = false;
                    flushInode(ip);
                }
            }
        }
        ip.slaveflush = false;
    }

    /** Queues every inode with unqueued records on the fill flush group (sync, unmount). */
    void queueDirtyInodes() {
        for (HammerInode ip : inodes) if (ip.unqueued() > 0) flushInode(ip);
    }
}
