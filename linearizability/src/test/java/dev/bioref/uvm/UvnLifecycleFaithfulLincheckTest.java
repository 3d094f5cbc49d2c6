// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/** {@link AbstractUvnLifecycleLincheckTest} on the FAITHFUL port (the 1998 seed, every rough edge kept). */
public class UvnLifecycleFaithfulLincheckTest extends AbstractUvnLifecycleLincheckTest {
    @Override protected UvmRoughEdges roughEdges() { return UvmRoughEdges.faithful(); }
}
