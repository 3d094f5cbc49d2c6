// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * The two ways the pager port can run. {@link #FAITHFUL} keeps every rough edge of the 1998
 * draft (shared/reference/uvm_vnode.md §5); {@link #FIXED} applies the documented fix of each.
 * A finer choice is a {@link UvmRoughEdges} with single switches flipped.
 */
public enum UvmMode {
    /** uvm_vnode.c rev 1.9 as written, rough edges included. */
    FAITHFUL,
    /** One documented fix per rough edge (proofs-notes/uvm.md). */
    FIXED;

    public UvmRoughEdges roughEdges() {
        return this == FAITHFUL ? UvmRoughEdges.faithful() : UvmRoughEdges.fixed();
    }
}
