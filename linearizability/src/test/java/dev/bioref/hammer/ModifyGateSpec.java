// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/** Sequential specification of the modify gate: modify_refs as an integer semaphore. */
public class ModifyGateSpec {
    private int m;
    private int openModifies;
    private boolean interlockHeld;

    public boolean tryBeginModify() {
        if (m < 0) return false;
        m++;
        openModifies++;
        return true;
    }

    public int endModify() {
        if (openModifies == 0) return -1;
        m--;
        openModifies--;
        return 0;
    }

    public boolean tryWriteInterlock() {
        if (interlockHeld || m != 0) return false;
        m = -1;
        interlockHeld = true;
        return true;
    }

    public boolean doneInterlock() {
        if (!interlockHeld) return false;
        m = 0;
        interlockHeld = false;
        return true;
    }

    public int modRefs() { return m; }
}
