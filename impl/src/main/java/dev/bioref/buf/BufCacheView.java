package dev.bioref.buf;

import java.util.List;

/**
 * Read-only inspection of a {@link BufCache} for tests, checkers and the CLI: its parameters,
 * the global counters, the wait words and queue lengths; ports no seed (vfs_bio.c exports these
 * as sysctls). Get one with {@link BufCache#view()}. A reading is a snapshot of one counter; read
 * several only when the cache is quiescent if they must agree.
 */
public final class BufCacheView {
    private final BufCache c;            // the cache inspected; immutable

    BufCacheView(BufCache c) { this.c = c; }

    public Params params() { return c.params; }
    public BufMutations mutations() { return c.mut; }
    public BufQuirks quirks() { return c.quirks; }
    public int nbuf() { return c.nbuf; }
    /** Header {@code i} of the pool (for tests and checkers). */
    public Buf header(int i) { return c.buf[i]; }
    public long bufspace() { return c.bufspace.get(); }
    public long dirtybufcount() { return c.dirtybufcount.get(); }
    public long dirtykvaspace() { return c.dirtykvaspace.get(); }
    public long dirtybufspace() { return c.dirtybufspace.get(); }
    public long dirtybufcounthw() { return c.dirtybufcounthw.get(); }
    public long dirtybufspacehw() { return c.dirtybufspacehw.get(); }
    public long runningbufspace() { return c.runningbufspace.get(); }
    public long runningbufcount() { return c.runningbufcount.get(); }
    public int needsbuffer() { return c.needsbuffer.get(); }
    public int runningbufreq() { return c.runningbufreq.get(); }
    public int bd_request() { return c.bd_request.get(); }
    public int bd_request_hw() { return c.bd_request_hw.get(); }
    public List<Vnode> vnodes() { return List.copyOf(c.vnodes); }

    /** Number of headers on queue {@code q} over all CPU buckets. */
    public int queueLength(int q) {
        int n = 0;
        for (BufCache.Bufpcpu pcpu : c.bufpcpu) {
            pcpu.spin.spin_lock();
            try {
                for (Buf bp = pcpu.bufqueues[q].first(); bp != null; bp = BufQueue.next(bp)) {
                    if (!bp.hasFlags(Buf.B_MARKER)) n++;
                }
            } finally {
                pcpu.spin.spin_unlock();
            }
        }
        return n;
    }
}
