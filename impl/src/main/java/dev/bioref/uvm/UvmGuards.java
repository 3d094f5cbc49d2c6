// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * Mutation switches for guards the 1998 seed HAS (unlike {@link UvmRoughEdges}, whose switches
 * are the seed's flaws). Every switch is off in both modes, FAITHFUL and FIXED; {@code true}
 * removes the guard its name describes, so that a test can show that something catches its
 * absence. The names are the TLA+ constants of {@code specs/src/main/tla/UvmVnode.tla} (one
 * model each, {@code MCUvmVnode_<name>.cfg}); the witnesses are {@code UvmGuardsTest} and the
 * JCStress mutants in {@code stress/.../uvm/mutants} (proofs-notes/mutants.md, UVM section).
 *
 * <p>Held by {@link VnodeLayer#guards} and read at the guard (no copy), so that a test may flip
 * one before the race it sets up.
 */
public final class UvmGuards {
    /** Without attach's BLOCKED loop (L188-195): attach goes on through ALOCK, DYING or RELKILL. */
    public volatile boolean attachIgnoresBlocked;
    /** Without flush's busy test for FREE (L975-977): a busy page is freed under its owner instead of marked RELEASED. */
    public volatile boolean flushFreesBusy;
    /** Without the write-protect before the pageout (L1000 and uvm_mk_pcluster): stores go on during the write. */
    public volatile boolean flushSkipsWriteProtect;
    /** Without sampling the pmap modified bit (L945-947): a page dirtied through a mapping looks clean to flush. */
    public volatile boolean flushIgnoresModified;
    /** Without the owner's RELEASED check (L1136-1141 and the pagedaemon's, the fault's): a RELEASED page is left unbusy. */
    public volatile boolean ownerIgnoresReleased;
    /** Without terminate's wait for the pages (L573-593): terminate returns while pages are still busy in I/O. */
    public volatile boolean terminateSkipsWait;

    /** A fresh set, every guard in place. */
    public UvmGuards() { }

    /** Sets the switch of that name; throws naming the bad name (and changes nothing) if there is none. */
    public UvmGuards with(String name, boolean value) {
        switch (name) {
            case "attachIgnoresBlocked" -> attachIgnoresBlocked = value;
            case "flushFreesBusy" -> flushFreesBusy = value;
            case "flushSkipsWriteProtect" -> flushSkipsWriteProtect = value;
            case "flushIgnoresModified" -> flushIgnoresModified = value;
            case "ownerIgnoresReleased" -> ownerIgnoresReleased = value;
            case "terminateSkipsWait" -> terminateSkipsWait = value;
            default -> throw new IllegalArgumentException("no guard switch named '" + name + "'; known: attachIgnoresBlocked, "
                    + "flushFreesBusy, flushSkipsWriteProtect, flushIgnoresModified, ownerIgnoresReleased, terminateSkipsWait");
        }
        return this;
    }
}
