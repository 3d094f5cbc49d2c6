// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import dev.bioref.device.Completion;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.device.Request;
import dev.bioref.kern.Errno;
import dev.bioref.kern.Panic;

import java.util.HashMap;
import java.util.Map;

/**
 * Stand-in (outside seed): a 1998 vnode as the pager sees it, plus a toy file system on the
 * loopback device. The vnode embeds its {@link UvmVnode} (type-stable, as {@code v_uvm}).
 *
 * <ul>
 *   <li>usecount ({@code VREF}/{@code vget}/{@code vrele}) and the free list, guarded by this
 *       (v_interlock). {@code vref} on usecount 0 panics as the DIAGNOSTIC kernel does ("vref used
 *       where vget required").</li>
 *   <li>the vnode lock ({@code vn_lock}/{@code VOP_UNLOCK}): an exclusive sleep lock with an owner;
 *       locking it twice panics ("locking against myself"); waits are bounded (deadlock report).</li>
 *   <li>the file: bytes {@code [0, fsSize)} at {@code base} on the device, read and written by
 *       {@code VOP_READ}/{@code VOP_WRITE} (non-FUA writes; {@code VOP_FSYNC} issues the device
 *       FLUSH). The buffer cache is left out (RE-28: the seed's double caching is not modelled).
 *       Injectable faults: the next writes fail with EIO, or are short.</li>
 * </ul>
 */
public final class Vnode {
    final VnodeLayer layer;
    public final int fileId;
    final long base;                 // the file's first byte on the device
    final long maxSize;              // the file may not grow past this
    public final UvmVnode uvn;       // v_uvm, embedded and type-stable

    // guarded by this (v_interlock)
    private int usecount;
    private boolean onFreeList;
    private long generation;         // bumped when the vnode is recycled or vgone'd
    int uvnRefs;                     // ghost: VREFs held by the uvn (0 or 1 unless a flaw)
    int externalRefs;                // ghost: references held by everyone else
    boolean dead;                    // vgone'd by a forced unmount: deadfs, all I/O fails

    // the vnode lock
    private volatile Thread lockOwner;
    private final Object lockChan = new Object();

    // the toy file system; guarded by fsLock
    private final Object fsLock = new Object();
    private long fsSize;
    private final Map<Long, Long> diskVersion = new HashMap<>();   // ghost: page offset -> data version on the device
    private int failWrites;          // inject: the next n VOP_WRITEs fail with EIO
    private int shortWriteBytes = -1; // inject: the next VOP_WRITE stops after this many bytes
    private int failReads;
    private boolean getattrFails;

    Vnode(VnodeLayer layer, int fileId, long base, long maxSize) {
        this.layer = layer;
        this.fileId = fileId;
        this.base = base;
        this.maxSize = maxSize;
        this.uvn = new UvmVnode(this);
        this.onFreeList = true;
    }

    public UvmSched sched() { return layer.sched; }

    // ------------------------------------------------------------------ references

    // vfs_subr.c vref(): DIAGNOSTIC panics when used on an unreferenced vnode
    void vref(boolean byUvn) {
        synchronized (this) {
            if (usecount <= 0) {
                throw new Panic("vref used where vget required: vnode " + fileId + " usecount=" + usecount
                        + " onFreeList=" + onFreeList);
            }
            usecount++;
            if (byUvn) uvnRefs++; else externalRefs++;
        }
    }

    // vfs_subr.c vget(): takes the vnode off the free list if needed
    void vget(boolean byUvn) {
        synchronized (this) {
            if (usecount == 0) onFreeList = false;
            usecount++;
            if (byUvn) uvnRefs++; else externalRefs++;
        }
    }

    // vfs_subr.c vrele(): the last reference puts the vnode on the free list (VOP_INACTIVE is a no-op here)
    void vrele(boolean byUvn) {
        synchronized (this) {
            if (usecount <= 0) throw new Panic("vrele: negative ref cnt, vnode " + fileId + " usecount=" + usecount);
            if (byUvn && uvnRefs <= 0) throw new Panic("vrele: uvn drops a reference it does not hold, vnode " + fileId);
            if (!byUvn && externalRefs <= 0) throw new Panic("vrele: caller drops a reference it does not hold, vnode " + fileId);
            usecount--;
            if (byUvn) uvnRefs--; else externalRefs--;
            if (usecount != 0) return;
            onFreeList = true;
        }
        // VOP_INACTIVE under the vnode lock (vrele's vn_lock; skipped if the caller holds it, as under VXLOCK).
        // It may sleep: a caller holding a simple lock panics in UvmSched.sleep (RE-13).
        if (lockOwner != Thread.currentThread()) {
            vnLock();
            vopUnlock();
        }
    }

