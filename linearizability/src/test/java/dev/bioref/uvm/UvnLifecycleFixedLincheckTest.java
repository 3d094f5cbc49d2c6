// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/** {@link AbstractUvnLifecycleLincheckTest} on the FIXED port (every rough edge fixed). */
public class UvnLifecycleFixedLincheckTest extends AbstractUvnLifecycleLincheckTest {
    @Override protected UvmRoughEdges roughEdges() { return UvmRoughEdges.fixed(); }
}
