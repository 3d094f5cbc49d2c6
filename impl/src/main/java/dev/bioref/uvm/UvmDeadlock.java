// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/**
 * A wait that outlived {@link UvmSched}'s bound: the message names the waiter, what it waits
 * for, and the chain of holders (the wait-for cycle, or the point where nobody will wake it).
 */
public final class UvmDeadlock extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final String cycle;

    public UvmDeadlock(String cycle) {
        super("deadlock: " + cycle);
        this.cycle = cycle;
    }

    /** The wait-for chain, e.g. {@code T1 -[vn_lock]-> T2 -[page busy]-> T1}. */
    public String cycle() { return cycle; }
}
