// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * Sequential specification of one vnode's object lifecycle (notes §1.3, §7.2 target 1): the
 * record (valid, canPersist, refs, writeable) with the transitions of uvn_attach, uvn_detach
 * and uvm_vnp_uncache. Attach never blocks here: in any linearization a blocked attach takes
 * effect after the kill that blocked it. The scenario starts ACTIVE with two references (one
 * writable) that {@code detachOne} may drop; the references attach adds stay.
 */
public class UvnLifecycleSpec {
    // the facade's starting state: two mappings (one writable), both in the detach pool
    private boolean valid = true, canPersist = true, writeable = true;
    private int refs = 2;
    private int handles = 2;   // references detachOne may still drop (the facade's pool)

    // uvn_attach: FREE -> ACTIVE (VALID|CANPERSIST, refs 1), or refs++ on a VALID object
    private boolean attach(boolean write) {
        if (!valid) {
            valid = true;
            canPersist = true;
            writeable = false;
            refs = 0;
        }
        refs++;
        writeable |= write;
        return true;
    }

    public boolean attachRead() { return attach(false); }

    public boolean attachWrite() { return attach(true); }

    // uvn_detach: the last reference persists (CANPERSIST) or kills the object
    public boolean detachOne() {
        if (handles == 0) return false;
        handles--;
        refs--;
        if (refs == 0 && !canPersist) kill();
        return true;
    }

    // uvm_vnp_uncache: TRUE when no object is left cached
    public boolean uncache() {
        if (!valid) return true;
        canPersist = false;
        if (refs > 0) return false;
        kill();
        return true;
    }

    private void kill() {
        valid = false;
        canPersist = false;
        writeable = false;
        refs = 0;
    }

    public String state() {
        return (valid ? "VALID" : "-") + (canPersist ? "|CANPERSIST" : "") + (writeable ? "|WRITEABLE" : "") + " refs=" + refs;
    }
}
