// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/** {@link AbstractMappedFileLincheckTest} on the FIXED port. */
public class MappedFileFixed extends AbstractMappedFileLincheckTest {
    @Override protected UvmRoughEdges roughEdges() { return UvmRoughEdges.fixed(); }
}
