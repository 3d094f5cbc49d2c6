// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A scriptable BioOps that records each call with the buffer's state at the call and the
 * value it returned. Scripts: how countdeps and checkwrite answer, whether checkwrite and
 * deallocate set B_LOCKED, whether deallocate drops the deps, whether complete re-dirties.
 */
final class RecordingOps implements BioOps {
    record Call(String hook, long loffset, int flags, BufCmd cmd, int qindex, boolean locked, int ret) { }

    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    volatile int countdepsAnswer;
    volatile int checkwriteAnswer;
    volatile boolean checkwriteSetsLocked;
    volatile boolean deallocateRefuses;          // sets B_LOCKED and keeps the deps
    volatile boolean completeRedirties;
    volatile boolean completeDropsDeps;          // io_complete disassociates (drops all deps)
    /** Offsets whose checkwrite this hook refused and that were then written anyway (a broken promise). */
    final List<Long> writtenAfterRefusal = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> refused = Collections.synchronizedList(new ArrayList<>());
    BufCache cache;

    RecordingOps(BufCache cache) { this.cache = cache; }

    /** Hangs one dependency and this vector on a held buffer. */
    void attach(Buf bp) {
        bp.set_b_ops(this);
        bp.dep_add("dep@" + bp.b_loffset());
    }

    private void record(String hook, Buf bp, int ret) {
        calls.add(new Call(hook, bp.b_loffset(), bp.b_flags(), bp.b_cmd(), bp.b_qindex(), bp.b_lock().isLocked(), ret));
    }

    List<String> hooks() {
        synchronized (calls) {
            return calls.stream().map(Call::hook).toList();
        }
    }

    @Override public void io_start(Buf bp) { record("io_start", bp, 0); }

    @Override public void io_complete(Buf bp) {
        if (bp.b_cmd() == BufCmd.DONE && refused.contains(bp.b_loffset())
                && (bp.b_flags() & Buf.B_DELWRI) == 0) {
            writtenAfterRefusal.add(bp.b_loffset());
        }
        if (completeRedirties) cache.bdirty(bp);
        if (completeDropsDeps) for (Object d : List.copyOf(bp.b_dep())) bp.dep_remove(d);
        record("io_complete", bp, 0);
    }

    @Override public void io_deallocate(Buf bp) {
        if (deallocateRefuses) {
            bp.setFlags(Buf.B_LOCKED);
        } else {
            for (Object d : List.copyOf(bp.b_dep())) bp.dep_remove(d);
        }
        record("io_deallocate", bp, 0);
    }

    @Override public int io_fsync(Vnode vp) { calls.add(new Call("io_fsync", -1, 0, null, 0, false, 0)); return 0; }

    @Override public int io_sync(Object mp) { calls.add(new Call("io_sync", -1, 0, null, 0, false, 0)); return 0; }

    @Override public void io_movedeps(Buf bp1, Buf bp2) { record("io_movedeps", bp1, 0); }

    @Override public int io_countdeps(Buf bp, int n) {
        int r = countdepsAnswer;
        record("io_countdeps", bp, r);
        return r;
    }

    @Override public int io_checkread(Buf bp) { record("io_checkread", bp, 0); return 0; }

    @Override public int io_checkwrite(Buf bp) {
        int r = checkwriteAnswer;
        if (r != 0) {
            refused.add(bp.b_loffset());
            if (checkwriteSetsLocked) bp.setFlags(Buf.B_LOCKED);
        }
        record("io_checkwrite", bp, r);
        return r;
    }
}
