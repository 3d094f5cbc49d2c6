// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * One switch per rough edge RE-n of shared/reference/uvm_vnode.md §5. A switch that is
 * {@code true} keeps the 1998 seed's behaviour (the rough edge); {@code false} applies the fix
 * documented in proofs-notes/uvm.md. The field names are the names used everywhere: the TLA+
 * constants of specs/UvmVnode.tla (branch uvmv), the tests, the notes.
 *
 * <p>Rough edges without a switch (no behaviour to switch: dead code, comments, design) are
 * listed in proofs-notes/uvm.md with the reason: RE-21, RE-24, RE-26, RE-28, RE-29.
 */
public final class UvmRoughEdges {
    /** RE-1: terminate, setsize and uncache ignore ALOCK (the attach GETATTR window). Fix: they wait while ALOCK. */
    public boolean re1AttachWindowIgnored;
    /** RE-2: flush's iosync waits for u_nio == 0 only; a thread parked at the IOSYNC gate is not counted. Fix: the gate counts its waiters. */
    public boolean re2IosyncWaitsOnlyForNio;
    /** RE-3: the finish loop marks pages CLEAN after a failed write; retval is FALSE only with FREE. Fix: leave dirty, return FALSE. */
    public boolean re3MarksCleanOnWriteError;
    /** RE-4: a short write (0 &lt; got &lt; wanted) is success; a short read is zero-filled. Fix: a short write is EIO; a short read only at EOF. */
    public boolean re4ShortTransferIsSuccess;
    /** RE-5: setsize frees from trunc_page(newsize), discarding dirty bytes below the new EOF. Fix: free from round_page, zero the tail. */
    public boolean re5TruncateFreesEofPage;
    /** RE-6: the RELKILL path never vrele's the uvn's vnode reference. Fix: vrele when the releasepg kill (or terminate's takeover) completes. */
    public boolean re6RelkillLeaksVref;
    /** RE-7: terminate loops on uo_npages but sleeps on &amp;u_nio, woken only when u_nio reaches 0. Fix: releasepg wakes a pages-drained channel. */
    public boolean re7TerminateWaitsOnNio;
    /** RE-8: terminate with refs &gt; 0 leaves IOSYNC (and IOSYNCWANTED) set. Fix: clear both and wake &amp;u_flags. */
    public boolean re8TerminateLeaksIosync;
    /** RE-9: VNISLOCKED is an object flag read twice, unlocked, by uvn_io. Fix: a per-call parameter, read once. */
    public boolean re9VnIsLockedIsObjectFlag;
    /** RE-10: uvn_io reads u_size without the object lock to clip the transfer. Fix: snapshot under the lock; shrink during I/O clips. */
    public boolean re10UnlockedSizeReadInIo;
    /** RE-11: uvm_vnp_sync unlinks from uvn_wlist without uvn_wl_lock. Fix: take uvn_wl_lock. */
    public boolean re11SyncUnlinksWithoutWlLock;
    /** RE-12: uvm_vnp_sync VREFs a persisting vnode whose usecount may be 0 (on the free list). Fix: vget-style, skip usecount 0. */
    public boolean re12SyncVrefsFreeVnode;
    /** RE-13: the persist path calls vrele with the object lock held. Fix: unlock first. */
    public boolean re13VreleUnderObjectLock;
    /** RE-14: uvm_vnp_sync spins on a try-lock, unbounded. Fix: bounded spin, then skip the uvn. */
    public boolean re14SyncTryLockSpin;
    /** RE-15: flush returns TRUE with the object unlocked when releasepg kills it. Fix: a check that throws (unreachable by design). */
    public boolean re15FlushReturnsUnlocked;
    /** RE-16: the finish loop tests pp's queue/wire state but deactivates ptmp. Fix: test ptmp. */
    public boolean re16FinishChecksWrongPage;
    /** RE-17: an out-of-range flush says "fixed" but does not clamp stop. Fix: clamp stop to round_page(u_size). */
    public boolean re17FlushStopNotClamped;
    /** RE-18: the AGAIN retry re-clusters pp without revalidation (RELEASED, past EOF: uvn_cluster panics). Fix: revalidate. */
    public boolean re18AgainRetrySkipsRevalidation;
    /** RE-19: a slow get's error leaves earlier filled slots BUSY. Fix: unbusy them. */
    public boolean re19GetErrorLeavesSlotsBusy;
    /** RE-20: uvn_get ignores VALID/DYING: a fault adds pages to a terminating object. Fix: ERROR on DYING or !VALID. */
    public boolean re20GetIgnoresDying;
    /** RE-22: flush's iosync does not wait for busy pages that are not in I/O (a fault owner's). Fix: wait for each busy page seen (PG_WANTED). */
    public boolean re22IosyncIgnoresFaultBusyPages;
    /** RE-23: uvn_reference checks only VALID (not refs &gt; 0, not DYING). Fix: check refs &gt; 0 too. */
    public boolean re23ReferenceChecksOnlyValid;
    /** RE-25: sizes are clamped to 2^32 - PAGE_SIZE (32-bit vm_offset_t). Fix: 64-bit sizes. */
    public boolean re25SizeClampedTo32Bits;
    /** RE-27: a FREE flush frees wired pages (DEACTIVATE honours wiring). Fix: a non-truncating FREE skips wired pages. */
    public boolean re27FreeIgnoresWiring;