    /** A process's own reference (namei/open): vget. */
    public void vgetExternal() { vget(false); }

    /** Drops a process's reference. */
    public void vreleExternal() { vrele(false); }

    public synchronized int usecount() { return usecount; }
    public synchronized boolean onFreeList() { return onFreeList; }
    public synchronized long generation() { return generation; }
    public synchronized int uvnRefs() { return uvnRefs; }
    public synchronized int externalRefs() { return externalRefs; }
    public synchronized boolean isDead() { return dead; }

    synchronized void bumpGeneration() { generation++; }

    // ------------------------------------------------------------------ the vnode lock

    // vfs_vnops.c vn_lock(LK_EXCLUSIVE | LK_RETRY)
    public void vnLock() {
        Thread me = Thread.currentThread();
        if (lockOwner == me) throw new Panic("lockmgr: locking against myself: vnode " + fileId);
        UvmSched s = layer.sched;
        while (true) {
            long t = s.interlock(lockChan);
            synchronized (this) {
                if (lockOwner == null) {
                    lockOwner = me;
                    return;
                }
            }
            s.sleep(lockChan, t, "vn_lock", () -> "vnode " + fileId + " lock held by " + SimpleLock.nameOf(lockOwner),
                    () -> lockOwner);
        }
    }

    // VOP_UNLOCK()
    public void vopUnlock() {
        synchronized (this) {
            if (lockOwner != Thread.currentThread()) {
                throw new Panic("VOP_UNLOCK: vnode " + fileId + " not locked by " + Thread.currentThread().getName()
                        + " (owner " + SimpleLock.nameOf(lockOwner) + ")");
            }
            lockOwner = null;
        }
        layer.sched.wakeup(lockChan);
    }

    /** vn_lock(LK_NOWAIT): false if someone holds it. */
    boolean tryVnLock() {
        Thread me = Thread.currentThread();
        if (lockOwner == me) throw new Panic("lockmgr: locking against myself: vnode " + fileId);
        synchronized (this) {
            if (lockOwner != null) return false;
            lockOwner = me;
            return true;
        }
    }

    /** Sleeps until the vnode lock is released or {@code nanos} pass. */
    void awaitLockChange(long nanos) {
        long t = layer.sched.interlock(lockChan);
        if (lockOwner == null) return;
        dev.bioref.kern.Sleepq.tsleep(lockChan, t, "vn_lock", nanos);
    }

    /** VOP_ISLOCKED by the calling thread. */
    public boolean lockedByMe() { return lockOwner == Thread.currentThread(); }

    Thread lockOwner() { return lockOwner; }

    // ------------------------------------------------------------------ the toy file system

    // VOP_GETATTR(): the file's size, or an error
    long[] vopGetattr() {
        synchronized (fsLock) {
            if (getattrFails || dead) return new long[] {Errno.EIO, 0};
            return new long[] {0, fsSize};
        }
    }

    public long fsSize() { synchronized (fsLock) { return fsSize; } }

    /** The file system's own size change (write extends, truncate shrinks), before uvm_vnp_setsize. */
    public void fsSetSize(long n) {
        if (n < 0 || n > maxSize) throw new IllegalArgumentException("file size " + n + " outside [0, " + maxSize + "]");
        synchronized (fsLock) {
            long old = fsSize;
            if (n < old) {
                // truncation frees the blocks: bytes past n read as zeros afterwards
                zeroOnDevice(n, old - n);
                for (long p = roundPage(n); p < roundPage(old); p += VmPage.PAGE_SIZE) diskVersion.remove(p);
            }
            fsSize = n;
        }
    }

    /** VOP_READ: returns {error, resid}. Reads stop at the file size. */
    int[] vopRead(long off, int len, byte[] buf) {
        synchronized (fsLock) {
            if (dead) return new int[] {Errno.EIO, len};
            if (failReads > 0) { failReads--; return new int[] {Errno.EIO, len}; }
            if (len <= 0) return new int[] {0, len};
            long n = Math.max(0, Math.min(len, fsSize - off));
            if (n > 0) readDevice(off, buf, (int) n);
            return new int[] {0, (int) (len - n)};
        }
    }

    /** VOP_WRITE: returns {error, resid}; extends the file. {@code versions[i]} is the ghost version of page i. */
    int[] vopWrite(long off, int len, byte[] buf, long[] versions) {
        synchronized (fsLock) {
            if (dead) return new int[] {Errno.EIO, len};
            if (failWrites > 0) { failWrites--; return new int[] {Errno.EIO, len}; }
            if (len <= 0) return new int[] {0, len};       // a negative uio_resid writes nothing (RE-10)
            int n = len;
            if (shortWriteBytes >= 0) { n = Math.min(n, shortWriteBytes); shortWriteBytes = -1; }
            if (off + n > maxSize) n = (int) Math.max(0, maxSize - off);
            if (n > 0) writeDevice(off, buf, n);
            if (off + n > fsSize) fsSize = off + n;
            for (int i = 0; i < versions.length; i++) {
                long pOff = off + (long) i * VmPage.PAGE_SIZE;
                long pEnd = Math.min(pOff + VmPage.PAGE_SIZE, off + len);
                if (off + n >= pEnd && pEnd > pOff) diskVersion.put(pOff, versions[i]);   // the page's bytes all landed
            }
            return new int[] {0, len - n};
        }
    }

