// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One BIO translation layer of a buffer (struct bio). b_bio1 is the logical layer at b_loffset;
 * lower layers are pushed with {@link BufCache#push_bio} and completion walks back up
 * through bio_prev (see {@link BufCache#biodone}).
 * Fields are guarded by the buffer lock (the owner, or the I/O path while b_cmd != DONE);
 * bio_flags is atomic because biowait and biodone_sync race on it by design.
 */
public final class Bio {
    public static final long NOOFFSET = -1L;

    /** Completion was signalled (biodone_sync); biowait clears it. */
    public static final int BIO_DONE = 0x1;
    /** Synchronous I/O: completion goes to biodone_sync. */
    public static final int BIO_SYNC = 0x2;
    /** A thread sleeps in biowait on this bio. */
    public static final int BIO_WANT = 0x4;

    final Buf bio_buf;          // back pointer, fixed
    final int index;            // position in b_bio_array
    Bio bio_prev;               // previous (upper) layer or null; guarded by the buffer lock
    Bio bio_next;               // next (lower) layer or null; guarded by the buffer lock
    volatile long bio_offset = NOOFFSET;  // this layer's offset (NOOFFSET = translation not cached)
    volatile BioDone bio_done;  // completion callback of this layer, or null
    final AtomicInteger bio_flags = new AtomicInteger();
    volatile BioTrack bio_track; // in-flight tracker taken by vn_strategy, released by biodone
    public volatile Object bio_caller_info1;  // opaque to the cache
    public volatile Object bio_caller_info2;  // opaque to the cache

    Bio(Buf bp, int index) {
        this.bio_buf = bp;
        this.index = index;
    }

    public Buf bio_buf() { return bio_buf; }
    public Bio bio_prev() { return bio_prev; }
    public Bio bio_next() { return bio_next; }
    public long bio_offset() { return bio_offset; }
    public void set_bio_offset(long off) { this.bio_offset = off; }
    public BioDone bio_done() { return bio_done; }
    /** Sets this layer's completion callback; the caller must own the buffer. */
    public void set_bio_done(BioDone done) { this.bio_done = done; }
    public int bio_flags() { return bio_flags.get(); }
    public void bio_flags_clear(int mask) { bio_flags.updateAndGet(f -> f & ~mask); }
    public void bio_flags_set(int mask) { bio_flags.updateAndGet(f -> f | mask); }
    public int index() { return index; }

    @Override public String toString() {
        return "bio" + (index + 1) + "[off=" + bio_offset + ",flags=0x" + Integer.toHexString(bio_flags.get())
                + (bio_done != null ? ",done" : "") + "]";
    }
}
