// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import dev.bioref.buf.Buf;
import dev.bioref.buf.BufCache;
import dev.bioref.buf.Vnode;

import java.util.ArrayList;

/**
 * The kernel calls HAMMER's I/O layer makes, on the port's buffer cache, for the one device
 * vnode of the mount (HAMMER's volume->devvp). A thin adapter: each method is the vfs_bio.c
 * call of the same name with the vnode and size filled in.
 */
final class HammerKern {
    final BufCache cache;
    final Vnode devvp;

    HammerKern(BufCache cache, Vnode devvp) {
        this.cache = cache;
        this.devvp = devvp;
    }

    /** bread(); a read error leaves B_ERROR set on the (held) buffer, as HAMMER's caller expects. */
    Buf bread(long offset, int bytes) {
        Buf[] bpp = new Buf[1];
        int error = cache.bread(devvp, offset, bytes, bpp);
        if (error != 0 && !bpp[0].anyFlags(Buf.B_ERROR)) {
            bpp[0].setFlags(Buf.B_ERROR);
            bpp[0].set_b_error(error);
        }
        return bpp[0];
    }

    Buf getblk(long offset, int bytes) { return cache.getblk(devvp, offset, bytes, 0, 0); }

    void regetblk(Buf bp) { cache.regetblk(bp); }

    void bawrite(Buf bp) { cache.bawrite(bp); }

    void bdwrite(Buf bp) { cache.bdwrite(bp); }

    void brelse(Buf bp) { cache.brelse(bp); }

    void bqrelse(Buf bp) { cache.bqrelse(bp); }

    void bundirty(Buf bp) { cache.bundirty(bp); }

    void vfs_bio_clrbuf(Buf bp) { cache.vfs_bio_clrbuf(bp); }

    Buf findblk(long offset) { return cache.findblk(devvp, offset, 0); }

    void bremfree(Buf bp) { cache.bremfree(bp); }

    /** buf_dep_init(): empty b_dep and drop b_ops. */
    void buf_dep_init(Buf bp) {
        for (Object d : new ArrayList<>(bp.b_dep())) bp.dep_remove(d);
        bp.set_b_ops(null);
    }
}