    // VOP_FSYNC(): the device FLUSH; commit point: every write completed before it is durable
    public int vopFsync() {
        Completion c = layer.device.execute(Request.flush());
        return c.ok() ? 0 : Errno.EIO;
    }

    /** Ghost: the data version of the page at {@code pageOff} on the device (0: never written by the pager). */
    public long diskVersion(long pageOff) { synchronized (fsLock) { return diskVersion.getOrDefault(pageOff, 0L); } }

    /** Inject: the next {@code n} VOP_WRITEs fail with EIO and write nothing. */
    public void failNextWrites(int n) { synchronized (fsLock) { failWrites = n; } }

    /** Inject: the next VOP_READ fails with EIO. */
    public void failNextReads(int n) { synchronized (fsLock) { failReads = n; } }

    /** Inject: the next VOP_WRITE writes only {@code bytes} bytes and reports the rest as resid. */
    public void shortNextWrite(int bytes) { synchronized (fsLock) { shortWriteBytes = bytes; } }

    /** Inject: VOP_GETATTR fails. */
    public void getattrFails(boolean b) { synchronized (fsLock) { getattrFails = b; } }

    /** The file's bytes as the device shows them now (not necessarily durable). */
    public byte[] readFile(long off, int len) {
        if (off < 0 || len < 0 || off + len > maxSize) throw new IllegalArgumentException("range [" + off + ", +" + len + ") outside the file's extent " + maxSize);
        byte[] b = new byte[len];
        synchronized (fsLock) {
            long n = Math.max(0, Math.min(len, fsSize - off));
            if (n > 0) readDevice(off, b, (int) n);
        }
        return b;
    }

    /** The file's bytes in the device's durable image (what a crash now would leave). */
    public byte[] readFileDurable(long off, int len) {
        if (off < 0 || len < 0 || off + len > maxSize) throw new IllegalArgumentException("range [" + off + ", +" + len + ") outside the file's extent " + maxSize);
        if (len == 0) return new byte[0];
        long start = base + off;
        long s0 = start - start % LoopbackDevice.SECTOR_SIZE;
        long end = roundUp(start + len, LoopbackDevice.SECTOR_SIZE);
        byte[] all = layer.device.peekDurable(s0, (int) (end - s0));
        byte[] b = new byte[len];
        System.arraycopy(all, (int) (start - s0), b, 0, len);
        return b;
    }

    private void readDevice(long off, byte[] buf, int n) {
        long start = base + off;
        long s0 = start - start % LoopbackDevice.SECTOR_SIZE;
        long end = roundUp(start + n, LoopbackDevice.SECTOR_SIZE);
        byte[] tmp = new byte[(int) (end - s0)];
        Completion c = layer.device.execute(Request.read(s0, tmp));
        if (!c.ok()) throw new IllegalStateException("device read failed under the toy FS: " + c);
        System.arraycopy(tmp, (int) (start - s0), buf, 0, n);
    }

    private void writeDevice(long off, byte[] buf, int n) {
        long start = base + off;
        long s0 = start - start % LoopbackDevice.SECTOR_SIZE;
        long end = roundUp(start + n, LoopbackDevice.SECTOR_SIZE);
        byte[] tmp = new byte[(int) (end - s0)];
        Completion r = layer.device.execute(Request.read(s0, tmp));
        if (!r.ok()) throw new IllegalStateException("device read failed under the toy FS: " + r);
        System.arraycopy(buf, 0, tmp, (int) (start - s0), n);
        Completion c = layer.device.execute(Request.write(s0, tmp));
        if (!c.ok()) throw new IllegalStateException("device write failed under the toy FS: " + c);
    }

    private void zeroOnDevice(long off, long len) {
        if (len <= 0) return;
        writeDevice(off, new byte[(int) len], (int) len);
    }

    static long roundUp(long x, long m) { return (x + m - 1) / m * m; }
    static long roundPage(long x) { return roundUp(x, VmPage.PAGE_SIZE); }

    @Override public String toString() {
        return "vnode" + fileId + "[use=" + usecount + " free=" + onFreeList + " gen=" + generation + " dead=" + dead + "]";
    }
}
