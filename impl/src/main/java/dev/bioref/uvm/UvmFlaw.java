// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * A broken pager invariant or action property, named as in proofs-notes/invariants.md. The
 * message starts with the name and carries the values involved.
 */
public final class UvmFlaw extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final String invariant;

    public UvmFlaw(String invariant, String detail) {
        super(invariant + ": " + detail);
        this.invariant = invariant;
    }

    /** The invariant's name, e.g. {@code PagerNoSilentLossInv}. */
    public String invariant() { return invariant; }
}