    /**
     * N1 (new finding, specs/UvmVnode.tla on branch uvmv): attach's relock (L257) accepts a GETATTR
     * that ran while vclean was terminating the object or after terminate returned, so a VALID
     * object appears on a vnode that is becoming deadfs. Fix: the relock fails under VXLOCK or on a dead vnode.
     */
    public boolean nf1AttachDuringVclean;
    /**
     * N2 (new finding, branch uvmv): releasepg frees a RELEASED page that is still dirty (its write
     * failed, or nobody wrote it) and nobody reports the loss. Fix: releasepg reports it
     * ("changes may be lost"), as the FREE flush does for its own pages.
     */
    public boolean nf2ReleasedDirtyDroppedSilently;

    /**
     * N3 (new finding, branch uvmv): the last detach of an uncached object does not look at DYING,
     * so during a forced terminate it runs its own kill, sets RELKILL on the page terminate is
     * writing, and terminate's flush then kills the object under itself (RE-15 becomes reachable).
     * Fix: detach leaves a DYING object to its terminator, which then frees it and drops the VREF.
     */
    public boolean nf3DetachKillsDuringTerminate;

    private UvmRoughEdges() { }

    /** Every rough edge on: the 1998 seed. */
    public static UvmRoughEdges faithful() { return all(true); }

    /** Every rough edge fixed. */
    public static UvmRoughEdges fixed() { return all(false); }

    private static UvmRoughEdges all(boolean v) {
        UvmRoughEdges r = new UvmRoughEdges();
        for (Field f : switches()) {
            try { f.setBoolean(r, v); } catch (IllegalAccessException e) { throw new AssertionError(e); }
        }
        return r;
    }

    /** A copy with one switch set; throws naming the bad switch if there is no such field. */
    public UvmRoughEdges with(String name, boolean value) {
        UvmRoughEdges r = copy();
        for (Field f : switches()) {
            if (f.getName().equals(name)) {
                try { f.setBoolean(r, value); } catch (IllegalAccessException e) { throw new AssertionError(e); }
                return r;
            }
        }
        throw new IllegalArgumentException("no rough-edge switch named '" + name + "'; known: " + names());
    }

    public UvmRoughEdges copy() {
        UvmRoughEdges r = new UvmRoughEdges();
        for (Field f : switches()) {
            try { f.setBoolean(r, f.getBoolean(this)); } catch (IllegalAccessException e) { throw new AssertionError(e); }
        }
        return r;
    }

    /** The switch names, in RE order. */
    public static List<String> names() {
        List<String> n = new ArrayList<>();
        for (Field f : switches()) n.add(f.getName());
        return n;
    }

    private static List<Field> switches() {
        List<Field> l = new ArrayList<>();
        for (Field f : UvmRoughEdges.class.getDeclaredFields()) {
            if (f.getType() == boolean.class && !Modifier.isStatic(f.getModifiers())) l.add(f);
        }
        return l;
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Field f : switches()) {
            try {
                if (f.getBoolean(this)) sb.append(sb.length() > 1 ? "," : "").append(f.getName());
            } catch (IllegalAccessException e) { throw new AssertionError(e); }
        }
        return sb.append('}').toString();
    }
}
