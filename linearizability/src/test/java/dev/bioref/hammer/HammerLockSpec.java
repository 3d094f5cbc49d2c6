// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * Sequential specification of the refs/interlock word as the I/O layer uses it (notes §0,
 * hammer_subs.c): a ref count plus the CHECK bit ("loaded state must be re-checked"). Method
 * names and signatures match {@link AbstractHammerLockLincheckTest}.
 */
public class HammerLockSpec {
    int count;
    boolean check;
    int frontendHeld;
    int flusherHeld;
    boolean disposing;

    public int refAndMaybeLoad() {
        if (disposing) return -1;
        boolean load = count == 0 || check;
        count++;
        frontendHeld++;
        if (load) check = false;      // ref_interlock_done drops every flag
        return load ? 1 : 0;
    }

    public int relAndMaybeUnload() {
        if (frontendHeld == 0) return -1;
        frontendHeld--;
        count--;
        if (count == 0) {
            disposing = true;         // the interlock is held until unloadDone
            return 1;
        }
        return 0;
    }

    public boolean unloadDone() {
        if (!disposing) return false;
        disposing = false;
        if (count == 0) check = false; // rel_interlock_done on an idle word drops CHECK
        return true;
    }

    public void plainRef() {
        if (count == 0) check = true; // hammer_ref sets CHECK on 0→1
        count++;
        flusherHeld++;
    }

    public boolean plainRel() {
        if (flusherHeld == 0) return false;
        flusherHeld--;
        count--;
        if (count == 0) check = false;
        return true;
    }

    public boolean kernelProbe() { return count == 0 && !check && !disposing; }

    public int refs() { return count; }
}
